/**
 * Shared parts of the seeded random differentials against python
 * keystoneauth1 (Debian's python3-keystoneauth1 5.0): a reproducible random
 * source, the seed (OSAUTH_DIFF_SEED reruns a failure), and one python
 * process per run that gets every case as JSON on stdin.
 */
import { fileURLToPath as fromFileUrl } from "node:url";
import { AccessInfo, BaseIdentityPlugin, type EndpointDataFilter } from "../../mod.ts";

export const PYTHON = "/usr/bin/python3";

/** The seed of this run: OSAUTH_DIFF_SEED, else a fresh one (printed with every failure). */
export function diffSeed(): number {
  const fixed = Deno.env.get("OSAUTH_DIFF_SEED");
  if (fixed !== undefined && fixed !== "") {
    const n = Number(fixed);
    if (!Number.isSafeInteger(n) || n < 0) throw new Error(`OSAUTH_DIFF_SEED=${fixed}: not a seed`);
    return n;
  }
  return crypto.getRandomValues(new Uint32Array(1))[0]!;
}

/** How many cases to run: OSAUTH_DIFF_CASES, else `fallback`. */
export function diffCases(fallback: number): number {
  const n = Number(Deno.env.get("OSAUTH_DIFF_CASES") ?? fallback);
  return Number.isSafeInteger(n) && n > 0 ? n : fallback;
}

/** A small seeded generator (mulberry32) with the helpers the generators need. */
export class Rng {
  #state: number;
  constructor(seed: number) {
    this.#state = seed >>> 0;
  }
  /** A float in [0, 1). */
  next(): number {
    let t = (this.#state = (this.#state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  /** True with probability p. */
  chance(p: number): boolean {
    return this.next() < p;
  }
  /** One element of a non-empty list. */
  pick<T>(list: readonly T[]): T {
    return list[Math.floor(this.next() * list.length)]!;
  }
  /** `n` distinct elements of `list`, in random order. */
  sample<T>(list: readonly T[], n: number): T[] {
    const copy = [...list];
    for (let i = copy.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      [copy[i], copy[j]] = [copy[j]!, copy[i]!];
    }
    return copy.slice(0, n);
  }
}

/** `undefined` when python keystoneauth1 can be run, else why not. */
export async function keystoneauthMissing(): Promise<string | undefined> {
  try {
    const out = await new Deno.Command(PYTHON, {
      args: ["-c", "import keystoneauth1.discover, keystoneauth1.access.service_catalog"],
      stdout: "null",
      stderr: "null",
    }).output();
    return out.success ? undefined : "python3-keystoneauth1 is not installed";
  } catch {
    return `${PYTHON} is not available`;
  }
}

/**
 * CI installs keystoneauth1 and sets OSAUTH_REQUIRE_PYTHON=1: there a missing
 * reference fails the test instead of skipping it.
 */
export function skipReason(missing: string | undefined): string | undefined {
  return Deno.env.get("OSAUTH_REQUIRE_PYTHON") === "1" ? undefined : missing;
}

/**
 * Registers a test that needs python keystoneauth1: skipped (saying so in its
 * name) where it is not installed, failed where OSAUTH_REQUIRE_PYTHON=1.
 */
export async function keystoneauthTest(name: string, fn: () => Promise<void>): Promise<void> {
  const missing = await keystoneauthMissing();
  const skip = skipReason(missing);
  Deno.test({
    name: skip ? `${name}: SKIPPED (${skip}; apt-get install python3-keystoneauth1)` : name,
    ignore: skip !== undefined,
    async fn() {
      if (missing) throw new Error(`OSAUTH_REQUIRE_PYTHON=1 but ${missing}`);
      await fn();
    },
  });
}

/** A keystoneauth1-style call's filter (snake_case keywords) as osauth's EndpointDataFilter. */
export function osauthFilter(call: {
  service_type?: string;
  interface?: string;
  min_version?: string;
  max_version?: string;
  version?: string;
  endpoint_override?: string;
}): EndpointDataFilter {
  return {
    serviceType: call.service_type,
    interface: call.interface,
    minVersion: call.min_version,
    maxVersion: call.max_version,
    version: call.version,
    endpointOverride: call.endpoint_override,
  };
}

/** Runs `scripts/<script>` with `input` as JSON on stdin; its stdout parsed as JSON. */
export async function runPythonJson(
  script: string,
  input: unknown,
  env: Record<string, string> = {},
): Promise<unknown> {
  const path = fromFileUrl(new URL(`../../scripts/${script}`, import.meta.url));
  const child = new Deno.Command(PYTHON, {
    args: [path],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
    env,
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(JSON.stringify(input)));
  await writer.close();
  const out = await child.output();
  const stderr = new TextDecoder().decode(out.stderr);
  if (!out.success) throw new Error(`${script} failed (${out.code}):\n${stderr}`);
  return JSON.parse(new TextDecoder().decode(out.stdout));
}

/**
 * An identity plugin whose token is a given v3 body (X-Auth-Token `tok`), as
 * scripts/discovery_differential.py's BodyPlugin on keystoneauth1's side: the
 * real plugin code paths, no Keystone.
 */
export class BodyPlugin extends BaseIdentityPlugin {
  #body: unknown;
  constructor(body: unknown) {
    super({ authUrl: "http://127.0.0.1:9/identity/v3" });
    this.#body = body;
  }
  protected getAuthRef(): Promise<AccessInfo> {
    return Promise.resolve(AccessInfo.fromV3("tok", this.#body));
  }
}

/** One service of a v3 catalog, for {@linkcode tokenBody}. */
export interface BodyService {
  type: string;
  name?: string;
  /** interface -> URL (every one in region R1), or just the public URL. */
  urls: string | Record<string, string>;
}

/** A v3 token body scoped to `projectId` (unscoped when undefined) with these services. */
export function tokenBody(projectId: string | undefined, services: BodyService[]): unknown {
  return {
    token: {
      methods: ["password"],
      expires_at: "2099-01-01T00:00:00.000000Z",
      issued_at: "2024-01-01T00:00:00.000000Z",
      user: { id: "u1", name: "user", domain: { id: "default", name: "Default" } },
      ...(projectId
        ? { project: { id: projectId, name: "demo", domain: { id: "default", name: "Default" } } }
        : {}),
      catalog: services.map((svc, n) => ({
        type: svc.type,
        id: `svc-${n}`,
        name: svc.name ?? `service-${n}`,
        endpoints: Object.entries(typeof svc.urls === "string" ? { public: svc.urls } : svc.urls)
          .map(([i, url]) => ({ id: `ep-${n}-${i}`, interface: i, region_id: "R1", url })),
      })),
    },
  };
}

/**
 * Seeded random differential of the auth type registry against keystoneauth1
 * 5.0: for each keystoneauth1 plugin name, random loader options (auth URL
 * forms with and without `/v3` or `/v2.0`, trailing slashes, version
 * documents listing v3, v2.0, both or none), then
 * `loading.get_plugin_loader(name).load_from_options(**opts)` + get_auth_ref
 * on python's side and `loadAuthPlugin(name, opts)` + `getAccess` on ours,
 * both against the same recording server: the requests sent (method, path,
 * Accept/Content-Type, JSON body) must be the same, and so must the outcome
 * (refused when loading, failed when authenticating, or authenticated).
 * OSAUTH_DIFF_SEED=<seed> reruns a failure; OSAUTH_DIFF_CASES the count.
 */
import assert from "node:assert/strict";
import {
  BaseIdentityPlugin,
  loadAuthPlugin,
  OptionError,
  OsAuthError,
  Session,
} from "../../mod.ts";
import { getAuthTypeLoader, loaderOptions, type LoadOptions } from "../../src/loading/registry.ts";
import { diffCases, diffSeed, keystoneauthTest, Rng, runPythonJson } from "./_differential.ts";
import { type Recorded, type Recorder, startRecorder } from "./_recorder.ts";

const NAMES = [
  "password",
  "token",
  "v2password",
  "v2token",
  "v3password",
  "v3token",
  "v3applicationcredential",
  "v3totp",
  "v3multifactor",
  "admin_token",
  "none",
  "http_basic",
] as const;
const KINDS = ["k-both", "k-v3", "k-v2", "k-none"] as const;
const SUFFIXES = [
  "",
  "/",
  "/v3",
  "/v3/",
  "/v2.0",
  "/v2.0/",
  "/identity",
  "/identity/",
  "/identity/v3",
  "/identity/v3//",
  "/v3.0",
  "/prefixv3",
];
const METHODS = ["v3password", "v3totp", "v3token", "v3applicationcredential"];

export interface LoaderCase {
  id: number;
  kind: "loader";
  name: string;
  options: Record<string, unknown>;
}

/** A random value for an option. */
function value(rng: Rng, name: string): unknown {
  if (name === "system_scope") return rng.chance(0.8) ? "all" : "domain";
  if (name === "auth_methods") {
    // a list: keystoneauth1's loader iterates a string's characters (openstacksdk
    // splits a clouds.yaml string at commas first; loadAuthPlugin does too)
    return rng.sample(METHODS, rng.int(1, 3));
  }
  if (name === "endpoint") return `http://127.0.0.1:9/ep${rng.int(0, 9)}`;
  const word = rng.pick(["a", "demo", "Default", "default", "proj-ü", "x y", "0", "42"]);
  return name.endsWith("_id") ? `${word}-${rng.int(0, 999)}` : word;
}

export function loaderCase(rng: Rng, id: number, rec: Recorder): LoaderCase {
  const name = rng.pick(NAMES);
  const loader = getAuthTypeLoader(name)!;
  const options: Record<string, unknown> = {};
  // auth_methods first: it decides v3multifactor's further options
  if (name === "v3multifactor" && rng.chance(0.95)) {
    options.auth_methods = value(rng, "auth_methods");
  }
  const given: LoadOptions = options.auth_methods === undefined
    ? {}
    : { auth_methods: [options.auth_methods].flat().join(",").split(",") };
  for (const opt of loaderOptions(loader, given)) {
    if (opt.name === "auth_methods") continue;
    if (opt.name === "auth_url") {
      if (rng.chance(0.97)) options.auth_url = rec.base(id, rng.pick(KINDS)) + rng.pick(SUFFIXES);
      continue;
    }
    const p = opt.secret ? 0.9 : opt.name.includes("domain") ? 0.5 : 0.3;
    if (rng.chance(p)) options[opt.name] = value(rng, opt.name);
  }
  // Mostly one scope target (several: keystoneauth1 refuses when authenticating).
  if (rng.chance(0.85)) {
    const groups = [["project_id", "project_name"], ["domain_id", "domain_name"], [
      "system_scope",
    ], ["trust_id"]].filter((g) => g.some((k) => options[k] !== undefined));
    const keep = groups.length > 0 ? rng.pick(groups) : [];
    for (const g of groups) if (g !== keep) { for (const k of g) delete options[k]; }
  }
  // A v3 username comes with its domain most of the time (else both refuse).
  if (options.username && rng.chance(0.8) && name.startsWith("v3")) {
    options.user_domain_id ??= "default";
  }
  if (options.project_name && rng.chance(0.8) && name.startsWith("v3")) {
    options.project_domain_id ??= "default";
  }
  return { id, kind: "loader", name, options };
}

/** What one side did. */
export interface Outcome {
  /** "ok", "load" (refused when loading) or "auth" (failed authenticating). */
  stage: "ok" | "load" | "auth";
  error?: string;
  requests: Recorded[];
  headers?: Record<string, string> | null;
  endpoint?: string | null;
}

interface PyResult {
  ok: boolean;
  error?: string;
  stage?: "load" | "auth";
  headers?: Record<string, string> | null;
  endpoint?: string | null;
  config?: Record<string, unknown>;
}

/** Runs a loaded plugin once: getAccess for identity plugins, else headers and endpoint. */
export async function authenticate(
  plugin: unknown,
  session: Session,
  out: Outcome,
): Promise<void> {
  if (plugin instanceof BaseIdentityPlugin) {
    await plugin.getAccess(session);
    return;
  }
  const p = plugin as {
    getHeaders(s: Session): Promise<Record<string, string> | undefined>;
    getEndpoint(s: Session, f: Record<string, never>): Promise<string | undefined>;
  };
  out.headers = (await p.getHeaders(session)) ?? null;
  out.endpoint = (await p.getEndpoint(session, {})) ?? null;
}

/** keystoneauth1's side of every case: the python outcomes and what the recorder saw. */
export async function pythonOutcomes(
  cases: { id: number }[],
  rec: Recorder,
): Promise<{ results: PyResult[]; outcomes: Outcome[] }> {
  rec.take();
  const report = await runPythonJson("auth_request_differential.py", { cases }) as {
    results: PyResult[];
  };
  const seen = rec.take();
  const outcomes = cases.map((c, i): Outcome => {
    const r = report.results[i]!;
    const out: Outcome = {
      stage: r.ok ? "ok" : r.stage ?? "auth",
      requests: seen.get(c.id) ?? [],
    };
    if (!r.ok) out.error = r.error;
    if (r.headers !== undefined) out.headers = r.headers;
    if (r.endpoint !== undefined) out.endpoint = r.endpoint;
    return out;
  });
  return { results: report.results, outcomes };
}

/** The first difference between keystoneauth1's outcome and osauth's, or undefined. */
export function compareOutcomes(py: Outcome, ours: Outcome): string | undefined {
  if (py.stage !== ours.stage) {
    return `keystoneauth1 ${py.stage}${py.error ? ` (${py.error})` : ""}, osauth ${ours.stage}${
      ours.error ? ` (${ours.error})` : ""
    }`;
  }
  try {
    assert.deepEqual(ours.requests, py.requests);
  } catch {
    return `requests differ:\n  keystoneauth1 ${JSON.stringify(py.requests)}\n  osauth        ${
      JSON.stringify(ours.requests)
    }`;
  }
  if (py.stage === "ok" && "headers" in py) {
    try {
      assert.deepEqual(ours.headers, py.headers);
      assert.deepEqual(ours.endpoint, py.endpoint);
    } catch {
      return `headers/endpoint differ: keystoneauth1 ${
        JSON.stringify([py.headers, py.endpoint])
      }, osauth ${JSON.stringify([ours.headers, ours.endpoint])}`;
    }
  }
  return undefined;
}

/**
 * D-missing-secret: keystoneauth1 loads a plugin without its secret and
 * sends `null` (the server refuses); osauth refuses to load it.
 */
function missingSecret(c: LoaderCase): boolean {
  const loader = getAuthTypeLoader(c.name)!;
  const given: LoadOptions = c.options.auth_methods === undefined
    ? {}
    : { auth_methods: [c.options.auth_methods].flat().join(",").split(",") };
  return (loader.needs?.(given) ?? []).some((n) => c.options[n] === undefined);
}

const set = (v: unknown): boolean => v !== undefined && v !== null && v !== "";

/** The v3 methods a case authenticates with (generic plugins may end up on v3). */
function v3Methods(c: LoaderCase): string[] {
  if (c.name === "v3multifactor") return [c.options.auth_methods ?? []].flat().join(",").split(",");
  if (c.name === "password") return ["v3password"];
  return c.name.startsWith("v3") ? [c.name] : [];
}

/**
 * osauth-only refusals (an OptionError when loading, or for the generic
 * plugins when the versioned plugin is made), each a DIFFERENCES.md entry,
 * or undefined when the case has none of them.
 */
function strictRefusal(c: LoaderCase): string | undefined {
  const o = c.options;
  if (missingSecret(c)) return "D-missing-secret";
  if (c.name.startsWith("v2")) {
    return set(o.tenant_id) && set(o.tenant_name) ? "D-load-checks" : undefined;
  }
  if (["admin_token", "none", "http_basic"].includes(c.name)) return undefined;
  const targets = [
    set(o.project_id) || set(o.project_name),
    set(o.domain_id) || set(o.domain_name),
    set(o.system_scope),
    set(o.trust_id),
  ].filter(Boolean).length;
  if (targets > 1) return "D-load-checks";
  if (set(o.system_scope) && o.system_scope !== "all") return "D-load-checks";
  const defaultDomain = set(o.default_domain_id) || set(o.default_domain_name);
  const needsUser = v3Methods(c).some((m) =>
    m === "v3password" || m === "v3totp" ||
    (m === "v3applicationcredential" && !set(o.application_credential_id))
  );
  if (needsUser && !set(o.user_id) && !set(o.username)) return "D-load-checks";
  if (
    needsUser && !set(o.user_id) && set(o.username) && !set(o.user_domain_id) &&
    !set(o.user_domain_name) && !defaultDomain
  ) return "D-load-checks";
  if (
    v3Methods(c).includes("v3applicationcredential") && !set(o.application_credential_id) &&
    !set(o.application_credential_name)
  ) return "D-load-checks";
  if (
    set(o.project_name) && !set(o.project_id) && !set(o.project_domain_id) &&
    !set(o.project_domain_name) && !defaultDomain
  ) return "D-load-checks";
  return undefined;
}

/** osauth-only refusals keystoneauth1 does not make, each a DIFFERENCES.md entry. */
function allowedDifference(c: LoaderCase, _py: Outcome, ours: Outcome): string | undefined {
  if (ours.stage === "ok" || ours.error !== "OptionError") return undefined;
  return strictRefusal(c);
}

await keystoneauthTest(
  "auth types differential vs keystoneauth1 loaders: same token request for random options",
  async () => {
    const seed = diffSeed();
    const rng = new Rng(seed);
    const rec = startRecorder();
    try {
      const cases = Array.from({ length: diffCases(600) }, (_, i) => loaderCase(rng, i, rec));
      const { outcomes: py } = await pythonOutcomes(cases, rec);
      const mismatches: string[] = [];
      const allowed = new Map<string, number>();
      for (const [i, c] of cases.entries()) {
        const ours: Outcome = { stage: "ok", requests: [] };
        let plugin: unknown;
        try {
          plugin = loadAuthPlugin(c.name, c.options);
        } catch (err) {
          ours.stage = "load";
          ours.error = (err as Error).name;
          if (!(err instanceof OptionError)) {
            mismatches.push(`case ${i} (${c.name}): load threw ${String(err)}, not OptionError`);
          }
        }
        if (ours.stage === "ok") {
          try {
            await authenticate(plugin, new Session(), ours);
          } catch (err) {
            ours.stage = "auth";
            ours.error = (err as Error).name;
            if (!(err instanceof OsAuthError)) {
              mismatches.push(`case ${i} (${c.name}): auth threw ${String(err)}`);
            }
          }
        }
        ours.requests = rec.take().get(c.id) ?? [];
        const diff = compareOutcomes(py[i]!, ours);
        if (diff === undefined) continue;
        const d = allowedDifference(c, py[i]!, ours);
        if (d) {
          allowed.set(d, (allowed.get(d) ?? 0) + 1);
          continue;
        }
        mismatches.push(`case ${i} ${c.name} ${JSON.stringify(c.options)}: ${diff}`);
      }
      assert.deepEqual(
        mismatches.slice(0, Deno.env.get("OSAUTH_DIFF_ALL") ? undefined : 8),
        [],
        `seed ${seed} (OSAUTH_DIFF_SEED=${seed} reruns it): ${mismatches.length} mismatches`,
      );
      console.log(`seed ${seed}: ${cases.length} cases; allowed: ${JSON.stringify([...allowed])}`);
      // The generator reaches every outcome on both sides.
      const stages = new Set(py.map((o) => o.stage));
      assert.deepEqual([...stages].sort(), ["auth", "load", "ok"], `seed ${seed}`);
    } finally {
      await rec.close();
    }
  },
);

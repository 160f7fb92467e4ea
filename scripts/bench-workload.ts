/**
 * The sequential-GET workload of scripts/bench-compare.ts, written once for
 * every runtime: Deno (`deno run --allow-net=127.0.0.1`), Node 24 and Bun run
 * this same file (type stripping). It serves a FakeCloud on 127.0.0.1 with
 * the runtime's own server and measures, in interleaved blocks and a
 * rotating order, the runtime's own raw `fetch` next to osauth:
 *
 * - raw `fetch` as a user writes it (`X-Auth-Token` only), and raw `fetch`
 *   of exactly the request the Session sends (the same URL string, its
 *   header record with the User-Agent, `redirect: "manual"`): the floor of
 *   the Session's request content, so that what is left is osauth's code;
 * - `Session.get`, a fresh `endpointFilter` object literal on every call (the
 *   README's style), and one reused filter object;
 * - `Adapter.get`;
 * - `Session.get` of an absolute URL without auth.
 *
 * Also the pipeline's CPU cost without network (a transport that answers at
 * once). Prints one JSON line (per-round block means) for bench-compare.ts.
 *
 *   <runtime> scripts/bench-workload.ts [--rounds=150] [--block=100]
 *
 * @module
 */
import { Adapter, Session, v3 } from "../mod.ts";
import { FakeCloud } from "../src/testing/mod.ts";

/** What the workload prints (as JSON). */
export interface WorkloadResult {
  /** `deno 2.9.6`, `node v24.1.0`, `bun 1.2.3`. */
  runtime: string;
  /** Variant -> per-round block means (ms/request). */
  samples: Record<string, number[]>;
  /** Pipeline CPU cost without network (us/request): fresh and reused filter. */
  cpuUs: Record<string, number>;
}

interface RuntimeGlobals {
  Deno?: { version: { deno: string }; args: string[] };
  Bun?: { version: string };
  process?: { version: string; argv: string[] };
}
const g = globalThis as unknown as RuntimeGlobals;
const runtime = g.Deno
  ? `deno ${g.Deno.version.deno}`
  : g.Bun
  ? `bun ${g.Bun.version}`
  : `node ${g.process?.version}`;
const args: string[] = g.Deno ? g.Deno.args : g.process?.argv.slice(2) ?? [];

function arg(name: string, fallback: string): string {
  const hit = args.find((a) => a.startsWith(`--${name}=`));
  return hit ? hit.slice(name.length + 3) : fallback;
}
const ROUNDS = Number(arg("rounds", "150"));
const BLOCK = Number(arg("block", "100"));

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] ?? NaN : ((s[mid - 1] ?? NaN) + (s[mid] ?? NaN)) / 2;
}

function password(authUrl: string): v3.Password {
  return new v3.Password({
    authUrl,
    username: "admin",
    password: "secret",
    userDomainId: "default",
    projectName: "admin",
    projectDomainId: "default",
  });
}

const cloud = new FakeCloud();
const server = await cloud.serve();
const session = new Session({ auth: password(server.authUrl) });
const reused = { endpointFilter: { serviceType: "compute", interface: "public" } };
const token = await session.getToken();
const target = `${await session.getEndpoint(reused.endpointFilter)}/servers/detail`;
const bare = new Session();
const adapter = new Adapter(session, { serviceType: "compute", interface: "public" });

// What the Session sends (send.ts fetchInit): its record of lower-case headers, the
// User-Agent first, then the token; redirects not followed by fetch; GET not named.
const userAgent = session.userAgent;
const variants: Record<string, () => Promise<unknown>> = {
  "raw fetch": async () =>
    await (await fetch(target, { headers: { "X-Auth-Token": token } })).arrayBuffer(),
  "raw fetch (Session's request)": async () =>
    await (await fetch(target, {
      headers: { "user-agent": userAgent, "x-auth-token": token },
      redirect: "manual",
    })).arrayBuffer(),
  "Session.get (fresh filter literal)": async () =>
    await (await session.get("/servers/detail", {
      endpointFilter: { serviceType: "compute", interface: "public" },
    })).arrayBuffer(),
  "Session.get (reused filter)": async () =>
    await (await session.get("/servers/detail", reused)).arrayBuffer(),
  "Adapter.get": async () => await (await adapter.get("/servers/detail")).arrayBuffer(),
  "Session.get (absolute URL, no auth)": async () =>
    await (await bare.get(target, { headers: { "X-Auth-Token": token } })).arrayBuffer(),
};

// The floor must be the request the Session sends: checked on a transport that records it.
{
  let sent: [string, RequestInit | undefined] | undefined;
  const recorder = new Session({
    auth: session.auth,
    fetch: (input, init) => {
      sent = [String(input), init];
      return Promise.resolve(new Response(null));
    },
  });
  await recorder.get("/servers/detail", reused);
  const same = sent !== undefined && sent[0] === target &&
    JSON.stringify(sent[1]) ===
      JSON.stringify({
        headers: { "user-agent": userAgent, "x-auth-token": token },
        redirect: "manual",
      });
  if (!same) throw new Error(`the Session sends another request: ${JSON.stringify(sent)}`);
}

async function block(f: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  for (let i = 0; i < BLOCK; i++) await f();
  return (performance.now() - t) / BLOCK;
}

for (const f of Object.values(variants)) await block(f); // warm-up
const names = Object.keys(variants);
const samples: Record<string, number[]> = Object.fromEntries(names.map((k) => [k, []]));
for (let r = 0; r < ROUNDS; r++) {
  // rotate the order each round so that no variant always runs first
  for (let k = 0; k < names.length; k++) {
    const name = names[(r + k) % names.length]!;
    samples[name]!.push(await block(variants[name]!));
  }
}
await server.close();

// The pipeline's own CPU cost: Session.get with a transport that answers at
// once, minus that transport alone (no network, little noise).
const instant = (): Promise<Response> => Promise.resolve(new Response(null));
const inMemory = new Session({ auth: session.auth, fetch: instant });
const cpu: Record<string, () => Promise<unknown>> = {
  fresh: () =>
    inMemory.get("/servers/detail", {
      endpointFilter: { serviceType: "compute", interface: "public" },
    }),
  reused: () => inMemory.get("/servers/detail", reused),
  none: () => instant(),
};
const cpuRuns: Record<string, number[]> = { fresh: [], reused: [], none: [] };
for (let r = 0; r < 9; r++) {
  for (const [k, f] of Object.entries(cpu)) {
    const n = 20_000;
    const t = performance.now();
    for (let i = 0; i < n; i++) await f();
    cpuRuns[k]!.push((performance.now() - t) * 1000 / n);
  }
}
const none = median(cpuRuns.none!.slice(2));
const result: WorkloadResult = {
  runtime,
  samples,
  cpuUs: {
    fresh: median(cpuRuns.fresh!.slice(2)) - none,
    reused: median(cpuRuns.reused!.slice(2)) - none,
  },
};
console.log(JSON.stringify(result));

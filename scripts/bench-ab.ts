/**
 * A/B of source trees (a cache on and off, a change before and after): every
 * tree's `mod.ts` is loaded into ONE process and measured in interleaved
 * blocks against the runtime's raw `fetch` on one FakeCloud (127.0.0.1):
 * `Session.get` with a fresh filter literal, with a reused filter, and
 * `Adapter.get`; then the same pipeline with an in-memory transport (CPU
 * only). Runs on Deno, Node 24 and Bun (type stripping). How the numbers in
 * CONTRIBUTING.md's "Caches" were made.
 *
 *   deno run -A scripts/bench-ab.ts [--rounds=100] <tree> <tree> ...
 *   node scripts/bench-ab.ts --rounds=60 <tree> <tree>       (bun the same)
 *
 * A tree is a directory holding `mod.ts` and `src/` (e.g. `git archive <rev>
 * mod.ts src deno.json | tar -x -C /tmp/a`). Prints, per tree and variant,
 * the median of per-round ratios to raw fetch, and the in-memory cost in us.
 *
 * @module
 */
interface Globals {
  Deno?: { args: string[] };
  Bun?: unknown;
  process?: { argv: string[] };
}
const g = globalThis as unknown as Globals;
const argv: string[] = g.Deno ? g.Deno.args : g.process?.argv.slice(2) ?? [];
const roundsArg = argv.find((a) => a.startsWith("--rounds="));
const ROUNDS = roundsArg ? Number(roundsArg.slice(9)) : 100;
const trees = argv.filter((a) => !a.startsWith("--")).map((t) => t.replace(/\/+$/, ""));
if (trees.length === 0) throw new Error("usage: bench-ab.ts [--rounds=N] <tree> <tree> ...");
const runtime = g.Deno ? "deno" : g.Bun ? "bun" : "node";

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1] ?? NaN;
}

type Run = () => Promise<unknown>;
const { FakeCloud } = await import(`${trees[0]}/src/testing/mod.ts`);
const cloud = new FakeCloud();
const server = await cloud.serve();
const instant = (): Promise<Response> => Promise.resolve(new Response(null));
const net: Record<string, Run> = {};
const cpu: Record<string, Run> = {};
let target = "";
let token = "";
for (const tree of trees) {
  const { Adapter, Session, v3 } = await import(`${tree}/mod.ts`);
  const auth = new v3.Password({
    authUrl: server.authUrl,
    username: "admin",
    password: "secret",
    userDomainId: "default",
    projectName: "admin",
    projectDomainId: "default",
  });
  const reused = { endpointFilter: { serviceType: "compute", interface: "public" } };
  for (const [set, session] of [[net, new Session({ auth })], [cpu, null]] as const) {
    const sess = session ?? new Session({ auth, fetch: instant });
    token = await sess.getToken();
    target = `${await sess.getEndpoint(reused.endpointFilter)}/servers/detail`;
    const adapter = new Adapter(sess, { serviceType: "compute", interface: "public" });
    const read = async (p: Promise<Response>) => await (await p).arrayBuffer();
    set[`${tree} fresh`] = () =>
      read(sess.get("/servers/detail", {
        endpointFilter: { serviceType: "compute", interface: "public" },
      }));
    set[`${tree} reused`] = () => read(sess.get("/servers/detail", reused));
    set[`${tree} adapter`] = () => read(adapter.get("/servers/detail"));
  }
}
net.raw = async () =>
  await (await fetch(target, { headers: { "X-Auth-Token": token } })).arrayBuffer();
cpu.raw = async () => await (await instant()).arrayBuffer();

async function rounds(set: Record<string, Run>, block: number, n: number) {
  const names = Object.keys(set);
  const run = async (f: Run) => {
    const t = performance.now();
    for (let i = 0; i < block; i++) await f();
    return (performance.now() - t) / block;
  };
  for (const f of Object.values(set)) await run(f); // warm-up
  const samples: Record<string, number[]> = {};
  for (let r = 0; r < n; r++) {
    for (let k = 0; k < names.length; k++) {
      const name = names[(r + k) % names.length]!;
      (samples[name] ??= []).push(await run(set[name]!));
    }
  }
  return samples;
}

const netSamples = await rounds(net, 100, ROUNDS);
await server.close();
const cpuSamples = await rounds(cpu, 20_000, Math.max(5, Math.round(ROUNDS / 4)));
const raw = netSamples.raw!;
const cpuRaw = cpuSamples.raw!;
console.log(`${runtime}: raw fetch ${(median(raw) * 1000).toFixed(1)} us/request`);
for (const tree of trees) {
  const parts = ["fresh", "reused", "adapter"].map((v) => {
    const k = `${tree} ${v}`;
    const ratio = median(netSamples[k]!.map((x, i) => x / raw[i]!));
    const us = median(cpuSamples[k]!.map((x, i) => x - cpuRaw[i]!)) * 1000;
    return `${v} ${ratio >= 1 ? "+" : ""}${((ratio - 1) * 100).toFixed(1)}% (${us.toFixed(2)} us)`;
  });
  console.log(`  ${tree}: ${parts.join(", ")}`);
}

/**
 * Shared auth state benchmark: N processes (default 20) start together (all
 * loaded, then released at once) against one local cloud, each
 * authenticating and sending one request; with no store (each process
 * authenticates) and with a FileStateStore, a DenoKvStateStore and (when
 * redis-server and the npm client are there) a RedisStateStore. Prints the
 * token requests the cloud saw and the median and p95 time from the start
 * signal to each process's first response.
 *
 *   deno run --unstable-kv -A scripts/bench-state.ts [--n=20] [--rounds=3]
 *     [--keystone]      the dev cloud's real Keystone (scripts/openstack-dev.sh start)
 *     [--token-ms=100]  FakeCloud: answer token requests after this long (a loaded
 *                       production Keystone: 15-300 ms for password auth)
 *
 * Deno children run on Deno; the Redis run uses Node (the npm client).
 *
 * @module
 */
import { FAKE_CLOUD_DEFAULTS as D, FakeCloud } from "../src/testing/mod.ts";
import {
  type ChildResult,
  denoChild,
  nodeBinary,
  runFleet,
  stats,
} from "../tests/integration/stores_fleet.ts";
import { redisClientsDir, redisMissing, startRedis } from "../tests/unit/_stores.ts";
import { loadFixtures } from "../tests/integration/_devcloud.ts";

function flag(name: string, fallback: number): number {
  const arg = Deno.args.find((a) => a.startsWith(`--${name}=`));
  return arg ? Number(arg.split("=")[1]) : fallback;
}
const N = flag("n", 20);
const ROUNDS = flag("rounds", 3);
const TOKEN_MS = flag("token-ms", 100);
const KEYSTONE = Deno.args.includes("--keystone");

type Mode = "none" | "file" | "kv" | "none-node" | "redis";

interface Target {
  authUrl: string;
  user: Record<string, string>;
  request: { serviceType: string; path: string };
  tokenPosts(): number;
  close(): Promise<void>;
}

async function fakeTarget(): Promise<Target> {
  const cloud = new FakeCloud();
  if (TOKEN_MS > 0) {
    cloud.inject({ method: "POST", path: "/v3/auth/tokens", delayMs: TOKEN_MS, times: Infinity });
  }
  const srv = await cloud.serve();
  return {
    authUrl: srv.authUrl,
    user: { userId: D.userId, password: D.password, projectId: D.projectId },
    request: { serviceType: "compute", path: "/servers" },
    tokenPosts: () =>
      cloud.stats.requests.filter((r) => r.method === "POST" && r.path.endsWith("/auth/tokens"))
        .length,
    close: () => srv.close(),
  };
}

async function keystoneTarget(): Promise<Target> {
  const fx = await loadFixtures();
  let posts = 0;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const url = new URL(req.url);
    if (req.method === "POST" && url.pathname.endsWith("/auth/tokens")) posts++;
    const headers = new Headers(req.headers);
    headers.delete("host");
    const up = await fetch(new URL(url.pathname + url.search, fx.keystone.url), {
      method: req.method,
      headers,
      body: req.method === "GET" ? undefined : await req.arrayBuffer(),
    });
    return new Response(up.body, { status: up.status, headers: up.headers });
  });
  return {
    authUrl: `http://127.0.0.1:${server.addr.port}/v3`,
    user: {
      username: fx.users.demo.name,
      userDomainId: fx.users.demo.domain_id,
      password: fx.users.demo.password,
      projectName: fx.projects.demo.name,
      projectDomainId: fx.projects.demo.domain_id,
    },
    request: { serviceType: "identity", path: "/auth/projects" },
    tokenPosts: () => posts,
    close: () => server.shutdown(),
  };
}

const node = nodeBinary();
const redisWhy = redisMissing() ?? (node ? undefined : "no Node 24 in the tools dir");
const modes: Mode[] = [
  "none",
  "file",
  "kv",
  ...(redisWhy ? [] : ["none-node" as const, "redis" as const]),
];
if (redisWhy) console.error(`(Redis skipped: ${redisWhy})`);
const redis = redisWhy ? undefined : await startRedis();
const tmp = await Deno.makeTempDir({ prefix: "osauth-bench-state-" });

const results = new Map<Mode, { first: number[]; posts: number[] }>();
try {
  for (let round = 0; round < ROUNDS; round++) {
    for (const mode of modes) {
      const target = KEYSTONE ? await keystoneTarget() : await fakeTarget();
      try {
        const dir = await Deno.makeTempDir({ dir: tmp });
        const config: Record<string, unknown> = {
          authUrl: target.authUrl,
          ...target.user,
          request: target.request,
          store: mode === "none-node" ? "none" : mode,
          dir: `${dir}/state`,
          kvPath: `${dir}/kv.sqlite`,
          redisUrl: redis?.url,
          redisClients: redisClientsDir(),
        };
        // Redis runs on Node, and so does "none-node", its baseline
        const onNode = mode === "redis" || mode === "none-node";
        const run = await runFleet({
          command: () => (onNode ? [node!] : denoChild()),
          count: N,
          config,
          timeoutMs: 120_000,
        });
        if (run.errors.length) throw new Error(run.errors.join("\n"));
        const r = results.get(mode) ?? { first: [], posts: [] };
        r.first.push(...run.results.map((x: ChildResult) => x.firstMs ?? x.ms));
        r.posts.push(target.tokenPosts());
        results.set(mode, r);
      } finally {
        await target.close();
      }
    }
  }
} finally {
  await redis?.stop();
  await Deno.remove(tmp, { recursive: true });
}

const where = KEYSTONE
  ? "the dev cloud's Keystone 22"
  : `FakeCloud (token requests answered after ${TOKEN_MS} ms)`;
console.log(`\n${N} processes starting together against ${where}; ${ROUNDS} rounds\n`);
console.log("| store | token requests per round | median to first response | p95 |");
console.log("| --- | --- | --- | --- |");
for (const [mode, r] of results) {
  const s = stats(r.first);
  const label = {
    none: "none, Deno (each process authenticates)",
    file: "FileStateStore, Deno",
    kv: "DenoKvStateStore, Deno",
    "none-node": "none, Node (each process authenticates)",
    redis: "RedisStateStore, Node",
  }[mode];
  console.log(
    `| ${label} | ${[...new Set(r.posts)].join(", ")} | ${s.median.toFixed(0)} ms | ${
      s.p95.toFixed(0)
    } ms |`,
  );
}

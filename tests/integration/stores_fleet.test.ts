/**
 * Cross-process single flight: 20 processes that start together with one
 * shared store make ONE token request — 20 Deno processes on a
 * FileStateStore, 20 on a DenoKvStateStore (one KV file), 20 Node processes
 * on a RedisStateStore (a real redis-server, the npm client) — against
 * FakeCloud and against the real Keystone (token POSTs counted by a
 * pass-through proxy in front of it). And runs where the lease holder is
 * SIGKILLed while its token request hangs: the lease expires, one other
 * process takes over, everyone gets its token.
 */
import assert from "node:assert/strict";
import { FAKE_CLOUD_DEFAULTS as D, FakeCloud } from "../../src/testing/mod.ts";
import { type DevCloudFixtures, loadFixturesOrWarn } from "./_devcloud.ts";
import { denoChild, type FleetRun, nodeBinary, runFleet } from "./stores_fleet.ts";
import {
  REDIS_REQUIRED,
  redisClientsDir,
  redisMissing,
  type RedisServer,
  startRedis,
} from "../unit/_stores.ts";

const N = 20;
const fx: DevCloudFixtures | undefined = await loadFixturesOrWarn("stores_fleet");
const node = nodeBinary();
const redisWhy = redisMissing() ?? (node ? undefined : "Node 24 is not in the tools dir");

type Kind = "file" | "kv" | "redis";

/** Where one run's store lives, and the command its children run with. */
async function storeConfig(kind: Kind, redis: RedisServer | undefined, tmp: string) {
  const dir = await Deno.makeTempDir({ dir: tmp });
  switch (kind) {
    case "file":
      return { command: () => denoChild(), config: { store: "file", dir: `${dir}/state` } };
    case "kv":
      return { command: () => denoChild(), config: { store: "kv", kvPath: `${dir}/kv.sqlite` } };
    case "redis":
      return {
        command: () => [node!],
        config: {
          store: "redis",
          redisUrl: redis!.url,
          redisClients: redisClientsDir(),
          // encrypted, as the README recommends for a shared backend
          keyHex: "5e".repeat(32),
        },
      };
  }
}

function assertOneToken(run: FleetRun, expected: number, label: string): void {
  assert.deepEqual(run.errors, [], label);
  assert.equal(run.results.length, expected, label);
  assert.equal(new Set(run.results.map((r) => r.token)).size, 1, `${label}: one token for all`);
}

/** A pass-through proxy counting token POSTs; it can hold the first one until closed. */
function countingProxy(target: string, stallFirst = false) {
  let posts = 0;
  const stalled: (() => void)[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const url = new URL(req.url);
    const isToken = req.method === "POST" && /\/auth\/tokens$/.test(url.pathname);
    if (isToken) {
      posts++;
      if (stallFirst && posts === 1) {
        await new Promise<void>((r) => stalled.push(r));
        return new Response("stalled", { status: 503 });
      }
    }
    const headers = new Headers(req.headers);
    headers.delete("host");
    const body = req.method === "GET" || req.method === "HEAD"
      ? undefined
      : await req.arrayBuffer();
    const upstream = await fetch(new URL(url.pathname + url.search, target), {
      method: req.method,
      headers,
      body,
      redirect: "manual",
    });
    return new Response(upstream.body, { status: upstream.status, headers: upstream.headers });
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    posts: () => posts,
    async close() {
      for (const release of stalled) release();
      await server.shutdown();
    },
  };
}

interface Target {
  authUrl: string;
  tokenRequests(): number;
  user: Record<string, string>;
  stallFirstToken(): void;
  close(): Promise<void>;
}

async function fakeCloudTarget(): Promise<Target> {
  const cloud = new FakeCloud();
  const srv = await cloud.serve();
  return {
    authUrl: srv.authUrl,
    // every token POST received, the stalled one included (stats.tokenRequests counts answered ones)
    tokenRequests: () =>
      cloud.stats.requests.filter((r) => r.method === "POST" && r.path.endsWith("/auth/tokens"))
        .length,
    user: { userId: D.userId, password: D.password, projectId: D.projectId },
    stallFirstToken: () =>
      void cloud.inject({ method: "POST", path: "/v3/auth/tokens", delayMs: 120_000 }),
    close: () => srv.close(),
  };
}

function keystoneTarget(stallFirst: boolean): Target {
  const proxy = countingProxy(fx!.keystone.url, stallFirst);
  const demo = fx!.users.demo;
  return {
    authUrl: `${proxy.url}/v3`,
    tokenRequests: proxy.posts,
    user: {
      username: demo.name,
      userDomainId: demo.domain_id,
      password: demo.password,
      projectName: fx!.projects.demo.name,
      projectDomainId: fx!.projects.demo.domain_id,
    },
    stallFirstToken: () => {},
    close: () => proxy.close(),
  };
}

async function fleetTests(t: Deno.TestContext, makeTarget: (stall: boolean) => Promise<Target>) {
  const tmp = await Deno.makeTempDir({ prefix: "osauth-fleet-" });
  const redis = redisWhy ? undefined : await startRedis();
  try {
    for (const kind of ["file", "kv", "redis"] as const) {
      await t.step({
        name: `${N} ${
          kind === "redis" ? "Node" : "Deno"
        } processes, ${kind} store: 1 token request`,
        ignore: kind === "redis" && redisWhy !== undefined && !REDIS_REQUIRED,
        fn: async () => {
          if (kind === "redis" && redisWhy) {
            throw new Error(`OSAUTH_REQUIRE_REDIS=1 but ${redisWhy}`);
          }
          const target = await makeTarget(false);
          try {
            const { command, config } = await storeConfig(kind, redis, tmp);
            const run = await runFleet({
              command,
              count: N,
              config: { ...config, authUrl: target.authUrl, ...target.user },
            });
            assertOneToken(run, N, kind);
            assert.equal(target.tokenRequests(), 1, `${kind}: token requests`);
          } finally {
            await target.close();
          }
        },
      });
      await t.step({
        name:
          `${kind} store: the lease holder is SIGKILLed mid-authentication; one other takes over`,
        ignore: kind === "redis" && redisWhy !== undefined && !REDIS_REQUIRED,
        fn: async () => {
          const target = await makeTarget(true);
          try {
            target.stallFirstToken();
            const { command, config } = await storeConfig(kind, redis, tmp);
            const run = await runFleet({
              command,
              count: N,
              // the lease lasts the session timeout: 3 s
              config: { ...config, authUrl: target.authUrl, ...target.user, timeout: 3000 },
              killHolder: { when: () => target.tokenRequests() >= 1 },
            });
            assert.notEqual(run.killed, undefined, "a holder was killed");
            assertOneToken(run, N - 1, `${kind} after the kill`);
            assert.equal(target.tokenRequests(), 2, "the stalled one and the takeover");
            assert.deepEqual(run.warnings, []);
          } finally {
            await target.close();
          }
        },
      });
    }
  } finally {
    await redis?.stop();
    await Deno.remove(tmp, { recursive: true });
  }
}

Deno.test({
  name: "fleet against FakeCloud",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: (t) => fleetTests(t, () => fakeCloudTarget()),
});

Deno.test({
  name: "fleet against the real Keystone (token POSTs counted by a proxy)",
  ignore: !fx,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: (t) => fleetTests(t, (stall) => Promise.resolve(keystoneTarget(stall))),
});

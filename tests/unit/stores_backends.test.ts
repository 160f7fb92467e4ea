/**
 * The stores of jsr:@x/osauth/stores against one contract: get/set/delete,
 * expiry (and the stored expiry re-checked on read), leases (one holder, an
 * expired lease taken over, a stale release leaving the new holder alone),
 * AES-GCM sealing (unreadable without the key, with another key, or moved to
 * another key). Deno KV on a real SQLite file; Redis on a real redis-server
 * with the npm clients `redis` and `ioredis` (test-only, from the tools dir).
 */
import assert from "node:assert/strict";
import { OptionError } from "../../mod.ts";
import {
  type AuthStateStore,
  DenoKvStateStore,
  FileStateStore,
  MemoryStateStore,
  type RedisClientLike,
  RedisStateStore,
  StateEntryUnreadable,
  type StateStoreOptions,
} from "../../src/stores/mod.ts";
import { REDIS_REQUIRED, redisMissing, redisRequire, startRedis } from "./_stores.ts";

const KEY = "osauth-0123456789abcdef";

async function aesKey(): Promise<CryptoKey> {
  return await crypto.subtle.generateKey({ name: "AES-GCM", length: 256 }, false, [
    "encrypt",
    "decrypt",
  ]);
}

/** A clock the test moves. */
function clock(start = Date.now()) {
  let t = start;
  return { now: () => t, advance: (ms: number) => void (t += ms) };
}

interface Backend {
  /** A store on the shared backend (two calls: two "processes"). */
  make(options?: StateStoreOptions): AuthStateStore;
  /**
   * The raw stored text of a key, as another reader of the backend sees it;
   * absent for a backend only one instance can see (memory).
   */
  raw?(key: string): Promise<string | undefined>;
  /** Whether the store's `now` decides expiry (not the server's clock, as Redis does). */
  clocked: boolean;
  close(): Promise<void>;
}

async function contract(t: Deno.TestContext, backend: Backend) {
  await t.step("get, set, delete", async () => {
    const s = backend.make();
    assert.equal(await s.get(KEY), undefined);
    const value = JSON.stringify({ text: "héllo 日本 🔑", big: "x".repeat(100_000) });
    await s.set(KEY, value, Date.now() + 60_000);
    assert.equal(await s.get(KEY), value);
    assert.equal(await backend.make().get(KEY), value, "another instance sees it");
    await s.set(KEY, "second", Date.now() + 60_000);
    assert.equal(await s.get(KEY), "second");
    await s.delete(KEY);
    assert.equal(await s.get(KEY), undefined);
    await s.delete(KEY); // nothing there: no error
  });

  await t.step("an entry is gone at its expiresAt", async () => {
    if (backend.clocked) {
      const c = clock();
      const s = backend.make({ now: c.now });
      await s.set(KEY, "v", c.now() + 600_000);
      assert.equal(await s.get(KEY), "v");
      c.advance(600_001); // the backend still has it (expireIn is 10 min); the stored expiry says no
      assert.equal(await s.get(KEY), undefined);
      await s.set(KEY, "past", c.now() - 1);
      assert.equal(await s.get(KEY), undefined);
    } else {
      const s = backend.make();
      await s.set(KEY, "v", Date.now() + 150);
      assert.equal(await s.get(KEY), "v");
      for (let i = 0; i < 100 && await s.get(KEY) !== undefined; i++) {
        await new Promise((r) => setTimeout(r, 20));
      }
      assert.equal(await s.get(KEY), undefined);
      await s.set(KEY, "past", Date.now() - 1);
      assert.equal(await s.get(KEY), undefined);
    }
  });

  await t.step("one lease at a time; released leases can be taken again", async () => {
    const a = backend.make();
    const b = backend.make();
    const lease = await a.acquire!(KEY, 60_000);
    assert.ok(lease);
    assert.equal(await b.acquire!(KEY, 60_000), undefined);
    assert.equal(await a.acquire!(KEY, 60_000), undefined, "not re-entrant");
    await lease.release();
    const again = await b.acquire!(KEY, 60_000);
    assert.ok(again);
    await again.release();
    await again.release(); // twice: harmless
  });

  await t.step(
    "an expired lease is taken over; its late release leaves the new holder alone",
    async () => {
      const c = clock();
      const opts = backend.clocked ? { now: c.now } : {};
      const dead = backend.make(opts);
      const next = backend.make(opts);
      const ttl = backend.clocked ? 1_000 : 150;
      const first = await dead.acquire!(KEY, ttl);
      assert.ok(first);
      assert.equal(await next.acquire!(KEY, 60_000), undefined);
      let taken = undefined;
      if (backend.clocked) {
        c.advance(ttl + 1);
        taken = await next.acquire!(KEY, 60_000);
      } else {
        for (let i = 0; i < 100 && !taken; i++) {
          await new Promise((r) => setTimeout(r, 20));
          taken = await next.acquire!(KEY, 60_000);
        }
      }
      assert.ok(taken, "the expired lease was taken over");
      await first.release(); // the dead holder comes back
      assert.equal(await backend.make(opts).acquire!(KEY, 60_000), undefined, "still held");
      await taken.release();
    },
  );

  await t.step("20 concurrent acquires: exactly one lease", async () => {
    const results = await Promise.all(
      Array.from({ length: 20 }, () => backend.make().acquire!(KEY, 60_000)),
    );
    const leases = results.filter((l) => l !== undefined);
    assert.equal(leases.length, 1);
    await leases[0]!.release();
  });

  await t.step(
    "encryptionKey: sealed at rest, unreadable without the key or with another",
    async () => {
      const key = await aesKey();
      const sealed = backend.make({ encryptionKey: key });
      const secret = JSON.stringify({ auth_token: "gAAAA-very-secret-token" });
      await sealed.set(KEY, secret, Date.now() + 60_000);
      assert.equal(await sealed.get(KEY), secret);
      if (!backend.raw) return;
      const raw = await backend.raw(KEY);
      assert.ok(raw !== undefined);
      assert.ok(!raw.includes("very-secret"), raw);
      await assert.rejects(backend.make().get(KEY), StateEntryUnreadable);
      await assert.rejects(
        backend.make({ encryptionKey: await aesKey() }).get(KEY),
        StateEntryUnreadable,
      );
      // a plain entry read by a store with a key
      await backend.make().set(KEY, secret, Date.now() + 60_000);
      await assert.rejects(sealed.get(KEY), StateEntryUnreadable);
      await sealed.delete(KEY);
    },
  );

  await t.step("bad options and keys are OptionErrors", async () => {
    assert.throws(() => backend.make({ encryptionKey: "k" as unknown as CryptoKey }), OptionError);
    const hmac = await crypto.subtle.generateKey({ name: "HMAC", hash: "SHA-256" }, false, [
      "sign",
    ]);
    assert.throws(() => backend.make({ encryptionKey: hmac }), OptionError);
    assert.throws(() => backend.make({ now: 5 as unknown as () => number }), OptionError);
    await assert.rejects(backend.make().get(""), OptionError);
    await assert.rejects(backend.make().acquire!(KEY, 0), OptionError);
  });
}

Deno.test("MemoryStateStore", async (t) => {
  // one process: the "instances" the contract asks for with the same options are one store
  const byOptions = new WeakMap<object, MemoryStateStore>();
  const plain = new MemoryStateStore();
  await contract(t, {
    clocked: true,
    make(options) {
      if (!options) return plain;
      let store = byOptions.get(options);
      if (!store) byOptions.set(options, store = new MemoryStateStore(options));
      return store;
    },
    close: () => Promise.resolve(),
  });
});

Deno.test("FileStateStore", async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "osauth-file-store-" });
  try {
    await contract(t, {
      clocked: true,
      make: (options) => new FileStateStore({ dir, ...options }),
      raw: async (key) => {
        try {
          return await Deno.readTextFile(`${dir}/${key}.json`);
        } catch {
          return undefined;
        }
      },
      close: () => Promise.resolve(),
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name: "DenoKvStateStore",
  // Deno.openKv needs --unstable-kv (deno task test passes it)
  ignore: typeof (Deno as { openKv?: unknown }).openKv !== "function",
  async fn(t) {
    const dir = await Deno.makeTempDir({ prefix: "osauth-kv-store-" });
    const path = `${dir}/kv.sqlite`;
    const kvs: Deno.Kv[] = [];
    const open = async () => {
      const kv = await Deno.openKv(path);
      kvs.push(kv);
      return kv;
    };
    const kv1 = await open();
    const kv2 = await open();
    let n = 0;
    try {
      await contract(t, {
        clocked: true,
        make: (options) => new DenoKvStateStore(n++ % 2 ? kv1 : kv2, options),
        raw: async (key) => {
          const e = await kv1.get<{ value: string }>(["osauth", "state", key]);
          return e.value ? JSON.stringify(e.value) : undefined;
        },
        close: () => Promise.resolve(),
      });
      await t.step("a long value is split into chunks; a missing chunk is unreadable", async () => {
        const s = new DenoKvStateStore(kv1, { prefix: ["chunks"] });
        const value = "é".repeat(150_000);
        await s.set(KEY, value, Date.now() + 60_000);
        assert.equal(await new DenoKvStateStore(kv2, { prefix: ["chunks"] }).get(KEY), value);
        const record = (await kv1.get<{ gen: string; chunks: number }>(["chunks", "state", KEY]))
          .value!;
        assert.equal(record.chunks, 4);
        await kv1.delete(["chunks", "state", KEY, record.gen, 2]);
        await assert.rejects(s.get(KEY), StateEntryUnreadable);
        await assert.rejects(s.set(KEY, "x".repeat(400_000), Date.now() + 60_000), OptionError);
      });
      await t.step("a foreign value under the key is unreadable", async () => {
        await kv1.set(["osauth", "state", KEY], { something: "else" });
        await assert.rejects(new DenoKvStateStore(kv1).get(KEY), StateEntryUnreadable);
        assert.throws(() => new DenoKvStateStore({} as unknown as Deno.Kv), OptionError);
        assert.throws(
          () => new DenoKvStateStore(kv1, { prefix: "x" as unknown as string[] }),
          OptionError,
        );
      });
    } finally {
      for (const kv of kvs) kv.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

/** The adapter lines of the README, for node-redis and for ioredis. */
// deno-lint-ignore no-explicit-any
function nodeRedisAdapter(redis: any): RedisClientLike {
  return {
    get: (k) => redis.get(k),
    set: (k, v, o) => redis.set(k, v, o),
    del: (k) => redis.del(k),
  };
}
// deno-lint-ignore no-explicit-any
function ioredisAdapter(redis: any): RedisClientLike {
  return {
    get: (k) => redis.get(k),
    set: (k, v, o) => o.NX ? redis.set(k, v, "PX", o.PX, "NX") : redis.set(k, v, "PX", o.PX),
    del: (k) => redis.del(k),
    eval: (script, o) => redis.eval(script, o.keys.length, ...o.keys, ...o.arguments),
  };
}

const redisWhy = redisMissing();

Deno.test({
  name: "RedisStateStore on a real redis-server, with node-redis and with ioredis",
  ignore: redisWhy !== undefined && !REDIS_REQUIRED,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    if (redisWhy) throw new Error(`OSAUTH_REQUIRE_REDIS=1 but ${redisWhy}`);
    const require = redisRequire()!;
    const server = await startRedis();
    const { createClient } = require("redis");
    const IORedis = require("ioredis");
    const nodeRedis = await createClient({ url: server.url }).connect();
    const io = new (IORedis.Redis ?? IORedis.default ?? IORedis)({
      host: "127.0.0.1",
      port: server.port,
    });
    try {
      for (
        const [name, client] of [
          ["node-redis (adapter)", nodeRedisAdapter(nodeRedis)],
          ["node-redis (the client as it is)", nodeRedis as RedisClientLike],
          ["ioredis (adapter)", ioredisAdapter(io)],
        ] as const
      ) {
        await t.step(name, async (t) => {
          await contract(t, {
            clocked: false,
            make: (options) => new RedisStateStore(client, options),
            raw: async (key) => (await nodeRedis.get(`osauth:${key}`)) ?? undefined,
            close: () => Promise.resolve(),
          });
        });
      }
      await t.step("the value expires with PX; the lease has its own key", async () => {
        const s = new RedisStateStore(nodeRedisAdapter(nodeRedis), { prefix: "p:" });
        await s.set(KEY, "v", Date.now() + 60_000);
        const pttl = await nodeRedis.pTTL(`p:${KEY}`);
        assert.ok(pttl > 50_000 && pttl <= 60_000, String(pttl));
        const lease = await s.acquire(KEY, 5_000);
        assert.ok(lease);
        assert.ok((await nodeRedis.pTTL(`p:${KEY}:lease`)) <= 5_000);
        await lease.release();
        assert.equal(await nodeRedis.get(`p:${KEY}:lease`), null);
      });
      await t.step(
        "a lease taken over while its old holder releases it stays the new holder's (eval)",
        async () => {
          // The old holder's lease expires and another process takes it at the worst moment:
          // after the release has read the lease, before it deletes it (GET then DEL), or just
          // before the release's one step (EVAL).
          const name = `osauth:${KEY}:lease`;
          const takeOver = () => nodeRedis.set(name, "next-holder", { PX: 5_000 });
          for (
            const [label, base] of [
              ["node-redis as it is", nodeRedis as RedisClientLike],
              ["ioredis (adapter)", ioredisAdapter(io)],
            ] as const
          ) {
            await nodeRedis.del(name);
            let armed = false;
            const racing: RedisClientLike = {
              get: async (k) => {
                const v = await base.get(k);
                if (armed && k === name) await takeOver();
                return v;
              },
              set: (k, v, o) => base.set(k, v, o),
              del: (k) => base.del(k),
              eval: async (script, o) => {
                if (armed) await takeOver();
                return await base.eval!(script, o);
              },
            };
            const lease = await new RedisStateStore(racing).acquire(KEY, 5_000);
            assert.ok(lease, label);
            armed = true;
            await lease.release();
            assert.equal(await nodeRedis.get(name), "next-holder", label);
            // Without a takeover the release deletes its own lease.
            armed = false;
            await nodeRedis.del(name);
            const again = await new RedisStateStore(racing).acquire(KEY, 5_000);
            assert.ok(again, label);
            await again.release();
            assert.equal(await nodeRedis.get(name), null, label);
          }
          await nodeRedis.del(name);
        },
      );
      await t.step(
        "bad clients: OptionErrors; ioredis without its adapter fails loudly",
        async () => {
          const raw = new RedisStateStore(io as RedisClientLike);
          await assert.rejects(raw.acquire(KEY, 1000), /syntax error/i);
          await assert.rejects(raw.set(KEY, "v", Date.now() + 1000), /syntax error/i);
          assert.throws(() => new RedisStateStore({} as RedisClientLike), OptionError);
          assert.throws(
            () => new RedisStateStore({ ...nodeRedisAdapter(nodeRedis), eval: "EVAL" } as never),
            OptionError,
          );
          assert.throws(
            () =>
              new RedisStateStore(nodeRedisAdapter(nodeRedis), { prefix: 1 as unknown as string }),
            OptionError,
          );
        },
      );
    } finally {
      await nodeRedis.quit();
      io.disconnect();
      await server.stop();
    }
  },
});

Deno.test("jsr:@x/osauth/stores holds the names API.md lists; the root holds only the types", async () => {
  const stores = await import("../../src/stores/mod.ts");
  const root = await import("../../mod.ts");
  for (
    const name of ["MemoryStateStore", "FileStateStore", "DenoKvStateStore", "RedisStateStore"]
  ) {
    assert.equal(typeof (stores as Record<string, unknown>)[name], "function", name);
    assert.equal(name in root, false, `${name} stays out of the root entry point`);
  }
  const plugin = new root.v3.Password({
    authUrl: "http://127.0.0.1:5000/v3",
    userId: "u",
    password: "p",
    stateStore: new MemoryStateStore(),
  });
  for (const m of ["getCacheId", "getAuthState", "setAuthState"] as const) {
    assert.equal(typeof plugin[m], "function", m);
  }
  const config = JSON.parse(await Deno.readTextFile(new URL("../../deno.json", import.meta.url)));
  assert.equal(config.exports["./stores"], "./src/stores/mod.ts");
  assert.match(config.tasks.check, /deno doc --lint[^&]*src\/stores\/mod\.ts/);
});

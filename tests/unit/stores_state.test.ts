/**
 * Auth state through the public API: getAuthState/setAuthState (and
 * keystoneauth1 reading ours and we reading its), the stateStore option
 * (read before authenticating, written after, one token request for many
 * plugins, the 401 path), entries that must be ignored, failing stores, and
 * the bounded wait for another holder's lease.
 */
import assert from "node:assert/strict";
import { ConnectTimeout, OptionError, Session, v2, v3 } from "../../mod.ts";
import {
  type AuthStateLease,
  type AuthStateStore,
  FileStateStore,
  MemoryStateStore,
  StateEntryUnreadable,
} from "../../src/stores/mod.ts";
import { FAKE_CLOUD_DEFAULTS as D } from "../../src/testing/mod.ts";
import { serveCloud } from "./_helpers.ts";
import { captureLogger, keystoneauth, keystoneauthMissing, PYTHON_REQUIRED } from "./_stores.ts";

const COMPUTE = { serviceType: "compute" } as const;

function password(authUrl: string, extra: Partial<v3.PasswordOptions> = {}): v3.Password {
  return new v3.Password({
    authUrl,
    userId: D.userId,
    password: D.password,
    projectId: D.projectId,
    ...extra,
  });
}

/** The store key a plugin's entries live under: `osauth-` + hex of the cache id's digest. */
async function storeKey(plugin: v3.Password | v2.Password): Promise<string> {
  const bin = atob(await plugin.getCacheId());
  return "osauth-" + [...bin].map((c) => c.charCodeAt(0).toString(16).padStart(2, "0")).join("");
}

async function tempDir(): Promise<string> {
  return await Deno.makeTempDir({ prefix: "osauth-stores-" });
}

Deno.test("getAuthState is keystoneauth1's shape; setAuthState installs it without a request", async () => {
  const served = await serveCloud();
  try {
    const a = password(served.authUrl);
    assert.equal(a.getAuthState(), undefined);
    await new Session({ auth: a }).get("/servers", { endpointFilter: COMPUTE });
    const state = a.getAuthState()!;
    const parsed = JSON.parse(state);
    assert.deepEqual(Object.keys(parsed).sort(), ["auth_token", "body"]);
    assert.equal(parsed.auth_token, a.cachedAccess!.token);
    assert.deepEqual(parsed.body, a.cachedAccess!.body);

    const b = password(served.authUrl);
    b.setAuthState(state);
    const resp = await new Session({ auth: b }).get("/servers", { endpointFilter: COMPUTE });
    assert.equal(resp.status, 200);
    assert.equal((await resp.json()).auth.userId, D.userId);
    assert.equal(served.cloud.stats.tokenRequests, 1, "b used a's token");
    assert.equal(b.getAuthState(), state);

    b.setAuthState(undefined);
    assert.equal(b.cachedAccess, undefined);
    b.setAuthState("");
    assert.equal(b.cachedAccess, undefined);
  } finally {
    await served.close();
  }
});

// D-set-auth-state-errors
Deno.test("setAuthState: v2.0 states, and bad ones are OptionErrors without the token", async () => {
  const served = await serveCloud();
  try {
    const auth = new v2.Password({
      authUrl: served.authUrl.replace("/v3", "/v2.0"),
      userId: D.userId,
      password: D.password,
      tenantId: D.projectId,
    });
    await new Session({ auth }).get("/servers", { endpointFilter: COMPUTE });
    const state = auth.getAuthState()!;
    const other = new v2.Password({
      authUrl: served.authUrl.replace("/v3", "/v2.0"),
      userId: D.userId,
      password: D.password,
    });
    other.setAuthState(state);
    assert.equal(other.cachedAccess!.token, auth.cachedAccess!.token);
    assert.equal(other.cachedAccess!.version, "v2.0");
    // keystoneauth1's auth_token may name the token apart from a v2 body
    other.setAuthState(JSON.stringify({ ...JSON.parse(state), auth_token: "other-token" }));
    assert.equal(other.cachedAccess!.token, "other-token");
    assert.equal(other.cachedAccess!.projectId, D.projectId);
  } finally {
    await served.close();
  }
  const p = password("http://127.0.0.1:5000/v3");
  const body = { token: { expires_at: "2099-01-01T00:00:00.000000Z", user: { id: "u" } } };
  for (
    const bad of [
      "not json",
      "[]",
      JSON.stringify({ auth_token: "secret-token-1" }),
      JSON.stringify({ auth_token: "secret-token-1", body: { neither: 1 } }),
      JSON.stringify({ body }), // v3 without auth_token
      JSON.stringify({ auth_token: 5, body }),
      JSON.stringify({ auth_token: "secret-token-1", body: { token: {} } }), // no expires_at
    ]
  ) {
    assert.throws(() => p.setAuthState(bad), (err: Error) => {
      assert.ok(err instanceof OptionError, bad);
      assert.ok(!err.message.includes("secret-token-1"), err.message);
      return true;
    });
  }
  assert.throws(() => p.setAuthState(42 as unknown as string), OptionError);
});

Deno.test("a state expiring within the refresh margin is replaced at first use", async () => {
  const served = await serveCloud({ tokenTtlSeconds: 100 }); // < 120 s: always "expiring"
  try {
    const a = password(served.authUrl);
    await new Session({ auth: a }).get("/servers", { endpointFilter: COMPUTE });
    const b = password(served.authUrl);
    b.setAuthState(a.getAuthState());
    const before = served.cloud.stats.tokenRequests;
    await b.getAccess(new Session({ auth: b }));
    assert.equal(served.cloud.stats.tokenRequests, before + 1);
    assert.notEqual(b.cachedAccess!.token, a.cachedAccess!.token);
    // and a store does not hand such a token out, nor is it written there
    const store = new MemoryStateStore();
    const c = password(served.authUrl, { stateStore: store });
    await c.getAccess(new Session({ auth: c }));
    assert.equal(await store.get(await storeKey(c)), undefined);
  } finally {
    await served.close();
  }
});

const missing = await keystoneauthMissing();

Deno.test({
  name: "keystoneauth1's set_auth_state accepts our states, and we accept its (v3 and v2.0)",
  ignore: missing !== undefined && !PYTHON_REQUIRED,
  async fn() {
    if (missing) throw new Error(`OSAUTH_REQUIRE_PYTHON=1 but ${missing}`);
    const served = await serveCloud();
    try {
      for (const version of ["v3", "v2.0"] as const) {
        const authUrl = served.authUrl.replace("/v3", `/${version}`);
        const auth = version === "v3" ? password(authUrl) : new v2.Password({
          authUrl,
          userId: D.userId,
          password: D.password,
          tenantId: D.projectId,
        });
        await new Session({ auth }).get("/servers", { endpointFilter: COMPUTE });
        const ours = auth.getAuthState()!;
        const py = await keystoneauth<{ access: Record<string, unknown>; state: string }>({
          op: "load_state",
          plugin: version === "v3" ? "v3password" : "v2password",
          args: { auth_url: authUrl, user_id: D.userId, password: D.password },
          state: ours,
        });
        const access = auth.cachedAccess!;
        assert.equal(py.access.token, access.token, version);
        assert.equal(py.access.user_id, access.userId, version);
        assert.equal(py.access.project_id, access.projectId, version);
        assert.equal(new Date(py.access.expires as string).getTime(), access.expiresAt.getTime());
        assert.deepEqual(
          py.access.catalog_urls,
          access.catalog.endpoints.map((e) => e.url).sort(),
          version,
        );
        // keystoneauth1's get_auth_state of what it loaded, back into a fresh plugin
        const back = version === "v3" ? password(authUrl) : new v2.Password({
          authUrl,
          userId: D.userId,
          password: D.password,
        });
        back.setAuthState(py.state);
        assert.equal(back.cachedAccess!.token, access.token);
        assert.deepEqual(back.cachedAccess!.body, access.body);
      }
    } finally {
      await served.close();
    }
  },
});

Deno.test("stateStore: a second plugin reads the first one's token; writes after authenticating", async () => {
  const served = await serveCloud();
  try {
    const store = new MemoryStateStore();
    const log = captureLogger();
    const a = password(served.authUrl, { stateStore: store });
    await new Session({ auth: a, logger: log }).get("/servers", { endpointFilter: COMPUTE });
    const key = await storeKey(a);
    const stored = JSON.parse((await store.get(key))!);
    assert.equal(stored.auth_token, a.cachedAccess!.token);
    assert.equal(stored.cache_id, await a.getCacheId());
    assert.ok(log.debugs.some((l) => l.includes("stored the new token")));

    const b = password(served.authUrl, { stateStore: store });
    const resp = await new Session({ auth: b }).get("/servers", { endpointFilter: COMPUTE });
    assert.equal(resp.status, 200);
    assert.equal(served.cloud.stats.tokenRequests, 1);
    assert.equal(b.cachedAccess!.token, a.cachedAccess!.token);

    // other credentials or scope: another key, another token
    const c = password(served.authUrl, { stateStore: store, projectId: undefined });
    await new Session({ auth: c }).get("/servers", { endpointFilter: COMPUTE }).catch(() => {});
    assert.notEqual(await storeKey(c), key);
    assert.equal(served.cloud.stats.tokenRequests, 2);
  } finally {
    await served.close();
  }
});

Deno.test("stateStore: 30 plugins starting together make one token request (lease)", async () => {
  const served = await serveCloud();
  try {
    served.cloud.inject({ method: "POST", path: "/v3/auth/tokens", delayMs: 50 });
    const store = new MemoryStateStore();
    const plugins = Array.from(
      { length: 30 },
      () => password(served.authUrl, { stateStore: store }),
    );
    const tokens = await Promise.all(plugins.map(async (auth) => {
      const resp = await new Session({ auth }).get("/servers", { endpointFilter: COMPUTE });
      assert.equal(resp.status, 200);
      return auth.cachedAccess!.token;
    }));
    assert.equal(served.cloud.stats.tokenRequests, 1);
    assert.equal(new Set(tokens).size, 1);
  } finally {
    await served.close();
  }
});

Deno.test("stateStore without acquire: shared reads and writes, no single flight", async () => {
  const served = await serveCloud();
  try {
    const inner = new MemoryStateStore();
    const store: AuthStateStore = {
      get: (k) => inner.get(k),
      set: (k, v, e) => inner.set(k, v, e),
      delete: (k) => inner.delete(k),
    };
    served.cloud.inject({ method: "POST", path: "/v3/auth/tokens", delayMs: 50, times: 3 });
    await Promise.all(
      [1, 2, 3].map(() =>
        new Session({ auth: password(served.authUrl, { stateStore: store }) })
          .get("/servers", { endpointFilter: COMPUTE })
      ),
    );
    assert.equal(served.cloud.stats.tokenRequests, 3);
    const late = password(served.authUrl, { stateStore: store });
    await new Session({ auth: late }).get("/servers", { endpointFilter: COMPUTE });
    assert.equal(served.cloud.stats.tokenRequests, 3, "a later plugin reads the stored token");
  } finally {
    await served.close();
  }
});

Deno.test("a 401 deletes the shared entry; another plugin then takes the new token, not the revoked one", async () => {
  const served = await serveCloud();
  try {
    const store = new MemoryStateStore();
    const a = password(served.authUrl, { stateStore: store });
    const b = password(served.authUrl, { stateStore: store });
    const sa = new Session({ auth: a });
    const sb = new Session({ auth: b });
    await sa.get("/servers", { endpointFilter: COMPUTE });
    await sb.get("/servers", { endpointFilter: COMPUTE });
    assert.equal(served.cloud.stats.tokenRequests, 1);
    const revoked = a.cachedAccess!.token;
    served.cloud.revokeToken(revoked);

    // a: 401, invalidate (deletes the entry), re-authenticates, writes the new token
    assert.equal((await sa.get("/servers", { endpointFilter: COMPUTE })).status, 200);
    assert.equal(served.cloud.stats.tokenRequests, 2);
    const fresh = a.cachedAccess!.token;
    assert.notEqual(fresh, revoked);
    assert.equal(JSON.parse((await store.get(await storeKey(a)))!).auth_token, fresh);

    // b still holds the revoked one: its 401 leaves a's fresh entry alone and uses it
    assert.equal((await sb.get("/servers", { endpointFilter: COMPUTE })).status, 200);
    assert.equal(served.cloud.stats.tokenRequests, 2);
    assert.equal(b.cachedAccess!.token, fresh);

    // a new plugin reads a token revoked meanwhile: its 401 deletes the entry, and it writes anew
    served.cloud.revokeToken(fresh);
    const c = password(served.authUrl, { stateStore: store });
    assert.equal(
      (await new Session({ auth: c }).get("/servers", { endpointFilter: COMPUTE })).status,
      200,
    );
    assert.equal(served.cloud.stats.tokenRequests, 3);
    const third = c.cachedAccess!.token;
    assert.notEqual(third, fresh);
    const d = password(served.authUrl, { stateStore: store });
    await new Session({ auth: d }).get("/servers", { endpointFilter: COMPUTE });
    assert.equal(served.cloud.stats.tokenRequests, 3);
    assert.equal(d.cachedAccess!.token, third);

    // invalidate() itself removes the entry holding the plugin's token
    assert.equal(d.invalidate(), true);
    for (let i = 0; i < 100 && await store.get(await storeKey(d)) !== undefined; i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.equal(await store.get(await storeKey(d)), undefined);
  } finally {
    await served.close();
  }
});

Deno.test("corrupted, truncated, foreign, expired and undecryptable entries are ignored and overwritten", async (t) => {
  const served = await serveCloud();
  try {
    const probe = password(served.authUrl);
    const key = await storeKey(probe);
    const other = await storeKey(password(served.authUrl, { projectId: "p-other" }));
    await new Session({ auth: probe }).get("/servers", { endpointFilter: COMPUTE });
    const good = JSON.parse(probe.getAuthState()!);
    const expiring = structuredClone(good);
    expiring.body.token.expires_at = new Date(Date.now() + 60_000).toISOString();
    const cases: Record<string, string> = {
      corrupted: "{{{ not json",
      truncated: JSON.stringify({ ...good, cache_id: await probe.getCacheId() }).slice(0, 80),
      foreign: JSON.stringify({ ...good, cache_id: "another cache id" }),
      "expiring within the margin": JSON.stringify({
        ...expiring,
        cache_id: await probe.getCacheId(),
      }),
      "no body": JSON.stringify({ auth_token: "x", cache_id: await probe.getCacheId() }),
      "not an object": "[1,2]",
    };
    assert.notEqual(key, other);
    for (const [name, value] of Object.entries(cases)) {
      await t.step(name, async () => {
        const store = new MemoryStateStore();
        await store.set(key, value, Date.now() + 3_600_000);
        const before = served.cloud.stats.tokenRequests;
        const log = captureLogger();
        const auth = password(served.authUrl, { stateStore: store });
        const resp = await new Session({ auth, logger: log }).get("/servers", {
          endpointFilter: COMPUTE,
        });
        assert.equal(resp.status, 200);
        assert.equal(served.cloud.stats.tokenRequests, before + 1);
        assert.ok(log.debugs.some((l) => l.includes("ignored the entry")), log.debugs.join("\n"));
        assert.deepEqual(log.warns, []);
        assert.equal(JSON.parse((await store.get(key))!).auth_token, auth.cachedAccess!.token);
      });
    }
    await t.step("encrypted with another key, or not at all", async () => {
      const k1 = await crypto.subtle.generateKey({ name: "AES-GCM", length: 256 }, false, [
        "encrypt",
        "decrypt",
      ]);
      const k2 = await crypto.subtle.generateKey({ name: "AES-GCM", length: 256 }, false, [
        "encrypt",
        "decrypt",
      ]);
      const dir = await tempDir();
      try {
        const writer = password(served.authUrl, {
          stateStore: new FileStateStore({ dir, encryptionKey: k1 }),
        });
        await new Session({ auth: writer }).get("/servers", { endpointFilter: COMPUTE });
        for (
          const store of [
            new FileStateStore({ dir, encryptionKey: k2 }),
            new FileStateStore({ dir }),
          ]
        ) {
          const before = served.cloud.stats.tokenRequests;
          const log = captureLogger();
          const auth = password(served.authUrl, { stateStore: store });
          await new Session({ auth, logger: log }).get("/servers", { endpointFilter: COMPUTE });
          assert.equal(served.cloud.stats.tokenRequests, before + 1);
          assert.ok(log.debugs.some((l) => l.includes("ignored the entry")), log.debugs.join("\n"));
        }
      } finally {
        await Deno.remove(dir, { recursive: true });
      }
    });
  } finally {
    await served.close();
  }
});

Deno.test("a failing store degrades to authenticating directly, with a warning", async (t) => {
  const served = await serveCloud();
  try {
    const broken = (which: "get" | "set" | "acquire" | "release"): AuthStateStore => {
      const inner = new MemoryStateStore();
      const fail = () => Promise.reject(new Error(`disk full (${which})`));
      return {
        get: which === "get" ? fail : (k) => inner.get(k),
        set: which === "set" ? fail : (k, v, e) => inner.set(k, v, e),
        delete: (k) => inner.delete(k),
        acquire: which === "acquire"
          ? fail
          : async (k, ttl): Promise<AuthStateLease | undefined> => {
            const lease = await inner.acquire(k, ttl);
            return lease && (which === "release" ? { release: fail } : lease);
          },
      };
    };
    for (const which of ["get", "set", "acquire", "release"] as const) {
      await t.step(which, async () => {
        const log = captureLogger();
        const auth = password(served.authUrl, { stateStore: broken(which) });
        const resp = await new Session({ auth, logger: log }).get("/servers", {
          endpointFilter: COMPUTE,
        });
        assert.equal(resp.status, 200);
        assert.equal(log.warns.length, 1, log.warns.join("\n"));
        assert.match(log.warns[0]!, new RegExp(`disk full \\(${which}\\)`));
        assert.ok(!log.warns[0]!.includes(auth.cachedAccess!.token));
      });
    }
    await t.step("a FileStateStore whose directory cannot be created", async () => {
      const dir = await tempDir();
      try {
        await Deno.writeTextFile(`${dir}/file`, "");
        const log = captureLogger();
        const auth = password(served.authUrl, {
          stateStore: new FileStateStore({ dir: `${dir}/file/osauth` }),
        });
        const resp = await new Session({ auth, logger: log }).get("/servers", {
          endpointFilter: COMPUTE,
        });
        assert.equal(resp.status, 200);
        assert.equal(log.warns.length, 1);
        assert.match(log.warns[0]!, /reading osauth-[0-9a-f]{12} failed/);
      } finally {
        await Deno.remove(dir, { recursive: true });
      }
    });
    await t.step("a store the plugin cannot use (no cache id)", async () => {
      class Custom extends v3.Password {
        override authMethods() {
          const [m] = super.authMethods();
          return [{ name: m!.name, payload: m!.payload }];
        }
      }
      const log = captureLogger();
      const auth = new Custom({
        authUrl: served.authUrl,
        userId: D.userId,
        password: D.password,
        projectId: D.projectId,
        stateStore: new MemoryStateStore(),
      });
      assert.equal(
        (await new Session({ auth, logger: log }).get("/servers", { endpointFilter: COMPUTE }))
          .status,
        200,
      );
      assert.match(log.warns[0]!, /Custom has no cache id/);
    });
  } finally {
    await served.close();
  }
});

Deno.test("stateStore must be a store", () => {
  for (
    const bad of [null, 5, {}, { get() {}, set() {} }, {
      get() {},
      set() {},
      delete() {},
      acquire: 1,
    }]
  ) {
    assert.throws(
      () => password("http://127.0.0.1:5000/v3", { stateStore: bad as unknown as AuthStateStore }),
      OptionError,
    );
  }
});

/** A store whose lease some other (dead or slow) process holds until `until`. */
function heldElsewhere(until: () => number) {
  const inner = new MemoryStateStore();
  let acquires = 0;
  const store: AuthStateStore = {
    get: (k) => inner.get(k),
    set: (k, v, e) => inner.set(k, v, e),
    delete: (k) => inner.delete(k),
    acquire: (k, ttl) => {
      acquires++;
      return Date.now() < until() ? Promise.resolve(undefined) : inner.acquire(k, ttl);
    },
  };
  return { store, acquires: () => acquires, inner };
}

Deno.test("the wait for another holder's lease is bounded by the request: deadline, signal", async (t) => {
  const served = await serveCloud();
  try {
    const { SharedAuthState, cacheIdentity } = await import("../../src/identity/state.ts");
    const identity = () => cacheIdentity({ auth_url: served.authUrl, user: "u" }, "test");
    const session = new Session({ timeout: 60_000 });
    const fresh = () => Promise.reject(new Error("must not authenticate"));
    await t.step("deadline: ConnectTimeout", async () => {
      const held = heldElsewhere(() => Infinity);
      const shared = new SharedAuthState(held.store, identity, 120);
      await assert.rejects(
        shared.authenticate(session, fresh, { deadline: Date.now() + 150 }),
        ConnectTimeout,
      );
      assert.ok(held.acquires() > 1, "it kept trying the lease while waiting");
    });
    await t.step("signal: rejects with its reason", async () => {
      const held = heldElsewhere(() => Infinity);
      const shared = new SharedAuthState(held.store, identity, 120);
      const reason = new Error("caller gave up");
      const controller = new AbortController();
      setTimeout(() => controller.abort(reason), 100);
      await assert.rejects(
        shared.authenticate(session, fresh, { signal: controller.signal }),
        (err) => err === reason,
      );
      const aborted = AbortSignal.abort(reason);
      await assert.rejects(
        shared.authenticate(session, fresh, { signal: aborted }),
        (err) => err === reason,
      );
    });
  } finally {
    await served.close();
  }
});

Deno.test("a lease whose holder died expires and a waiter takes over (one token request)", async () => {
  const served = await serveCloud();
  try {
    const store = new MemoryStateStore();
    const probe = password(served.authUrl);
    // a "process" took the lease for 300 ms and died
    const dead = await store.acquire(await storeKey(probe), 300);
    assert.ok(dead);
    const plugins = Array.from(
      { length: 5 },
      () => password(served.authUrl, { stateStore: store }),
    );
    const log = captureLogger();
    const tokens = await Promise.all(plugins.map(async (auth) => {
      await new Session({ auth, logger: log }).get("/servers", { endpointFilter: COMPUTE });
      return auth.cachedAccess!.token;
    }));
    assert.equal(served.cloud.stats.tokenRequests, 1);
    assert.equal(new Set(tokens).size, 1);
    assert.ok(log.debugs.some((l) => l.includes("waiting for another process")));
    assert.ok(log.debugs.some((l) => l.includes("took the lease")));
  } finally {
    await served.close();
  }
});

Deno.test("without a deadline, a lease that never frees is given up on (2 x lease + 1 s), with a warning", async () => {
  const served = await serveCloud();
  try {
    const held = heldElsewhere(() => Infinity);
    const log = captureLogger();
    const auth = password(served.authUrl, { stateStore: held.store });
    // the lease lasts the session's timeout: 100 ms here; the request's own timeout (which
    // bounds its wait for the plugin) is longer than the 2 x lease + 1 s given to the lease
    const resp = await new Session({ auth, logger: log, timeout: 100 }).get("/servers", {
      endpointFilter: COMPUTE,
      timeout: 5000,
    });
    assert.equal(resp.status, 200);
    assert.equal(served.cloud.stats.tokenRequests, 1);
    assert.match(log.warns.join("\n"), /no token appeared under osauth-[0-9a-f]{12}/);
  } finally {
    await served.close();
  }
});

Deno.test("StateEntryUnreadable thrown by a store of one's own is a miss, not a failure", async () => {
  const served = await serveCloud();
  try {
    const inner = new MemoryStateStore();
    const store: AuthStateStore = {
      get: () => Promise.reject(new StateEntryUnreadable("garbled")),
      set: (k, v, e) => inner.set(k, v, e),
      delete: (k) => inner.delete(k),
    };
    const log = captureLogger();
    const auth = password(served.authUrl, { stateStore: store });
    await new Session({ auth, logger: log }).get("/servers", { endpointFilter: COMPUTE });
    assert.deepEqual(log.warns, []);
    assert.ok(log.debugs.some((l) => l.includes("garbled")));
    assert.ok(await inner.get(await storeKey(auth)));
  } finally {
    await served.close();
  }
});

Deno.test("no secret in a store key, a log line or the plugin's inspect output", async () => {
  const served = await serveCloud();
  try {
    const dir = await tempDir();
    try {
      const log = captureLogger();
      const auth = password(served.authUrl, { stateStore: new FileStateStore({ dir }) });
      await new Session({ auth, logger: log }).get("/servers", { endpointFilter: COMPUTE });
      const token = auth.cachedAccess!.token;
      const names = [...Deno.readDirSync(dir)].map((e) => e.name);
      assert.deepEqual(names, [`${await storeKey(auth)}.json`]);
      for (const text of [...names, ...log.debugs, Deno.inspect(auth), JSON.stringify(auth)]) {
        assert.ok(!text.includes(D.password), text);
        assert.ok(!text.includes(token), text);
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  } finally {
    await served.close();
  }
});

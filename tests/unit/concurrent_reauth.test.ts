/**
 * Concurrency and time: many requests whose token is rejected at once, and
 * requests waiting for a token request that stalls (issue #12).
 * Deliberate differences: docs/DIFFERENCES.md D-shared-reauth, D-token-request-timeout.
 */
import assert from "node:assert/strict";
import {
  AuthorizationFailure,
  type AuthPlugin,
  ConnectTimeout,
  OsAuthError,
  Session,
  v3,
} from "../../mod.ts";
import { FAKE_CLOUD_DEFAULTS as D } from "../../src/testing/mod.ts";
import { serveCloud } from "./_helpers.ts";

const COMPUTE = { endpointFilter: { serviceType: "compute" } } as const;

function password(authUrl: string): v3.Password {
  return new v3.Password({
    authUrl,
    userId: D.userId,
    password: D.password,
    projectId: D.projectId,
  });
}

/** Settles every promise; the rejections. */
async function failures(promises: Promise<Response>[]): Promise<unknown[]> {
  const settled = await Promise.allSettled(
    promises.map((p) => p.then((r) => r.body?.cancel())),
  );
  return settled.flatMap((s) => s.status === "rejected" ? [s.reason] : []);
}

Deno.test("1,000 concurrent requests whose token was revoked: 0 failures, 1 token request", async (t) => {
  const srv = await serveCloud();
  try {
    await t.step("the token revoked before they are sent", async () => {
      const sess = new Session({ auth: password(srv.authUrl) });
      await sess.getAccess();
      srv.cloud.revokeAll();
      srv.cloud.stats.reset();
      const failed = await failures(
        Array.from({ length: 1000 }, () => sess.get("/servers", COMPUTE)),
      );
      assert.deepEqual(failed.map(String), []);
      assert.equal(srv.cloud.stats.tokenRequests, 1);
      const computeRequests = srv.cloud.stats.requests.filter((r) => r.path.includes("/compute/"));
      assert.equal(computeRequests.length, 2000, "each request sent twice: 401, then the retry");
    });

    await t.step("401s arriving before, while and after the new token is fetched", async () => {
      const sess = new Session({ auth: password(srv.authUrl) });
      await sess.getAccess();
      srv.cloud.revokeAll();
      srv.cloud.stats.reset();
      // The new token takes a while: 401s keep arriving while it is fetched.
      const slow = srv.cloud.inject({ method: "POST", path: "/v3/auth/tokens", delayMs: 50 });
      const first = Array.from({ length: 500 }, () => sess.get("/servers", COMPUTE));
      await new Promise((r) => setTimeout(r, 20));
      const later = Array.from({ length: 500 }, () => sess.get("/flavors", COMPUTE));
      const failed = await failures([...first, ...later]);
      assert.deepEqual(failed.map(String), []);
      assert.equal(slow.hits, 1);
      assert.equal(srv.cloud.stats.tokenRequests, 1);
    });

    await t.step("a plugin that cannot renew: every request fails with its 401, once", async () => {
      let sent = 0;
      const fixed: AuthPlugin = {
        getHeaders: () => Promise.resolve({ "X-Auth-Token": "revoked-fixed-token" }),
        getEndpoint: () => Promise.resolve(`${srv.url}/compute/v2.1/${D.projectId}`),
        invalidate: () => false,
      };
      const sess = new Session({
        auth: fixed,
        fetch: (input, init) => {
          sent++;
          return fetch(input, init);
        },
      });
      const failed = await failures(
        Array.from({ length: 50 }, () => sess.get("/servers", COMPUTE)),
      );
      assert.equal(failed.length, 50);
      assert.ok(failed.every((e) => e instanceof OsAuthError && /HTTP 401/.test(e.message)));
      assert.equal(sent, 50, "not retried with the same token");
    });
  } finally {
    await srv.close();
  }
});

Deno.test("a request's signal and timeout bound its wait for a stalled token request", async (t) => {
  const srv = await serveCloud();
  try {
    await t.step("timeout: ConnectTimeout while the shared token request goes on", async () => {
      const stall = srv.cloud.inject({
        method: "POST",
        path: "/v3/auth/tokens",
        delayMs: 60_000,
      });
      const auth = password(srv.authUrl);
      const sess = new Session({ auth });
      // Without a timeout of its own, this request waits for the token request...
      const patient = sess.get("/servers", COMPUTE);
      // ...which others with a timeout do not wait for to the end.
      await assert.rejects(sess.get("/servers", { ...COMPUTE, timeout: 50 }), (e: Error) => {
        assert.ok(e instanceof ConnectTimeout, String(e));
        assert.match(e.message, /waiting for the auth plugin/);
        assert.match(e.message, /50 ms/);
        return true;
      });
      const controller = new AbortController();
      const aborted = sess.get("/servers", { ...COMPUTE, signal: controller.signal });
      controller.abort(new Error("caller gave up"));
      await assert.rejects(aborted, /caller gave up/);
      assert.equal(stall.hits, 1, "one token request for all");
      // The stalled request ends (here: the fault is cleared), and the patient one succeeds.
      srv.cloud.clearFaults();
      assert.equal((await patient).status, 200);
      assert.equal(srv.cloud.stats.tokenRequests, 1);
    });

    await t.step("an aborted signal rejects at once, without a token request", async () => {
      srv.cloud.stats.reset();
      const sess = new Session({ auth: password(srv.authUrl) });
      const controller = new AbortController();
      controller.abort(new Error("already"));
      await assert.rejects(
        sess.get("/servers", { ...COMPUTE, signal: controller.signal }),
        /already/,
      );
    });

    await t.step("the shared token request has its own bound: the session's timeout", async () => {
      const fresh = await serveCloud(); // connections without the aborted requests above
      try {
        await boundedTokenRequest(fresh);
      } finally {
        await fresh.close();
      }
    });
  } finally {
    await srv.close();
  }
});

async function boundedTokenRequest(srv: Awaited<ReturnType<typeof serveCloud>>): Promise<void> {
  {
    {
      const stall = srv.cloud.inject({
        method: "POST",
        path: "/v3/auth/tokens",
        delayMs: 60_000,
        times: 1,
      });
      const sess = new Session({ auth: password(srv.authUrl), timeout: 100 });
      // The waiters would wait 5 s: the token request ends first, after the session's 100 ms.
      const waiters = Array.from(
        { length: 5 },
        () => sess.get("/servers", { ...COMPUTE, timeout: 5000 }),
      );
      const failed = await failures(waiters);
      assert.equal(failed.length, 5);
      for (const e of failed) {
        assert.ok(e instanceof ConnectTimeout, String(e));
        assert.match(e.message, /POST \S+\/v3\/auth\/tokens timed out after 100 ms/);
      }
      assert.equal(stall.hits, 1);
      // The stalled token request ended: the next request gets a new one.
      assert.equal((await sess.get("/servers", COMPUTE)).status, 200);
    }
  }
}

Deno.test("a body read that times out is a ConnectTimeout, also for a token response", async (t) => {
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) => {
    const url = new URL(req.url);
    // Headers at once, then the body never ends.
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(new TextEncoder().encode(url.pathname.endsWith("/tokens") ? '{"tok' : "[1,"));
      },
    });
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (url.pathname.endsWith("/tokens")) headers["x-subject-token"] = "t";
    return new Response(body, { status: req.method === "POST" ? 201 : 200, headers });
  });
  const origin = `http://127.0.0.1:${server.addr.port}`;
  try {
    await t.step("a service response", async () => {
      const resp = await new Session().get(`${origin}/slow`, { timeout: 100 });
      assert.equal(resp.status, 200);
      await assert.rejects(resp.json(), (e: Error) => {
        assert.ok(e instanceof ConnectTimeout, `${e?.constructor?.name}: ${e}`);
        assert.match(e.message, /timed out after 100 ms reading the response body/);
        return true;
      });
    });
    await t.step("a token response says so, not 'is not JSON'", async () => {
      const auth = new v3.Password({
        authUrl: `${origin}/v3`,
        userId: "u",
        password: "p",
        projectId: "p",
      });
      await assert.rejects(new Session({ auth, timeout: 100 }).getAccess(), (e: Error) => {
        assert.ok(e instanceof ConnectTimeout, `${e?.constructor?.name}: ${e}`);
        assert.match(e.message, /token response from .* timed out while its body was read/);
        assert.doesNotMatch(e.message, /not JSON/);
        return true;
      });
    });
    await t.step("a caller's abort during the body read stays the caller's", async () => {
      const controller = new AbortController();
      const resp = await new Session().get(`${origin}/slow`, {
        timeout: 10_000,
        signal: controller.signal,
      });
      const reading = resp.text();
      controller.abort(new Error("mine"));
      await assert.rejects(reading, /mine/);
    });
  } finally {
    await server.shutdown();
  }
});

Deno.test("renewal errors surface: a plugin that invalidates but then has no credentials", async () => {
  const srv = await serveCloud();
  try {
    let valid = true;
    const plugin: AuthPlugin = {
      getHeaders: () => Promise.resolve(valid ? { "X-Auth-Token": "bad" } : undefined),
      getEndpoint: () => Promise.resolve(`${srv.url}/compute/v2.1/${D.projectId}`),
      invalidate: () => {
        valid = false;
        return true;
      },
    };
    await assert.rejects(
      new Session({ auth: plugin }).get("/servers", COMPUTE),
      AuthorizationFailure,
    );
  } finally {
    await srv.close();
  }
});

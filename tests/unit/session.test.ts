import assert from "node:assert/strict";
import {
  ConnectFailure,
  EndpointNotFound,
  MissingAuthPlugin,
  NotFound,
  OptionError,
  Session,
  Unauthorized,
  UntrustedOrigin,
  v3,
} from "../../mod.ts";
import { adminPassword, echoServer, serveCloud } from "./_helpers.ts";

interface Echo {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  body: unknown;
  interface: string;
  auth: { userId: string; projectId: string | null };
}

Deno.test("seed flow: password auth, catalog, request via endpointFilter", async () => {
  const s = await serveCloud();
  try {
    const sess = new Session({ auth: adminPassword(s.authUrl) });
    const resp = await sess.get("/v3/users", {
      endpointFilter: { serviceType: "identity", interface: "public", regionName: "RegionOne" },
    });
    assert.ok(resp instanceof Response);
    const echo = await resp.json() as Echo;
    assert.equal(echo.path, "/v3/users");
    assert.equal(echo.auth.userId, "u-admin");
    assert.equal(echo.headers["x-auth-token"], "<redacted>");
    assert.equal(s.cloud.stats.tokenRequests, 1);
  } finally {
    await s.close();
  }
});

Deno.test("200 concurrent first requests make exactly one token request", async () => {
  const s = await serveCloud();
  try {
    const sess = new Session({ auth: adminPassword(s.authUrl) });
    const results = await Promise.all(
      Array.from(
        { length: 200 },
        (_, i) =>
          sess.get(`/servers/${i}`, { endpointFilter: { serviceType: "compute" } }).then((r) =>
            r.json() as Promise<Echo>
          ),
      ),
    );
    assert.equal(results.length, 200);
    assert.ok(results.every((e, i) => e.path.endsWith(`/servers/${i}`)));
    assert.equal(s.cloud.stats.tokenRequests, 1);
    assert.equal(
      s.cloud.stats.requests.filter((r) => r.method === "POST" && r.path === "/v3/auth/tokens")
        .length,
      1,
    );
  } finally {
    await s.close();
  }
});

Deno.test("token is cached and refreshed 120 s before expiry (injected clock)", async () => {
  let now = Date.parse("2026-11-23T12:00:00Z");
  const clock = () => now;
  const s = await serveCloud({ now: clock, tokenTtlSeconds: 3600 });
  try {
    const sess = new Session({ auth: adminPassword(s.authUrl), now: clock });
    const t1 = await sess.getToken();
    now += (3600 - 121) * 1000;
    assert.equal(await sess.getToken(), t1, "still more than 120 s left: cached");
    assert.equal(s.cloud.stats.tokenRequests, 1);
    now += 2000;
    const t2 = await sess.getToken();
    assert.notEqual(t2, t1, "within 120 s of expiry: refreshed");
    assert.equal(s.cloud.stats.tokenRequests, 2);
  } finally {
    await s.close();
  }
});

Deno.test("reauthenticate: false keeps the first token", async () => {
  let now = Date.parse("2026-11-23T12:00:00Z");
  const clock = () => now;
  const s = await serveCloud({ now: clock, tokenTtlSeconds: 3600 });
  try {
    const sess = new Session({
      auth: adminPassword(s.authUrl, { reauthenticate: false }),
      now: clock,
    });
    const t1 = await sess.getToken();
    now += 3590 * 1000;
    assert.equal(await sess.getToken(), t1);
    assert.equal(s.cloud.stats.tokenRequests, 1);
  } finally {
    await s.close();
  }
});

Deno.test("401: invalidate, re-authenticate once, retry once", async (t) => {
  const s = await serveCloud();
  try {
    const sess = new Session({ auth: adminPassword(s.authUrl) });
    const filter = { endpointFilter: { serviceType: "compute" } };
    await (await sess.get("/a", filter)).body?.cancel();
    s.cloud.revokeAll();
    await t.step("revoked token is replaced transparently", async () => {
      const resp = await sess.get("/b", filter);
      assert.equal(resp.status, 200);
      await resp.body?.cancel();
      assert.equal(s.cloud.stats.tokenRequests, 2);
    });
    await t.step("allowReauth: false surfaces the 401", async () => {
      s.cloud.revokeAll();
      await assert.rejects(sess.get("/c", { ...filter, allowReauth: false }), Unauthorized);
      assert.equal(s.cloud.stats.tokenRequests, 2);
    });
    await t.step("a second 401 after re-auth is not retried again", async () => {
      s.cloud.inject({ path: /\/compute\//, status: 401, times: 5 });
      await assert.rejects(sess.get("/d", filter), Unauthorized);
      assert.equal(s.cloud.stats.tokenRequests, 3);
      s.cloud.clearFaults();
    });
  } finally {
    await s.close();
  }
});

Deno.test("authenticated: false sends no token; unauthenticated needs no plugin", async () => {
  const echo = echoServer();
  const s = await serveCloud();
  try {
    const sess = new Session({ auth: adminPassword(s.authUrl) });
    await (await sess.get(`${echo.url}/x`, { authenticated: false })).body?.cancel();
    assert.equal(echo.seen[0]?.headers.get("x-auth-token"), null);
    assert.equal(s.cloud.stats.tokenRequests, 0, "no auth happened");
    const bare = new Session();
    await (await bare.get(`${echo.url}/y`)).body?.cancel();
    assert.equal(echo.seen[1]?.headers.get("x-auth-token"), null);
    await assert.rejects(bare.get(`${echo.url}/z`, { authenticated: true }), MissingAuthPlugin);
    await assert.rejects(bare.getToken(), MissingAuthPlugin);
  } finally {
    await s.close();
    await echo.close();
  }
});

Deno.test("per-request auth overrides the session's; sess.auth can be shared", async () => {
  const s = await serveCloud();
  try {
    const admin = adminPassword(s.authUrl);
    const demo = adminPassword(s.authUrl, { projectName: "demo" });
    const sess = new Session({ auth: admin });
    const filter = { endpointFilter: { serviceType: "compute" } };
    const viaDemo = await (await sess.get("/x", { ...filter, auth: demo })).json() as Echo;
    assert.equal(viaDemo.auth.projectId, "p-demo");
    assert.equal(admin.cachedAccess, undefined, "the session's plugin was not used");
    const viaAdmin = await (await sess.get("/x", filter)).json() as Echo;
    assert.equal(viaAdmin.auth.projectId, "p-admin");
    assert.equal(s.cloud.stats.tokenRequests, 2);

    const other = new Session({ auth: sess.auth, userAgent: "other/1" });
    assert.equal(other.auth, admin);
    const viaShared = await (await other.get("/y", filter)).json() as Echo;
    assert.equal(viaShared.auth.projectId, "p-admin");
    assert.equal(viaShared.headers["user-agent"], "other/1");
    assert.equal(s.cloud.stats.tokenRequests, 2, "shared plugin reused its token");
  } finally {
    await s.close();
  }
});

Deno.test("a request's own plugin resolves a relative URL even with authenticated: false", async () => {
  const s = await serveCloud();
  try {
    const sess = new Session();
    const resp = await sess.get("/", {
      auth: adminPassword(s.authUrl),
      authenticated: false,
      endpointFilter: { serviceType: "placement" },
    });
    const doc = await resp.json() as { versions: { id: string }[] };
    assert.equal(doc.versions[0]?.id, "v1.0");
    const last = s.cloud.stats.requests.at(-1);
    assert.equal(last?.path, "/placement/");
    assert.equal(last?.headers["x-auth-token"], undefined, "no token sent");
  } finally {
    await s.close();
  }
});

Deno.test("URL resolution: endpointFilter, interface list, absolute URL, endpointOverride", async (t) => {
  const s = await serveCloud();
  try {
    const sess = new Session({ auth: adminPassword(s.authUrl) });
    await t.step("interface list picks the first present", async () => {
      const e = await (await sess.get("servers", {
        endpointFilter: { serviceType: "compute", interface: ["internal", "public"] },
      })).json() as Echo;
      assert.equal(e.interface, "internal");
      assert.equal(e.path, "/compute/v2.1/p-admin/servers");
    });
    await t.step("absolute URL is used as is", async () => {
      const e = await (await sess.get(`${s.url}/image/v2/images`)).json() as Echo;
      assert.equal(e.path, "/image/v2/images");
    });
    await t.step(
      "endpointOverride replaces the catalog and substitutes the project id",
      async () => {
        const e = await (await sess.get("/flavors", {
          endpointOverride: `${s.url}/compute/v2.1/{project_id}`,
          endpointFilter: { serviceType: "compute" },
        })).json() as Echo;
        assert.equal(e.path, "/compute/v2.1/p-admin/flavors");
      },
    );
    await t.step("a {project_id} override without a project id is an OptionError", async () => {
      const unscoped = adminPassword(s.authUrl, {
        projectName: undefined,
        projectDomainId: undefined,
        unscoped: true,
      });
      await assert.rejects(
        sess.get("/flavors", {
          auth: unscoped,
          endpointOverride: `${s.url}/compute/v2.1/{project_id}`,
        }),
        (e: unknown) => e instanceof OptionError && /needs a project id/.test(e.message),
      );
    });
    await t.step("session defaults: interface and region", async () => {
      const internal = new Session({
        auth: sess.auth,
        interface: "admin",
        regionName: "RegionOne",
      });
      const e = await (await internal.get("/x", { endpointFilter: { serviceType: "compute" } }))
        .json() as Echo;
      assert.equal(e.interface, "admin");
      assert.equal(
        await internal.getEndpoint({ serviceType: "compute", interface: "public" }),
        `${s.url}/compute/v2.1/p-admin`,
      );
    });
    await t.step("endpointOverrides by service type (aliases resolved)", async () => {
      const o = new Session({
        auth: sess.auth,
        endpointOverrides: { "volumev3": `${s.url}/compute/v2.1/p-admin` },
      });
      assert.equal(
        await o.getEndpoint({ serviceType: "block-storage" }),
        `${s.url}/compute/v2.1/p-admin`,
      );
    });
    await t.step("unknown service type: EndpointNotFound listing the catalog", async () => {
      await assert.rejects(
        sess.get("/x", { endpointFilter: { serviceType: "object-store" } }),
        (e: unknown) =>
          e instanceof EndpointNotFound && /compute \(nova\)/.test(e.message) &&
          /placement/.test(e.message),
      );
    });
    await t.step("relative URL without filter is an OptionError", async () => {
      await assert.rejects(sess.get("/x"), OptionError);
    });
    await t.step("identity endpoint and the auth interface", async () => {
      assert.equal(
        await sess.getEndpoint({ serviceType: "identity", interface: "auth" }),
        s.authUrl,
      );
      assert.equal(await sess.getEndpoint({ serviceType: "identity" }), s.url);
      await assert.rejects(sess.getEndpoint({}), OptionError);
    });
  } finally {
    await s.close();
  }
});

Deno.test("methods, json, raiseExc, headers, request ids", async (t) => {
  const s = await serveCloud();
  try {
    const sess = new Session({
      auth: adminPassword(s.authUrl),
      appName: "myapp",
      appVersion: "1.2",
      additionalHeaders: { "X-Extra": "1" },
    });
    const filter = { endpointFilter: { serviceType: "compute" } };
    await t.step("every method shortcut", async () => {
      for (const m of ["get", "post", "put", "patch", "delete"] as const) {
        const e = await (await sess[m]("/r", filter)).json() as Echo;
        assert.equal(e.method, m.toUpperCase());
      }
      const head = await sess.head("/r", filter);
      assert.equal(head.status, 200);
      assert.equal(await head.text(), "");
    });
    await t.step("json body and headers", async () => {
      const e = await (await sess.post("/servers", { ...filter, json: { server: { name: "a" } } }))
        .json() as Echo;
      assert.deepEqual(e.body, { server: { name: "a" } });
      assert.equal(e.headers["content-type"], "application/json");
      // keystoneauth1 sets no Accept for json (services differential: barbican.error.client)
      assert.notEqual(e.headers["accept"], "application/json");
      assert.equal(e.headers["x-extra"], "1");
      assert.match(e.headers["user-agent"] ?? "", /^myapp\/1\.2 osauth\/\d+\.\d+\.\d+/);
    });
    await t.step("globalRequestId is sent; malformed ones rejected", async () => {
      const id = "req-" + crypto.randomUUID();
      const e = await (await sess.get("/x", { ...filter, globalRequestId: id })).json() as Echo;
      assert.equal(e.headers["x-openstack-request-id"], id);
      await assert.rejects(sess.get("/x", { ...filter, globalRequestId: "nope" }), OptionError);
    });
    await t.step("status >= 400 throws with request id; raiseExc false returns it", async () => {
      s.cloud.inject({ path: /\/compute\//, status: 404, times: 2 });
      await assert.rejects(sess.get("/missing", filter), (e: unknown) => {
        assert.ok(e instanceof NotFound);
        assert.equal(e.method, "GET");
        assert.match(e.url, /\/compute\/v2\.1\/p-admin\/missing$/);
        assert.ok(e.requestId?.startsWith("req-"), `request id: ${e.requestId}`);
        assert.match(e.message, /Request-ID: req-/);
        return true;
      });
      const resp = await sess.get("/missing", { ...filter, raiseExc: false });
      assert.equal(resp.status, 404);
      await resp.body?.cancel();
    });
  } finally {
    await s.close();
  }
});

Deno.test("connection failures become ConnectFailure", async () => {
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    () => new Response(),
  );
  const port = server.addr.port;
  await server.shutdown();
  const sess = new Session();
  await assert.rejects(sess.get(`http://127.0.0.1:${port}/`), ConnectFailure);
});

Deno.test("Session option validation", () => {
  assert.throws(() => new Session({ timeout: -1 }), OptionError);
  assert.throws(() => new Session({ connectRetries: 1.5 }), OptionError);
  assert.throws(() => new Session({ maxConcurrency: 0 }), OptionError);
  assert.throws(() => new Session({ trustedOrigins: ["not a url"] }), OptionError);
  assert.throws(() => new Session({ verify: 3 as unknown as boolean }), OptionError);
  assert.throws(() => new Session(null as unknown as Record<string, never>), OptionError);
  assert.throws(
    () => new v3.Password({ authUrl: "ftp://x", userId: "u", password: "p" }),
    OptionError,
  );
});

Deno.test("joinUrl joins like keystoneauth1", async (t) => {
  const { joinUrl } = await import("../../src/util/url.ts");
  await t.step("slashes", () => {
    assert.equal(joinUrl("http://h/v2.1/", "/servers"), "http://h/v2.1/servers");
    assert.equal(joinUrl("http://h/v2.1///", "//servers"), "http://h/v2.1/servers");
    assert.equal(joinUrl("http://h/v2.1", "servers/"), "http://h/v2.1/servers/");
    assert.equal(joinUrl("http://h/v2.1", ""), "http://h/v2.1");
  });
});

Deno.test("trusted-origin check: odd URL spellings never widen trust", async () => {
  const s = await serveCloud();
  try {
    const sess = new Session({ auth: adminPassword(s.authUrl) });
    const port = new URL(s.url).port;
    for (
      const url of [
        `http://127.0.0.1:${port}@127.0.0.2:${port}/x`,
        `http://127.0.0.2:${port}\\@127.0.0.1:${port}/x`,
        `http://127.0.0.2:${port}?@127.0.0.1:${port}/x`,
        `http:/127.0.0.2:${port}/x`,
        `http:///127.0.0.2:${port}/x`,
      ]
    ) {
      // Refused before sending: untrusted, or not an absolute URL at all.
      await assert.rejects(
        sess.get(url),
        (e: unknown) => e instanceof UntrustedOrigin || e instanceof OptionError,
        url,
      );
    }
    const ok = await sess.get(`HTTP://127.0.0.1:${port}/compute/v2.1/p-admin/x`);
    assert.equal(ok.status, 200, "scheme case does not matter");
    await ok.body?.cancel();
  } finally {
    await s.close();
  }
});

/**
 * API.md conformance: the names each entry point holds, and contract behaviours
 * not covered elsewhere (identity plugin accessors, 401 re-auth under
 * concurrency, the error hierarchy).
 */
import assert from "node:assert/strict";
import * as osauth from "../../mod.ts";
import * as clouds from "../../src/clouds/mod.ts";
import * as testing from "../../src/testing/mod.ts";
import {
  type AuthPlugin,
  type EndpointFilter,
  HttpError,
  OsAuthError,
  Password,
  Session,
  TokenEndpoint,
  Unauthorized,
  v2,
  v3,
} from "../../mod.ts";
import { adminPassword, echoServer, serveCloud, type Served } from "./_helpers.ts";

Deno.test("entry points hold the names API.md lists, and only the root holds the core", () => {
  const core = [
    "Session",
    "Password",
    "Token",
    "TokenEndpoint",
    "NoAuth",
    "HttpBasic",
    "ServiceCatalog",
    "EndpointData",
    "Adapter",
    "DiscoveryCache",
    "AccessInfo",
    "OsAuthError",
    "HttpError",
    "BadRequest",
    "Unauthorized",
    "Forbidden",
    "NotFound",
    "Conflict",
    "ServiceUnavailable",
    "ConnectFailure",
    "ConnectTimeout",
    "EndpointNotFound",
    "DiscoveryFailure",
    "AuthorizationFailure",
    "MissingAuthPlugin",
    "VersionNotAvailable",
    "CloudConfigError",
    "NetworkPermissionDenied",
  ];
  for (const name of core) {
    assert.equal(typeof (osauth as Record<string, unknown>)[name], "function", name);
  }
  for (const name of ["Password", "Token", "ApplicationCredential", "Totp", "MultiFactor"]) {
    assert.equal(typeof (osauth.v3 as Record<string, unknown>)[name], "function", `v3.${name}`);
  }
  for (const name of ["Password", "Token"]) {
    assert.equal(typeof (osauth.v2 as Record<string, unknown>)[name], "function", `v2.${name}`);
  }
  assert.equal(typeof clouds.loadCloudConfig, "function");
  assert.equal(typeof clouds.sessionFromCloud, "function");
  assert.equal(typeof testing.FakeCloud, "function");
  assert.equal(typeof testing.V3Token, "function");
  assert.equal(typeof testing.V2Token, "function");
  // clouds and testing stay out of the root entry point.
  for (const name of ["loadCloudConfig", "sessionFromCloud", "FakeCloud", "V3Token"]) {
    assert.equal(name in osauth, false, name);
  }
});

Deno.test("errors: every listed class extends OsAuthError; HTTP ones extend HttpError", () => {
  const plain = [
    "ConnectFailure",
    "ConnectTimeout",
    "EndpointNotFound",
    "DiscoveryFailure",
    "AuthorizationFailure",
    "MissingAuthPlugin",
    "VersionNotAvailable",
    "CloudConfigError",
  ] as const;
  for (const name of plain) {
    const E = osauth[name];
    const err = new E("m");
    assert.ok(err instanceof OsAuthError, name);
    assert.ok(err instanceof Error, name);
  }
  assert.ok(osauth.NetworkPermissionDenied.prototype instanceof OsAuthError);
  for (const name of ["BadRequest", "Unauthorized", "Forbidden", "NotFound", "Conflict"] as const) {
    assert.ok(osauth[name].prototype instanceof HttpError, name);
  }
  assert.ok(osauth.ServiceUnavailable.prototype instanceof HttpError);
  // keystoneauth1's subclasses: an empty catalog, and a 401 asking for more MFA methods.
  assert.ok(new osauth.EmptyCatalog("m") instanceof osauth.EndpointNotFound);
  assert.ok(osauth.MissingAuthMethods.prototype instanceof osauth.Unauthorized);
  assert.ok(HttpError.prototype instanceof OsAuthError);
});

Deno.test("identity plugins: getAccess, getToken, getUserId, getProjectId (v3, v2, generic)", async () => {
  const s = await serveCloud();
  try {
    const plugins = [
      adminPassword(s.authUrl),
      new v2.Password({
        authUrl: s.authUrl.replace(/\/v3$/, "/v2.0"),
        username: "admin",
        password: "secret",
        tenantName: "admin",
      }),
      new Password({
        authUrl: s.authUrl.replace(/\/v3$/, ""),
        username: "admin",
        password: "secret",
        projectName: "admin",
        defaultDomainId: "default",
      }),
    ];
    for (const plugin of plugins) {
      const sess = new Session({ auth: plugin });
      const access = await plugin.getAccess(sess);
      assert.equal(await plugin.getToken(sess), access.token);
      assert.equal(await plugin.getUserId(sess), "u-admin");
      assert.equal(await plugin.getProjectId(sess), "p-admin");
      // The Session's helpers go through the same plugin.
      assert.equal(await sess.getToken(), access.token);
      assert.equal(await sess.getAccess(), access);
      assert.equal(await sess.invalidate(), true);
      assert.equal(await sess.invalidate(), false);
      assert.notEqual(await sess.getToken(), access.token);
    }
    // A user's plugin with only the three AuthPlugin members works in a Session.
    const minimal: AuthPlugin = {
      getHeaders: () => Promise.resolve({ "X-Auth-Token": "mine" }),
      getEndpoint: (_s: Session, _f: EndpointFilter) => Promise.resolve(s.url),
      invalidate: () => false,
    };
    const sess = new Session({ auth: minimal });
    assert.equal(await sess.getToken(), "mine");
    assert.equal(await sess.getEndpoint({ serviceType: "anything" }), s.url);
  } finally {
    await s.close();
  }
});

/** A compute request made (so a token is cached), then every token revoked and stats reset. */
async function revokedSession(s: Served) {
  const sess = new Session({ auth: adminPassword(s.authUrl) });
  const filter = { endpointFilter: { serviceType: "compute" } };
  await (await sess.get("/warm", filter)).body?.cancel();
  s.cloud.revokeAll();
  s.cloud.stats.reset();
  return { sess, filter };
}

Deno.test("401 on concurrent requests: every request re-authenticates through one token fetch", async () => {
  const s = await serveCloud();
  try {
    const { sess, filter } = await revokedSession(s);
    const statuses = await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        const resp = await sess.get(`/servers/${i}`, filter);
        await resp.body?.cancel();
        return resp.status;
      }),
    );
    assert.deepEqual(statuses, Array(20).fill(200));
    assert.equal(s.cloud.stats.tokenRequests, 1);
  } finally {
    await s.close();
  }
});

Deno.test("401 arriving after another request re-authenticated: retried with the new token", async () => {
  const s = await serveCloud();
  try {
    const { sess, filter } = await revokedSession(s);
    s.cloud.inject({ path: /\/slow$/, delayMs: 60_000 });
    // The slow request leaves with the revoked token and stalls ...
    const slow = sess.get("/slow", filter);
    while (!s.cloud.stats.requests.some((r) => r.path.endsWith("/slow"))) {
      await new Promise((r) => setTimeout(r, 5));
    }
    // ... while another one gets its 401 and re-authenticates.
    const fast = await sess.get("/fast", filter);
    await fast.body?.cancel();
    assert.equal(s.cloud.stats.tokenRequests, 1);
    s.cloud.clearFaults();
    const late = await slow;
    await late.body?.cancel();
    assert.equal(late.status, 200);
    assert.equal(s.cloud.stats.tokenRequests, 1, "the new token is used, not invalidated");
  } finally {
    await s.close();
  }
});

Deno.test("401 with a plugin that cannot renew (TokenEndpoint): one attempt, Unauthorized", async () => {
  const echo = echoServer();
  try {
    const sess = new Session({
      auth: new TokenEndpoint({ endpoint: `${echo.url}/status/401`, token: "stale" }),
    });
    await assert.rejects(sess.get("", { endpointFilter: { serviceType: "x" } }), Unauthorized);
    assert.equal(echo.seen.length, 1);
  } finally {
    await echo.close();
  }
});

Deno.test("v3.Token takes the scope options of v3.Password", async () => {
  const s = await serveCloud();
  try {
    const base = new Session({ auth: adminPassword(s.authUrl) });
    const token = await base.getToken();
    const cases: [v3.ScopeOptions, (a: osauth.AccessInfo) => void][] = [
      [
        { projectName: "demo", projectDomainId: "default" },
        (a) => assert.equal(a.projectId, "p-demo"),
      ],
      [{ domainId: "default" }, (a) => assert.equal(a.domain?.id, "default")],
      [{ systemScope: "all" }, (a) => assert.deepEqual(a.system, { all: true })],
      [{ unscoped: true }, (a) => assert.equal(a.scoped, false)],
    ];
    for (const [scope, check] of cases) {
      const sess = new Session({ auth: new v3.Token({ authUrl: s.authUrl, token, ...scope }) });
      check(await sess.getAccess());
    }
  } finally {
    await s.close();
  }
});

Deno.test("API.md option and return shapes type-check (constructed, not sent)", () => {
  const logger: osauth.Logger = console;
  const auth = new v3.Password({
    authUrl: "http://127.0.0.1:5000/v3",
    userId: "u",
    password: "p",
    systemScope: "all",
    includeCatalog: false,
    reauthenticate: false,
  });
  const sess = new Session({
    auth,
    verify: "/ca.pem",
    cert: ["c.pem", "k.pem"],
    timeout: 1,
    userAgent: "ua",
    appName: "a",
    appVersion: "1",
    additionalHeaders: { "X-A": "b" },
    logger,
    connectRetries: 1,
    statusCodeRetries: 1,
    retriableStatusCodes: [503],
    maxConcurrency: 2,
    discoveryCache: new osauth.DiscoveryCache(),
    fetch,
    now: () => 0,
  });
  assert.equal(new Session({ auth: sess.auth, verify: "/other.pem" }).auth, auth);
  // Never called: only its types matter.
  const _typed = (): unknown[] => {
    const request: Promise<Response> = sess.request("/x", {
      method: "GET",
      headers: new Headers(),
      body: "x",
      json: {},
      authenticated: true,
      auth,
      endpointFilter: {
        serviceType: "compute",
        interface: ["public", "internal"],
        regionName: "r",
        serviceName: "n",
        serviceId: "i",
        endpointId: "e",
      },
      endpointOverride: "http://127.0.0.1:1",
      raiseExc: false,
      allowReauth: false,
      microversion: "2.1",
      microversionServiceType: "compute",
      connectRetries: 1,
      statusCodeRetries: 1,
      retriableStatusCodes: [500],
      timeout: 1,
      signal: new AbortController().signal,
      globalRequestId: "req-00000000-0000-0000-0000-000000000000",
      logger,
    });
    const token: Promise<string> = sess.getToken();
    const endpoint: Promise<string> = sess.getEndpoint({ serviceType: "compute" });
    const access: Promise<osauth.AccessInfo> = sess.getAccess();
    const invalidated: Promise<boolean> = sess.invalidate();
    const data: Promise<osauth.EndpointData> = sess.getEndpointData({
      serviceType: "compute",
      minVersion: "2",
      maxVersion: "2.5",
    });
    const adapter = new osauth.Adapter(sess, {
      serviceType: "compute",
      interface: "public",
      regionName: "r",
      serviceName: "n",
      endpointOverride: "http://127.0.0.1:1",
      version: "2",
      defaultMicroversion: "2.1",
    });
    const adapted: Promise<Response>[] = [
      adapter.request("/", {}),
      adapter.get("/"),
      adapter.post("/"),
      adapter.put("/"),
      adapter.patch("/"),
      adapter.delete("/"),
      adapter.head("/"),
    ];
    const major: Promise<[number, number] | undefined> = adapter.getApiMajorVersion();
    const config = clouds.loadCloudConfig({ cloud: "c", files: ["f"], env: {}, yaml: "" });
    const fromCloud: Promise<Session> = clouds.sessionFromCloud({ cloud: "c" });
    return [request, token, endpoint, access, invalidated, data, adapted, major, config, fromCloud];
  };
  const ed = new osauth.EndpointData({
    catalogUrl: "http://127.0.0.1:1/v2.1",
    apiVersion: [2, 1],
    minMicroversion: "2.1",
    maxMicroversion: "2.95",
    serviceType: "compute",
    interface: "public",
    regionName: "RegionOne",
  });
  const fields: [string, string, [number, number] | undefined, ...(string | undefined)[]] = [
    ed.catalogUrl,
    ed.serviceUrl,
    ed.apiVersion,
    ed.minMicroversion,
    ed.maxMicroversion,
    ed.serviceType,
    ed.interface,
    ed.regionName,
  ];
  assert.deepEqual(fields.slice(1, 3), ["http://127.0.0.1:1/v2.1", [2, 1]]);
  sess.close();
});

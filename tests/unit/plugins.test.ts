import assert from "node:assert/strict";
import {
  DiscoveryFailure,
  HttpBasic,
  NoAuth,
  OptionError,
  Password,
  Session,
  Token,
  TokenEndpoint,
  Unauthorized,
  v2,
  v3,
} from "../../mod.ts";
import { FAKE_CLOUD_DEFAULTS as D } from "../../src/testing/mod.ts";
import { adminPassword, echoServer, serveCloud } from "./_helpers.ts";

Deno.test("v3 plugins against the fake Keystone", async (t) => {
  const s = await serveCloud({
    trusts: [{
      id: "trust-1",
      trustorUserId: "u-admin",
      trusteeUserId: "u-admin",
      projectId: "p-demo",
    }],
  });
  const authUrl = s.authUrl;
  const access = (auth: v3.V3Auth) => new Session({ auth }).getAccess();
  try {
    await t.step("Password by user id, project scope by id", async () => {
      const a = await access(
        new v3.Password({
          authUrl,
          userId: D.userId,
          password: D.password,
          projectId: D.projectId,
        }),
      );
      assert.equal(a.projectId, D.projectId);
      assert.equal(a.userId, D.userId);
      assert.deepEqual(a.methods, ["password"]);
      assert.ok(a.roleNames.includes("admin"));
      assert.ok(a.catalog.endpoints.length > 0);
      assert.ok(a.expiresAt.getTime() > Date.now());
    });
    await t.step("domain scope by name", async () => {
      const a = await access(
        adminPassword(authUrl, {
          projectName: undefined,
          projectDomainId: undefined,
          domainName: "Default",
        }),
      );
      assert.equal(a.domain?.id, "default");
      assert.equal(a.project, undefined);
    });
    await t.step("system scope", async () => {
      const a = await access(
        adminPassword(authUrl, {
          projectName: undefined,
          projectDomainId: undefined,
          systemScope: "all",
        }),
      );
      assert.deepEqual(a.system, { all: true });
    });
    await t.step("trust scope", async () => {
      const a = await access(
        adminPassword(authUrl, {
          projectName: undefined,
          projectDomainId: undefined,
          trustId: "trust-1",
        }),
      );
      assert.equal(a.trustId, "trust-1");
      assert.equal(a.projectId, "p-demo");
    });
    await t.step("unscoped", async () => {
      const a = await access(
        adminPassword(authUrl, {
          projectName: undefined,
          projectDomainId: undefined,
          unscoped: true,
        }),
      );
      assert.equal(a.scoped, false);
    });
    await t.step("includeCatalog: false", async () => {
      const a = await access(adminPassword(authUrl, { includeCatalog: false }));
      assert.equal(a.catalog.endpoints.length, 0);
    });
    await t.step("Token re-scopes an existing token", async () => {
      const first = new Session({ auth: adminPassword(authUrl) });
      const token = await first.getToken();
      const a = await access(
        new v3.Token({ authUrl, token, projectName: "demo", projectDomainName: "Default" }),
      );
      assert.equal(a.projectId, D.demoProjectId);
      assert.equal(a.methods[0], "token");
      assert.notEqual(a.token, token);
    });
    await t.step("ApplicationCredential by id and by name + user", async () => {
      const byId = await access(
        new v3.ApplicationCredential({
          authUrl,
          applicationCredentialId: D.applicationCredentialId,
          applicationCredentialSecret: D.applicationCredentialSecret,
        }),
      );
      assert.equal(byId.projectId, D.projectId);
      const byName = await access(
        new v3.ApplicationCredential({
          authUrl,
          applicationCredentialName: D.applicationCredentialName,
          applicationCredentialSecret: D.applicationCredentialSecret,
          username: D.username,
          userDomainName: D.domainName,
        }),
      );
      assert.equal(byName.userId, D.userId);
    });
    await t.step("Totp", async () => {
      const a = await access(
        new v3.Totp({
          authUrl,
          userId: D.userId,
          passcode: D.totpPasscode,
          projectId: D.projectId,
        }),
      );
      assert.deepEqual(a.methods, ["totp"]);
    });
    await t.step("MultiFactor password + totp", async () => {
      const a = await access(
        new v3.MultiFactor({
          authUrl,
          methods: ["v3password", "totp"],
          userId: D.userId,
          password: D.password,
          passcode: D.totpPasscode,
          projectId: D.projectId,
        }),
      );
      assert.deepEqual([...a.methods].sort(), ["password", "totp"]);
    });
    await t.step("wrong password: Unauthorized with Keystone's message, no secret", async () => {
      const wrong = new v3.Password({
        authUrl,
        userId: D.userId,
        password: "wrong-pw-123",
        projectId: D.projectId,
      });
      await assert.rejects(new Session({ auth: wrong }).getToken(), (e: unknown) => {
        assert.ok(e instanceof Unauthorized);
        assert.match(e.message, /requires authentication/);
        assert.ok(!e.message.includes("wrong-pw-123"));
        assert.ok(!JSON.stringify(e.details).includes("wrong-pw-123"));
        return true;
      });
    });
    await t.step("wrong TOTP passcode", async () => {
      const wrong = new v3.Totp({ authUrl, userId: D.userId, passcode: "000000" });
      await assert.rejects(new Session({ auth: wrong }).getToken(), Unauthorized);
    });
  } finally {
    await s.close();
  }
});

Deno.test("v3 option validation gives OptionError naming the field", () => {
  const authUrl = "http://127.0.0.1:1/v3";
  const cases: [() => unknown, RegExp][] = [
    [() => new v3.Password({ authUrl, password: "p" } as v3.PasswordOptions), /userId or username/],
    [
      () => new v3.Password({ authUrl, username: "u", password: "p" }),
      /userDomainId or userDomainName/,
    ],
    [() => new v3.Password({ authUrl, userId: "u" } as v3.PasswordOptions), /password is required/],
    [() => new v3.Password({ authUrl: "", userId: "u", password: "p" }), /authUrl is required/],
    [() => new v3.Password({ authUrl: "nope", userId: "u", password: "p" }), /not a valid URL/],
    [
      () => new v3.Password({ authUrl, userId: "u", password: "p", projectName: "x" }),
      /projectDomainId/,
    ],
    [
      () => new v3.Password({ authUrl, userId: "u", password: "p", projectId: "x", domainId: "d" }),
      /multiple targets/,
    ],
    [() => new v3.Password({ authUrl, userId: "u", password: "p", systemScope: "some" }), /"all"/],
    [() => new v3.Token({ authUrl } as v3.TokenOptions), /token is required/],
    [
      () => new v3.ApplicationCredential({ authUrl, applicationCredentialSecret: "s" }),
      /applicationCredentialId or applicationCredentialName/,
    ],
    [
      () =>
        new v3.ApplicationCredential(
          { authUrl, applicationCredentialId: "x" } as v3.ApplicationCredentialOptions,
        ),
      /applicationCredentialSecret is required/,
    ],
    [
      () =>
        new v3.ApplicationCredential({
          authUrl,
          applicationCredentialName: "x",
          applicationCredentialSecret: "s",
        }),
      /userId or username/,
    ],
    [() => new v3.Totp({ authUrl, userId: "u" } as v3.TotpOptions), /passcode is required/],
    [() => new v3.MultiFactor({ authUrl, methods: [] }), /at least one method/],
    [
      () => new v3.MultiFactor({ authUrl, methods: ["kerberos"], userId: "u" }),
      /unknown method "kerberos"/,
    ],
    [
      () => new v3.MultiFactor({ authUrl, methods: ["password"], userId: "u" }),
      /password is required/,
    ],
    [() => new v2.Password({ authUrl, password: "p" } as v2.PasswordOptions), /username or userId/],
    [
      () =>
        new v2.Password({ authUrl, userId: "u", password: "p", tenantId: "a", tenantName: "b" }),
      /not both/,
    ],
    [() => new v2.Token({ authUrl } as v2.TokenOptions), /token is required/],
    [() => new TokenEndpoint({ endpoint: "x", token: "t" }), /not a valid URL/],
    [() => new TokenEndpoint({ endpoint: "http://127.0.0.1" } as never), /token is required/],
    [() => new NoAuth({ endpoint: "file:///x" }), /http or https/],
    [() => new HttpBasic({ username: "u" } as never), /password is required/],
    [() => new Password({ authUrl } as never), /password is required/],
    [() => new Token({ authUrl } as never), /token is required/],
  ];
  for (const [fn, re] of cases) {
    assert.throws(fn, (e: unknown) => e instanceof OptionError && re.test(e.message), String(re));
  }
});

Deno.test("v2 plugins", async () => {
  const s = await serveCloud();
  try {
    const authUrl = `${s.url}/v2.0`;
    const pw = new Session({
      auth: new v2.Password({
        authUrl,
        username: D.username,
        password: D.password,
        tenantName: D.projectName,
      }),
    });
    const a = await pw.getAccess();
    assert.equal(a.version, "v2.0");
    assert.equal(a.projectId, D.projectId);
    const compute = await pw.getEndpoint({ serviceType: "compute", interface: "publicURL" });
    assert.match(compute, /\/compute\//);
    const resp = await pw.get("/x", { endpointFilter: { serviceType: "compute" } });
    assert.equal(resp.status, 200);
    await resp.body?.cancel();
    const tok = new Session({
      auth: new v2.Token({ authUrl, token: a.token, tenantId: D.projectId }),
    });
    assert.equal((await tok.getAccess()).projectId, D.projectId);
    const byId = new Session({
      auth: new v2.Password({ authUrl, userId: D.userId, password: D.password }),
    });
    assert.equal((await byId.getAccess()).userId, D.userId);
  } finally {
    await s.close();
  }
});

Deno.test("generic plugins discover v3, or v2.0 when that is all there is", async (t) => {
  await t.step("v3 from an unversioned URL with default domain", async () => {
    const s = await serveCloud();
    try {
      const auth = new Password({
        authUrl: s.url,
        username: D.username,
        password: D.password,
        projectName: D.projectName,
        defaultDomainId: "default",
      });
      const a = await new Session({ auth }).getAccess();
      assert.equal(a.version, "v3");
      assert.equal(a.projectId, D.projectId);
      assert.ok(auth.resolvedPlugin instanceof v3.Password);
      // Without a default domain or domain options keystoneauth1 takes the versions
      // oldest first: v2.0 when the root lists both (auth_types_differential.test.ts).
      const tok = new Token({ authUrl: s.url, token: a.token, tenantId: D.projectId });
      assert.equal((await new Session({ auth: tok }).getAccess()).version, "v2.0");
      const tokV3 = new Token({
        authUrl: s.url,
        token: a.token,
        projectId: D.projectId,
        defaultDomainId: "default",
      });
      assert.equal((await new Session({ auth: tokV3 }).getAccess()).version, "v3");
    } finally {
      await s.close();
    }
  });
  await t.step("versioned URLs are discovered too, as keystoneauth1 does", async () => {
    const s = await serveCloud();
    try {
      const a = await new Session({
        auth: new Password({
          authUrl: `${s.url}/v2.0/`,
          userId: D.userId,
          password: D.password,
          tenantName: D.projectName,
        }),
      }).getAccess();
      assert.equal(a.version, "v2.0");
      // keystoneauth1's get_discovery reads the versioned URL's own document
      assert.equal(s.cloud.stats.requests.filter((r) => r.method === "GET").length, 1);
    } finally {
      await s.close();
    }
  });
  await t.step("v2.0-only cloud", async () => {
    const s = await serveCloud({ identityV3: false });
    try {
      const auth = new Password({
        authUrl: s.url,
        username: D.username,
        password: D.password,
        tenantName: D.projectName,
      });
      const a = await new Session({ auth }).getAccess();
      assert.equal(a.version, "v2.0");
      const tok = new Token({ authUrl: s.url, token: a.token, projectId: D.projectId });
      assert.equal((await new Session({ auth: tok }).getAccess()).version, "v2.0");
      const domainScoped = new Password({
        authUrl: s.url,
        username: D.username,
        password: D.password,
        domainId: "default",
      });
      await assert.rejects(
        new Session({ auth: domainScoped }).getAccess(),
        (e: unknown) => e instanceof DiscoveryFailure && /v2\.0/.test(e.message),
      );
    } finally {
      await s.close();
    }
  });
  await t.step("no identity API: DiscoveryFailure", async () => {
    const echo = echoServer();
    try {
      const auth = new Password({ authUrl: echo.url, userId: "u", password: "p" });
      await assert.rejects(new Session({ auth }).getAccess(), DiscoveryFailure);
    } finally {
      await echo.close();
    }
  });
});

Deno.test("TokenEndpoint, NoAuth and HttpBasic", async () => {
  const echo = echoServer();
  try {
    const te = new Session({
      auth: new TokenEndpoint({ endpoint: `${echo.url}/fixed`, token: "tok-123" }),
    });
    const r1 = await te.get("/servers", {
      endpointFilter: { serviceType: "compute", regionName: "Anywhere" },
    });
    assert.deepEqual((await r1.json()).path, "/fixed/servers");
    assert.equal(echo.seen.at(-1)?.headers.get("x-auth-token"), "tok-123");
    assert.equal(await te.getToken(), "tok-123");
    assert.equal(await te.invalidate(), false);
    assert.equal(await te.getEndpoint({ serviceType: "image" }), `${echo.url}/fixed`);

    const na = new Session({ auth: new NoAuth({ endpoint: echo.url }) });
    await (await na.get("/v1/nodes", { endpointFilter: { serviceType: "baremetal" } })).body
      ?.cancel();
    assert.equal(echo.seen.at(-1)?.headers.get("x-auth-token"), "notused", "as keystoneauth1");
    assert.equal(echo.seen.at(-1)?.headers.get("authorization"), null);
    assert.equal(await na.getToken(), "notused");

    const hb = new Session({
      auth: new HttpBasic({ endpoint: echo.url, username: "user", password: "päss" }),
    });
    await (await hb.get("/v1/nodes", { endpointFilter: { serviceType: "baremetal" } })).body
      ?.cancel();
    const header = echo.seen.at(-1)?.headers.get("authorization") ?? "";
    assert.match(header, /^Basic /);
    assert.equal(
      new TextDecoder().decode(Uint8Array.from(atob(header.slice(6)), (c) => c.charCodeAt(0))),
      "user:päss",
    );
  } finally {
    await echo.close();
  }
});

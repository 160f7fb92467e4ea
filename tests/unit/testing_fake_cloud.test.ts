// deno-lint-ignore-file no-explicit-any
import assert from "node:assert/strict";
import {
  FAKE_CLOUD_DEFAULTS as D,
  FakeCloud,
  type FakeCloudOptions,
  type FakeServer,
} from "../../src/testing/mod.ts";

const REQ_ID = /^req-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const UNAUTHORIZED = {
  error: {
    code: 401,
    title: "Unauthorized",
    message: "The request you have made requires authentication.",
  },
};

async function withCloud(
  options: FakeCloudOptions,
  fn: (server: FakeServer, cloud: FakeCloud) => Promise<void>,
): Promise<void> {
  const cloud = new FakeCloud(options);
  const server = await cloud.serve();
  try {
    await fn(server, cloud);
  } finally {
    await server.close();
  }
}

interface Result {
  status: number;
  headers: Headers;
  body: any;
}

async function call(url: string, init: RequestInit = {}): Promise<Result> {
  const resp = await fetch(url, init);
  const text = await resp.text();
  return { status: resp.status, headers: resp.headers, body: text ? JSON.parse(text) : null };
}

function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Result> {
  return call(url, {
    method: "POST",
    headers: { "Content-Type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

function passwordIdentity(user: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    methods: ["password"],
    password: {
      user: { name: D.username, domain: { id: D.domainId }, password: D.password, ...user },
    },
  };
}

async function issue(
  server: FakeServer,
  auth: Record<string, unknown>,
  query = "",
): Promise<Result & { token: string }> {
  const r = await post(`${server.authUrl}/auth/tokens${query}`, { auth });
  return { ...r, token: r.headers.get("X-Subject-Token") ?? "" };
}

async function adminToken(server: FakeServer): Promise<string> {
  const r = await issue(server, {
    identity: passwordIdentity(),
    scope: { project: { id: D.projectId } },
  });
  assert.equal(r.status, 201);
  return r.token;
}

Deno.test("version documents of Keystone and default services", async () => {
  await withCloud({}, async (server) => {
    const root = await call(`${server.url}/`);
    assert.equal(root.status, 300);
    assert.match(root.headers.get("X-Openstack-Request-Id") ?? "", REQ_ID);
    const values = root.body.versions.values;
    assert.deepEqual(values.map((v: any) => [v.id, v.status]), [
      ["v3.14", "stable"],
      ["v2.0", "deprecated"],
    ]);
    assert.equal(values[0].links[0].href, `${server.url}/v3/`);
    assert.equal(values[0]["media-types"][0].type, "application/vnd.openstack.identity-v3+json");

    assert.equal(server.authUrl, `${server.url}/v3`);
    const v3 = await call(server.authUrl);
    assert.equal(v3.status, 200);
    assert.equal(v3.body.version.id, "v3.14");
    assert.equal((await call(`${server.url}/v3/`)).body.version.id, "v3.14");
    assert.equal((await call(`${server.url}/v2.0`)).body.version.id, "v2.0");
    const head = await fetch(`${server.url}/v3`, { method: "HEAD" });
    assert.equal(head.status, 200);
    assert.equal(await head.text(), "");

    const compute = await call(`${server.url}/compute/`);
    assert.equal(compute.status, 200);
    assert.deepEqual(compute.body.versions, [
      {
        id: "v2.0",
        status: "SUPPORTED",
        links: [{ rel: "self", href: `${server.url}/compute/v2/` }],
        version: "",
        min_version: "",
        updated: "2011-01-21T11:33:21Z",
      },
      {
        id: "v2.1",
        status: "CURRENT",
        links: [{ rel: "self", href: `${server.url}/compute/v2.1/` }],
        version: "2.95",
        min_version: "2.1",
        updated: "2013-07-23T11:33:21Z",
      },
    ]);
    const v21 = await call(`${server.url}/compute/v2.1`);
    assert.equal(v21.body.version.id, "v2.1");
    assert.equal(v21.body.version.version, "2.95");
    // Through the internal interface, links point to internal URLs.
    const internal = await call(`${server.url}/internal/compute`);
    assert.equal(internal.body.versions[1].links[0].href, `${server.url}/internal/compute/v2.1/`);

    const placement = await call(`${server.url}/placement/`);
    assert.deepEqual(placement.body.versions, [{
      id: "v1.0",
      status: "CURRENT",
      links: [{ rel: "self", href: `${server.url}/placement/` }],
      min_version: "1.0",
      max_version: "1.39",
    }]);
    const image = await call(`${server.url}/image`);
    assert.equal(image.status, 300);
    assert.equal(image.body.versions[0].id, "v2.9");
    assert.equal(image.body.versions[0].status, "CURRENT");
    assert.ok(image.body.versions.some((v: any) => v.id === "v2.1" && v.status === "SUPPORTED"));
    assert.equal(image.body.versions[0].links[0].href, `${server.url}/image/v2/`);
    assert.equal((await call(`${server.url}/image/v2/`)).body.version.id, "v2.9");

    const missing = await call(`${server.url}/nothing-here`);
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error.code, 404);
  });
});

Deno.test("password auth by name, project scope by id: 201, token header, catalog", async () => {
  await withCloud({}, async (server, cloud) => {
    const r = await issue(server, {
      identity: passwordIdentity(),
      scope: { project: { id: D.projectId } },
    });
    assert.equal(r.status, 201);
    assert.match(r.headers.get("X-Openstack-Request-Id") ?? "", REQ_ID);
    assert.ok(r.token.length > 150, "fernet-like token ids are long");
    const t = r.body.token;
    assert.deepEqual(t.methods, ["password"]);
    assert.deepEqual(t.user, {
      id: D.userId,
      name: D.username,
      domain: { id: "default", name: "Default" },
      password_expires_at: null,
    });
    assert.deepEqual(t.project, {
      id: D.projectId,
      name: D.projectName,
      domain: { id: "default", name: "Default" },
    });
    assert.deepEqual(t.roles.map((x: any) => x.name), ["admin", "member", "reader"]);
    assert.equal(t.roles[0].id, "r-admin");
    assert.equal(Date.parse(t.expires_at) - Date.parse(t.issued_at), 3_600_000);
    const types = t.catalog.map((s: any) => s.type);
    assert.deepEqual(types, ["identity", "compute", "placement", "image"]);
    const compute = t.catalog.find((s: any) => s.type === "compute");
    assert.equal(compute.name, "nova");
    assert.equal(compute.id, "svc-compute");
    const byIface = Object.fromEntries(compute.endpoints.map((e: any) => [e.interface, e]));
    assert.equal(byIface.public.url, `${server.url}/compute/v2.1/${D.projectId}`);
    assert.equal(byIface.internal.url, `${server.url}/internal/compute/v2.1/${D.projectId}`);
    assert.equal(byIface.admin.url, `${server.url}/admin/compute/v2.1/${D.projectId}`);
    assert.equal(byIface.public.region, "RegionOne");
    assert.equal(byIface.public.region_id, "RegionOne");
    assert.equal(byIface.public.id, "ep-compute-public");
    const identity = t.catalog.find((s: any) => s.type === "identity");
    assert.equal(identity.endpoints.find((e: any) => e.interface === "public").url, server.url);
    const placement = t.catalog.find((s: any) => s.type === "placement");
    assert.equal(
      placement.endpoints.find((e: any) => e.interface === "public").url,
      `${server.url}/placement`,
    );

    // The token works against a service.
    const echo = await call(`${server.url}/placement/resource_providers`, {
      headers: { "X-Auth-Token": r.token },
    });
    assert.equal(echo.status, 200);
    assert.equal(cloud.tokens.length, 1);
    assert.equal(cloud.tokens[0]?.projectId, D.projectId);
  });
});

Deno.test("password auth by id and by domain name; project scope by name", async () => {
  await withCloud({}, async (server) => {
    const byId = await issue(server, {
      identity: {
        methods: ["password"],
        password: { user: { id: D.userId, password: D.password } },
      },
      scope: { project: { name: D.demoProjectName, domain: { name: D.domainName } } },
    });
    assert.equal(byId.status, 201);
    assert.equal(byId.body.token.project.id, D.demoProjectId);
    assert.deepEqual(byId.body.token.roles.map((x: any) => x.name), ["member", "reader"]);

    const byDomainName = await issue(server, {
      identity: passwordIdentity({ domain: { name: "Default" } }),
      scope: { project: { name: D.projectName, domain: { id: "default" } } },
    });
    assert.equal(byDomainName.status, 201);
    assert.equal(byDomainName.body.token.project.id, D.projectId);
  });
});

Deno.test("domain, system, unscoped scopes and ?nocatalog", async () => {
  await withCloud({}, async (server) => {
    const domain = await issue(server, {
      identity: passwordIdentity(),
      scope: { domain: { id: "default" } },
    });
    assert.equal(domain.status, 201);
    assert.deepEqual(domain.body.token.domain, { id: "default", name: "Default" });
    assert.equal(domain.body.token.project, undefined);
    // Compute needs a project id in its URL, so it is left out of a domain token.
    const types = domain.body.token.catalog.map((s: any) => s.type);
    assert.ok(!types.includes("compute"));
    assert.ok(types.includes("placement"));

    const byName = await issue(server, {
      identity: passwordIdentity(),
      scope: { domain: { name: "Default" } },
    });
    assert.equal(byName.body.token.domain.id, "default");

    const system = await issue(server, {
      identity: passwordIdentity(),
      scope: { system: { all: true } },
    });
    assert.equal(system.status, 201);
    assert.deepEqual(system.body.token.system, { all: true });
    assert.deepEqual(system.body.token.roles.map((x: any) => x.name), ["admin"]);

    const unscoped = await issue(server, { identity: passwordIdentity() });
    assert.equal(unscoped.status, 201);
    assert.equal(unscoped.body.token.project, undefined);
    assert.equal(unscoped.body.token.catalog, undefined);
    assert.equal(unscoped.body.token.roles, undefined);
    const explicit = await issue(server, { identity: passwordIdentity(), scope: "unscoped" });
    assert.equal(explicit.status, 201);
    assert.equal(explicit.body.token.project, undefined);

    const nocat = await issue(
      server,
      { identity: passwordIdentity(), scope: { project: { id: D.projectId } } },
      "?nocatalog",
    );
    assert.equal(nocat.status, 201);
    assert.equal(nocat.body.token.catalog, undefined);
    assert.equal(nocat.body.token.project.id, D.projectId);

    const both = await issue(server, {
      identity: passwordIdentity(),
      scope: { project: { id: D.projectId }, domain: { id: "default" } },
    });
    assert.equal(both.status, 400);
    const badSystem = await issue(server, {
      identity: passwordIdentity(),
      scope: { system: { all: false } },
    });
    assert.equal(badSystem.status, 400);
  });
});

Deno.test("default project of a user scopes an unscoped request", async () => {
  const users = [{
    id: "u1",
    name: "u1",
    password: "pw",
    defaultProjectId: "p1",
    projects: [{ id: "p1", name: "one" }],
  }];
  await withCloud({ users }, async (server) => {
    const r = await issue(server, {
      identity: { methods: ["password"], password: { user: { id: "u1", password: "pw" } } },
    });
    assert.equal(r.body.token.project.id, "p1");
    assert.deepEqual(r.body.token.roles.map((x: any) => x.name), ["member"]);
  });
});

Deno.test("bad credentials and bad bodies", async () => {
  await withCloud({}, async (server, cloud) => {
    const wrong = await issue(server, { identity: passwordIdentity({ password: "nope" }) });
    assert.equal(wrong.status, 401);
    assert.deepEqual(wrong.body, UNAUTHORIZED);
    assert.match(wrong.headers.get("X-Openstack-Request-Id") ?? "", REQ_ID);
    assert.equal(wrong.headers.get("WWW-Authenticate"), `Keystone uri="${server.url}"`);
    assert.equal(wrong.token, "");

    const unknownUser = await issue(server, { identity: passwordIdentity({ name: "mallory" }) });
    assert.equal(unknownUser.status, 401);
    const unknownId = await issue(server, {
      identity: { methods: ["password"], password: { user: { id: "nobody", password: "x" } } },
    });
    assert.equal(unknownId.status, 401);

    const noDomain = await issue(server, {
      identity: { methods: ["password"], password: { user: { name: "admin", password: "x" } } },
    });
    assert.equal(noDomain.status, 400);
    assert.equal(noDomain.body.error.code, 400);
    assert.equal(noDomain.body.error.title, "Bad Request");

    const notJson = await post(`${server.authUrl}/auth/tokens`, "{not json");
    assert.equal(notJson.status, 400);
    assert.match(notJson.headers.get("X-Openstack-Request-Id") ?? "", REQ_ID);
    assert.equal((await post(`${server.authUrl}/auth/tokens`, [])).status, 400);
    assert.equal((await post(`${server.authUrl}/auth/tokens`, { auth: {} })).status, 400);
    assert.equal((await issue(server, { identity: { methods: [] } })).status, 400);
    assert.equal((await issue(server, { identity: { methods: ["password"] } })).status, 400);
    const unsupported = await issue(server, {
      identity: { methods: ["kerberos"], kerberos: {} },
    });
    assert.equal(unsupported.status, 401);

    const noAccess = await issue(server, {
      identity: passwordIdentity(),
      scope: { project: { id: "p-unknown" } },
    });
    assert.equal(noAccess.status, 401);
    const noDomainAccess = await issue(server, {
      identity: passwordIdentity(),
      scope: { domain: { id: "elsewhere" } },
    });
    assert.equal(noDomainAccess.status, 401);

    assert.equal(cloud.stats.tokenRequests, 12);
    assert.equal(cloud.tokens.length, 0);
  });
});

Deno.test("token method rescopes; methods and audit chain carried over", async () => {
  await withCloud({}, async (server) => {
    const unscoped = await issue(server, { identity: passwordIdentity() });
    const rescoped = await issue(server, {
      identity: { methods: ["token"], token: { id: unscoped.token } },
      scope: { project: { id: D.projectId } },
    });
    assert.equal(rescoped.status, 201);
    assert.deepEqual(rescoped.body.token.methods, ["token", "password"]);
    assert.equal(rescoped.body.token.project.id, D.projectId);
    assert.equal(rescoped.body.token.audit_ids[1], unscoped.body.token.audit_ids[0]);
    assert.equal(rescoped.body.token.expires_at, unscoped.body.token.expires_at);
    assert.notEqual(rescoped.token, unscoped.token);

    const bogus = await issue(server, {
      identity: { methods: ["token"], token: { id: "bogus" } },
    });
    assert.equal(bogus.status, 404);
    const noId = await issue(server, { identity: { methods: ["token"], token: {} } });
    assert.equal(noId.status, 400);
  });
});

Deno.test("application credentials by id and by name + user", async () => {
  await withCloud({}, async (server) => {
    const byId = await issue(server, {
      identity: {
        methods: ["application_credential"],
        application_credential: {
          id: D.applicationCredentialId,
          secret: D.applicationCredentialSecret,
        },
      },
    });
    assert.equal(byId.status, 201);
    assert.deepEqual(byId.body.token.methods, ["application_credential"]);
    assert.equal(byId.body.token.project.id, D.projectId);
    assert.deepEqual(byId.body.token.application_credential, {
      id: D.applicationCredentialId,
      name: D.applicationCredentialName,
      restricted: true,
    });

    const byName = await issue(server, {
      identity: {
        methods: ["application_credential"],
        application_credential: {
          name: D.applicationCredentialName,
          user: { name: D.username, domain: { name: "Default" } },
          secret: D.applicationCredentialSecret,
        },
      },
    });
    assert.equal(byName.status, 201);
    assert.equal(byName.body.token.user.id, D.userId);

    const wrong = await issue(server, {
      identity: {
        methods: ["application_credential"],
        application_credential: { id: D.applicationCredentialId, secret: "nope" },
      },
    });
    assert.equal(wrong.status, 401);
    assert.deepEqual(wrong.body, UNAUTHORIZED);
    const unknown = await issue(server, {
      identity: {
        methods: ["application_credential"],
        application_credential: { id: "nope", secret: "nope" },
      },
    });
    assert.equal(unknown.status, 401);
    const scoped = await issue(server, {
      identity: {
        methods: ["application_credential"],
        application_credential: {
          id: D.applicationCredentialId,
          secret: D.applicationCredentialSecret,
        },
      },
      scope: { project: { id: D.projectId } },
    });
    assert.equal(scoped.status, 401);

    // Application credential tokens cannot be rescoped.
    const rescope = await issue(server, {
      identity: { methods: ["token"], token: { id: byId.token } },
      scope: { project: { id: D.demoProjectId } },
    });
    assert.equal(rescope.status, 403);
  });
});

Deno.test("TOTP and multi-factor authentication", async () => {
  const users = [
    {
      id: "u1",
      name: "alice",
      password: "pw1",
      totpPasscode: "111111",
      projects: [{ id: "p1", name: "one" }],
    },
    { id: "u2", name: "bob", password: "pw2", totpPasscode: "222222" },
    { id: "u3", name: "carol", password: "pw3" },
  ];
  await withCloud({ users }, async (server) => {
    const totp = await issue(server, {
      identity: {
        methods: ["totp"],
        totp: { user: { name: "alice", domain: { id: "default" }, passcode: "111111" } },
      },
      scope: { project: { id: "p1" } },
    });
    assert.equal(totp.status, 201);
    assert.deepEqual(totp.body.token.methods, ["totp"]);

    const wrongCode = await issue(server, {
      identity: { methods: ["totp"], totp: { user: { id: "u1", passcode: "000000" } } },
    });
    assert.equal(wrongCode.status, 401);
    const noTotp = await issue(server, {
      identity: { methods: ["totp"], totp: { user: { id: "u3", passcode: "" } } },
    });
    assert.equal(noTotp.status, 401);

    const mfa = await issue(server, {
      identity: {
        methods: ["password", "totp"],
        password: { user: { id: "u1", password: "pw1" } },
        totp: { user: { id: "u1", passcode: "111111" } },
      },
      scope: { project: { id: "p1" } },
    });
    assert.equal(mfa.status, 201);
    assert.deepEqual(mfa.body.token.methods, ["password", "totp"]);

    const mixed = await issue(server, {
      identity: {
        methods: ["password", "totp"],
        password: { user: { id: "u1", password: "pw1" } },
        totp: { user: { id: "u2", passcode: "222222" } },
      },
    });
    assert.equal(mixed.status, 401);
    const halfWrong = await issue(server, {
      identity: {
        methods: ["password", "totp"],
        password: { user: { id: "u1", password: "pw1" } },
        totp: { user: { id: "u1", passcode: "999999" } },
      },
    });
    assert.equal(halfWrong.status, 401);
  });
});

Deno.test("trust scope", async () => {
  const users = [
    {
      id: "trustor",
      name: "trustor",
      password: "a",
      projects: [{ id: "p1", name: "one", roles: ["member"] }],
    },
    { id: "trustee", name: "trustee", password: "b" },
  ];
  const trusts = [
    { id: "t1", trustorUserId: "trustor", trusteeUserId: "trustee", projectId: "p1" },
    {
      id: "t2",
      trustorUserId: "trustor",
      trusteeUserId: "trustee",
      projectId: "p1",
      impersonation: true,
      roles: ["reader"],
    },
  ];
  await withCloud({ users, trusts }, async (server) => {
    const trustee = { methods: ["password"], password: { user: { id: "trustee", password: "b" } } };
    const r = await issue(server, { identity: trustee, scope: { "OS-TRUST:trust": { id: "t1" } } });
    assert.equal(r.status, 201);
    assert.equal(r.body.token.user.id, "trustee");
    assert.equal(r.body.token.project.id, "p1");
    assert.deepEqual(r.body.token.roles.map((x: any) => x.name), ["member"]);
    assert.deepEqual(r.body.token["OS-TRUST:trust"], {
      id: "t1",
      impersonation: false,
      trustee_user: { id: "trustee" },
      trustor_user: { id: "trustor" },
    });
    const imp = await issue(server, {
      identity: trustee,
      scope: { "OS-TRUST:trust": { id: "t2" } },
    });
    assert.equal(imp.body.token.user.id, "trustor");
    assert.deepEqual(imp.body.token.roles.map((x: any) => x.name), ["reader"]);

    const notTrustee = await issue(server, {
      identity: { methods: ["password"], password: { user: { id: "trustor", password: "a" } } },
      scope: { "OS-TRUST:trust": { id: "t1" } },
    });
    assert.equal(notTrustee.status, 403);
    const unknown = await issue(server, {
      identity: trustee,
      scope: { "OS-TRUST:trust": { id: "x" } },
    });
    assert.equal(unknown.status, 404);
    const rescope = await issue(server, {
      identity: { methods: ["token"], token: { id: r.token } },
      scope: { project: { id: "p1" } },
    });
    assert.equal(rescope.status, 403);
  });
});

Deno.test("token validation, catalog and revocation", async () => {
  await withCloud({}, async (server, cloud) => {
    const token = await adminToken(server);
    const other = await adminToken(server);
    const auth = { "X-Auth-Token": token };

    const valid = await call(`${server.authUrl}/auth/tokens`, {
      headers: { ...auth, "X-Subject-Token": other },
    });
    assert.equal(valid.status, 200);
    assert.equal(valid.headers.get("X-Subject-Token"), other);
    assert.equal(valid.body.token.project.id, D.projectId);
    assert.ok(Array.isArray(valid.body.token.catalog));
    const nocat = await call(`${server.authUrl}/auth/tokens?nocatalog`, {
      headers: { ...auth, "X-Subject-Token": other },
    });
    assert.equal(nocat.body.token.catalog, undefined);
    const head = await fetch(`${server.authUrl}/auth/tokens`, {
      method: "HEAD",
      headers: { ...auth, "X-Subject-Token": other },
    });
    assert.equal(head.status, 200);
    await head.body?.cancel();
    const unknown = await call(`${server.authUrl}/auth/tokens`, {
      headers: { ...auth, "X-Subject-Token": "nope" },
    });
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.error.code, 404);
    const unauth = await call(`${server.authUrl}/auth/tokens`, {
      headers: { "X-Subject-Token": other },
    });
    assert.equal(unauth.status, 401);
    assert.deepEqual(unauth.body, UNAUTHORIZED);

    const catalog = await call(`${server.authUrl}/auth/catalog`, { headers: auth });
    assert.equal(catalog.status, 200);
    assert.deepEqual(catalog.body.catalog, valid.body.token.catalog);
    const projects = await call(`${server.authUrl}/auth/projects`, { headers: auth });
    assert.deepEqual(projects.body.projects.map((p: any) => p.id), [D.projectId, D.demoProjectId]);
    const domains = await call(`${server.authUrl}/auth/domains`, { headers: auth });
    assert.deepEqual(domains.body.domains.map((d: any) => d.id), ["default"]);
    const system = await call(`${server.authUrl}/auth/system`, { headers: auth });
    assert.deepEqual(system.body.system, [{ all: true }]);
    const unscoped = await issue(server, { identity: passwordIdentity() });
    const noCatalog = await call(`${server.authUrl}/auth/catalog`, {
      headers: { "X-Auth-Token": unscoped.token },
    });
    assert.equal(noCatalog.status, 403);

    // DELETE revokes the subject token.
    const del = await fetch(`${server.authUrl}/auth/tokens`, {
      method: "DELETE",
      headers: { ...auth, "X-Subject-Token": other },
    });
    assert.equal(del.status, 204);
    await del.body?.cancel();
    const after = await call(`${server.authUrl}/auth/tokens`, {
      headers: { ...auth, "X-Subject-Token": other },
    });
    assert.equal(after.status, 404);
    const svc = await call(`${server.url}/compute/v2.1/servers`, {
      headers: { "X-Auth-Token": other },
    });
    assert.equal(svc.status, 401);
    assert.deepEqual(svc.body, UNAUTHORIZED);
    assert.equal(cloud.tokens.find((t) => t.id === other)?.revoked, true);

    // revokeToken / revokeAll
    assert.equal(cloud.revokeToken("nope"), false);
    assert.equal(cloud.revokeToken(unscoped.token), true);
    const fresh = await adminToken(server);
    cloud.revokeAll();
    for (const t of [token, fresh, unscoped.token]) {
      const r = await call(`${server.url}/placement/`, {
        method: "POST",
        headers: { "X-Auth-Token": t },
      });
      assert.equal(r.status, 401);
    }
    assert.ok(cloud.tokens.every((t) => t.revoked));
  });
});

Deno.test("expiry with an injected clock", async () => {
  let now = Date.parse("2030-01-01T00:00:00Z");
  await withCloud({ now: () => now, tokenTtlSeconds: 60 }, async (server, cloud) => {
    const r = await issue(server, {
      identity: passwordIdentity(),
      scope: { project: { id: D.projectId } },
    });
    assert.equal(r.body.token.issued_at, "2030-01-01T00:00:00.000000Z");
    assert.equal(r.body.token.expires_at, "2030-01-01T00:01:00.000000Z");
    const use = () =>
      call(`${server.url}/compute/v2.1/${D.projectId}/servers`, {
        headers: { "X-Auth-Token": r.token },
      });
    assert.equal((await use()).status, 200);
    now += 59_999;
    assert.equal((await use()).status, 200);
    now += 1;
    const expired = await use();
    assert.equal(expired.status, 401);
    assert.deepEqual(expired.body, UNAUTHORIZED);

    const fresh = await issue(server, { identity: passwordIdentity() });
    const validate = (query: string) =>
      call(`${server.authUrl}/auth/tokens${query}`, {
        headers: { "X-Auth-Token": fresh.token, "X-Subject-Token": r.token },
      });
    assert.equal((await validate("")).status, 404);
    assert.equal((await validate("?allow_expired=1")).status, 200);
    const rescope = await issue(server, {
      identity: { methods: ["token"], token: { id: r.token } },
    });
    assert.equal(rescope.status, 404);
    assert.equal(cloud.tokens[0]?.expiresAt.getTime(), Date.parse("2030-01-01T00:01:00Z"));
  });
});

Deno.test("Keystone v2.0 tokens", async () => {
  await withCloud({}, async (server, cloud) => {
    const url = `${server.url}/v2.0/tokens`;
    const byName = await post(url, {
      auth: {
        passwordCredentials: { username: D.username, password: D.password },
        tenantName: "admin",
      },
    });
    assert.equal(byName.status, 200);
    assert.match(byName.headers.get("X-Openstack-Request-Id") ?? "", REQ_ID);
    const a = byName.body.access;
    assert.equal(a.token.tenant.id, D.projectId);
    assert.match(a.token.expires, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.equal(a.user.id, D.userId);
    assert.deepEqual(a.user.roles, [{ name: "admin" }, { name: "member" }, { name: "reader" }]);
    const compute = a.serviceCatalog.find((s: any) => s.type === "compute");
    assert.deepEqual(compute.endpoints[0], {
      id: "ep-compute",
      region: "RegionOne",
      publicURL: `${server.url}/compute/v2.1/${D.projectId}`,
      internalURL: `${server.url}/internal/compute/v2.1/${D.projectId}`,
      adminURL: `${server.url}/admin/compute/v2.1/${D.projectId}`,
    });

    const byId = await post(url, {
      auth: {
        passwordCredentials: { userId: D.userId, password: D.password },
        tenantId: D.demoProjectId,
      },
    });
    assert.equal(byId.body.access.token.tenant.name, D.demoProjectName);
    const unscoped = await post(url, {
      auth: { passwordCredentials: { username: D.username, password: D.password } },
    });
    assert.equal(unscoped.body.access.token.tenant, undefined);
    assert.deepEqual(unscoped.body.access.serviceCatalog, []);
    const byToken = await post(url, {
      auth: { token: { id: unscoped.body.access.token.id }, tenantName: D.projectName },
    });
    assert.equal(byToken.status, 200);
    assert.equal(byToken.body.access.token.tenant.id, D.projectId);

    const wrong = await post(url, {
      auth: { passwordCredentials: { username: D.username, password: "x" } },
    });
    assert.equal(wrong.status, 401);
    assert.deepEqual(wrong.body, UNAUTHORIZED);
    assert.equal((await post(url, { auth: { token: { id: "nope" } } })).status, 401);
    assert.equal((await post(url, { auth: {} })).status, 400);
    assert.equal(
      (await post(url, {
        auth: {
          passwordCredentials: { username: D.username, password: D.password },
          tenantName: "zzz",
        },
      })).status,
      401,
    );

    const tokenId = byName.body.access.token.id;
    const validate = await call(`${url}/${tokenId}`, { headers: { "X-Auth-Token": tokenId } });
    assert.equal(validate.status, 200);
    assert.equal(validate.body.access.token.id, tokenId);
    assert.equal(
      (await call(`${url}/nope`, { headers: { "X-Auth-Token": tokenId } })).status,
      404,
    );
    // v2 tokens work against services.
    const echo = await call(`${server.url}/image/v2/images`, {
      headers: { "X-Auth-Token": tokenId },
    });
    assert.equal(echo.status, 200);
    assert.equal(cloud.tokens.find((t) => t.id === tokenId)?.version, 2);
    assert.equal(cloud.stats.tokenRequests, 8);
  });
});

Deno.test("identityV2 / identityV3 switches", async () => {
  await withCloud({ identityV2: false }, async (server) => {
    const root = await call(`${server.url}/`);
    assert.deepEqual(root.body.versions.values.map((v: any) => v.id), ["v3.14"]);
    assert.equal((await call(`${server.url}/v2.0`)).status, 404);
    assert.equal((await post(`${server.url}/v2.0/tokens`, { auth: {} })).status, 404);
  });
  await withCloud({ identityV3: false }, async (server) => {
    assert.equal(server.authUrl, `${server.url}/v2.0`);
    const root = await call(`${server.url}/`);
    assert.deepEqual(root.body.versions.values.map((v: any) => v.id), ["v2.0"]);
    assert.equal((await call(`${server.url}/v3`)).status, 404);
  });
});

Deno.test("service echo: auth required, headers redacted, bodies echoed", async () => {
  await withCloud({}, async (server) => {
    const noToken = await call(`${server.url}/compute/v2.1/${D.projectId}/servers`);
    assert.equal(noToken.status, 401);
    assert.deepEqual(noToken.body, UNAUTHORIZED);
    assert.match(noToken.headers.get("X-Openstack-Request-Id") ?? "", REQ_ID);
    const badToken = await call(`${server.url}/placement/traits`, {
      headers: { "X-Auth-Token": "x" },
    });
    assert.equal(badToken.status, 401);

    const token = await adminToken(server);
    const get = await call(
      `${server.url}/internal/compute/v2.1/${D.projectId}/servers?a=1&b=2&b=3`,
      {
        headers: { "X-Auth-Token": token, "X-Custom": "yes" },
      },
    );
    assert.equal(get.status, 200);
    assert.match(get.headers.get("X-Openstack-Request-Id") ?? "", REQ_ID);
    assert.match(get.headers.get("X-Compute-Request-Id") ?? "", REQ_ID);
    const e = get.body;
    assert.equal(e.service, "compute");
    assert.equal(e.interface, "internal");
    assert.equal(e.region, "RegionOne");
    assert.equal(e.method, "GET");
    assert.equal(e.path, `/compute/v2.1/${D.projectId}/servers`);
    assert.deepEqual(e.query, { a: "1", b: ["2", "3"] });
    assert.equal(e.headers["x-auth-token"], "<redacted>");
    assert.equal(e.headers["x-custom"], "yes");
    assert.equal(e.body, null);
    assert.deepEqual(e.auth, {
      userId: D.userId,
      projectId: D.projectId,
      domainId: null,
      system: false,
      roles: ["admin", "member", "reader"],
    });
    assert.ok(!JSON.stringify(e).includes(token));

    const posted = await post(`${server.url}/admin/image/v2/images`, { name: "cirros" }, {
      "X-Auth-Token": token,
    });
    assert.equal(posted.body.interface, "admin");
    assert.equal(posted.body.method, "POST");
    assert.deepEqual(posted.body.body, { name: "cirros" });
    const text = await call(`${server.url}/image/v2/images/x/file`, {
      method: "PUT",
      headers: { "X-Auth-Token": token, "Content-Type": "application/octet-stream" },
      body: "raw-bytes",
    });
    assert.equal(text.body.body, "raw-bytes");
    const patch = await call(`${server.url}/image/v2/images/x`, {
      method: "PATCH",
      headers: { "X-Auth-Token": token },
      body: JSON.stringify([{ op: "add" }]),
    });
    assert.deepEqual(patch.body.body, [{ op: "add" }]);
    const del = await call(`${server.url}/image/v2/images/x`, {
      method: "DELETE",
      headers: { "X-Auth-Token": token },
    });
    assert.equal(del.body.method, "DELETE");
    const head = await fetch(`${server.url}/placement/resource_providers`, {
      method: "HEAD",
      headers: { "X-Auth-Token": token },
    });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get("OpenStack-API-Version"), "placement 1.0");
    assert.equal(await head.text(), "");

    // Identity API paths other than auth are echoed too.
    const users = await call(`${server.url}/v3/users`, { headers: { "X-Auth-Token": token } });
    assert.equal(users.body.service, "identity");
    assert.equal(users.body.path, "/v3/users");
  });
});

Deno.test("microversions: default, echo, legacy header, latest, 406, 400", async () => {
  await withCloud({}, async (server) => {
    const token = await adminToken(server);
    const url = `${server.url}/compute/v2.1/${D.projectId}/servers`;
    const get = (headers: Record<string, string>) =>
      call(url, { headers: { "X-Auth-Token": token, ...headers } });

    const dflt = await get({});
    assert.equal(dflt.body.microversion, "2.1");
    assert.equal(dflt.headers.get("OpenStack-API-Version"), "compute 2.1");
    assert.equal(dflt.headers.get("X-OpenStack-Nova-API-Version"), "2.1");
    assert.match(dflt.headers.get("Vary") ?? "", /OpenStack-API-Version/);

    const v = await get({ "OpenStack-API-Version": "compute 2.50" });
    assert.equal(v.status, 200);
    assert.equal(v.headers.get("OpenStack-API-Version"), "compute 2.50");
    assert.equal(v.headers.get("X-OpenStack-Nova-API-Version"), "2.50");
    assert.equal(v.body.microversion, "2.50");

    const multi = await get({ "OpenStack-API-Version": "placement 1.5, compute 2.60" });
    assert.equal(multi.body.microversion, "2.60");
    const legacy = await get({ "X-OpenStack-Nova-API-Version": "2.10" });
    assert.equal(legacy.headers.get("OpenStack-API-Version"), "compute 2.10");
    const latest = await get({ "OpenStack-API-Version": "compute latest" });
    assert.equal(latest.body.microversion, "2.95");

    const tooHigh = await get({ "OpenStack-API-Version": "compute 2.99" });
    assert.equal(tooHigh.status, 406);
    assert.equal(tooHigh.body.error.code, 406);
    assert.match(tooHigh.body.error.message, /2\.99/);
    const tooLow = await get({ "OpenStack-API-Version": "compute 2.0" });
    assert.equal(tooLow.status, 406);
    const garbage = await get({ "OpenStack-API-Version": "compute two" });
    assert.equal(garbage.status, 400);

    const placement = await call(`${server.url}/placement/resource_providers`, {
      headers: { "X-Auth-Token": token, "OpenStack-API-Version": "placement 1.10" },
    });
    assert.equal(placement.headers.get("OpenStack-API-Version"), "placement 1.10");
    assert.equal(placement.headers.get("X-OpenStack-Nova-API-Version"), null);
    const placement406 = await call(`${server.url}/placement/resource_providers`, {
      headers: { "X-Auth-Token": token, "OpenStack-API-Version": "placement 1.99" },
    });
    assert.equal(placement406.status, 406);

    const image = await call(`${server.url}/image/v2/images`, {
      headers: { "X-Auth-Token": token },
    });
    assert.equal(image.body.microversion, undefined);
    assert.equal(image.headers.get("OpenStack-API-Version"), null);
  });
});

Deno.test("fault injection: 503 bursts, filters, delays, aborts", async () => {
  await withCloud({}, async (server, cloud) => {
    const token = await adminToken(server);
    const url = `${server.url}/placement/resource_providers`;
    const headers = { "X-Auth-Token": token };
    const burst = cloud.inject({
      path: "/placement",
      status: 503,
      headers: { "Retry-After": "1" },
      times: 2,
    });
    for (let i = 0; i < 2; i++) {
      const r = await call(url, { headers });
      assert.equal(r.status, 503);
      assert.equal(r.headers.get("Retry-After"), "1");
      assert.match(r.headers.get("X-Openstack-Request-Id") ?? "", REQ_ID);
      assert.equal(r.body.error.code, 503);
      assert.equal(r.body.error.title, "Service Unavailable");
    }
    assert.equal((await call(url, { headers })).status, 200);
    assert.equal(burst.hits, 2);
    assert.equal(burst.remaining, 0);

    // Method filter and RegExp path; custom body.
    cloud.inject({ method: "POST", path: /\/auth\/tokens$/, status: 500, body: { oops: true } });
    const getFirst = await call(`${server.authUrl}/auth/tokens`, {
      headers: { ...headers, "X-Subject-Token": token },
    });
    assert.equal(getFirst.status, 200);
    const failed = await issue(server, { identity: passwordIdentity() });
    assert.equal(failed.status, 500);
    assert.deepEqual(failed.body, { oops: true });
    assert.equal((await issue(server, { identity: passwordIdentity() })).status, 201);

    // String bodies are sent as is; 204 has no body.
    cloud.inject({ path: "/image", status: 502, body: "<html>bad gateway</html>" });
    const html = await fetch(`${server.url}/image/`);
    assert.equal(html.status, 502);
    assert.equal(await html.text(), "<html>bad gateway</html>");
    cloud.inject({ path: "/image", status: 204 });
    const empty = await fetch(`${server.url}/image/`);
    assert.equal(empty.status, 204);
    assert.equal(await empty.text(), "");

    // Exact path string does not match a sibling prefix.
    const sibling = cloud.inject({ path: "/imag", status: 500 });
    assert.equal((await call(`${server.url}/image/`)).status, 300);
    sibling.cancel();
    assert.equal(sibling.remaining, 0);

    // A delay without status stalls, then answers normally.
    const slow = cloud.inject({ path: "/compute", delayMs: 20 });
    assert.equal((await call(`${server.url}/compute/`)).status, 200);
    assert.equal(slow.hits, 1);

    // A long stall ends when the client aborts.
    cloud.inject({ path: "/compute", delayMs: 60_000, status: 200, times: Infinity });
    const ac = new AbortController();
    const pending = fetch(`${server.url}/compute/`, { signal: ac.signal });
    setTimeout(() => ac.abort(), 20);
    await assert.rejects(pending, (err: unknown) => (err as Error).name === "AbortError");
    cloud.clearFaults(); // also ends the stalled handler
    assert.equal((await call(`${server.url}/compute/`)).status, 200);
  });
});

Deno.test("stats: token requests and redacted request records", async () => {
  await withCloud({}, async (server, cloud) => {
    const token = await adminToken(server);
    await call(`${server.url}/placement/x?y=1`, { headers: { "X-Auth-Token": token } });
    await post(`${server.url}/v2.0/tokens`, { auth: {} });
    assert.equal(cloud.stats.tokenRequests, 2);
    assert.equal(cloud.stats.requests.length, 3);
    const rec = cloud.stats.requests[1];
    assert.equal(rec?.method, "GET");
    assert.equal(rec?.path, "/placement/x");
    assert.equal(rec?.query, "y=1");
    assert.equal(rec?.headers["x-auth-token"], "<redacted>");
    assert.ok(!JSON.stringify(cloud.stats.requests).includes(token));
    assert.ok(!JSON.stringify(cloud.stats.requests).includes(D.password));
    cloud.stats.reset();
    assert.equal(cloud.stats.tokenRequests, 0);
    assert.equal(cloud.stats.requests.length, 0);
  });
});

Deno.test("secrets never show in console.log or JSON.stringify", () => {
  const cloud = new FakeCloud({
    users: [{ id: "u1", name: "alice", password: "hunter2-pw", totpPasscode: "918273" }],
    applicationCredentials: [{
      id: "ac1",
      name: "c",
      secret: "s3cr3t-ac",
      userId: "u1",
      projectId: "p",
    }],
  });
  const token = cloud.createToken({ userId: "u1" });
  const shown = [
    Deno.inspect(cloud),
    Deno.inspect(cloud, { showHidden: true, depth: 10 }),
    JSON.stringify(cloud),
    Deno.inspect(cloud.tokens),
    JSON.stringify(cloud.tokens),
    Deno.inspect(cloud.stats),
  ];
  for (const s of shown) {
    for (const secret of ["hunter2-pw", "s3cr3t-ac", "918273", token]) {
      assert.ok(!s.includes(secret), `${secret} leaked in ${s}`);
    }
  }
  assert.match(Deno.inspect(cloud), /FakeCloud \{ users: \[alice\]/);
  assert.deepEqual(JSON.parse(JSON.stringify(cloud)).users, [{
    id: "u1",
    name: "alice",
    domainId: "default",
  }]);
  const nodeInspect = (cloud as any)[Symbol.for("nodejs.util.inspect.custom")]();
  assert.ok(!nodeInspect.includes("hunter2-pw"));
  assert.equal(cloud.tokens[0]?.id, token);
  assert.ok(!Object.keys(cloud.tokens[0] ?? {}).includes("id"));
  // Default cloud too.
  const dflt = new FakeCloud();
  assert.ok(!Deno.inspect(dflt).includes(D.password));
  assert.ok(!JSON.stringify(dflt).includes(D.applicationCredentialSecret));
});

Deno.test("cloud.fetch answers in memory; createToken; tokenBody", async () => {
  const cloud = new FakeCloud({ tokenFormat: "uuid" });
  assert.equal(cloud.baseUrl, "http://127.0.0.1:5000");
  assert.equal(cloud.authUrl, "http://127.0.0.1:5000/v3");
  const resp = await cloud.fetch(`${cloud.authUrl}/auth/tokens`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({
      auth: { identity: passwordIdentity(), scope: { project: { id: D.projectId } } },
    }),
  });
  assert.equal(resp.status, 201);
  assert.equal(resp.url, `${cloud.authUrl}/auth/tokens`);
  const token = resp.headers.get("X-Subject-Token") ?? "";
  assert.match(token, /^[0-9a-f]{32}$/);
  const body = await resp.json();
  const compute = body.token.catalog.find((s: any) => s.type === "compute");
  assert.equal(compute.endpoints[0].url, `http://127.0.0.1:5000/compute/v2.1/${D.projectId}`);

  // Relative URLs resolve against baseUrl; Request objects work.
  const rel = await cloud.fetch("/compute/");
  assert.equal(rel.status, 200);
  await rel.body?.cancel();
  const asRequest = await cloud.fetch(
    new Request("http://10.0.0.1:8080/placement/x", { headers: { "X-Auth-Token": token } }),
  );
  assert.equal((await asRequest.json()).service, "placement");
  const withInit = await cloud.fetch(new Request("http://127.0.0.1:5000/placement/x"), {
    headers: { "X-Auth-Token": token },
  });
  assert.equal(withInit.status, 200);
  await withInit.body?.cancel();

  // Aborts reject like fetch does.
  const ac = new AbortController();
  ac.abort();
  await assert.rejects(
    cloud.fetch("/compute/", { signal: ac.signal }),
    (e: unknown) => (e as Error).name === "AbortError",
  );
  cloud.inject({ path: "/compute", delayMs: 60_000 });
  const ac2 = new AbortController();
  const pending = cloud.fetch("/compute/", { signal: ac2.signal });
  ac2.abort();
  await assert.rejects(pending, (e: unknown) => (e as Error).name === "AbortError");

  const minted = cloud.createToken({ projectId: D.demoProjectId, methods: ["token"] });
  const echo = await cloud.fetch("/placement/usages", { headers: { "X-Auth-Token": minted } });
  assert.equal((await echo.json()).auth.projectId, D.demoProjectId);
  const tb = cloud.tokenBody(minted, "http://example.test");
  assert.equal(tb?.token.project?.id, D.demoProjectId);
  assert.deepEqual(tb?.token.methods, ["token"]);
  assert.ok(tb?.token.catalog?.[0]?.endpoints[0]?.url.startsWith("http://example.test"));
  assert.equal(cloud.tokenBody("nope"), undefined);
  assert.equal(cloud.stats.tokenRequests, 1);

  const domainToken = cloud.createToken({ domainId: "default" });
  assert.equal(cloud.tokenBody(domainToken)?.token.domain?.id, "default");
  const systemToken = cloud.createToken({ system: true, expiresAt: new Date(0) });
  assert.equal(cloud.tokenBody(systemToken)?.token.system?.all, true);
  const expired = await cloud.fetch("/placement/usages", {
    headers: { "X-Auth-Token": systemToken },
  });
  assert.equal(expired.status, 401);
  await expired.body?.cancel();
  const unscoped = cloud.createToken({ expiresAt: Date.now() + 5000 });
  assert.equal(cloud.tokenBody(unscoped)?.token.project, undefined);
  assert.throws(() => cloud.createToken({ userId: "nobody" }));
  assert.throws(() => cloud.createToken({ projectId: "p-nope" }));
});

Deno.test("lists: pages with limit and marker, next links as Glance and Nova give them", async () => {
  const images = Array.from({ length: 30 }, (_, i) => ({ id: `img-${i}`, name: `image ${i}` }));
  const flavors = ["1", "2", "3", "4", "5"].map((id) => ({ id, name: `m1.f${id}` }));
  const options: FakeCloudOptions = { lists: { image: { images }, compute: { flavors } } };
  await withCloud(options, async (server, cloud) => {
    const token = await adminToken(server);
    const get = (url: string) => call(url, { headers: { "X-Auth-Token": token } });

    // Glance: 25 by default, a root-relative next (marker last, other params kept), first, schema.
    const g1 = await get(`${server.url}/image/v2/images`);
    assert.equal(g1.status, 200);
    assert.deepEqual(
      g1.body.images.map((i: { id: string }) => i.id),
      images.slice(0, 25).map((i) => i.id),
    );
    assert.deepEqual(g1.body.images[0], { id: "img-0", name: "image 0" });
    assert.equal(g1.body.next, "/v2/images?marker=img-24");
    assert.equal(g1.body.first, "/v2/images");
    assert.equal(g1.body.schema, "/v2/schemas/images");
    const g2 = await get(`${server.url}/image/v2/images?limit=5&sort_dir=asc&marker=img-24`);
    assert.deepEqual(g2.body.images.map((i: { id: string }) => i.id), [
      "img-25",
      "img-26",
      "img-27",
      "img-28",
      "img-29",
    ]);
    // a full last page links to an empty one, as Glance does
    assert.equal(g2.body.next, "/v2/images?limit=5&sort_dir=asc&marker=img-29");
    assert.equal(g2.body.first, "/v2/images?limit=5&sort_dir=asc");
    const g3 = await get(`${server.url}/image/v2/images?limit=5&sort_dir=asc&marker=img-29`);
    assert.deepEqual(g3.body.images, []);
    assert.equal("next" in g3.body, false);
    const g0 = await get(`${server.url}/image/v2/images?limit=0`);
    assert.deepEqual(g0.body, {
      images: [],
      first: "/v2/images?limit=0",
      schema: "/v2/schemas/images",
    });

    // Nova: everything by default (max 1000), absolute flavors_links: the params sorted, then
    // marker set (last when new), as Nova's _get_next_link.
    const base = `${server.url}/compute/v2.1/${D.projectId}/flavors`;
    const all = await get(base);
    assert.equal(all.body.flavors.length, 5);
    assert.equal("flavors_links" in all.body, false);
    assert.equal(all.headers.get("OpenStack-API-Version"), "compute 2.1");
    assert.match(all.headers.get("X-Compute-Request-Id") ?? "", REQ_ID);
    const n1 = await get(`${base}?minRam=0&limit=2`);
    assert.deepEqual(n1.body.flavors, flavors.slice(0, 2));
    assert.deepEqual(n1.body.flavors_links, [
      { rel: "next", href: `${base}?limit=2&minRam=0&marker=2` },
    ]);
    const n2 = await get(n1.body.flavors_links[0].href);
    assert.deepEqual(n2.body.flavors.map((f: { id: string }) => f.id), ["3", "4"]);
    const n3 = await get(n2.body.flavors_links[0].href);
    assert.deepEqual(n3.body.flavors.map((f: { id: string }) => f.id), ["5"]);
    assert.equal("flavors_links" in n3.body, false);
    assert.deepEqual((await get(`${base}?limit=0`)).body, { flavors: [] });
    // another region and interface list the same items
    const internal = await get(
      `${server.url}/internal/compute/v2.1/${D.projectId}/flavors?limit=4`,
    );
    assert.equal(
      internal.body.flavors_links[0].href,
      `${server.url}/internal/compute/v2.1/${D.projectId}/flavors?limit=4&marker=4`,
    );

    // errors; other methods and paths still echo
    const bad = await get(`${base}?marker=nope`);
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.message, "marker [nope] not found");
    assert.equal(
      (await get(`${base}?limit=-1`)).body.error.message,
      "Invalid input for query parameters limit. Value: -1. '-1' does not match '^[0-9]*$'",
    );
    const glanceBad = await get(`${server.url}/image/v2/images?marker=nope`);
    assert.equal(glanceBad.status, 400);
    assert.equal(glanceBad.body.error.message, "No image found with ID nope");
    for (const [limit, message] of [["x", "must be an integer"], ["-1", "must be positive"]]) {
      const r = await get(`${server.url}/image/v2/images?limit=${limit}`);
      assert.equal(r.status, 400);
      assert.equal(r.body.error.message, `limit param ${message}`);
    }
    assert.equal((await call(base)).status, 401, "a token is needed");
    const detail = await get(`${base}/1`);
    assert.equal(detail.body.path, `/compute/v2.1/${D.projectId}/flavors/1`);
    const created = await post(`${server.url}/image/v2/images`, { name: "x" }, {
      "X-Auth-Token": token,
    });
    assert.equal(created.body.method, "POST");
    assert.ok(cloud.stats.requests.some((r) => r.query === "limit=2&minRam=0&marker=2"));
  });
  // a list of a service the cloud lacks, or an item without an id, fails at construction
  assert.throws(
    () => new FakeCloud({ lists: { network: { networks: [] } } }),
    /no network service/,
  );
  assert.throws(() => new FakeCloud({ lists: { identity: { users: [] } } }), /not paginated/);
  assert.throws(
    () => new FakeCloud({ lists: { compute: { flavors: [{ name: "x" } as never] } } }),
    /flavors\[0\] needs a string id/,
  );
  assert.throws(
    () => new FakeCloud({ lists: { compute: { flavors: [{ id: "1" }, { id: "1" }] } } }),
    /id 1 is there twice/,
  );
  // without lists the same paths echo, as before
  await withCloud({}, async (server) => {
    const token = await adminToken(server);
    const echo = await call(`${server.url}/image/v2/images`, {
      headers: { "X-Auth-Token": token },
    });
    assert.equal(echo.body.path, "/image/v2/images");
  });
});

Deno.test("custom services, regions and interfaces", async () => {
  const options: FakeCloudOptions = {
    regions: ["RegionOne", "RegionTwo"],
    services: [
      { type: "identity", name: "ks", path: "/identity", catalogVersionPath: "v3" },
      {
        type: "block-storage",
        name: "cinder",
        path: "volume",
        catalogVersionPath: "v3/{project_id}",
        versions: [{
          id: "v3.0",
          status: "CURRENT",
          path: "v3",
          version: "3.70",
          minVersion: "3.0",
        }],
        microversions: { min: "3.0", max: "3.70" },
      },
      { type: "object-store", regions: ["RegionTwo"], interfaces: ["public"] },
      {
        type: "baremetal",
        microversions: { min: "1.1", max: "1.80" },
      },
    ],
  };
  await withCloud(options, async (server) => {
    assert.equal(server.authUrl, `${server.url}/identity/v3`);
    const root = await call(`${server.url}/identity`);
    assert.equal(root.status, 300);
    assert.equal(root.body.versions.values[0].links[0].href, `${server.url}/identity/v3/`);
    assert.equal((await call(`${server.url}/`)).status, 404);

    const r = await issue(server, {
      identity: passwordIdentity(),
      scope: { project: { id: D.projectId } },
    });
    assert.equal(r.status, 201);
    const catalog = r.body.token.catalog;
    assert.deepEqual(catalog.map((s: any) => s.type), [
      "identity",
      "block-storage",
      "object-store",
      "baremetal",
    ]);
    const identity = catalog[0];
    assert.equal(identity.name, "ks");
    assert.deepEqual(
      identity.endpoints.map((e: any) => e.url),
      [
        `${server.url}/identity/v3`,
        `${server.url}/internal/identity/v3`,
        `${server.url}/admin/identity/v3`,
        `${server.url}/region/RegionTwo/identity/v3`,
        `${server.url}/region/RegionTwo/internal/identity/v3`,
        `${server.url}/region/RegionTwo/admin/identity/v3`,
      ],
    );
    assert.equal(identity.endpoints[3].region, "RegionTwo");
    assert.equal(identity.endpoints[3].id, "ep-identity-public-RegionTwo");
    const swift = catalog[2];
    assert.deepEqual(swift.endpoints.map((e: any) => e.url), [
      `${server.url}/region/RegionTwo/object-store`,
    ]);

    const token = r.token;
    const vol = await call(
      `${server.url}/region/RegionTwo/internal/volume/v3/${D.projectId}/volumes`,
      { headers: { "X-Auth-Token": token, "OpenStack-API-Version": "block-storage 3.50" } },
    );
    assert.equal(vol.status, 200);
    assert.equal(vol.body.region, "RegionTwo");
    assert.equal(vol.body.interface, "internal");
    assert.equal(vol.body.service, "block-storage");
    assert.equal(vol.body.microversion, "3.50");
    assert.equal((await call(`${server.url}/volume/v3`)).body.version.version, "3.70");

    // object-store only in RegionTwo, public only.
    assert.equal(
      (await call(`${server.url}/object-store/x`, { headers: { "X-Auth-Token": token } })).status,
      404,
    );
    assert.equal(
      (await call(`${server.url}/region/RegionTwo/admin/object-store/x`, {
        headers: { "X-Auth-Token": token },
      }))
        .status,
      404,
    );
    const obj = await call(`${server.url}/region/RegionTwo/object-store/x`, {
      headers: { "X-Auth-Token": token },
    });
    assert.equal(obj.status, 200);
    // A service without versions needs a token at its root.
    assert.equal((await call(`${server.url}/region/RegionTwo/object-store`)).status, 401);

    const ironic = await call(`${server.url}/baremetal/v1/nodes`, {
      headers: { "X-Auth-Token": token, "X-OpenStack-Ironic-API-Version": "1.31" },
    });
    assert.equal(ironic.headers.get("X-OpenStack-Ironic-API-Version"), "1.31");
    assert.equal(ironic.headers.get("OpenStack-API-Version"), "baremetal 1.31");

    const methodNotAllowed = await call(`${server.url}/identity/v3`, { method: "POST" });
    assert.equal(methodNotAllowed.status, 405);
  });
});

Deno.test("serve() close is idempotent; handler is bound", async () => {
  const cloud = new FakeCloud();
  const { handler } = cloud;
  const resp = await handler(new Request("http://127.0.0.1:9/v3"));
  assert.equal((await resp.json()).version.id, "v3.14");
  const server = await cloud.serve();
  assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  await Promise.all([server.close(), server.close()]);
  await server.close();
});

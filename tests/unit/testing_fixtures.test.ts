import assert from "node:assert/strict";
import { V2Token, V3Token } from "../../src/testing/mod.ts";

const KEYSTONE_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/;

Deno.test("V3Token defaults: unscoped, password, one hour, random ids", () => {
  const before = Date.now();
  const token = new V3Token();
  const body = token.toJSON().token;
  assert.deepEqual(body.methods, ["password"]);
  assert.match(body.expires_at, KEYSTONE_TIME);
  assert.match(body.issued_at, KEYSTONE_TIME);
  const ttl = Date.parse(body.expires_at) - Date.parse(body.issued_at);
  assert.equal(ttl, 3_600_000);
  assert.ok(Date.parse(body.issued_at) >= before - 1000);
  assert.match(body.user.id, /^[0-9a-f]{32}$/);
  assert.equal(body.user.password_expires_at, null);
  assert.equal(body.audit_ids.length, 1);
  assert.match(body.audit_ids[0] ?? "", /^[A-Za-z0-9_-]{22}$/);
  assert.equal(body.project, undefined);
  assert.equal(body.domain, undefined);
  assert.equal(body.system, undefined);
  assert.equal(body.roles, undefined);
  assert.equal(body.catalog, undefined);
  assert.equal(token.scoped, false);
});

Deno.test("V3Token project scope, roles and catalog", () => {
  const token = new V3Token({
    userId: "u1",
    userName: "alice",
    userDomainId: "default",
    userDomainName: "Default",
    projectId: "p1",
    projectName: "demo",
    projectDomainId: "default",
    projectDomainName: "Default",
    expiresAt: new Date("2026-11-23T15:20:11Z"),
    issuedAt: new Date("2026-11-23T14:20:11.250Z"),
    methods: ["password", "totp"],
    auditId: "audit1",
    auditChainId: "audit0",
    roles: [{ id: "r1", name: "member" }],
  });
  const role = token.addRole({ name: "reader" });
  assert.equal(role.name, "reader");
  const compute = token.addService("compute", "nova", "svc1");
  const added = compute.addStandardEndpoints({
    public: "http://127.0.0.1/compute/v2.1",
    internal: "http://127.0.0.1/internal/compute/v2.1",
    admin: "http://127.0.0.1/admin/compute/v2.1",
    region: "RegionOne",
  });
  assert.equal(added.length, 3);
  const ep = compute.addEndpoint("public", "http://127.0.0.1:2/compute", {
    region: "RegionTwo",
    id: "ep2",
  });
  assert.equal(ep.region_id, "RegionTwo");
  token.addService("image");
  const body = token.toJSON();
  assert.deepEqual(Object.keys(body), ["token"]);
  const t = body.token;
  assert.equal(t.expires_at, "2026-11-23T15:20:11.000000Z");
  assert.equal(t.issued_at, "2026-11-23T14:20:11.250000Z");
  assert.deepEqual(t.audit_ids, ["audit1", "audit0"]);
  assert.deepEqual(t.methods, ["password", "totp"]);
  assert.deepEqual(t.user, {
    id: "u1",
    name: "alice",
    domain: { id: "default", name: "Default" },
    password_expires_at: null,
  });
  assert.deepEqual(t.project, {
    id: "p1",
    name: "demo",
    domain: { id: "default", name: "Default" },
  });
  assert.equal(t.is_domain, false);
  assert.deepEqual(t.roles?.map((r) => r.name), ["member", "reader"]);
  assert.equal(t.catalog?.length, 2);
  const entry = t.catalog?.[0];
  assert.equal(entry?.type, "compute");
  assert.equal(entry?.name, "nova");
  assert.equal(entry?.id, "svc1");
  assert.deepEqual(entry?.endpoints[0] && Object.keys(entry.endpoints[0]).sort(), [
    "id",
    "interface",
    "region",
    "region_id",
    "url",
  ]);
  assert.deepEqual(entry?.endpoints.map((e) => e.interface), [
    "public",
    "internal",
    "admin",
    "public",
  ]);
  assert.equal(entry?.endpoints[1]?.url, "http://127.0.0.1/internal/compute/v2.1");
  assert.equal(entry?.endpoints[0]?.region, "RegionOne");
  const image = t.catalog?.[1];
  assert.equal(image?.name, undefined);
  assert.ok(!("name" in (image ?? {})));
  assert.deepEqual(image?.endpoints, []);

  token.removeService("image");
  assert.equal(token.toJSON().token.catalog?.length, 1);
  // The body is a copy: mutating it does not change the fixture.
  body.token.methods.push("x");
  assert.deepEqual(token.toJSON().token.methods, ["password", "totp"]);
  // JSON.stringify uses toJSON.
  assert.equal(JSON.parse(JSON.stringify(token)).token.project.id, "p1");
});

Deno.test("V3Token domain, system, trust and application credential sections", () => {
  const domain = new V3Token({ domainId: "d1", domainName: "Dom" }).toJSON().token;
  assert.deepEqual(domain.domain, { id: "d1", name: "Dom" });
  assert.deepEqual(domain.roles, []);
  assert.deepEqual(domain.catalog, []);

  const system = new V3Token({ system: "all" }).toJSON().token;
  assert.deepEqual(system.system, { all: true });

  const trust = new V3Token({
    userId: "trustee",
    projectId: "p1",
    trustId: "t1",
    trustorUserId: "trustor",
    trustImpersonation: true,
  }).toJSON().token;
  assert.deepEqual(trust["OS-TRUST:trust"], {
    id: "t1",
    impersonation: true,
    trustee_user: { id: "trustee" },
    trustor_user: { id: "trustor" },
  });

  const ac = new V3Token({
    applicationCredentialId: "ac1",
    applicationCredentialName: "cred",
    methods: ["application_credential"],
  }).toJSON().token;
  assert.deepEqual(ac.application_credential, { id: "ac1", name: "cred", restricted: true });

  const chained = new V3Token()
    .setProjectScope({ id: "p2" })
    .setDomainScope()
    .setSystemScope()
    .setTrustScope()
    .setApplicationCredential({ restricted: false });
  const body = chained.toJSON().token;
  assert.equal(body.project?.id, "p2");
  assert.match(body.project?.name ?? "", /^[0-9a-f]{32}$/);
  assert.ok(body.domain && body.system);
  assert.equal(body["OS-TRUST:trust"]?.trustee_user.id, chained.userId);
  assert.equal(body.application_credential?.restricted, false);

  const noCatalog = new V3Token({ projectId: "p" });
  noCatalog.includeCatalog = false;
  assert.equal(noCatalog.toJSON().token.catalog, undefined);
  const dates = new V3Token({ issuedAt: "2030-01-01T00:00:00Z", expiresAt: 1893459600000 });
  assert.equal(dates.toJSON().token.issued_at, "2030-01-01T00:00:00.000000Z");
  assert.equal(dates.toJSON().token.expires_at, "2030-01-01T01:00:00.000000Z");
  const role = new V3Token().addRole();
  assert.match(role.id, /^[0-9a-f]{32}$/);
});

Deno.test("V2Token body shape", () => {
  const token = new V2Token({
    tokenId: "tok",
    expires: new Date("2026-11-23T15:20:11.500Z"),
    issuedAt: new Date("2026-11-23T14:20:11Z"),
    tenantId: "t1",
    tenantName: "demo",
    userId: "u1",
    userName: "alice",
    auditId: "a1",
    roles: [{ id: "r1", name: "member" }],
  });
  token.addRole({ name: "admin", id: "r2" });
  const svc = token.addService("compute", "nova");
  svc.addEndpoint({
    public: "http://127.0.0.1/compute",
    internal: "http://127.0.0.1/internal/compute",
    admin: "http://127.0.0.1/admin/compute",
    region: "RegionOne",
    id: "e1",
  });
  token.addService("image").addEndpoint({ public: "http://127.0.0.1/image" });
  const body = token.toJSON();
  assert.deepEqual(Object.keys(body), ["access"]);
  const a = body.access;
  assert.deepEqual(a.token, {
    id: "tok",
    expires: "2026-11-23T15:20:11Z",
    issued_at: "2026-11-23T14:20:11.000000Z",
    audit_ids: ["a1"],
    tenant: { id: "t1", name: "demo", enabled: true, description: null },
  });
  assert.deepEqual(a.user, {
    id: "u1",
    name: "alice",
    username: "alice",
    roles: [{ name: "member" }, { name: "admin" }],
    roles_links: [],
  });
  assert.deepEqual(a.metadata, { is_admin: 0, roles: ["r1", "r2"] });
  assert.deepEqual(a.serviceCatalog[0], {
    type: "compute",
    name: "nova",
    endpoints: [{
      id: "e1",
      region: "RegionOne",
      publicURL: "http://127.0.0.1/compute",
      internalURL: "http://127.0.0.1/internal/compute",
      adminURL: "http://127.0.0.1/admin/compute",
    }],
    endpoints_links: [],
  });
  assert.equal(a.serviceCatalog[1]?.endpoints[0]?.internalURL, undefined);
  token.removeService("image");
  assert.equal(token.toJSON().access.serviceCatalog.length, 1);

  const unscoped = new V2Token().toJSON().access;
  assert.equal(unscoped.token.tenant, undefined);
  assert.deepEqual(unscoped.serviceCatalog, []);
  assert.match(unscoped.token.expires, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);

  const trust = new V2Token({ userId: "u", trustId: "t", trustorUserId: "o" }).setScope();
  assert.deepEqual(trust.toJSON().access.trust, {
    id: "t",
    trustee_user_id: "u",
    trustor_user_id: "o",
    impersonation: false,
  });
  assert.match(trust.toJSON().access.token.tenant?.id ?? "", /^[0-9a-f]{32}$/);
});

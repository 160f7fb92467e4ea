// Smoke tests of the dev cloud itself (raw fetch, no osauth code): when these fail, the
// cloud is broken, not the library. Needs `bash scripts/openstack-dev.sh start`.
import assert from "node:assert/strict";
import { type DevCloudFixtures, loadFixtures, runKsDifferential } from "./_devcloud.ts";

interface CatalogEntry {
  type: string;
  endpoints: { interface: string; region_id: string; url: string }[];
}

/** POST /auth/tokens for admin on project admin (raw fetch). */
function adminTokenRequest(fx: DevCloudFixtures): Promise<Response> {
  const admin = fx.users.admin;
  return fetch(`${fx.auth_url}/auth/tokens`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({
      auth: {
        identity: {
          methods: ["password"],
          password: {
            user: { name: admin.name, domain: { id: "default" }, password: admin.password },
          },
        },
        scope: { project: { name: "admin", domain: { id: "default" } } },
      },
    }),
  });
}

Deno.test("dev cloud: password auth, catalog and placement answer", async () => {
  const fx = await loadFixtures();
  const resp = await adminTokenRequest(fx);
  assert.equal(resp.status, 201);
  const token = resp.headers.get("X-Subject-Token");
  assert.ok(token);
  const body = await resp.json() as { token: { catalog: CatalogEntry[] } };
  const urls = (type: string, region: string): Record<string, string> =>
    Object.fromEntries(
      body.token.catalog.find((s) => s.type === type)!.endpoints
        .filter((e) => e.region_id === region).map((e) => [e.interface, e.url]),
    );
  assert.deepEqual(urls("identity", "RegionOne"), fx.keystone.urls);
  assert.deepEqual(urls("placement", "RegionOne"), fx.placement.urls);
  assert.deepEqual(urls("placement", "RegionTwo"), { public: fx.placement.region_two_url });

  const root = await fetch(`${fx.placement.url}/`);
  assert.equal(root.status, 200);
  const version =
    (await root.json() as { versions: { min_version: string; max_version: string }[] })
      .versions[0]!;
  assert.equal(version.min_version, "1.0");
  assert.equal(version.max_version, "1.39");

  const rps = await fetch(`${fx.placement.url}/resource_providers`, {
    headers: { "X-Auth-Token": token },
  });
  assert.equal(rps.status, 200);
  assert.ok(
    Array.isArray((await rps.json() as { resource_providers: unknown[] }).resource_providers),
  );

  const noToken = await fetch(`${fx.placement.url}/resource_providers`);
  assert.equal(noToken.status, 401);
  await noToken.body?.cancel();
});

Deno.test("dev cloud: keystoneauth1 baseline (scripts/ks_differential.py) runs", async () => {
  const fx = await loadFixtures();
  const r = await runKsDifferential([
    "password.project.name",
    "password.system",
    "appcred.id",
    "catalog.placement.region_two",
    "request.revoked_token.placement",
  ]);
  assert.equal(r["password.project.name"]?.project_id, fx.projects.admin.id);
  assert.equal(r["password.system"]?.scope, "system");
  assert.equal(r["appcred.id"]?.ok, true);
  assert.equal(r["catalog.placement.region_two"]?.endpoint, fx.placement.region_two_url);
  assert.equal(r["request.revoked_token.placement"]?.status, 200);
  assert.equal(r["request.revoked_token.placement"]?.token_changed, true);
});

Deno.test("dev cloud: the eight services are in the catalog as real deployments register them", async (t) => {
  const fx = await loadFixtures();
  const services = fx.services ?? {};
  if (Object.keys(services).length === 0) {
    console.warn("dev cloud services: none started (OSAUTH_OS_SERVICES)");
    return;
  }
  const resp = await adminTokenRequest(fx);
  assert.equal(resp.status, 201);
  const token = resp.headers.get("X-Subject-Token")!;
  const catalog = (await resp.json() as { token: { catalog: CatalogEntry[] } }).token.catalog;
  const project = fx.projects.admin.id;
  // the URL forms of devstack, kolla and OpenStack-Ansible (../shared/openstack-notes.md)
  const forms: Record<string, [string, string]> = {
    glance: ["image", ""],
    nova: ["compute", "/v2.1"],
    cinder: ["volumev3", `/v3/${project}`],
    ironic: ["baremetal", ""],
    manila: ["sharev2", "/v2"],
    neutron: ["network", ""],
    heat: ["orchestration", `/v1/${project}`],
    barbican: ["key-manager", ""],
  };
  // below the catalog URL; they pass keystonemiddleware and need no RPC (heat: a 400)
  const PROBES: Record<string, string> = {
    glance: "/v2/images",
    nova: "/flavors",
    cinder: "/types",
    ironic: "/v1/drivers",
    manila: "/types",
    neutron: "/v2.0/networks",
    heat: "/stacks?limit=abc",
    barbican: "/v1/secrets",
  };
  for (const [name, svc] of Object.entries(services)) {
    await t.step(name, async () => {
      const [type, path] = forms[name]!;
      assert.equal(svc.type, type);
      const urls = Object.fromEntries(
        catalog.find((s) => s.type === type)!.endpoints.map((e) => [e.interface, e.url]),
      );
      const ports = new Set<number>();
      for (const iface of ["public", "internal", "admin"] as const) {
        assert.equal(urls[iface], `${svc.roots[iface]}${path}`, `${name} ${iface}`);
        assert.equal(svc.urls[iface], urls[iface]);
        ports.add(new URL(urls[iface]!).port === "" ? 80 : Number(new URL(urls[iface]!).port));
        // every interface's port answers with the version document, without a token
        const root = await fetch(`${svc.roots[iface]}/`);
        assert.ok(root.status === 200 || root.status === 300, `${name} ${iface}: ${root.status}`);
        const doc = await root.json() as { versions?: unknown; version?: unknown };
        assert.ok(doc.versions ?? doc.version, `${name} ${iface}: no version document`);
      }
      assert.equal(ports.size, 3, `${name}: one port per interface`);
      // keystonemiddleware in front: 401 without a token, not with one
      const base = urls.public!.replace(/\/$/, "");
      const probe = base + PROBES[name];
      const anon = await fetch(probe);
      assert.equal(anon.status, 401, `${name} ${probe} without a token`);
      await anon.body?.cancel();
      const authed = await fetch(probe, { headers: { "X-Auth-Token": token } });
      assert.ok(authed.status !== 401 && authed.status < 500, `${name} ${probe}: ${authed.status}`);
      await authed.body?.cancel();
    });
  }
});

// Smoke tests of the dev cloud itself (raw fetch, no osauth code): when these fail, the
// cloud is broken, not the library. Needs `bash scripts/openstack-dev.sh start`.
import assert from "node:assert/strict";
import { loadFixtures, runKsDifferential } from "./_devcloud.ts";

interface CatalogEntry {
  type: string;
  endpoints: { interface: string; region_id: string; url: string }[];
}

Deno.test("dev cloud: password auth, catalog and placement answer", async () => {
  const fx = await loadFixtures();
  const admin = fx.users.admin;
  const resp = await fetch(`${fx.auth_url}/auth/tokens`, {
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

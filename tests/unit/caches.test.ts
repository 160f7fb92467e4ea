/**
 * The per-request caches keep results identical: the catalog index by service
 * type, trusted origins per token, and the session's trusted set.
 */
import assert from "node:assert/strict";
import { HttpBasic, ServiceCatalog, Session, TokenEndpoint, UntrustedOrigin } from "../../mod.ts";
import type { CatalogEndpoint } from "../../src/catalog/service_catalog.ts";
import { V3Token } from "../../src/testing/mod.ts";
import { adminPassword, echoServer, serveCloud } from "./_helpers.ts";

/** endpointsFor without the index: the full scan it replaces. */
function scan(catalog: ServiceCatalog, types: string[], interfaces: string[]): CatalogEndpoint[] {
  return catalog.endpoints
    .map((ep) => ({ ep, i: interfaces.indexOf(ep.interface), t: types.indexOf(ep.serviceType) }))
    .filter((m) => m.i >= 0 && m.t >= 0)
    .sort((a, b) => (a.i * 100 + a.t) - (b.i * 100 + b.t))
    .map((m) => m.ep);
}

Deno.test("catalog index: same endpoints in the same order as a full scan", () => {
  const token = new V3Token();
  // aliases of block-storage interleaved with other services, several regions
  for (
    const [type, n] of [["volumev2", 1], ["compute", 2], ["block-storage", 3], ["volumev3", 4]]
  ) {
    const svc = token.addService(String(type));
    for (const region of ["R1", "R2"]) {
      svc.addStandardEndpoints({
        public: `https://${type}-${n}.${region}/pub`,
        internal: `https://${type}-${n}.${region}/int`,
        region,
      });
    }
  }
  const catalog = ServiceCatalog.fromToken(token.toJSON());
  const cases: [string, string[]][] = [
    ["volumev3", ["public"]],
    ["block-storage", ["internal", "public"]],
    ["volume", ["admin", "internal"]],
    ["compute", ["public", "internal"]],
    ["nope", ["public"]],
  ];
  for (const [type, interfaces] of cases) {
    const expected = scan(catalog, [...new Set(allTypes(type))], interfaces);
    assert.deepEqual(catalog.endpointsFor({ serviceType: type, interface: interfaces }), expected);
  }
  assert.equal(
    catalog.urlFor({ serviceType: "volumev3", interface: "internal", regionName: "R2" }),
    "https://volumev3-4.R2/int",
  );
  assert.equal(
    catalog.urlFor({ serviceType: "block-storage", regionName: "R2" }),
    "https://block-storage-3.R2/pub",
  );
  assert.equal(catalog.endpointsFor({}).length, 8, "no service type: every public endpoint");
  // the constructor's list is copied: later changes to it do not leak in
  const list: CatalogEndpoint[] = [{ serviceType: "x", interface: "public", url: "https://x" }];
  const own = new ServiceCatalog(list);
  list.push({ serviceType: "x", interface: "public", url: "https://y" });
  assert.deepEqual(own.urlsFor({ serviceType: "x" }), ["https://x"]);
  assert.ok(Object.isFrozen(own.endpoints));
});

function allTypes(type: string): string[] {
  const table: Record<string, string[]> = {
    volumev3: ["volumev3", "block-storage", "volumev2", "volume", "block-store"],
    "block-storage": ["block-storage", "volumev3", "volumev2", "volume", "block-store"],
    volume: ["volume", "block-storage", "volumev3", "volumev2", "block-store"],
  };
  return table[type] ?? [type];
}

Deno.test("trusted origins: one frozen list per token, recomputed after re-auth", async () => {
  const s = await serveCloud();
  const echo = echoServer();
  try {
    const auth = adminPassword(s.authUrl);
    const sess = new Session({ auth });
    const first = await auth.getTrustedOrigins(sess);
    assert.ok(Object.isFrozen(first));
    assert.equal(await auth.getTrustedOrigins(sess), first, "same list while the token lasts");
    assert.deepEqual(first, [s.url]);
    // the cached set still refuses other origins, request after request
    for (let i = 0; i < 2; i++) {
      await assert.rejects(sess.get(`${echo.url}/x`), UntrustedOrigin);
    }
    assert.equal(echo.seen.length, 0);
    auth.invalidate();
    const second = await auth.getTrustedOrigins(sess);
    assert.notEqual(second, first, "a new token: a new list");
    assert.deepEqual(second, first);
    // a per-request endpointOverride is trusted for that request only
    const resp = await sess.get("/v", { endpointOverride: echo.url });
    await resp.body?.cancel();
    assert.equal(echo.seen.length, 1);
    await assert.rejects(sess.get(`${echo.url}/x`), UntrustedOrigin);
    // allowNetList does not change what requests trust
    const port = new URL(echo.url).port;
    assert.ok(!(await sess.allowNetList()).includes(`127.0.0.1:${port}`));
    await assert.rejects(sess.get(`${echo.url}/x`), UntrustedOrigin);
  } finally {
    await echo.close();
    await s.close();
  }
});

Deno.test("trusted origins: fixed-endpoint plugins return one frozen list", async () => {
  const token = new TokenEndpoint({ endpoint: "http://127.0.0.1:8774/v2.1", token: "t" });
  const basic = new HttpBasic({
    endpoint: "http://127.0.0.1:6385/x",
    username: "u",
    password: "p",
  });
  const bare = new HttpBasic({ username: "u", password: "p" });
  for (
    const [plugin, want] of [
      [token, ["http://127.0.0.1:8774"]],
      [basic, ["http://127.0.0.1:6385"]],
      [bare, []],
    ] as const
  ) {
    const first = await plugin.getTrustedOrigins();
    assert.deepEqual(first, want);
    assert.ok(Object.isFrozen(first));
    assert.equal(await plugin.getTrustedOrigins(), first, "the same list every time");
  }
});

/**
 * The per-request caches keep results identical: the catalog index by service
 * type, trusted origins per token, and the session's trusted set.
 */
import assert from "node:assert/strict";
import { HttpBasic, ServiceCatalog, Session, TokenEndpoint, UntrustedOrigin } from "../../mod.ts";
import type { CatalogEndpoint } from "../../src/catalog/service_catalog.ts";
import { V3Token } from "../../src/testing/mod.ts";
import { adminPassword, echoServer, serveCloud } from "./_helpers.ts";

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
  // What keystoneauth1's ServiceCatalogV3 gives for this catalog (each matching type keeps
  // its best interface; of several alias types the requested one wins, else registry order).
  const cases: [string, string[], string[]][] = [
    ["volumev3", ["public"], ["https://volumev3-4.R1/pub", "https://volumev3-4.R2/pub"]],
    ["block-storage", ["internal", "public"], [
      "https://block-storage-3.R1/int",
      "https://block-storage-3.R2/int",
    ]],
    ["volume", ["admin", "internal"], [
      "https://block-storage-3.R1/int",
      "https://block-storage-3.R2/int",
    ]],
    ["compute", ["public", "internal"], ["https://compute-2.R1/pub", "https://compute-2.R2/pub"]],
    ["nope", ["public"], []],
  ];
  for (const [type, interfaces, urls] of cases) {
    // asked twice: the second answer comes from the per-type index built by the first
    for (let i = 0; i < 2; i++) {
      const eps = catalog.endpointsFor({ serviceType: type, interface: interfaces });
      assert.deepEqual(eps.map((ep) => ep.url), urls, `${type} ${interfaces}`);
    }
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

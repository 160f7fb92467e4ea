/**
 * Version discovery, microversions and Adapter against a REAL Keystone and
 * Placement started by `scripts/openstack-dev.sh start` (fixtures in
 * `.openstack/fixtures.json`, or `$OSAUTH_OS_DIR/fixtures.json`).
 */
import assert from "node:assert/strict";
import { Adapter, DiscoveryCache, NotAcceptable, Session, VersionNotAvailable } from "../../mod.ts";
import { type DevCloudFixtures, loadFixturesOrWarn, passwordPlugins } from "./_devcloud.ts";

const fx: DevCloudFixtures | undefined = await loadFixturesOrWarn("discovery_placement");

function slashed(url: string): string {
  return `${url.replace(/\/+$/, "")}/`;
}

Deno.test({
  name: "real Placement: discovery, microversions, Adapter",
  ignore: !fx,
  async fn(t) {
    const f = fx!;
    const auth = passwordPlugins(f).adminProject();
    const sess = new Session({ auth });

    await t.step("getEndpointData: min 1.0, max 1.39", async () => {
      const data = await sess.getEndpointData({ serviceType: "placement" });
      assert.equal(data.catalogUrl, f.placement.urls.public);
      assert.equal(data.serviceUrl, slashed(f.placement.urls.public));
      assert.deepEqual(data.apiVersion, [1, 0]);
      assert.equal(data.minMicroversion, f.placement.min_version);
      assert.equal(data.maxMicroversion, f.placement.max_version);
      assert.equal(data.minMicroversion, "1.0");
      assert.equal(data.maxMicroversion, "1.39");
      assert.equal(data.status, "CURRENT");
      assert.equal(data.interface, "public");
      assert.equal(data.regionName, "RegionOne");
      assert.equal(data.serviceName, "placement");
    });

    await t.step("version bounds: 1, latest, and an unavailable 2", async () => {
      for (const bounds of [{ version: "1" }, { minVersion: "latest" }, { version: "latest" }]) {
        const data = await sess.getEndpointData({ serviceType: "placement", ...bounds });
        assert.equal(data.maxMicroversion, "1.39");
        assert.deepEqual(data.apiVersion, [1, 0]);
      }
      await assert.rejects(
        sess.getEndpointData({ serviceType: "placement", version: "2" }),
        (e: unknown) => {
          assert.ok(e instanceof VersionNotAvailable);
          assert.match(e.message, /placement .* offers no API version .* lists v1\.0 \(CURRENT\)/);
          return true;
        },
      );
    });

    await t.step("other interfaces and regions", async () => {
      const internal = await sess.getEndpointData({
        serviceType: "placement",
        interface: "internal",
      });
      assert.equal(internal.serviceUrl, slashed(f.placement.urls.internal));
      assert.equal(internal.interface, "internal");
      const two = await sess.getEndpointData({ serviceType: "placement", regionName: "RegionTwo" });
      assert.equal(two.serviceUrl, slashed(f.placement.region_two_url));
      assert.equal(two.regionName, "RegionTwo");
      assert.equal(two.maxMicroversion, "1.39");
    });

    await t.step("Keystone's {versions: {values}} document", async () => {
      const data = await sess.getEndpointData({ serviceType: "identity", version: "3" });
      assert.equal(data.apiVersion?.[0], 3);
      assert.equal(data.serviceUrl, slashed(`${f.keystone.url}/v3`));
    });

    const placement = new Adapter(sess, { serviceType: "placement", version: "1" });

    await t.step("microversion 1.10 is echoed back", async () => {
      const resp = await placement.get("/resource_providers", { microversion: "1.10" });
      assert.equal(resp.headers.get("openstack-api-version"), "placement 1.10");
      const body = await resp.json();
      assert.ok(Array.isArray(body.resource_providers));
    });

    await t.step("latest means 1.39", async () => {
      const resp = await placement.get("/resource_providers", { microversion: "latest" });
      assert.equal(resp.headers.get("openstack-api-version"), "placement 1.39");
      await resp.body?.cancel();
    });

    await t.step("an unsupported microversion: 406 NotAcceptable", async () => {
      await assert.rejects(
        placement.get("/resource_providers", { microversion: "1.99" }),
        (e: unknown) => {
          assert.ok(e instanceof NotAcceptable, String(e));
          assert.equal(e.status, 406);
          return true;
        },
      );
    });

    await t.step("Adapter with defaultMicroversion and negotiation", async () => {
      const a = new Adapter(sess, { serviceType: "placement", defaultMicroversion: "1.20" });
      const resp = await a.get("/resource_providers");
      assert.equal(resp.headers.get("openstack-api-version"), "placement 1.20");
      await resp.body?.cancel();
      const negotiated = await a.negotiateMicroversion({ min: "1.10", max: "1.60" });
      assert.equal(negotiated, "1.39");
      const r2 = await a.get("/resource_providers", { microversion: negotiated });
      assert.equal(r2.headers.get("openstack-api-version"), "placement 1.39");
      await r2.body?.cancel();
      await assert.rejects(a.negotiateMicroversion({ min: "1.40" }), VersionNotAvailable);
      assert.deepEqual(await a.getApiMajorVersion(), [1, 0]);
      assert.equal(await a.getEndpoint(), f.placement.urls.public);
      assert.equal(await placement.getEndpoint(), slashed(f.placement.urls.public));
    });

    await t.step("N sessions sharing a DiscoveryCache: one GET of the document", async () => {
      let documentGets = 0;
      const root = slashed(f.placement.urls.public);
      const counting: typeof fetch = (input, init) => {
        const url = input instanceof Request ? input.url : String(input);
        if (slashed(url) === root && (init?.method ?? "GET") === "GET") documentGets++;
        return fetch(input, init);
      };
      const cache = new DiscoveryCache();
      const sessions = Array.from(
        { length: 5 },
        () => new Session({ auth, discoveryCache: cache, fetch: counting }),
      );
      const all = await Promise.all(
        sessions.map((s) => s.getEndpointData({ serviceType: "placement", version: "1" })),
      );
      assert.ok(all.every((d) => d.maxMicroversion === "1.39"));
      await sessions[0]!.getEndpointData({ serviceType: "placement" });
      assert.equal(documentGets, 1);
    });
  },
});

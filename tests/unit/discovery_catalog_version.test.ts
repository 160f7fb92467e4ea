/**
 * The catalog URL's own version (issue #11), checked with the requests a real
 * server on 127.0.0.1 receives:
 * - without bounds a Nova `.../v2/<project>` stays API 2.0 (its own document,
 *   not the root's v2.1 with microversions), a Keystone `.../v2.0` stays v2;
 * - EndpointData.serviceType is the catalog's type (`volumev3` for a
 *   `block-storage` filter);
 * - getEndpoint with bounds the versioned catalog URL already satisfies
 *   returns that URL as the catalog has it, with no discovery request.
 * The seeded differential (discovery_differential.test.ts) covers the same
 * ground against keystoneauth1 at random; these are the named cases.
 */
import assert from "node:assert/strict";
import { Adapter, Session } from "../../mod.ts";
import { BodyPlugin, tokenBody } from "./_differential.ts";

const PROJECT = "9c1e5d";

function serve() {
  const hits: string[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) => {
    const url = new URL(req.url);
    const o = url.origin;
    hits.push(url.pathname);
    const version = (id: string, href: string, micro: Record<string, string> = {}) => ({
      id,
      status: id === "v2.0" ? "SUPPORTED" : "CURRENT",
      links: [{ rel: "self", href }],
      ...micro,
    });
    const nova20 = version("v2.0", `${o}/compute/v2/`, { version: "", min_version: "" });
    const nova21 = version("v2.1", `${o}/compute/v2.1/`, { version: "2.95", min_version: "2.1" });
    switch (url.pathname.replace(/\/+$/, "")) {
      case "/compute":
        return Response.json({ versions: [nova20, nova21] });
      case "/compute/v2":
        return Response.json({ version: nova20 });
      case "/compute/v2.1":
        return Response.json({ version: nova21 });
      case "/identity":
        return Response.json({
          versions: {
            values: [version("v3.14", `${o}/identity/v3/`), {
              ...version("v2.0", `${o}/identity/v2.0/`),
              status: "DEPRECATED",
            }],
          },
        }, { status: 300 });
      case "/identity/v2.0":
        return Response.json({
          version: { ...version("v2.0", `${o}/identity/v2.0/`), status: "DEPRECATED" },
        });
      case "/volume":
        return Response.json({
          versions: [version("v3.0", `${o}/volume/v3/`, { version: "3.70", min_version: "3.0" })],
        });
    }
    return Response.json({ servers: [] });
  });
  const origin = `http://127.0.0.1:${server.addr.port}`;
  return { origin, hits, close: () => server.shutdown() };
}

Deno.test("discovery keeps the catalog URL's own version; getEndpoint needs no discovery", async (t) => {
  const srv = serve();
  const o = srv.origin;
  const sessionWith = (type: string, url: string) =>
    new Session({ auth: new BodyPlugin(tokenBody(PROJECT, [{ type, urls: url }])) });
  try {
    await t.step("Nova .../v2/<project> without bounds: API 2.0, its own document", async () => {
      srv.hits.length = 0;
      const sess = sessionWith("compute", `${o}/compute/v2/${PROJECT}`);
      const data = await sess.getEndpointData({ serviceType: "compute" });
      assert.deepEqual(data.apiVersion, [2, 0]);
      assert.equal(data.serviceUrl, `${o}/compute/v2/${PROJECT}`);
      assert.equal(data.maxMicroversion, undefined);
      assert.equal(data.minMicroversion, undefined);
      // was: the root, then 2.1 with 2.1-2.95 microversions
      assert.deepEqual(srv.hits, ["/compute/v2"]);
    });
    await t.step("Keystone .../v2.0 without bounds stays v2", async () => {
      srv.hits.length = 0;
      const sess = sessionWith("identity", `${o}/identity/v2.0`);
      const data = await sess.getEndpointData({ serviceType: "identity" });
      assert.deepEqual(data.apiVersion, [2, 0]);
      assert.equal(data.serviceUrl, `${o}/identity/v2.0/`);
      assert.equal(data.status, "DEPRECATED");
      assert.deepEqual(srv.hits, ["/identity/v2.0"]);
    });
    await t.step("EndpointData.serviceType is the catalog's type", async () => {
      const sess = sessionWith("volumev3", `${o}/volume/v3/${PROJECT}`);
      for (const serviceType of ["block-storage", "volumev3"]) {
        const data = await sess.getEndpointData({ serviceType, minVersion: "3.0" });
        assert.equal(data.serviceType, "volumev3");
        assert.equal(data.serviceUrl, `${o}/volume/v3/${PROJECT}`);
        assert.equal(data.maxMicroversion, "3.70");
      }
    });
    await t.step(
      "getEndpoint with bounds the catalog URL meets: as it is, no request",
      async () => {
        srv.hits.length = 0;
        const catalogUrl = `${o}/compute/v2.1`;
        const sess = sessionWith("compute", catalogUrl);
        const bounds = [{ version: "2" }, { minVersion: "2.1", maxVersion: "2.latest" }];
        for (const b of bounds) {
          assert.equal(
            await new Adapter(sess, { serviceType: "compute", ...b }).getEndpoint(),
            catalogUrl,
          );
          assert.equal(await sess.getEndpoint({ serviceType: "compute", ...b }), catalogUrl);
        }
        const resp = await new Adapter(sess, { serviceType: "compute", version: "2" }).get(
          "/servers",
        );
        await resp.body?.cancel();
        assert.deepEqual(srv.hits, ["/compute/v2.1/servers"], "no discovery request");
        // The metadata does need the document (keystoneauth1's get_endpoint_data does too).
        const data = await new Adapter(sess, { serviceType: "compute", version: "2" })
          .getEndpointData();
        assert.equal(data.maxMicroversion, "2.95");
        assert.deepEqual(srv.hits.slice(1), ["/compute/v2.1/"]);
      },
    );
  } finally {
    await srv.close();
  }
});

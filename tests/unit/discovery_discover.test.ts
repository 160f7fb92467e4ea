import assert from "node:assert/strict";
import {
  type AuthPlugin,
  DiscoveryCache,
  DiscoveryFailure,
  EndpointData,
  EndpointNotFound,
  getEndpointData,
  MissingAuthPlugin,
  OptionError,
  Session,
  VersionNotAvailable,
} from "../../mod.ts";
import { discoveryPlan, fetchVersionDocument } from "../../src/discovery/mod.ts";
import { adminPassword, serveCloud } from "./_helpers.ts";

// ---------------------------------------------------------------------------
// A tiny document server and a catalog plugin
// ---------------------------------------------------------------------------

type Handler = (origin: string, req: Request) => Response;

interface DocServer {
  origin: string;
  hits: { path: string; token: string | null }[];
  count(path: string): number;
  close(): Promise<void>;
}

/** Serves `routes` (keyed by path without trailing slash; root is ""), 404 elsewhere. */
function docServer(routes: Record<string, Handler>): DocServer {
  const hits: { path: string; token: string | null }[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) => {
    const url = new URL(req.url);
    hits.push({ path: url.pathname, token: req.headers.get("x-auth-token") });
    const handler = routes[url.pathname.replace(/\/+$/, "")];
    if (handler) return handler(url.origin, req);
    return Response.json({ error: { message: "not found" } }, { status: 404 });
  });
  return {
    origin: `http://127.0.0.1:${server.addr.port}`,
    hits,
    count: (path) => hits.filter((h) => h.path === path).length,
    close: () => server.shutdown(),
  };
}

function json(body: unknown, status = 200, headers: HeadersInit = {}): Response {
  return Response.json(body, { status, headers });
}

/** A plugin whose catalog has one URL and whose token is scoped to `projectId`. */
class CatalogPlugin implements AuthPlugin {
  url: string | undefined;
  projectId: string | undefined;
  filters: unknown[] = [];
  constructor(url: string | undefined, projectId?: string) {
    this.url = url;
    this.projectId = projectId;
  }
  getHeaders(): Promise<Record<string, string>> {
    return Promise.resolve({ "X-Auth-Token": "tok" });
  }
  getEndpoint(_s: unknown, filter: unknown): Promise<string | undefined> {
    this.filters.push(filter);
    return Promise.resolve(this.url);
  }
  invalidate(): boolean {
    return false;
  }
  getProjectId(): Promise<string | undefined> {
    return Promise.resolve(this.projectId);
  }
}

function link(href: string) {
  return [{ rel: "self", href }];
}

function novaVersion(origin: string, which: "v2.0" | "v2.1") {
  return which === "v2.0"
    ? {
      id: "v2.0",
      status: "SUPPORTED",
      version: "",
      min_version: "",
      links: link(`${origin}/compute/v2/`),
    }
    : {
      id: "v2.1",
      status: "CURRENT",
      version: "2.95",
      min_version: "2.1",
      links: link(`${origin}/compute/v2.1/`),
    };
}

function novaRoutes(): Record<string, Handler> {
  return {
    "/compute": (o) => json({ versions: [novaVersion(o, "v2.0"), novaVersion(o, "v2.1")] }),
    "/compute/v2.1": (o) => json({ version: novaVersion(o, "v2.1") }),
    "/compute/v2": (o) => json({ version: novaVersion(o, "v2.0") }),
  };
}

// ---------------------------------------------------------------------------

Deno.test("discoveryPlan walks versioned URLs up to the root", async (t) => {
  await t.step("known project id, version requested matching the catalog", () => {
    const plan = discoveryPlan("http://127.0.0.1:1/compute/v2.1/p1", {
      projectId: "p1",
      bounds: { min: [2, 0], max: [2, Infinity] },
    });
    assert.deepEqual(plan.urls, [
      "http://127.0.0.1:1/compute/v2.1/",
      "http://127.0.0.1:1/compute/",
      "http://127.0.0.1:1/compute/v2.1/p1",
    ]);
    assert.equal(plan.savedProjectId, "p1");
    assert.ok(plan.catalogMatchesVersion && plan.catalogMatchesExactly);
    assert.deepEqual(plan.catalogVersion, [2, 1]);
  });
  await t.step("unknown project id after a version segment", () => {
    const plan = discoveryPlan("http://127.0.0.1:1/v2.1/abc123", {});
    assert.equal(plan.savedProjectId, "abc123");
    assert.deepEqual(plan.urls, ["http://127.0.0.1:1/", "http://127.0.0.1:1/v2.1/abc123"]);
  });
  await t.step("in range but not exact: the root first, then the catalog version", () => {
    const plan = discoveryPlan("http://127.0.0.1:1/volume/v2", {
      bounds: { min: [2, 0], max: [3, 5] },
    });
    assert.ok(plan.catalogMatchesVersion && !plan.catalogMatchesExactly);
    // keystoneauth1 tries the catalog URL as written too (each distinct string once).
    assert.deepEqual(plan.urls, [
      "http://127.0.0.1:1/volume/",
      "http://127.0.0.1:1/volume/v2/",
      "http://127.0.0.1:1/volume/v2",
    ]);
    const high = discoveryPlan("http://127.0.0.1:1/volume/v3.5", {
      bounds: { min: [2, 0], max: [3, 5] },
    });
    assert.equal(high.urls[0], "http://127.0.0.1:1/volume/v3.5/");
    const plan2 = discoveryPlan("http://127.0.0.1:1/volume/v3", {
      bounds: { min: [2, 0], max: [4, Infinity] },
    });
    assert.deepEqual(plan2.urls.slice(0, 2), [
      "http://127.0.0.1:1/volume/",
      "http://127.0.0.1:1/volume/v3/",
    ]);
  });
  await t.step("no version hack (overrides): the project-less versioned URL", () => {
    const plan = discoveryPlan("http://127.0.0.1:1/v2.1/p1", {
      projectId: "p1",
      allowVersionHack: false,
    });
    assert.deepEqual(plan.urls, ["http://127.0.0.1:1/v2.1", "http://127.0.0.1:1/v2.1/p1"]);
  });
  await t.step("unversioned URLs, queries and the identity /v2.0 rule", () => {
    assert.deepEqual(discoveryPlan("http://127.0.0.1:1/placement").urls, [
      "http://127.0.0.1:1/placement",
    ]);
    assert.deepEqual(discoveryPlan("http://127.0.0.1:1").urls, ["http://127.0.0.1:1"]);
    assert.deepEqual(discoveryPlan("http://127.0.0.1:1/svc/v1?x=1").urls, [
      "http://127.0.0.1:1/svc/?x=1",
      "http://127.0.0.1:1/svc/v1?x=1",
    ]);
    assert.deepEqual(
      discoveryPlan("http://u:p@127.0.0.1:1/v2.0", { serviceType: "identity" }).urls,
      ["http://u:p@127.0.0.1:1/", "http://u:p@127.0.0.1:1/v2.0"],
    );
    assert.throws(() => discoveryPlan("nonsense"), DiscoveryFailure);
  });
});

Deno.test("getEndpointData: Nova-style documents and versioned catalog URLs", async (t) => {
  const srv = docServer(novaRoutes());
  const catalogUrl = `${srv.origin}/compute/v2.1/p1`;
  const fresh = (projectId: string | undefined = "p1") =>
    new Session({ auth: new CatalogPlugin(catalogUrl, projectId) });
  try {
    await t.step("version 2: the catalog's version document, project id put back", async () => {
      srv.hits.length = 0;
      const data = await fresh().getEndpointData({ serviceType: "compute", version: "2" });
      assert.ok(data instanceof EndpointData);
      assert.equal(data.catalogUrl, catalogUrl);
      assert.equal(data.serviceUrl, catalogUrl);
      assert.deepEqual(data.apiVersion, [2, 1]);
      assert.equal(data.minMicroversion, "2.1");
      assert.equal(data.maxMicroversion, "2.95");
      assert.equal(data.status, "CURRENT");
      assert.equal(data.serviceType, "compute");
      assert.equal(data.interface, "public");
      assert.equal(data.projectId, "p1");
      assert.equal(data.discoveryUrl, `${srv.origin}/compute/v2.1/`);
      assert.deepEqual(srv.hits.map((h) => h.path), ["/compute/v2.1/"]);
      assert.equal(srv.hits[0]!.token, null, "discovery is unauthenticated");
    });
    await t.step("an older version: found through the root document", async () => {
      const data = await fresh().getEndpointData({
        serviceType: "compute",
        minVersion: "2.0",
        maxVersion: "2.0",
      });
      assert.equal(data.serviceUrl, `${srv.origin}/compute/v2/p1`);
      assert.deepEqual(data.apiVersion, [2, 0]);
      assert.equal(data.maxMicroversion, undefined);
      assert.equal(data.status, "SUPPORTED");
    });
    await t.step("latest", async () => {
      for (const filter of [{ minVersion: "latest" }, { version: "latest" }]) {
        const data = await fresh().getEndpointData({ serviceType: "compute", ...filter });
        assert.equal(data.serviceUrl, catalogUrl);
        assert.equal(data.maxMicroversion, "2.95");
      }
      const data = await fresh().getEndpointData({ serviceType: "compute", maxVersion: "latest" });
      assert.deepEqual(data.apiVersion, [2, 1]);
    });
    await t.step("no bounds: metadata of the catalog's version", async () => {
      const data = await fresh().getEndpointData({ serviceType: "compute" });
      assert.equal(data.serviceUrl, catalogUrl);
      assert.deepEqual(data.apiVersion, [2, 1]);
    });
    await t.step("the project id is recognised without being told", async () => {
      const data = await fresh(undefined).getEndpointData({
        serviceType: "compute",
        minVersion: "2.0",
        maxVersion: "2.0",
      });
      assert.equal(data.serviceUrl, `${srv.origin}/compute/v2/p1`);
    });
    await t.step("an unavailable version: VersionNotAvailable listing what there is", async () => {
      await assert.rejects(
        fresh().getEndpointData({ serviceType: "compute", version: "3" }),
        (e: unknown) => {
          assert.ok(e instanceof VersionNotAvailable, String(e));
          assert.ok(e instanceof DiscoveryFailure);
          assert.match(
            e.message,
            /compute at http:\/\/127\.0\.0\.1:\d+\/compute\/v2\.1\/p1 offers no API version in the requested range \(between 3\.0 and 3\.latest\): the version document at .* lists v2\.0 \(SUPPORTED\), v2\.1 \(CURRENT\)/,
          );
          return true;
        },
      );
      await assert.rejects(
        fresh().getEndpointData({ serviceType: "compute", minVersion: "2.2", maxVersion: "2.9" }),
        /requested range \(between 2\.2 and 2\.9\)/,
      );
    });
    await t.step("Session.getEndpoint with a version uses the discovered URL", async () => {
      const sess = fresh();
      assert.equal(
        await sess.getEndpoint({ serviceType: "compute", minVersion: "2.0", maxVersion: "2.0" }),
        `${srv.origin}/compute/v2/p1`,
      );
    });
    await t.step("the plugin sees the catalog filter without version keys", async () => {
      const plugin = new CatalogPlugin(catalogUrl, "p1");
      await new Session({ auth: plugin, regionName: "R1" }).getEndpointData({
        serviceType: "compute",
        interface: ["internal", "publicURL"],
        version: "2",
      });
      assert.deepEqual(plugin.filters, [{
        serviceType: "compute",
        interface: ["internal", "publicURL"],
        regionName: "R1",
      }]);
    });
  } finally {
    await srv.close();
  }
});

Deno.test("getEndpointData: Keystone, Placement, single-version and Ironic documents", async (t) => {
  const srv = docServer({
    "": (o) =>
      json({
        versions: {
          values: [
            { id: "v3.14", status: "stable", links: link(`${o}/v3/`) },
            { id: "v2.0", status: "deprecated", links: link(`${o}/v2.0/`) },
          ],
        },
      }, 300),
    "/v3": (o) => json({ version: { id: "v3.14", status: "stable", links: link(`${o}/v3/`) } }),
    "/placement": () =>
      json({
        versions: [{
          id: "v1.0",
          max_version: "1.39",
          min_version: "1.0",
          status: "CURRENT",
          links: link(""),
        }],
      }),
    "/volume/v3": (o) =>
      json({
        version: {
          id: "v3.0",
          status: "CURRENT",
          version: "3.70",
          min_version: "3.0",
          links: link(`${o}/volume/v3/`),
        },
      }),
    "/baremetal/v1": (o) =>
      json({ id: "v1", links: link(`${o}/baremetal/v1/`) }, 200, {
        "X-OpenStack-Ironic-API-Minimum-Version": "1.1",
        "X-OpenStack-Ironic-API-Maximum-Version": "1.87",
      }),
  });
  const session = (url: string, projectId?: string) =>
    new Session({ auth: new CatalogPlugin(url, projectId) });
  try {
    await t.step("Keystone: {versions: {values}} with status 300 at the root", async () => {
      const data = await session(`${srv.origin}/v2.0`).getEndpointData({
        serviceType: "identity",
        version: "3",
      });
      assert.equal(data.serviceUrl, `${srv.origin}/v3/`);
      assert.deepEqual(data.apiVersion, [3, 14]);
      assert.equal(data.status, "CURRENT");
      const v3 = await session(`${srv.origin}/v3`).getEndpointData({
        serviceType: "identity",
        version: "3",
      });
      assert.equal(v3.discoveryUrl, `${srv.origin}/v3/`);
      const v2 = await session(`${srv.origin}/v3`).getEndpointData({
        serviceType: "identity",
        version: "2",
      });
      assert.equal(v2.status, "DEPRECATED");
    });
    await t.step("Placement: unversioned catalog URL, microversion range", async () => {
      for (
        const filter of [{}, { version: "1" }, { minVersion: "latest" }, { maxVersion: "1.5" }]
      ) {
        const data = await session(`${srv.origin}/placement`).getEndpointData({
          serviceType: "placement",
          ...filter,
        });
        assert.equal(data.serviceUrl, `${srv.origin}/placement/`);
        assert.deepEqual(data.apiVersion, [1, 0]);
        assert.equal(data.minMicroversion, "1.0");
        assert.equal(data.maxMicroversion, "1.39");
      }
    });
    await t.step("single {version} document when the root has none", async () => {
      const data = await session(`${srv.origin}/volume/v3/p9`, "p9").getEndpointData({
        serviceType: "volumev3",
      });
      assert.equal(data.serviceUrl, `${srv.origin}/volume/v3/p9`);
      assert.deepEqual(data.apiVersion, [3, 0]);
      assert.equal(data.maxMicroversion, "3.70");
      assert.equal(data.serviceType, "volumev3");
      const latest = await session(`${srv.origin}/volume/v3/p9`, "p9").getEndpointData({
        serviceType: "block-storage",
        minVersion: "latest",
      });
      assert.equal(latest.serviceUrl, `${srv.origin}/volume/v3/p9`);
    });
    await t.step("old Ironic: microversions from headers", async () => {
      const data = await session(`${srv.origin}/baremetal/v1`).getEndpointData({
        serviceType: "baremetal",
        version: "1",
      });
      assert.equal(data.serviceUrl, `${srv.origin}/baremetal/v1/`);
      assert.equal(data.minMicroversion, "1.1");
      assert.equal(data.maxMicroversion, "1.87");
    });
  } finally {
    await srv.close();
  }
});

Deno.test("getEndpointData: statuses, relative and foreign links, auth retry", async (t) => {
  const srv = docServer({
    "/svc": () =>
      json({
        versions: [
          { id: "v2.0", status: "CURRENT", links: link("v2/") },
          { id: "v3.0", status: "EXPERIMENTAL", links: link("v3/") },
          { id: "v1.0", status: "DEPRECATED", links: link("http://internal-name:9999/v1/") },
        ],
      }),
    "/locked": (_o, req) =>
      req.headers.get("x-auth-token") === "tok"
        ? json({ versions: [{ id: "v1.0", status: "CURRENT", links: link("") }] })
        : json({ error: { message: "auth required" } }, 401),
  });
  const session = (path: string) =>
    new Session({ auth: new CatalogPlugin(`${srv.origin}${path}`) });
  try {
    await t.step("relative links resolve below the document URL", async () => {
      const data = await session("/svc").getEndpointData({ serviceType: "svc", version: "2" });
      assert.equal(data.serviceUrl, `${srv.origin}/svc/v2/`);
    });
    await t.step("a link to another host keeps the document's origin", async () => {
      const data = await session("/svc").getEndpointData({ serviceType: "svc", version: "1" });
      assert.equal(data.serviceUrl, `${srv.origin}/svc/v1/`);
      assert.equal(data.status, "DEPRECATED");
    });
    await t.step("EXPERIMENTAL needs allowExperimental; DEPRECATED can be refused", async () => {
      const sess = session("/svc");
      await assert.rejects(
        sess.getEndpointData({ serviceType: "svc", version: "3" }),
        (e: unknown) =>
          e instanceof VersionNotAvailable && /v3\.0 \(EXPERIMENTAL\)/.test(e.message),
      );
      const data = await getEndpointData(sess, { serviceType: "svc", version: "3" }, sess.auth, {
        allowExperimental: true,
      });
      assert.equal(data.status, "EXPERIMENTAL");
      await assert.rejects(
        getEndpointData(sess, { serviceType: "svc", version: "1" }, sess.auth, {
          allowDeprecated: false,
        }),
        VersionNotAvailable,
      );
    });
    await t.step("401 without a token: retried with it", async () => {
      srv.hits.length = 0;
      const data = await session("/locked").getEndpointData({ serviceType: "svc", version: "1" });
      assert.equal(data.serviceUrl, `${srv.origin}/locked/`);
      assert.deepEqual(srv.hits.map((h) => h.token), [null, "tok"]);
    });
  } finally {
    await srv.close();
  }
});

Deno.test("getEndpointData without a usable version document", async (t) => {
  const srv = docServer({
    "/swift": () => json([]),
    "/html": () => new Response("<html>hi</html>", { headers: { "content-type": "text/html" } }),
  });
  const logs: string[] = [];
  const logger = { debug: (m: string) => logs.push(m), warn: (m: string) => logs.push(`W:${m}`) };
  const session = (path: string) =>
    new Session({ auth: new CatalogPlugin(`${srv.origin}${path}`, "p1"), logger });
  try {
    await t.step("no bounds: the catalog URL as is, version from the URL", async () => {
      const a = await session("/nothing/v2/p1").getEndpointData({ serviceType: "x" });
      assert.equal(a.serviceUrl, `${srv.origin}/nothing/v2/p1`);
      assert.deepEqual(a.apiVersion, [2, 0]);
      const b = await session("/swift").getEndpointData({ serviceType: "object-store" });
      assert.equal(b.serviceUrl, `${srv.origin}/swift`);
      assert.equal(b.apiVersion, undefined);
      const c = await session("/html").getEndpointData({ serviceType: "x" });
      assert.equal(c.serviceUrl, `${srv.origin}/html`);
      assert.ok(logs.some((l) => /not JSON/.test(l)), "the failure is logged at debug");
    });
    await t.step("the catalog names a matching version: used as is", async () => {
      const data = await session("/nothing/v2.1/p1").getEndpointData({
        serviceType: "x",
        version: "2",
      });
      assert.equal(data.serviceUrl, `${srv.origin}/nothing/v2.1/p1`);
      assert.deepEqual(data.apiVersion, [2, 1]);
    });
    await t.step("the catalog names another version: VersionNotAvailable", async () => {
      await assert.rejects(
        session("/nothing/v2/p1").getEndpointData({ serviceType: "x", version: "3" }),
        (e: unknown) => {
          assert.ok(e instanceof VersionNotAvailable);
          assert.match(e.message, /is version 2\.0, outside the requested range/);
          assert.match(e.message, /HTTP 404/);
          return true;
        },
      );
    });
    await t.step("unversioned catalog URL with bounds: used, with a warning", async () => {
      logs.length = 0;
      const data = await session("/nothing").getEndpointData({ serviceType: "x", version: "2" });
      assert.equal(data.serviceUrl, `${srv.origin}/nothing`);
      assert.ok(logs.some((l) => l.startsWith("W:Failed to contact the endpoint")));
    });
    await t.step("an endpoint override with bounds and no document: DiscoveryFailure", async () => {
      await assert.rejects(
        session("/x").getEndpointData({
          serviceType: "x",
          version: "2",
          endpointOverride: `${srv.origin}/nothing`,
        }),
        (e: unknown) => {
          assert.ok(e instanceof DiscoveryFailure && !(e instanceof VersionNotAvailable));
          assert.match(e.message, /Unable to find a version discovery document for x/);
          return true;
        },
      );
    });
    await t.step("connection failures are discovery failures", async () => {
      const dead = docServer({});
      const origin = dead.origin;
      await dead.close();
      const sess = new Session({ auth: new CatalogPlugin(`${origin}/v2/p1`, "p1") });
      const data = await sess.getEndpointData({ serviceType: "x" });
      assert.equal(data.serviceUrl, `${origin}/v2/p1`);
    });
  } finally {
    await srv.close();
  }
});

Deno.test("getEndpointData: endpoint overrides and project id substitution", async (t) => {
  const srv = docServer(novaRoutes());
  try {
    await t.step("filter endpointOverride with {project_id}", async () => {
      const sess = new Session({ auth: new CatalogPlugin(undefined, "p7") });
      const data = await sess.getEndpointData({
        serviceType: "compute",
        version: "2",
        endpointOverride: `${srv.origin}/compute/v2.1/{project_id}`,
      });
      assert.equal(data.catalogUrl, `${srv.origin}/compute/v2.1/p7`);
      assert.equal(data.serviceUrl, `${srv.origin}/compute/v2.1/p7`);
      assert.equal(data.maxMicroversion, "2.95");
    });
    await t.step("session endpointOverrides with %(project_id)s, no bounds", async () => {
      const sess = new Session({
        auth: new CatalogPlugin(undefined, "p8"),
        endpointOverrides: { compute: `${srv.origin}/compute/v2.1/%(project_id)s` },
        interface: "internal",
        regionName: "R2",
      });
      const data = await sess.getEndpointData({ serviceType: "compute" });
      assert.equal(data.serviceUrl, `${srv.origin}/compute/v2.1/p8`);
      assert.deepEqual(data.apiVersion, [2, 1]);
      assert.equal(data.interface, "internal");
      assert.equal(data.regionName, "R2");
    });
    await t.step("an override without auth works; one needing a project id does not", async () => {
      const sess = new Session();
      const data = await sess.getEndpointData({
        serviceType: "compute",
        endpointOverride: `${srv.origin}/compute`,
        version: "2",
      });
      assert.equal(data.serviceUrl, `${srv.origin}/compute/v2.1/`);
      await assert.rejects(
        sess.getEndpointData({ endpointOverride: `${srv.origin}/compute/v2.1/{project_id}` }),
        (e: unknown) => e instanceof OptionError && /needs a project id/.test(e.message),
      );
    });
  } finally {
    await srv.close();
  }
});

Deno.test("getEndpointData: bad input gives typed errors", async () => {
  const sess = new Session();
  await assert.rejects(sess.getEndpointData({ serviceType: "compute" }), MissingAuthPlugin);
  const none = new Session({ auth: new CatalogPlugin(undefined) });
  await assert.rejects(none.getEndpointData({ serviceType: "compute" }), EndpointNotFound);
  await assert.rejects(
    none.getEndpointData({ serviceType: "compute", version: "2", minVersion: "2" }),
    OptionError,
  );
  await assert.rejects(
    none.getEndpointData({ serviceType: "compute", version: "x.y" }),
    /invalid version "x\.y"/,
  );
  await assert.rejects(getEndpointData(sess, null as never, undefined), OptionError);
  // An empty override is "not set": the catalog is needed, and there is no plugin.
  await assert.rejects(
    sess.getEndpointData({ endpointOverride: "", serviceType: "x" }),
    MissingAuthPlugin,
  );
  await assert.rejects(
    getEndpointData(sess, { endpointOverride: 5 as never }, undefined),
    OptionError,
  );
  await assert.rejects(
    getEndpointData(sess, { endpointOverride: "not a url", version: "2" }, undefined),
    DiscoveryFailure,
  );
  await assert.rejects(fetchVersionDocument(sess, ""), OptionError);
});

Deno.test("discovery is cached per session and shared through discoveryCache", async (t) => {
  const srv = docServer(novaRoutes());
  const catalogUrl = `${srv.origin}/compute/v2.1/p1`;
  try {
    await t.step("N sessions sharing a cache: one GET of the version document", async () => {
      srv.hits.length = 0;
      const cache = new DiscoveryCache();
      const sessions = Array.from(
        { length: 8 },
        () => new Session({ auth: new CatalogPlugin(catalogUrl, "p1"), discoveryCache: cache }),
      );
      const all = await Promise.all(
        sessions.map((s) => s.getEndpointData({ serviceType: "compute", minVersion: "latest" })),
      );
      assert.ok(all.every((d) => d.maxMicroversion === "2.95"));
      for (const s of sessions) {
        await s.getEndpointData({ serviceType: "compute", minVersion: "latest" });
      }
      assert.equal(srv.count("/compute/"), 1);
      assert.equal(srv.hits.length, 1);
      assert.ok(cache.has(`${srv.origin}/compute`));
      assert.ok(cache.has(`${srv.origin}/compute/`), "trailing slashes do not matter");
      cache.clear(`${srv.origin}/compute/`);
      assert.equal(cache.size, 0);
      await sessions[0]!.getEndpointData({ serviceType: "compute", minVersion: "latest" });
      assert.equal(srv.count("/compute/"), 2, "fetched again after clear(url)");
      cache.clear();
      assert.equal(cache.size, 0);
    });
    await t.step("one session: its own cache, one GET for many calls", async () => {
      srv.hits.length = 0;
      const sess = new Session({ auth: new CatalogPlugin(catalogUrl, "p1") });
      for (let i = 0; i < 5; i++) await sess.getEndpointData({ serviceType: "compute" });
      assert.equal(srv.hits.length, 1);
      const other = new Session({ auth: new CatalogPlugin(catalogUrl, "p1") });
      await other.getEndpointData({ serviceType: "compute" });
      assert.equal(srv.hits.length, 2, "separate caches fetch separately");
    });
    await t.step("failures are not cached", async () => {
      srv.hits.length = 0;
      const sess = new Session();
      await assert.rejects(fetchVersionDocument(sess, `${srv.origin}/missing`), /HTTP 404/);
      await assert.rejects(fetchVersionDocument(sess, `${srv.origin}/missing`), /HTTP 404/);
      assert.equal(srv.hits.length, 2);
      assert.equal(sess.discoveryCache.size, 0);
    });
    await t.step("a foreign value in the cache is refused", async () => {
      const cache = new DiscoveryCache();
      await cache.get(`${srv.origin}/odd`, () => Promise.resolve({ not: "a document" }));
      await assert.rejects(
        fetchVersionDocument(new Session({ discoveryCache: cache }), `${srv.origin}/odd`),
        /holds no version document/,
      );
    });
    await t.step("discoverVersions: false reads the URL and fetches nothing", async () => {
      srv.hits.length = 0;
      const sess = new Session({ auth: new CatalogPlugin(catalogUrl, "p1") });
      const a = await getEndpointData(sess, { serviceType: "compute" }, sess.auth, {
        discoverVersions: false,
      });
      assert.deepEqual(a.apiVersion, [2, 1]);
      assert.equal(a.maxMicroversion, undefined);
      const b = await getEndpointData(sess, { serviceType: "compute", version: "2" }, sess.auth, {
        discoverVersions: false,
      });
      assert.deepEqual(b.apiVersion, [2, 1]);
      assert.equal(srv.hits.length, 0);
    });
  } finally {
    await srv.close();
  }
});

Deno.test("end to end against FakeCloud: token, catalog, discovery", async (t) => {
  const served = await serveCloud();
  try {
    const sess = new Session({ auth: adminPassword(served.authUrl) });
    await t.step("compute: versioned catalog URL with the project id", async () => {
      const data = await sess.getEndpointData({ serviceType: "compute", version: "2" });
      assert.equal(data.catalogUrl, `${served.url}/compute/v2.1/p-admin`);
      assert.equal(data.serviceUrl, `${served.url}/compute/v2.1/p-admin`);
      assert.deepEqual(data.apiVersion, [2, 1]);
      assert.equal(data.minMicroversion, "2.1");
      assert.equal(data.maxMicroversion, "2.95");
      assert.equal(data.serviceName, "nova");
      assert.equal(data.regionName, "RegionOne");
      assert.equal(data.interface, "public");
      assert.ok(data.endpointId);
    });
    await t.step("compute v2.0 through the root document", async () => {
      const data = await sess.getEndpointData({
        serviceType: "compute",
        minVersion: "2.0",
        maxVersion: "2.0",
      });
      assert.equal(data.serviceUrl, `${served.url}/compute/v2/p-admin`);
    });
    await t.step("internal interface metadata comes from the catalog", async () => {
      const data = await sess.getEndpointData({
        serviceType: "compute",
        interface: ["internal", "public"],
        version: "2",
      });
      assert.equal(data.interface, "internal");
      assert.match(data.serviceUrl, /\/internal\/compute\/v2\.1\/p-admin$/);
    });
    await t.step("placement and image", async () => {
      const placement = await sess.getEndpointData({ serviceType: "placement", version: "1" });
      assert.equal(placement.minMicroversion, "1.0");
      assert.equal(placement.maxMicroversion, "1.39");
      const image = await sess.getEndpointData({ serviceType: "image" });
      assert.deepEqual(image.apiVersion, [2, 9]);
      assert.equal(image.serviceUrl, `${served.url}/image/v2/`);
      await assert.rejects(
        sess.getEndpointData({ serviceType: "image", version: "3" }),
        VersionNotAvailable,
      );
    });
    await t.step("relative requests with a versioned filter", async () => {
      const resp = await sess.get("/servers", {
        endpointFilter: { serviceType: "compute", version: "2" },
        microversion: "2.79",
      });
      const echo = await resp.json();
      assert.equal(echo.path, "/compute/v2.1/p-admin/servers");
      assert.equal(echo.microversion, "2.79");
    });
  } finally {
    await served.close();
  }
});

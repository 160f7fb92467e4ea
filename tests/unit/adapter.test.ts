import assert from "node:assert/strict";
import {
  Adapter,
  BadRequest,
  NotAcceptable,
  NotFound,
  OptionError,
  Session,
  VersionNotAvailable,
} from "../../mod.ts";
import type { FakeEcho, FakeService } from "../../src/testing/mod.ts";
import { adminPassword, echoServer, serveCloud } from "./_helpers.ts";

const VOLUME: FakeService = {
  type: "volumev3",
  name: "cinderv3",
  catalogVersionPath: "v3/{project_id}",
  microversions: { min: "3.0", max: "3.70" },
  versions: [
    { id: "v3.0", status: "CURRENT", path: "v3", version: "3.70", minVersion: "3.0" },
    { id: "v4.0", status: "EXPERIMENTAL", path: "v4", version: "4.2", minVersion: "4.0" },
  ],
};

const COMPUTE: FakeService = {
  type: "compute",
  name: "nova",
  catalogVersionPath: "v2.1/{project_id}",
  microversions: { min: "2.1", max: "2.95" },
  versions: [
    { id: "v2.0", status: "SUPPORTED", path: "v2", version: "", minVersion: "" },
    { id: "v2.1", status: "CURRENT", path: "v2.1", version: "2.95", minVersion: "2.1" },
  ],
};

const PLACEMENT: FakeService = {
  type: "placement",
  name: "placement",
  microversions: { min: "1.0", max: "1.39" },
  versions: [{ id: "v1.0", status: "CURRENT", path: "", minVersion: "1.0", maxVersion: "1.39" }],
};

async function echoOf(resp: Response): Promise<FakeEcho> {
  return await resp.json() as FakeEcho;
}

Deno.test("Adapter against FakeCloud", async (t) => {
  const served = await serveCloud({ services: [COMPUTE, PLACEMENT, VOLUME] });
  const sess = new Session({ auth: adminPassword(served.authUrl) });
  try {
    const compute = new Adapter(sess, {
      serviceType: "compute",
      version: "2",
      defaultMicroversion: "2.79",
    });
    await t.step(
      "requests go below the discovered endpoint with the default microversion",
      async () => {
        const echo = await echoOf(await compute.get("/servers"));
        assert.equal(echo.path, "/compute/v2.1/p-admin/servers");
        assert.equal(echo.method, "GET");
        assert.equal(echo.headers["openstack-api-version"], "compute 2.79");
        assert.equal(echo.headers["x-openstack-nova-api-version"], "2.79");
        assert.equal(echo.microversion, "2.79");
      },
    );
    await t.step("a per-request microversion wins; latest is passed through", async () => {
      assert.equal(
        (await echoOf(await compute.get("servers", { microversion: "2.61" }))).microversion,
        "2.61",
      );
      assert.equal(
        (await echoOf(await compute.get("servers", { microversion: "latest" }))).microversion,
        "2.95",
      );
    });
    await t.step("every method", async () => {
      const post = await echoOf(
        await compute.post("/servers", { json: { server: { name: "a" } } }),
      );
      assert.equal(post.method, "POST");
      assert.deepEqual(post.body, { server: { name: "a" } });
      assert.equal((await echoOf(await compute.put("/servers/1", { json: {} }))).method, "PUT");
      assert.equal((await echoOf(await compute.patch("/servers/1", { json: {} }))).method, "PATCH");
      assert.equal((await echoOf(await compute.delete("/servers/1"))).method, "DELETE");
      const head = await compute.head("/servers");
      assert.equal(head.status, 200);
      assert.equal(head.headers.get("openstack-api-version"), "compute 2.79");
      const req = await echoOf(await compute.request("/servers/detail", { method: "GET" }));
      assert.equal(req.path, "/compute/v2.1/p-admin/servers/detail");
    });
    await t.step("getEndpoint, getEndpointData, getApiMajorVersion", async () => {
      assert.equal(await compute.getEndpoint(), `${served.url}/compute/v2.1/p-admin`);
      const data = await compute.getEndpointData();
      assert.equal(data.maxMicroversion, "2.95");
      assert.deepEqual(await compute.getApiMajorVersion(), [2, 1]);
      const old = new Adapter(sess, {
        serviceType: "compute",
        minVersion: "2.0",
        maxVersion: "2.0",
      });
      assert.equal(await old.getEndpoint(), `${served.url}/compute/v2/p-admin`);
      const plain = new Adapter(sess, { serviceType: "placement" });
      assert.equal(await plain.getEndpoint(), `${served.url}/placement`);
      assert.deepEqual(
        await plain.getApiMajorVersion(),
        [1, 0],
        "discovered when the URL has none",
      );
    });
    await t.step("microversion negotiation", async () => {
      assert.equal(await compute.negotiateMicroversion({ min: "2.1", max: "2.90" }), "2.90");
      assert.equal(await compute.negotiateMicroversion(["2.53", "2.100"]), "2.53");
      await assert.rejects(
        compute.negotiateMicroversion({ min: "2.96" }),
        (e: unknown) => e instanceof VersionNotAvailable && /2\.1 - 2\.95/.test(e.message),
      );
      const placement = new Adapter(sess, { serviceType: "placement" });
      assert.equal(await placement.negotiateMicroversion({ max: "latest" }), "1.39");
    });
    await t.step("the service's answer to unsupported microversions", async () => {
      await assert.rejects(compute.get("/servers", { microversion: "2.96" }), NotAcceptable);
      const resp = await compute.get("/servers", { microversion: "2.96", raiseExc: false });
      assert.equal(resp.status, 406);
      await resp.body?.cancel();
      await assert.rejects(compute.get("/servers", { microversion: "2.x" }), OptionError);
    });
    await t.step("service type aliases: block-storage finds volumev3", async () => {
      const volume = new Adapter(sess, {
        serviceType: "block-storage",
        version: "3",
        defaultMicroversion: "3.59",
      });
      const echo = await echoOf(await volume.get("/volumes"));
      assert.equal(echo.path, "/volumev3/v3/p-admin/volumes");
      assert.equal(echo.headers["openstack-api-version"], "volume 3.59");
      const data = await volume.getEndpointData();
      assert.equal(data.maxMicroversion, "3.70");
      await assert.rejects(
        new Adapter(sess, { serviceType: "block-storage", version: "4" }).getEndpoint(),
        VersionNotAvailable,
      );
      const experimental = new Adapter(sess, {
        serviceType: "block-storage",
        version: "4",
        allowExperimental: true,
      });
      assert.equal((await experimental.getEndpointData()).maxMicroversion, "4.2");
    });
    await t.step("an unavailable version fails the request with VersionNotAvailable", async () => {
      const v3 = new Adapter(sess, { serviceType: "compute", version: "3" });
      await assert.rejects(v3.get("/servers"), VersionNotAvailable);
    });
    await t.step("defaults from the session: apiVersions, endpointOverrides", async () => {
      const s2 = new Session({
        auth: sess.auth,
        apiVersions: { compute: "2" },
        endpointOverrides: { placement: `${served.url}/placement` },
      });
      const a = new Adapter(s2, { serviceType: "compute" });
      assert.equal(a.version, "2");
      assert.equal((await echoOf(await a.get("/flavors"))).path, "/compute/v2.1/p-admin/flavors");
      const p = new Adapter(s2, { serviceType: "placement" });
      assert.equal(p.endpointOverride, `${served.url}/placement`);
      const echo = await echoOf(await p.get("/resource_providers", { microversion: "1.10" }));
      assert.equal(echo.path, "/placement/resource_providers");
      assert.equal(echo.microversion, "1.10");
      assert.equal(
        new Adapter(s2, { serviceType: "compute", minVersion: "2.1" }).version,
        undefined,
      );
    });
    await t.step("endpointOverride with {project_id}", async () => {
      const a = new Adapter(sess, {
        serviceType: "compute",
        endpointOverride: `${served.url}/compute/v2.1/{project_id}`,
      });
      assert.equal(await a.getEndpoint(), `${served.url}/compute/v2.1/p-admin`);
      assert.equal((await echoOf(await a.get("/servers"))).path, "/compute/v2.1/p-admin/servers");
      const fixed = new Adapter(sess, {
        serviceType: "compute",
        endpointOverride: `${served.url}/compute/v2.1/p-admin`,
      });
      assert.equal(await fixed.getEndpoint(), `${served.url}/compute/v2.1/p-admin`);
    });
    await t.step("absolute URLs and explicit per-request endpoints", async () => {
      const echo = await echoOf(
        await compute.get(`${served.url}/compute/v2.1/p-admin/os-hypervisors`),
      );
      assert.equal(echo.path, "/compute/v2.1/p-admin/os-hypervisors");
      assert.equal(echo.microversion, "2.79");
      const other = await echoOf(
        await compute.get("/resource_providers", {
          endpointFilter: { serviceType: "placement" },
          microversionServiceType: "placement",
          microversion: "1.5",
        }),
      );
      assert.equal(other.service, "placement");
      assert.equal(other.microversion, "1.5");
    });
    await t.step("interface and region go into the filter", async () => {
      const a = new Adapter(sess, {
        serviceType: "compute",
        interface: "internal",
        regionName: "RegionOne",
        serviceName: "nova",
        version: "2",
      });
      const echo = await echoOf(await a.get("/servers"));
      assert.equal(echo.interface, "internal");
      assert.deepEqual(a.endpointFilter, {
        serviceType: "compute",
        interface: "internal",
        regionName: "RegionOne",
        serviceName: "nova",
        version: "2",
      });
      const data = await a.getEndpointData();
      assert.equal(data.interface, "internal");
      assert.equal(data.serviceName, "nova");
    });
  } finally {
    await served.close();
  }
});

Deno.test("Adapter headers and request defaults", async (t) => {
  const echo = echoServer();
  const sess = new Session();
  try {
    const cases: [string, string, Record<string, string>][] = [
      ["compute", "2.79", { "x-openstack-nova-api-version": "2.79" }],
      ["baremetal", "1.80", { "x-openstack-ironic-api-version": "1.80" }],
      ["shared-file-system", "2.65", { "x-openstack-manila-api-version": "2.65" }],
      ["sharev2", "2.65", { "x-openstack-manila-api-version": "2.65" }],
      ["block-storage", "3.70", {}],
      ["volumev3", "3.70", {}],
      ["container-infra", "1.11", {}],
      ["placement", "1.39", {}],
    ];
    const header: Record<string, string> = {
      compute: "compute",
      baremetal: "baremetal",
      "shared-file-system": "shared-file-system",
      sharev2: "shared-file-system",
      "block-storage": "volume",
      volumev3: "volume",
      "container-infra": "container-infra",
      placement: "placement",
    };
    for (const [type, version, legacy] of cases) {
      await t.step(`${type} ${version}`, async () => {
        echo.seen.length = 0;
        const a = new Adapter(sess, {
          serviceType: type,
          endpointOverride: echo.url,
          defaultMicroversion: version,
        });
        await (await a.get("/things")).body?.cancel();
        const seen = echo.seen[0]!;
        assert.equal(seen.path, "/things");
        assert.equal(seen.headers.get("openstack-api-version"), `${header[type]} ${version}`);
        for (const [k, v] of Object.entries(legacy)) assert.equal(seen.headers.get(k), v);
        for (
          const h of [
            "x-openstack-nova-api-version",
            "x-openstack-ironic-api-version",
            "x-openstack-manila-api-version",
          ]
        ) {
          if (!(h in legacy)) assert.equal(seen.headers.get(h), null, `${type} must not send ${h}`);
        }
      });
    }
    await t.step("no microversion: no microversion headers", async () => {
      echo.seen.length = 0;
      const a = new Adapter(sess, { serviceType: "compute", endpointOverride: echo.url });
      await (await a.get("/x")).body?.cancel();
      assert.equal(echo.seen[0]!.headers.get("openstack-api-version"), null);
    });
    await t.step("additionalHeaders, globalRequestId, per-request headers win", async () => {
      echo.seen.length = 0;
      const a = new Adapter(sess, {
        serviceType: "compute",
        endpointOverride: echo.url,
        additionalHeaders: { "X-A": "adapter", "X-B": "adapter" },
        globalRequestId: "req-12345678-1234-1234-1234-123456789012",
      });
      await (await a.get("/x", { headers: { "X-B": "request" } })).body?.cancel();
      const h = echo.seen[0]!.headers;
      assert.equal(h.get("x-a"), "adapter");
      assert.equal(h.get("x-b"), "request");
      assert.equal(h.get("x-openstack-request-id"), "req-12345678-1234-1234-1234-123456789012");
    });
    await t.step("raiseExc from the adapter, overridable per request", async () => {
      const quiet = new Adapter(sess, {
        serviceType: "compute",
        endpointOverride: echo.url,
        raiseExc: false,
      });
      const resp = await quiet.get("/status/404");
      assert.equal(resp.status, 404);
      await resp.body?.cancel();
      await assert.rejects(quiet.get("/status/404", { raiseExc: true }), NotFound);
      const loud = new Adapter(sess, { serviceType: "compute", endpointOverride: echo.url });
      await assert.rejects(loud.get("/status/400"), BadRequest);
    });
    await t.step("a microversion needs a service type", async () => {
      const a = new Adapter(sess, { endpointOverride: echo.url, defaultMicroversion: "2.1" });
      await assert.rejects(
        a.get("/x"),
        (e: unknown) => e instanceof OptionError && /serviceType/.test(e.message),
      );
      const ok = new Adapter(sess, { endpointOverride: echo.url });
      echo.seen.length = 0;
      await (await ok.get("/x", { microversion: "1.2", microversionServiceType: "placement" })).body
        ?.cancel();
      assert.equal(echo.seen[0]!.headers.get("openstack-api-version"), "placement 1.2");
    });
  } finally {
    await echo.close();
  }
});

Deno.test("Adapter option validation: OptionError", async () => {
  const sess = new Session();
  assert.throws(() => new Adapter({} as never), /needs a Session/);
  assert.throws(() => new Adapter(sess, null as never), OptionError);
  assert.throws(() => new Adapter(sess, { serviceType: "" }), OptionError);
  assert.throws(
    () => new Adapter(sess, { serviceType: "compute", endpointOverride: 5 as never }),
    OptionError,
  );
  // An empty override is "not set", as keystoneauth1's `if endpoint_override:`.
  assert.equal(
    new Adapter(sess, { serviceType: "compute", endpointOverride: "" }).endpointOverride,
    undefined,
  );
  assert.throws(
    () => new Adapter(sess, { serviceType: "compute", version: "2", minVersion: "2.1" }),
    /mutually exclusive/,
  );
  assert.throws(() => new Adapter(sess, { serviceType: "compute", version: "two" }), OptionError);
  assert.throws(
    () => new Adapter(sess, { serviceType: "compute", minVersion: "3", maxVersion: "2" }),
    OptionError,
  );
  assert.throws(
    () => new Adapter(sess, { serviceType: "compute", defaultMicroversion: "2.latest" }),
    OptionError,
  );
  const a = new Adapter(sess, { serviceType: "compute", endpointOverride: "http://127.0.0.1:9/" });
  await assert.rejects(a.request(5 as never), OptionError);
  await assert.rejects(a.request("/x", null as never), OptionError);
  assert.deepEqual(new Adapter(sess).endpointFilter, {});
});

Deno.test("Adapter: its filter cannot change under it; bad call headers are an OptionError", async () => {
  const s = await serveCloud();
  try {
    const sess = new Session({ auth: adminPassword(s.authUrl) });
    const interfaces = ["internal", "public"];
    const adapter = new Adapter(sess, { serviceType: "compute", interface: interfaces });
    const iface = async () => ((await (await adapter.get("/x")).json()) as FakeEcho).interface;
    assert.equal(await iface(), "internal");
    interfaces.reverse(); // the caller's list, changed after the adapter was made
    const copy = adapter.endpointFilter;
    copy.serviceType = "image"; // a copy: changing it changes nothing
    assert.equal(await iface(), "internal");
    assert.deepEqual(adapter.endpointFilter.interface, ["internal", "public"]);
    assert.equal(adapter.endpointFilter.serviceType, "compute");
    await assert.rejects(adapter.get("/x", { headers: { "X-Bad": "a\nb" } }), OptionError);
    await assert.rejects(adapter.get("/x", { headers: [["bad name", "v"]] }), OptionError);
    const resp = await adapter.get("/x", { headers: [["X-Pair", "1"], ["x-pair", "2"]] });
    const echo = (await resp.json()) as FakeEcho;
    assert.equal(echo.headers["x-pair"], "1, 2");
  } finally {
    await s.close();
  }
});

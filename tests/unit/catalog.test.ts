import assert from "node:assert/strict";
import { EndpointNotFound, normalizeInterface, OptionError, ServiceCatalog } from "../../mod.ts";

const v3Body = {
  token: {
    catalog: [
      {
        type: "compute",
        name: "nova",
        id: "svc-compute",
        endpoints: [
          {
            id: "c-pub-1",
            interface: "public",
            region_id: "RegionOne",
            region: "RegionOne",
            url: "http://127.0.0.1:8774/v2.1/p1",
          },
          {
            id: "c-int-1",
            interface: "internal",
            region_id: "RegionOne",
            url: "http://10.0.0.1:8774/v2.1/p1",
          },
          {
            id: "c-adm-1",
            interface: "admin",
            region_id: "RegionOne",
            url: "http://10.0.0.2:8774/v2.1/p1",
          },
          {
            id: "c-pub-2",
            interface: "public",
            region_id: "RegionTwo",
            url: "http://127.0.0.2:8774/v2.1/p1",
          },
        ],
      },
      {
        type: "volumev3",
        name: "cinderv3",
        id: "svc-vol",
        endpoints: [{
          id: "v1",
          interface: "public",
          region_id: "RegionOne",
          url: "http://127.0.0.1:8776/v3/p1",
        }],
      },
      {
        type: "identity",
        name: "keystone",
        id: "svc-id",
        endpoints: [{
          id: "i1",
          interface: "public",
          region: "RegionOne",
          url: "http://127.0.0.1:5000/v3",
        }],
      },
      { type: "broken" },
      "not an object",
    ],
  },
};

const v2Body = {
  access: {
    token: { id: "t", expires: "2030-01-01T00:00:00Z" },
    serviceCatalog: [
      {
        type: "compute",
        name: "nova",
        endpoints: [{
          region: "RegionOne",
          publicURL: "http://127.0.0.1:8774/v2/p1",
          internalURL: "http://10.0.0.1:8774/v2/p1",
          adminURL: "http://10.0.0.2:8774/v2/p1",
          id: "e2",
        }],
      },
    ],
  },
};

Deno.test("ServiceCatalog v3", async (t) => {
  const catalog = ServiceCatalog.fromToken(v3Body);

  await t.step("public by default", () => {
    assert.equal(
      catalog.urlFor({ serviceType: "compute", regionName: "RegionOne" }),
      "http://127.0.0.1:8774/v2.1/p1",
    );
  });
  await t.step("interface list is tried in order", () => {
    assert.equal(
      catalog.urlFor({
        serviceType: "compute",
        interface: ["internal", "public"],
        regionName: "RegionOne",
      }),
      "http://10.0.0.1:8774/v2.1/p1",
    );
    // keystoneauth1: each service type keeps only the endpoints of its best interface.
    assert.deepEqual(
      catalog.urlsFor({
        serviceType: "compute",
        interface: ["admin", "public"],
        regionName: "RegionOne",
      }),
      ["http://10.0.0.2:8774/v2.1/p1"],
    );
    assert.deepEqual(
      catalog.urlsFor({ serviceType: "compute", interface: ["internal", "public"] }),
      ["http://10.0.0.1:8774/v2.1/p1"],
    );
  });
  await t.step("v2 interface names accepted", () => {
    assert.equal(
      catalog.urlFor({ serviceType: "compute", interface: "internalURL", regionName: "RegionOne" }),
      "http://10.0.0.1:8774/v2.1/p1",
    );
  });
  await t.step("region filter", () => {
    assert.equal(
      catalog.urlFor({ serviceType: "compute", regionName: "RegionTwo" }),
      "http://127.0.0.2:8774/v2.1/p1",
    );
    assert.equal(catalog.urlsFor({ serviceType: "compute" }).length, 2);
  });
  await t.step("service name, id and endpoint id filters", () => {
    assert.equal(catalog.urlsFor({ serviceType: "compute", serviceName: "nova" }).length, 2);
    assert.equal(catalog.urlsFor({ serviceType: "compute", serviceName: "other" }).length, 0);
    assert.equal(catalog.urlsFor({ serviceId: "svc-vol" }).length, 1);
    assert.equal(
      catalog.urlFor({ serviceType: "compute", endpointId: "c-pub-2" }),
      "http://127.0.0.2:8774/v2.1/p1",
    );
  });
  await t.step("an alias matches its official type and itself, never another alias", () => {
    assert.equal(catalog.urlFor({ serviceType: "block-storage" }), "http://127.0.0.1:8776/v3/p1");
    // os-service-types: volume and volumev2 are other APIs than volumev3.
    assert.throws(() => catalog.urlFor({ serviceType: "volume" }), EndpointNotFound);
    assert.throws(() => catalog.urlFor({ serviceType: "volumev2" }), EndpointNotFound);
    const [ep] = catalog.endpointsFor({ serviceType: "volumev3" });
    assert.equal(ep?.serviceType, "volumev3");
    assert.equal(ep?.serviceName, "cinderv3");
  });
  await t.step("region from 'region' when region_id is missing", () => {
    assert.equal(catalog.endpointsFor({ serviceType: "identity" })[0]?.regionName, "RegionOne");
  });
  await t.step("EndpointNotFound names what the catalog has", () => {
    assert.throws(() => catalog.urlFor({ serviceType: "object-store" }), EndpointNotFound);
    try {
      catalog.urlFor({ serviceType: "compute", regionName: "Nowhere" });
      assert.fail("expected EndpointNotFound");
    } catch (e) {
      assert.ok(e instanceof EndpointNotFound);
      assert.match(e.message, /serviceType=compute/);
      assert.match(e.message, /regionName=Nowhere/);
      assert.match(e.message, /compute \(nova\): public@RegionOne, internal@RegionOne/);
      assert.match(e.message, /volumev3 \(cinderv3\)/);
    }
  });
  await t.step("empty interface list is an OptionError", () => {
    assert.throws(() => catalog.urlFor({ serviceType: "compute", interface: [] }), OptionError);
  });
});

Deno.test("ServiceCatalog v2", () => {
  const catalog = ServiceCatalog.fromToken(v2Body);
  assert.equal(catalog.urlFor({ serviceType: "compute" }), "http://127.0.0.1:8774/v2/p1");
  assert.equal(
    catalog.urlFor({ serviceType: "compute", interface: "adminURL" }),
    "http://10.0.0.2:8774/v2/p1",
  );
  assert.equal(
    catalog.urlFor({ serviceType: "compute", interface: "internal", regionName: "RegionOne" }),
    "http://10.0.0.1:8774/v2/p1",
  );
  assert.equal(catalog.endpoints.length, 3);
});

Deno.test("ServiceCatalog input checks", () => {
  assert.throws(() => ServiceCatalog.fromToken({ nope: 1 }), OptionError);
  assert.throws(() => ServiceCatalog.fromToken(42), OptionError);
  assert.throws(() => ServiceCatalog.fromV3({}), OptionError);
  assert.throws(() => ServiceCatalog.fromV2("x"), OptionError);
  assert.equal(ServiceCatalog.fromToken({ catalog: [] }).describe(), "the catalog is empty");
  assert.equal(ServiceCatalog.fromToken([]).endpoints.length, 0);
});

Deno.test("an empty catalog is EmptyCatalog (an EndpointNotFound), as keystoneauth1 raises", async () => {
  const { EmptyCatalog, EndpointNotFound, ServiceCatalog } = await import("../../mod.ts");
  const empty = new ServiceCatalog([]);
  assert.throws(
    () => empty.urlFor({ serviceType: "compute" }),
    (e: unknown) =>
      e instanceof EmptyCatalog && e instanceof EndpointNotFound && e.name === "EmptyCatalog" &&
      /the catalog is empty/.test(e.message),
  );
  const one = new ServiceCatalog([{ serviceType: "image", interface: "public", url: "http://i" }]);
  assert.throws(
    () => one.urlFor({ serviceType: "compute" }),
    (e: unknown) => e instanceof EndpointNotFound && !(e instanceof EmptyCatalog),
  );
});

Deno.test("ServiceCatalog: arguments of a wrong type are OptionError, never a TypeError", () => {
  const catalog = ServiceCatalog.fromToken(v3Body);
  const bad: unknown[] = [
    null,
    42,
    "compute",
    ["compute"],
    { serviceType: 3 },
    { serviceType: null },
    { interface: 1 },
    { interface: null },
    { interface: { public: true } },
    { interface: ["public", 2] },
    { interface: [null] },
    { regionName: 1 },
    { serviceName: false },
    { serviceId: {} },
    { endpointId: [] },
  ];
  for (const filter of bad) {
    for (const call of ["urlFor", "urlsFor", "endpointsFor"] as const) {
      assert.throws(
        () => catalog[call](filter as never),
        OptionError,
        `${call}(${JSON.stringify(filter)})`,
      );
    }
  }
  assert.throws(() => normalizeInterface(3 as never), OptionError);
  assert.throws(() => new ServiceCatalog(null as never), OptionError);
});

Deno.test("ServiceCatalog: empty strings are unset; empty URLs are skipped", () => {
  const catalog = ServiceCatalog.fromV3([
    {
      type: "compute",
      name: "nova",
      endpoints: [
        { interface: "public", region_id: "R1", url: "" },
        { interface: "public", region_id: "R1", url: "http://127.0.0.1:8774/v2.1" },
      ],
    },
    // no name or id: a serviceName/serviceId filter does not exclude it (keystoneauth1)
    { type: "image", endpoints: [{ interface: "public", url: "http://127.0.0.1:9292" }] },
  ]);
  const compute = "http://127.0.0.1:8774/v2.1";
  assert.equal(catalog.urlFor({ serviceType: "compute", regionName: "" }), compute);
  assert.equal(catalog.urlFor({ serviceType: "compute", interface: "" }), compute);
  assert.equal(catalog.urlFor({ serviceType: "compute", serviceName: "", serviceId: "" }), compute);
  assert.deepEqual(catalog.urlsFor({ serviceType: "compute" }), [compute]);
  assert.equal(
    catalog.urlFor({ serviceType: "image", serviceName: "glance" }),
    "http://127.0.0.1:9292",
  );
  assert.equal(catalog.urlFor({ serviceType: "image", serviceId: "x" }), "http://127.0.0.1:9292");
  assert.throws(
    () => catalog.urlFor({ serviceType: "compute", serviceName: "other" }),
    EndpointNotFound,
  );
  // A service type named like an Object.prototype member is just an unknown type.
  for (const type of ["constructor", "toString", "__proto__"]) {
    assert.throws(() => catalog.urlFor({ serviceType: type }), EndpointNotFound);
  }
  const odd = ServiceCatalog.fromV3([
    { type: "constructor", endpoints: [{ interface: "public", url: "http://127.0.0.1:1/c" }] },
  ]);
  assert.equal(odd.urlFor({ serviceType: "constructor" }), "http://127.0.0.1:1/c");
});

Deno.test("ServiceCatalog: several alias types registered: the requested one, then registry order", () => {
  const ep = (url: string) => [{ interface: "public", url }];
  const catalog = ServiceCatalog.fromV3([
    { type: "volume", endpoints: ep("http://127.0.0.1:8776/v1") },
    { type: "volumev2", endpoints: ep("http://127.0.0.1:8776/v2") },
    { type: "volumev3", endpoints: ep("http://127.0.0.1:8776/v3") },
  ]);
  assert.equal(catalog.urlFor({ serviceType: "volumev2" }), "http://127.0.0.1:8776/v2");
  assert.equal(catalog.urlFor({ serviceType: "volume" }), "http://127.0.0.1:8776/v1");
  // block-storage's registry order: block-storage, volumev3, volumev2, volume, block-store
  assert.deepEqual(catalog.urlsFor({ serviceType: "block-storage" }), ["http://127.0.0.1:8776/v3"]);
  const onlyV3 = ServiceCatalog.fromV3([{
    type: "volumev3",
    endpoints: ep("http://127.0.0.1:8776/v3"),
  }]);
  // issue #11: a volumev2 filter must not send v2 calls to the v3 API
  assert.throws(() => onlyV3.urlFor({ serviceType: "volumev2" }), EndpointNotFound);
  assert.equal(onlyV3.endpointsFor({ serviceType: "block-storage" })[0]?.serviceType, "volumev3");
});

import assert from "node:assert/strict";
import {
  EndpointData,
  negotiateMicroversion,
  OptionError,
  VersionNotAvailable,
} from "../../mod.ts";
import {
  legacyMicroversionHeaders,
  microversionHeaders,
  microversionServiceName,
  normalizeMicroversion,
} from "../../src/discovery/mod.ts";

Deno.test("microversion headers per service, as keystoneauth1 sends them", async (t) => {
  const cases: [string, string, Record<string, string>][] = [
    ["compute", "2.79", {
      "OpenStack-API-Version": "compute 2.79",
      "X-OpenStack-Nova-API-Version": "2.79",
    }],
    ["baremetal", "1.87", {
      "OpenStack-API-Version": "baremetal 1.87",
      "X-OpenStack-Ironic-API-Version": "1.87",
    }],
    ["bare-metal", "1.87", {
      "OpenStack-API-Version": "baremetal 1.87",
      "X-OpenStack-Ironic-API-Version": "1.87",
    }],
    ["shared-file-system", "2.65", {
      "OpenStack-API-Version": "shared-file-system 2.65",
      "X-OpenStack-Manila-API-Version": "2.65",
    }],
    ["sharev2", "2.65", {
      "OpenStack-API-Version": "shared-file-system 2.65",
      "X-OpenStack-Manila-API-Version": "2.65",
    }],
    ["block-storage", "3.70", { "OpenStack-API-Version": "volume 3.70" }],
    ["volumev3", "3.70", { "OpenStack-API-Version": "volume 3.70" }],
    ["volume", "3.0", { "OpenStack-API-Version": "volume 3.0" }],
    ["container-infra", "1.11", { "OpenStack-API-Version": "container-infra 1.11" }],
    ["container-infrastructure-management", "1.11", {
      "OpenStack-API-Version": "container-infra 1.11",
    }],
    ["placement", "1.39", { "OpenStack-API-Version": "placement 1.39" }],
    ["placement", "latest", { "OpenStack-API-Version": "placement latest" }],
    ["baremetal-introspection", "1.18", {
      "OpenStack-API-Version": "baremetal-introspection 1.18",
      "X-OpenStack-Ironic-Inspector-API-Version": "1.18",
    }],
  ];
  for (const [type, version, expected] of cases) {
    await t.step(`${type} ${version}`, () => {
      assert.deepEqual(microversionHeaders(type, version), expected);
    });
  }
  await t.step("names and legacy headers", () => {
    assert.equal(microversionServiceName("volumev2"), "volume");
    assert.equal(microversionServiceName("share"), "shared-file-system");
    assert.deepEqual(legacyMicroversionHeaders("image"), []);
    assert.throws(() => microversionServiceName(""), OptionError);
  });
  await t.step("versions are normalised and validated", () => {
    assert.equal(normalizeMicroversion("v2.79"), "2.79");
    assert.equal(normalizeMicroversion("2"), "2.0");
    assert.equal(normalizeMicroversion("latest"), "latest");
    assert.throws(() => normalizeMicroversion("2.latest"), /not allowed/);
    assert.throws(() => normalizeMicroversion("abc"), OptionError);
    assert.throws(() => normalizeMicroversion(7 as never), OptionError);
    assert.throws(() => microversionHeaders("compute", "two"), OptionError);
  });
});

Deno.test("negotiateMicroversion picks the highest common microversion", async (t) => {
  const placement = new EndpointData({
    catalogUrl: "http://127.0.0.1:8778/",
    minMicroversion: "1.0",
    maxMicroversion: "1.39",
    serviceType: "placement",
  });
  await t.step("ranges", () => {
    assert.equal(negotiateMicroversion({ min: "1.10", max: "1.50" }, placement), "1.39");
    assert.equal(negotiateMicroversion({ min: "1.0", max: "1.20" }, placement), "1.20");
    assert.equal(negotiateMicroversion({}, placement), "1.39");
    assert.equal(negotiateMicroversion({ max: "latest" }, placement), "1.39");
    assert.equal(negotiateMicroversion({ min: "latest" }, placement), "1.39");
    assert.equal(negotiateMicroversion({ max: "1.5" }, placement), "1.5");
  });
  await t.step("lists", () => {
    assert.equal(negotiateMicroversion(["1.2", "1.26", "1.40"], placement), "1.26");
    assert.equal(negotiateMicroversion(["latest"], placement), "1.39");
  });
  await t.step("plain objects work as the server side", () => {
    assert.equal(
      negotiateMicroversion({ max: "2.90" }, { minMicroversion: "2.1", maxMicroversion: "2.95" }),
      "2.90",
    );
    assert.equal(
      negotiateMicroversion({ min: "2.3" }, { minMicroversion: undefined, maxMicroversion: "2.5" }),
      "2.5",
    );
  });
  await t.step("no overlap: VersionNotAvailable naming both ranges", () => {
    assert.throws(() => negotiateMicroversion({ min: "1.40", max: "1.50" }, placement), (e) => {
      assert.ok(e instanceof VersionNotAvailable);
      assert.match(
        e.message,
        /client supports 1\.40 - 1\.50; placement at http:\/\/127\.0\.0\.1:8778\/ supports 1\.0 - 1\.39/,
      );
      return true;
    });
    assert.throws(
      () => negotiateMicroversion({ min: "2.1", max: "2.90" }, placement),
      VersionNotAvailable,
    );
    assert.throws(
      () => negotiateMicroversion(["2.1", "1.40"], placement),
      /client supports 2\.1, 1\.40/,
    );
  });
  await t.step("a service without microversions", () => {
    const plain = new EndpointData({
      catalogUrl: "http://127.0.0.1:9292/v2/",
      serviceType: "image",
    });
    assert.throws(
      () => negotiateMicroversion({ max: "2.5" }, plain),
      /does not advertise microversions/,
    );
    assert.throws(
      () => negotiateMicroversion({}, { minMicroversion: undefined, maxMicroversion: undefined }),
      /the service does not advertise/,
    );
  });
  await t.step("malformed client input: OptionError", () => {
    assert.throws(() => negotiateMicroversion({ min: "1.5", max: "1.2" }, placement), OptionError);
    assert.throws(() => negotiateMicroversion({ max: "1.x" }, placement), OptionError);
    assert.throws(() => negotiateMicroversion({ max: "1.latest" }, placement), OptionError);
    assert.throws(() => negotiateMicroversion([], placement), /empty/);
    assert.throws(() => negotiateMicroversion([3 as never], placement), OptionError);
    assert.throws(() => negotiateMicroversion(null as never, placement), OptionError);
    assert.throws(() => negotiateMicroversion({}, null as never), OptionError);
  });
});

Deno.test("EndpointData helpers", () => {
  const data = new EndpointData({
    catalogUrl: "http://127.0.0.1:8774/v2.1/p1",
    apiVersion: [2, 1],
    minMicroversion: "2.1",
    maxMicroversion: "2.95",
    serviceType: "compute",
  });
  assert.equal(data.serviceUrl, data.catalogUrl);
  assert.equal(data.url, data.catalogUrl);
  assert.ok(data.hasMicroversions);
  assert.ok(data.supportsMicroversion("2.79"));
  assert.ok(data.supportsMicroversion("latest"));
  assert.ok(!data.supportsMicroversion("2.96"));
  assert.ok(!data.supportsMicroversion("x"));
  assert.equal(data.compareApiVersion("2.1"), 0);
  assert.ok(data.compareApiVersion("3")! < 0);
  assert.equal(data.compareApiVersion("x"), undefined);
  const plain = new EndpointData({ catalogUrl: "http://127.0.0.1:1/" });
  assert.ok(!plain.hasMicroversions);
  assert.ok(!plain.supportsMicroversion("1.0"));
  assert.equal(plain.compareApiVersion("1"), undefined);
  assert.deepEqual(JSON.parse(JSON.stringify(data)), {
    catalogUrl: "http://127.0.0.1:8774/v2.1/p1",
    serviceUrl: "http://127.0.0.1:8774/v2.1/p1",
    apiVersion: [2, 1],
    minMicroversion: "2.1",
    maxMicroversion: "2.95",
    serviceType: "compute",
  });
});

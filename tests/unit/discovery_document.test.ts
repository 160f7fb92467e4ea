import assert from "node:assert/strict";
import { DiscoveryFailure } from "../../mod.ts";
import {
  LATEST,
  normalizeStatus,
  resolveVersionUrl,
  VersionDocument,
} from "../../src/discovery/mod.ts";
import { extractVersionEntries } from "../../src/discovery/document.ts";

const KEYSTONE = {
  versions: {
    values: [
      {
        id: "v3.14",
        status: "stable",
        updated: "2020-04-07T00:00:00Z",
        links: [{ rel: "self", href: "http://127.0.0.1:5000/v3/" }],
      },
      {
        id: "v2.0",
        status: "deprecated",
        links: [{ rel: "self", href: "http://127.0.0.1:5000/v2.0/" }, { rel: "describedby" }],
      },
    ],
  },
};

const NOVA = {
  versions: [
    {
      id: "v2.0",
      status: "SUPPORTED",
      version: "",
      min_version: "",
      links: [{ rel: "self", href: "http://127.0.0.1:8774/v2/" }],
    },
    {
      id: "v2.1",
      status: "CURRENT",
      version: "2.95",
      min_version: "2.1",
      links: [{ rel: "self", href: "http://127.0.0.1:8774/v2.1/" }],
    },
  ],
};

const PLACEMENT = {
  versions: [{
    id: "v1.0",
    max_version: "1.39",
    min_version: "1.0",
    status: "CURRENT",
    links: [{ rel: "self", href: "" }],
  }],
};

Deno.test("VersionDocument.parse: every document shape", async (t) => {
  await t.step("Keystone {versions: {values}}", () => {
    const doc = VersionDocument.parse(KEYSTONE, "http://127.0.0.1:5000/");
    assert.deepEqual(doc.versions.map((v) => v.id), ["v3.14", "v2.0"]);
    const [v3, v2] = doc.versions;
    assert.deepEqual(v3!.version, [3, 14]);
    assert.equal(v3!.status, "CURRENT");
    assert.equal(v3!.rawStatus, "stable");
    assert.equal(v3!.url, "http://127.0.0.1:5000/v3/");
    assert.equal(v3!.maxMicroversion, undefined);
    assert.equal(v2!.status, "DEPRECATED");
    assert.equal(doc.describe(), "v2.0 (deprecated), v3.14 (stable)");
  });
  await t.step("Nova {versions: [...]}, empty microversion fields ignored", () => {
    const doc = VersionDocument.parse(NOVA, "http://127.0.0.1:8774");
    const [v21, v20] = doc.versions;
    assert.deepEqual(v21!.version, [2, 1]);
    assert.deepEqual(v21!.minMicroversion, [2, 1]);
    assert.deepEqual(v21!.maxMicroversion, [2, 95]);
    assert.equal(v20!.minMicroversion, undefined);
    assert.equal(v20!.maxMicroversion, undefined);
    assert.equal(v20!.status, "SUPPORTED");
  });
  await t.step("Placement: max_version wins, empty href is the document URL", () => {
    const doc = VersionDocument.parse(PLACEMENT, "http://127.0.0.1:8778/placement");
    const v = doc.versions[0]!;
    assert.equal(v.url, "http://127.0.0.1:8778/placement/");
    assert.deepEqual(v.minMicroversion, [1, 0]);
    assert.deepEqual(v.maxMicroversion, [1, 39]);
  });
  await t.step("single {version: {...}}", () => {
    const doc = VersionDocument.parse(
      { version: { ...NOVA.versions[1], next_min_version: "2.5", not_before: "2030-01-01" } },
      "http://127.0.0.1:8774/v2.1",
    );
    assert.equal(doc.versions.length, 1);
    assert.deepEqual(doc.versions[0]!.nextMinVersion, [2, 5]);
    assert.equal(doc.versions[0]!.notBefore, "2030-01-01");
  });
  await t.step("old Ironic: bare version with microversions in headers", () => {
    const headers = new Headers({
      "X-OpenStack-Ironic-API-Minimum-Version": "1.1",
      "X-OpenStack-Ironic-API-Maximum-Version": "1.87",
      "X-Other": "x",
    });
    const doc = VersionDocument.parse(
      { id: "v1", links: [{ rel: "self", href: "http://127.0.0.1:6385/v1/" }] },
      "http://127.0.0.1:6385/v1",
      { headers },
    );
    const v = doc.versions[0]!;
    assert.equal(v.status, "CURRENT");
    assert.deepEqual(v.minMicroversion, [1, 1]);
    assert.deepEqual(v.maxMicroversion, [1, 87]);
  });
  await t.step("collection links and max_version over version", () => {
    const doc = VersionDocument.parse(
      {
        versions: [{
          id: "v2.3",
          status: "STABLE",
          version: "2.1",
          max_version: "2.7",
          links: [
            { rel: "collection", href: "http://127.0.0.1:9696/" },
            { rel: "self", href: "http://127.0.0.1:9696/v2.3" },
          ],
        }],
      },
      "http://127.0.0.1:9696/",
    );
    assert.equal(doc.versions[0]!.collectionUrl, "http://127.0.0.1:9696/");
    assert.deepEqual(doc.versions[0]!.maxMicroversion, [2, 7]);
  });
  await t.step("invalid entries are skipped, the rest kept", () => {
    const logs: string[] = [];
    const doc = VersionDocument.parse(
      {
        versions: [
          "nonsense",
          { id: "v1", links: [{ rel: "self", href: "/v1" }] }, // no status
          { id: "one", status: "CURRENT", links: [{ rel: "self", href: "/x" }] }, // bad id
          { id: "v2", status: "CURRENT" }, // no links
          { id: "v3", status: "CURRENT", links: [{ rel: "describedby", href: "/d" }, 7] },
          { id: "v4", status: "CURRENT", links: [{ rel: "self", href: "http://[bad" }] },
          { id: "v5", status: "CURRENT", links: [{ rel: "self", href: "v5/" }] },
        ],
      },
      "http://127.0.0.1:1/svc",
      { logger: { debug: (m: string) => logs.push(m) } },
    );
    assert.deepEqual(doc.versions.map((v) => v.id), ["v5"]);
    assert.equal(doc.versions[0]!.url, "http://127.0.0.1:1/svc/v5/");
    assert.equal(logs.length, 6);
  });
  await t.step("not version documents throw DiscoveryFailure", () => {
    assert.throws(() => VersionDocument.parse([], "http://127.0.0.1:1/"), /list was returned/);
    assert.throws(() => VersionDocument.parse({ error: "x" }, "http://127.0.0.1:1/"), (e) => {
      assert.ok(e instanceof DiscoveryFailure);
      assert.match(e.message, /Invalid version document: \{"error":"x"\}/);
      return true;
    });
    assert.throws(() => VersionDocument.parse("text", "http://127.0.0.1:1/"), DiscoveryFailure);
    assert.throws(() => extractVersionEntries(null), DiscoveryFailure);
    const long = { x: "y".repeat(200) };
    assert.throws(() => extractVersionEntries(long), /\.\.\.$/);
  });
});

Deno.test("normalizeStatus", () => {
  assert.equal(normalizeStatus("stable"), "CURRENT");
  assert.equal(normalizeStatus("current"), "CURRENT");
  assert.equal(normalizeStatus("Supported"), "SUPPORTED");
  assert.equal(normalizeStatus("DEPRECATED"), "DEPRECATED");
  assert.equal(normalizeStatus("experimental"), "EXPERIMENTAL");
  assert.equal(normalizeStatus("beta"), "UNKNOWN");
});

Deno.test("resolveVersionUrl", () => {
  assert.equal(
    resolveVersionUrl("http://127.0.0.1:1/compute", "v2.1/"),
    "http://127.0.0.1:1/compute/v2.1/",
  );
  assert.equal(
    resolveVersionUrl("http://127.0.0.1:1/compute/", "/v2.1"),
    "http://127.0.0.1:1/v2.1",
  );
  assert.equal(resolveVersionUrl("http://127.0.0.1:1/", ""), "http://127.0.0.1:1/");
  // Another host (a proxy's internal name): keep the document's scheme and host.
  assert.equal(
    resolveVersionUrl("https://127.0.0.1:8443/compute", "http://nova:8774/v2.1/"),
    "https://127.0.0.1:8443/compute/v2.1/",
  );
  assert.equal(
    resolveVersionUrl("https://127.0.0.1:8443/compute/v2.1", "http://nova:8774/v2.1"),
    "https://127.0.0.1:8443/compute/v2.1",
  );
  assert.equal(
    resolveVersionUrl("http://127.0.0.1:1/img", "http://glance:9292/v2/?a=1"),
    "http://127.0.0.1:1/img/v2/?a=1",
  );
});

Deno.test("VersionDocument.select", async (t) => {
  const doc = VersionDocument.parse(
    {
      versions: [
        { id: "v1.0", status: "DEPRECATED", links: [{ rel: "self", href: "v1/" }] },
        { id: "v2.0", status: "SUPPORTED", links: [{ rel: "self", href: "v2/" }] },
        { id: "v2.1", status: "CURRENT", links: [{ rel: "self", href: "v2.1/" }] },
        { id: "v3.0", status: "EXPERIMENTAL", links: [{ rel: "self", href: "v3/" }] },
        { id: "v4.0", status: "alpha", links: [{ rel: "self", href: "v4/" }] },
      ],
    },
    "http://127.0.0.1:1/",
  );
  const pick = (min?: number[], max?: number[], extra = {}) =>
    doc.select({ bounds: { min, max }, ...extra })?.id;
  await t.step("newest current by default; latest", () => {
    assert.equal(pick(), "v2.1");
    assert.equal(pick([LATEST, LATEST], [LATEST, LATEST]), "v2.1");
    assert.equal(pick(undefined, [LATEST, LATEST]), "v2.1");
    assert.equal(pick([2, LATEST], [2, LATEST]), "v2.1");
  });
  await t.step("bounds", () => {
    assert.equal(pick([2, 0], [2, LATEST]), "v2.1");
    assert.equal(pick([2, 0], [2, 0]), "v2.0");
    assert.equal(pick([1, 0], [1, LATEST]), "v1.0", "deprecated allowed by default");
    assert.equal(pick([1, 0], [1, LATEST], { allowDeprecated: false }), undefined);
    assert.equal(pick(undefined, [1, 5]), "v1.0");
  });
  await t.step("experimental and unknown need opting in", () => {
    assert.equal(pick([3, 0], [3, LATEST]), undefined);
    assert.equal(pick([3, 0], [3, LATEST], { allowExperimental: true }), "v3.0");
    assert.equal(pick([4, 0], [4, LATEST]), undefined);
    assert.equal(pick([4, 0], [4, LATEST], { allowUnknown: true }), "v4.0");
    assert.equal(pick([LATEST, LATEST], [LATEST, LATEST], { allowUnknown: true }), "v4.0");
  });
  await t.step("no bounds: the version at the catalog URL, else the newest", () => {
    assert.equal(
      doc.select({ bounds: { min: undefined, max: undefined }, url: "http://127.0.0.1:1/v2" })?.id,
      "v2.0",
    );
    assert.equal(
      doc.select({ bounds: { min: undefined, max: undefined }, url: "http://127.0.0.1:1/x" })?.id,
      "v2.1",
    );
    assert.equal(
      new VersionDocument("http://127.0.0.1:1/", []).select({
        bounds: { min: undefined, max: undefined },
      }),
      undefined,
    );
    assert.equal(new VersionDocument("http://127.0.0.1:1/", []).describe(), "no usable versions");
  });
});

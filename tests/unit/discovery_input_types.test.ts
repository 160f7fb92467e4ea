/**
 * Every function and constructor of the catalog, discovery, endpoint and
 * Adapter modules, called with arguments of a wrong JavaScript type (null,
 * undefined, numbers, strings, objects, arrays, booleans): each either
 * answers or throws an OsAuthError (OptionError for bad input), never a raw
 * TypeError (issue #11).
 */
import assert from "node:assert/strict";
import * as root from "../../mod.ts";
import * as discovery from "../../src/discovery/mod.ts";
const m = { ...root, ...discovery };
const bad: unknown[] = [null, undefined, 5, "x", {}, [], true, { serviceType: 5 }];
const fns: Record<string, (a: unknown, b?: unknown) => unknown> = {
  normalizeInterface: (a) => m.normalizeInterface(a as never),
  allServiceTypes: (a) => m.allServiceTypes(a as never),
  officialServiceType: (a) => m.officialServiceType(a as never),
  parseVersion: (a) => m.parseVersion(a as never),
  tryParseVersion: (a) => m.tryParseVersion(a as never),
  versionToString: (a) => m.versionToString(a as never),
  compareVersions: (a) => m.compareVersions(a as never, [1, 0]),
  versionBetween: (a) => m.versionBetween(a as never, undefined, [1, 0]),
  versionMatch: (a) => m.versionMatch(a as never, [1, 0]),
  versionFromUrl: (a) => m.versionFromUrl(a as never),
  normalizeVersionBounds: (a) => m.normalizeVersionBounds(a as never),
  normalizeStatus: (a) => m.normalizeStatus(a as never),
  resolveVersionUrl: (a) => m.resolveVersionUrl(a as never, "x"),
  resolveVersionUrl2: (a) => m.resolveVersionUrl("http://h/", a as never),
  VersionDocumentParse: (a) => m.VersionDocument.parse(a, "http://h/"),
  VersionDocumentParseUrl: (a) => m.VersionDocument.parse({ versions: [] }, a as never),
  discoveryPlan: (a) => m.discoveryPlan(a as never),
  discoveryPlan2: (a) => m.discoveryPlan("http://h/v2", a as never),
  EndpointData: (a) => new m.EndpointData(a as never),
  microversionHeaders: (a) => m.microversionHeaders(a as never, "2.1"),
  microversionHeaders2: (a) => m.microversionHeaders("compute", a as never),
  normalizeMicroversion: (a) => m.normalizeMicroversion(a as never),
  legacyMicroversionHeaders: (a) => m.legacyMicroversionHeaders(a as never),
  microversionServiceName: (a) => m.microversionServiceName(a as never),
  negotiate: (a) =>
    m.negotiateMicroversion(
      a as never,
      new m.EndpointData({
        catalogUrl: "http://h",
        maxMicroversion: "2.5",
        minMicroversion: "2.1",
      }),
    ),
  negotiate2: (a) => m.negotiateMicroversion({ min: "2.1", max: "2.3" }, a as never),
  catalogFromToken: (a) => m.ServiceCatalog.fromToken(a),
  catalogFromV3: (a) => m.ServiceCatalog.fromV3(a),
  catalogFromV2: (a) => m.ServiceCatalog.fromV2(a),
  catalogNew: (a) => new m.ServiceCatalog(a as never),
  catalogNewItems: (a) => new m.ServiceCatalog([a as never]).urlFor({ serviceType: "x" }),
  urlFor: (a) => m.ServiceCatalog.fromV3([]).urlFor(a as never),
  describeMiss: (a) => m.ServiceCatalog.fromV3([]).describeMiss(a as never),
  adapterNew: (a) => new m.Adapter(new m.Session(), a as never),
};
// Port 1 on loopback: a request that gets through fails at once (ConnectFailure).
const sess = new m.Session({
  auth: new m.TokenEndpoint({ endpoint: "http://127.0.0.1:1", token: "t" }),
});
const asyncFns: Record<string, (a: unknown) => Promise<unknown>> = {
  getEndpoint: (a) => sess.getEndpoint(a as never),
  getEndpointData: (a) => sess.getEndpointData(a as never),
  getEndpointDataFn: (a) => m.getEndpointData(sess, { serviceType: "x" }, undefined, a as never),
  fetchVersionDocument: (a) => m.fetchVersionDocument(sess, a as never),
  reqFilter: (a) => sess.get("/x", { endpointFilter: a as never }),
  reqOverride: (a) => sess.get("/x", { endpointOverride: a as never }),
  adapterGet: (a) => new m.Adapter(sess, { serviceType: "compute" }).get(a as never),
};
Deno.test("catalog, discovery and Adapter: wrong argument types are OsAuthErrors, never TypeErrors", async () => {
  const raw: string[] = [];
  const note = (name: string, a: unknown, e: unknown) => {
    if (!(e instanceof m.OsAuthError)) {
      raw.push(
        `${name}(${JSON.stringify(a) ?? String(a)}): ${(e as Error)?.constructor?.name} ${e}`,
      );
    }
  };
  for (const [name, f] of Object.entries(fns)) {
    for (const a of bad) {
      try {
        f(a);
      } catch (e) {
        note(name, a, e);
      }
    }
  }
  for (const [name, f] of Object.entries(asyncFns)) {
    for (const a of bad) {
      try {
        await f(a);
      } catch (e) {
        note(name, a, e);
      }
    }
  }
  assert.deepEqual(raw, []);
});

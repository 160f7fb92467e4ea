/**
 * Seeded random differential: ServiceCatalog against keystoneauth1's
 * ServiceCatalogV3/V2 (scripts/catalog_differential.py runs the python side,
 * every case in one process). Random v3 and v2 catalogs (alias types side by
 * side, services without names or ids, empty URLs, region_id/region mixes)
 * and random filters (service type incl. aliases and prototype names,
 * interface strings and lists, region, service name and id, endpoint id):
 * urlsFor against get_urls, urlFor/endpointsFor[0] against endpoint_data_for.
 *
 * A failure prints the seed; OSAUTH_DIFF_SEED=<seed> reruns exactly those
 * cases, OSAUTH_DIFF_CASES=<n> changes how many. Allowed differences, each in
 * docs/DIFFERENCES.md: D-catalog-interface-default (an interface of "" is
 * public), D-catalog-alias-fallback (where keystoneauth1 raises "Programming
 * error", see the script).
 */
import assert from "node:assert/strict";
import { type EndpointFilter, ServiceCatalog } from "../../mod.ts";
import { diffCases, diffSeed, keystoneauthTest, Rng, runPythonJson } from "./_differential.ts";

const TYPES = [
  "compute",
  "compute",
  "identity",
  "image",
  "network",
  "placement",
  "object-store",
  "block-storage",
  "block-storage",
  "volumev3",
  "volumev3",
  "volumev2",
  "volumev2",
  "volume",
  "block-store",
  "block_storage",
  "shared-file-system",
  "sharev2",
  "share",
  "baremetal",
  "bare-metal",
  "application_deployment",
  "application-deployment",
  "my-service",
  "my_service",
  "constructor",
  "toString",
];
const FILTER_TYPES = [...TYPES, "hasOwnProperty", "__proto__", "valueOf", "nothing-here"];
const INTERFACES = ["public", "internal", "admin"];
const FILTER_INTERFACES = [
  "public",
  "internal",
  "admin",
  "publicURL",
  "internalURL",
  "adminURL",
  "private",
];
const REGIONS = ["R1", "R2", "RegionOne"];
const NAMES = ["nova", "cinder", "cinderv3", "glance", "svc"];

interface Case {
  id: number;
  kind: "v3" | "v2";
  catalog: unknown[];
  filter: EndpointFilter;
}

interface PyEndpoint {
  url: string;
  service_type: string;
  service_name: string | null;
  service_id: string | null;
  interface: string;
  region_name: string | null;
  endpoint_id: string | null;
}

interface PyResult {
  id: number;
  urls: string[] | null;
  urls_error?: string;
  first: PyEndpoint | null;
  error?: string;
  fallback: boolean;
}

/** A value that is sometimes missing, null or empty: what real catalogs and tokens hold. */
function maybe(r: Rng, value: () => string): string | null | undefined {
  const x = r.next();
  if (x < 0.15) return undefined;
  if (x < 0.22) return null;
  if (x < 0.3) return "";
  return value();
}

function setOpt(obj: Record<string, unknown>, key: string, v: unknown): void {
  if (v !== undefined) obj[key] = v;
}

function generate(
  r: Rng,
  id: number,
): Case & { types: string[]; ids: string[]; serviceIds: string[] } {
  const kind = r.chance(0.7) ? "v3" : "v2";
  const ids: string[] = [];
  const serviceIds: string[] = [];
  const catalog: unknown[] = [];
  const services = r.int(0, 6);
  let n = 0;
  const url = () => (r.chance(0.05) ? "" : `http://127.0.0.1:${8000 + id % 1000}/e${n++}`);
  for (let s = 0; s < services; s++) {
    const service: Record<string, unknown> = { type: r.pick(TYPES) };
    setOpt(service, "name", maybe(r, () => r.pick(NAMES)));
    const sid = maybe(r, () => `s${r.int(0, 3)}`);
    setOpt(service, "id", sid);
    if (typeof sid === "string" && sid) serviceIds.push(sid);
    const endpoints: Record<string, unknown>[] = [];
    for (let e = r.int(0, 5); e > 0; e--) {
      const ep: Record<string, unknown> = {};
      const eid = maybe(r, () => `ep${r.int(0, 9)}`);
      setOpt(ep, "id", eid);
      if (typeof eid === "string" && eid) ids.push(eid);
      if (kind === "v3") {
        ep.interface = r.pick(INTERFACES);
        ep.url = url();
        const shape = r.int(0, 4);
        const region = () => r.pick(REGIONS);
        if (shape === 0) setOpt(ep, "region_id", maybe(r, region));
        else if (shape === 1) setOpt(ep, "region", maybe(r, region));
        else if (shape === 2) {
          const same = region();
          ep.region_id = same;
          ep.region = same;
        } else {
          setOpt(ep, "region_id", maybe(r, region));
          setOpt(ep, "region", maybe(r, region));
        }
      } else {
        setOpt(ep, "region", maybe(r, () => r.pick(REGIONS)));
        for (const i of r.sample(INTERFACES, r.int(1, 3))) ep[`${i}URL`] = url();
      }
      endpoints.push(ep);
    }
    if (!r.chance(0.05)) service.endpoints = endpoints;
    if (kind === "v2" && r.chance(0.5)) service.endpoints_links = [];
    catalog.push(service);
  }
  const types = catalog.map((s) => (s as { type: string }).type);
  return { id, kind, catalog, filter: {}, types, ids, serviceIds };
}

function generateFilter(
  r: Rng,
  types: string[],
  ids: string[],
  serviceIds: string[],
): EndpointFilter {
  const filter: Record<string, unknown> = {};
  if (!r.chance(0.1)) {
    filter.serviceType = r.chance(0.03)
      ? ""
      : types.length && r.chance(0.5)
      ? r.pick(types)
      : r.pick(FILTER_TYPES);
  }
  const x = r.next();
  if (x < 0.35) {
    // default: public
  } else if (x < 0.4) {
    filter.interface = "";
  } else if (x < 0.7) {
    filter.interface = r.pick(FILTER_INTERFACES);
  } else {
    const list = r.sample(FILTER_INTERFACES, r.int(1, 4));
    if (r.chance(0.05)) list.push(r.chance(0.5) ? "" : list[0]!);
    filter.interface = list;
  }
  if (r.chance(0.25)) filter.regionName = r.chance(0.15) ? "" : r.pick([...REGIONS, "R9"]);
  if (r.chance(0.2)) filter.serviceName = r.chance(0.15) ? "" : r.pick([...NAMES, "other"]);
  if (r.chance(0.15)) {
    filter.serviceId = serviceIds.length && r.chance(0.7) ? r.pick(serviceIds) : "s9";
  }
  if (r.chance(0.15)) filter.endpointId = ids.length && r.chance(0.8) ? r.pick(ids) : "ep-x";
  return filter as EndpointFilter;
}

/** keystoneauth1's keyword arguments for an osauth filter. */
function pyFilter(f: EndpointFilter): Record<string, unknown> {
  const kw: Record<string, unknown> = {};
  if (f.serviceType !== undefined) kw.service_type = f.serviceType;
  // D-catalog-interface-default: "" is public, as keystoneauth1's plugins pass it on.
  if (f.interface !== undefined) kw.interface = f.interface === "" ? "public" : f.interface;
  if (f.regionName !== undefined) kw.region_name = f.regionName;
  if (f.serviceName !== undefined) kw.service_name = f.serviceName;
  if (f.serviceId !== undefined) kw.service_id = f.serviceId;
  if (f.endpointId !== undefined) kw.endpoint_id = f.endpointId;
  return kw;
}

/** A v2 `publicURL` interface written as osauth writes it. */
function iface(name: string): string {
  return name.replace(/URL$/, "").toLowerCase();
}

interface Ours {
  urls: string[] | string;
  first: PyEndpoint | string;
}

function ours(c: Case): Ours {
  const catalog = c.kind === "v3"
    ? ServiceCatalog.fromV3(c.catalog)
    : ServiceCatalog.fromV2(c.catalog);
  let urls: string[] | string;
  try {
    urls = catalog.urlsFor(c.filter);
  } catch (e) {
    urls = (e as Error).constructor.name;
  }
  let first: PyEndpoint | string;
  try {
    const url = catalog.urlFor(c.filter);
    const again = catalog.urlFor(c.filter); // the memo's answer
    const ep = catalog.endpointsFor(c.filter)[0]!;
    assert.equal(again, url, "urlFor answers the same twice");
    assert.equal(ep.url, url, "urlFor is endpointsFor's first");
    first = {
      url,
      service_type: ep.serviceType,
      service_name: ep.serviceName ?? null,
      service_id: ep.serviceId ?? null,
      interface: ep.interface,
      region_name: ep.regionName ?? null,
      endpoint_id: ep.endpointId ?? null,
    };
  } catch (e) {
    if (e instanceof assert.AssertionError) throw e;
    first = (e as Error).constructor.name;
  }
  return { urls, first };
}

await keystoneauthTest(
  "catalog differential vs keystoneauth1: seeded random v3/v2 catalogs and filters",
  async () => {
    const seed = diffSeed();
    const r = new Rng(seed);
    const cases: Case[] = [];
    for (let id = 0; id < diffCases(4000); id++) {
      const c = generate(r, id);
      cases.push({
        id,
        kind: c.kind,
        catalog: c.catalog,
        filter: generateFilter(r, c.types, c.ids, c.serviceIds),
      });
    }
    const py = await runPythonJson("catalog_differential.py", {
      cases: cases.map((c) => ({ ...c, filter: pyFilter(c.filter) })),
    }) as { results: PyResult[] };
    assert.equal(py.results.length, cases.length);
    const failures: string[] = [];
    let differing = 0;
    let found = 0;
    let fallbacks = 0;
    for (const [i, c] of cases.entries()) {
      const theirs = py.results[i]!;
      const mine = ours(c);
      const want: Ours = {
        urls: theirs.urls ?? theirs.urls_error ?? "?",
        first: theirs.first
          ? { ...theirs.first, interface: iface(theirs.first.interface) }
          : theirs.error ?? "?",
      };
      if (theirs.first) found++;
      if (theirs.fallback) fallbacks++;
      try {
        assert.deepEqual(mine, want);
      } catch {
        differing++;
        if (failures.length < 5) {
          failures.push(
            `case ${c.id} (${c.kind}) filter ${JSON.stringify(c.filter)}\n  catalog ${
              JSON.stringify(c.catalog)
            }\n  keystoneauth1: ${JSON.stringify(want)}\n  osauth:        ${JSON.stringify(mine)}`,
          );
        }
      }
    }
    assert.ok(
      differing === 0,
      `catalog differential: ${differing} of ${cases.length} cases differ ` +
        `(seed ${seed}; rerun with OSAUTH_DIFF_SEED=${seed}):\n${failures.join("\n")}`,
    );
    // The generator must reach both outcomes, or the comparison says little.
    assert.ok(found > cases.length / 5 && found < cases.length * 0.9, `found ${found}`);
    // ... and the alias fallback (D-catalog-alias-fallback) is exercised too.
    assert.ok(fallbacks > 0 || cases.length < 1000, `fallbacks ${fallbacks}`);
  },
);

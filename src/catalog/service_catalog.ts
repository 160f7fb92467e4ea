/**
 * The service catalog of a token: which services exist and at which URLs.
 *
 * @example
 * ```ts
 * import { ServiceCatalog } from "./service_catalog.ts";
 * const catalog = ServiceCatalog.fromToken({
 *   token: {
 *     catalog: [{
 *       type: "compute", name: "nova", id: "c1",
 *       endpoints: [{ id: "e1", interface: "public", region: "RegionOne", url: "http://127.0.0.1:8774/v2.1" }],
 *     }],
 *   },
 * });
 * console.assert(catalog.urlFor({ serviceType: "compute" }) === "http://127.0.0.1:8774/v2.1");
 * ```
 *
 * @module
 */
import { EmptyCatalog, EndpointNotFound, OptionError } from "../errors.ts";
import type { EndpointFilter } from "../types.ts";
import { allServiceTypes } from "./service_types.ts";

/** One endpoint of the catalog, normalised from the v3 or v2 form. */
export interface CatalogEndpoint {
  /** Service type as registered (may be an alias such as `volumev3`). */
  serviceType: string;
  /** Service name (`nova`), if any. */
  serviceName?: string;
  /** Service id, if any. */
  serviceId?: string;
  /** `public`, `internal` or `admin`. */
  interface: string;
  /** The endpoint URL. */
  url: string;
  /** Region name (v3 `region_id`/`region`, v2 `region`). */
  regionName?: string;
  /** Endpoint id, if any. */
  endpointId?: string;
}

const V2_INTERFACES: Readonly<Record<string, string>> = {
  publicurl: "public",
  internalurl: "internal",
  adminurl: "admin",
};

/**
 * Normalises an interface name: `publicURL` -> `public`. Unknown names are
 * lower-cased and kept.
 */
export function normalizeInterface(name: string): string {
  const lower = name.toLowerCase();
  return V2_INTERFACES[lower] ?? lower;
}

function interfacesOf(filter: EndpointFilter): string[] {
  const raw = filter.interface ?? "public";
  const list = typeof raw === "string" ? [raw] : [...raw];
  if (list.length === 0) {
    throw new OptionError("interface must not be an empty list");
  }
  return list.map(normalizeInterface);
}

/**
 * A string naming every field of a filter urlFor looks at, each absent ("-")
 * or length-prefixed (so that no two filters share a key), or undefined when
 * a field is neither a string nor absent (such filters are not memoised).
 */
function filterKey(filter: EndpointFilter): string | undefined {
  const { serviceType, interface: i, regionName, serviceName, serviceId, endpointId } = filter;
  let key = "";
  for (const v of [serviceType, regionName, serviceName, serviceId, endpointId]) {
    if (v === undefined) key += "-";
    else if (typeof v === "string") key += `${v.length}:${v}`;
    else return undefined;
  }
  if (i === undefined) return `${key}-`;
  if (typeof i === "string") return `${key}${i.length}:${i}`;
  if (!Array.isArray(i)) return undefined;
  key += `[${i.length}]`;
  for (const x of i) {
    if (typeof x !== "string") return undefined;
    key += `${x.length}:${x}`;
  }
  return key;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function optString(v: unknown): string | undefined {
  return typeof v === "string" && v !== "" ? v : undefined;
}

/**
 * A service catalog, parsed from a v3 (`token.catalog`) or v2
 * (`access.serviceCatalog`) token body.
 */
export class ServiceCatalog {
  /** Every endpoint in the catalog (a frozen copy of the constructor's list). */
  readonly endpoints: readonly CatalogEndpoint[];
  /** Service type as registered -> its endpoints in catalog order, built on first use. */
  #byType: Map<string, CatalogEndpoint[]> | undefined;
  /** urlFor's answers by filter (see filterKey): a Session asks the same on every request. */
  #urls: Map<string, string> | undefined;

  /** Creates a catalog from normalised endpoints. */
  constructor(endpoints: readonly CatalogEndpoint[]) {
    this.endpoints = Object.freeze([...endpoints]);
  }

  #endpointsOfTypes(types: readonly string[]): readonly CatalogEndpoint[] {
    if (!this.#byType) {
      const index = new Map<string, CatalogEndpoint[]>();
      for (const ep of this.endpoints) {
        const list = index.get(ep.serviceType);
        if (list) list.push(ep);
        else index.set(ep.serviceType, [ep]);
      }
      this.#byType = index;
    }
    if (types.length === 1) return this.#byType.get(types[0] ?? "") ?? [];
    return types.flatMap((t) => this.#byType?.get(t) ?? []);
  }

  /**
   * Parses a token response body: v3 `{"token": {"catalog": [...]}}` or v2
   * `{"access": {"serviceCatalog": [...]}}`. A bare v3 catalog list (as
   * `GET /v3/auth/catalog` returns under `catalog`) is accepted too.
   */
  static fromToken(body: unknown): ServiceCatalog {
    if (isRecord(body)) {
      if (isRecord(body.token)) return ServiceCatalog.fromV3(body.token.catalog ?? []);
      if (isRecord(body.access)) return ServiceCatalog.fromV2(body.access.serviceCatalog ?? []);
      if (Array.isArray(body.catalog)) return ServiceCatalog.fromV3(body.catalog);
    }
    if (Array.isArray(body)) return ServiceCatalog.fromV3(body);
    throw new OptionError("not a v3 or v2 token body: expected a 'token' or 'access' key");
  }

  /** Parses a v3 catalog list. */
  static fromV3(catalog: unknown): ServiceCatalog {
    if (!Array.isArray(catalog)) throw new OptionError("v3 catalog must be a list");
    const out: CatalogEndpoint[] = [];
    for (const service of catalog) {
      if (!isRecord(service) || typeof service.type !== "string") continue;
      const endpoints = Array.isArray(service.endpoints) ? service.endpoints : [];
      for (const ep of endpoints) {
        if (!isRecord(ep) || typeof ep.url !== "string" || typeof ep.interface !== "string") {
          continue;
        }
        out.push({
          serviceType: service.type,
          serviceName: optString(service.name),
          serviceId: optString(service.id),
          interface: normalizeInterface(ep.interface),
          url: ep.url,
          regionName: optString(ep.region_id) ?? optString(ep.region),
          endpointId: optString(ep.id),
        });
      }
    }
    return new ServiceCatalog(out);
  }

  /** Parses a v2 `serviceCatalog` list. */
  static fromV2(catalog: unknown): ServiceCatalog {
    if (!Array.isArray(catalog)) throw new OptionError("v2 serviceCatalog must be a list");
    const out: CatalogEndpoint[] = [];
    for (const service of catalog) {
      if (!isRecord(service) || typeof service.type !== "string") continue;
      const endpoints = Array.isArray(service.endpoints) ? service.endpoints : [];
      for (const ep of endpoints) {
        if (!isRecord(ep)) continue;
        for (const [key, iface] of Object.entries(V2_INTERFACES)) {
          const url = Object.entries(ep).find(([k]) => k.toLowerCase() === key)?.[1];
          if (typeof url !== "string") continue;
          out.push({
            serviceType: service.type,
            serviceName: optString(service.name),
            serviceId: optString(service.id),
            interface: iface,
            url,
            regionName: optString(ep.region),
            endpointId: optString(ep.id),
          });
        }
      }
    }
    return new ServiceCatalog(out);
  }

  /**
   * The endpoints matching a filter, best first: by the filter's interface
   * order, then exact service type before aliases.
   */
  endpointsFor(filter: EndpointFilter = {}): CatalogEndpoint[] {
    const interfaces = interfacesOf(filter);
    const types = filter.serviceType ? allServiceTypes(filter.serviceType) : undefined;
    const matches: { ep: CatalogEndpoint; rank: number }[] = [];
    // Only the endpoints of the wanted types (by type, each in catalog order):
    // after the stable sort by rank the order is that of a full scan.
    for (const ep of types ? this.#endpointsOfTypes(types) : this.endpoints) {
      const ifaceRank = interfaces.indexOf(ep.interface);
      if (ifaceRank < 0) continue;
      let typeRank = 0;
      if (types) {
        typeRank = types.indexOf(ep.serviceType);
        if (typeRank < 0) continue;
      }
      if (filter.regionName !== undefined && ep.regionName !== filter.regionName) continue;
      if (filter.serviceName !== undefined && ep.serviceName !== filter.serviceName) continue;
      if (filter.serviceId !== undefined && ep.serviceId !== filter.serviceId) continue;
      if (filter.endpointId !== undefined && ep.endpointId !== filter.endpointId) continue;
      matches.push({ ep, rank: ifaceRank * 100 + typeRank });
    }
    return matches.sort((a, b) => a.rank - b.rank).map((m) => m.ep);
  }

  /** The URLs of every matching endpoint, best first. */
  urlsFor(filter: EndpointFilter = {}): string[] {
    return this.endpointsFor(filter).map((ep) => ep.url);
  }

  /**
   * The best matching URL. Throws {@linkcode EndpointNotFound} naming what the
   * catalog does have.
   */
  urlFor(filter: EndpointFilter = {}): string {
    const key = filterKey(filter);
    const known = key === undefined ? undefined : this.#urls?.get(key);
    if (known !== undefined) return known;
    const ep = this.endpointsFor(filter)[0];
    if (!ep) {
      const message = this.describeMiss(filter);
      throw this.endpoints.length === 0 ? new EmptyCatalog(message) : new EndpointNotFound(message);
    }
    if (key !== undefined) {
      this.#urls ??= new Map();
      if (this.#urls.size >= 1000) this.#urls.clear();
      this.#urls.set(key, ep.url);
    }
    return ep.url;
  }

  /** The catalog's service types, each with its interfaces and regions. */
  describe(): string {
    const byType = new Map<string, Set<string>>();
    for (const ep of this.endpoints) {
      const key = ep.serviceName ? `${ep.serviceType} (${ep.serviceName})` : ep.serviceType;
      const set = byType.get(key) ?? new Set<string>();
      set.add(ep.regionName ? `${ep.interface}@${ep.regionName}` : ep.interface);
      byType.set(key, set);
    }
    if (byType.size === 0) return "the catalog is empty";
    return [...byType].map(([k, v]) => `${k}: ${[...v].join(", ")}`).join("; ");
  }

  /** A message explaining why no endpoint matched `filter`. */
  describeMiss(filter: EndpointFilter): string {
    const wanted = Object.entries(filter)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join("|") : String(v)}`)
      .join(", ");
    return `no endpoint matches {${wanted}}; the catalog has: ${this.describe()}`;
  }
}

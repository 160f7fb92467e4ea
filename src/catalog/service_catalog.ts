/**
 * The service catalog of a token: which services exist and at which URLs.
 *
 * @example
 * ```ts
 * import { ServiceCatalog } from "jsr:@x/osauth";
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
import { ENDPOINT_FILTER_FIELDS, type EndpointFilter } from "../types.ts";
import { allServiceTypes, isKnownServiceType, serviceTypeMatches } from "./service_types.ts";

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
 * lower-cased and kept. Throws {@linkcode OptionError} when `name` is not a
 * string.
 */
export function normalizeInterface(name: string): string {
  if (typeof name !== "string") {
    throw new OptionError(`an interface must be a string, got ${describeType(name)}`);
  }
  const lower = name.toLowerCase();
  return Object.hasOwn(V2_INTERFACES, lower) ? V2_INTERFACES[lower]! : lower;
}

function describeType(v: unknown): string {
  if (v === null) return "null";
  return Array.isArray(v) ? "an array" : typeof v;
}

/** A filter checked and normalised: empty strings are "not set". */
interface CheckedFilter {
  serviceType: string | undefined;
  /** Normalised interfaces, best first (never empty). */
  interfaces: readonly string[];
  regionName: string | undefined;
  serviceName: string | undefined;
  serviceId: string | undefined;
  endpointId: string | undefined;
}

const DEFAULT_INTERFACES: readonly string[] = Object.freeze(["public"]);

function optionalField(filter: EndpointFilter, key: keyof EndpointFilter): string | undefined {
  const v = filter[key];
  if (v === undefined || v === "") return undefined;
  if (typeof v !== "string") {
    throw new OptionError(`endpoint filter ${key} must be a string, got ${describeType(v)}`);
  }
  return v;
}

/**
 * Checks a filter: an object whose fields are strings (`interface` a string
 * or a non-empty list of strings). An empty string is "not set", as in
 * keystoneauth1; no interface (or `""`) is `public`, as keystoneauth1's
 * plugins ask for.
 */
function checkFilter(filter: unknown): CheckedFilter {
  if (filter === undefined) filter = {};
  if (typeof filter !== "object" || filter === null || Array.isArray(filter)) {
    throw new OptionError(`an endpoint filter must be an object, got ${describeType(filter)}`);
  }
  const f = filter as EndpointFilter;
  const raw: unknown = f.interface;
  let interfaces: readonly string[];
  if (raw === undefined || raw === "") {
    interfaces = DEFAULT_INTERFACES;
  } else if (typeof raw === "string") {
    interfaces = [normalizeInterface(raw)];
  } else if (Array.isArray(raw)) {
    if (raw.length === 0) throw new OptionError("interface must not be an empty list");
    interfaces = raw.map((i: unknown) => {
      if (typeof i !== "string") {
        throw new OptionError(`interface list entries must be strings, got ${describeType(i)}`);
      }
      return normalizeInterface(i);
    });
  } else {
    throw new OptionError(
      `interface must be a string or a list of strings, got ${describeType(raw)}`,
    );
  }
  return {
    serviceType: optionalField(f, "serviceType"),
    interfaces,
    regionName: optionalField(f, "regionName"),
    serviceName: optionalField(f, "serviceName"),
    serviceId: optionalField(f, "serviceId"),
    endpointId: optionalField(f, "endpointId"),
  };
}

/**
 * A string naming every field of a filter urlFor looks at, each absent ("-")
 * or length-prefixed (so that no two filters share a key), or undefined when
 * a field is neither a string nor absent (such filters are not memoised).
 */
function filterKey(filter: EndpointFilter): string | undefined {
  let key = "";
  for (const field of ENDPOINT_FILTER_FIELDS) {
    const v = filter[field];
    if (v === undefined) key += "-";
    else if (typeof v === "string") key += `${v.length}:${v}`;
    else if (field !== "interface" || !Array.isArray(v)) return undefined;
    else {
      key += `[${v.length}]`;
      for (const x of v) {
        if (typeof x !== "string") return undefined;
        key += `${x.length}:${x}`;
      }
    }
  }
  return key;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function optString(v: unknown): string | undefined {
  return typeof v === "string" && v !== "" ? v : undefined;
}

/** A service of the catalog: its type, name and id. */
interface ServiceRef {
  serviceType: string;
  serviceName?: string;
  serviceId?: string;
}

/**
 * The services of a parsed catalog in catalog order, those without endpoints
 * included: keystoneauth1 orders the types it returns by the first service of
 * each, and raises EmptyCatalog only when there are none.
 */
const SERVICES = new WeakMap<ServiceCatalog, readonly ServiceRef[]>();

function withServices(catalog: ServiceCatalog, services: ServiceRef[]): ServiceCatalog {
  SERVICES.set(catalog, services);
  return catalog;
}

function serviceRef(service: Record<string, unknown> & { type: string }): ServiceRef {
  return {
    serviceType: service.type,
    serviceName: optString(service.name),
    serviceId: optString(service.id),
  };
}

/**
 * A service catalog, parsed from a v3 (`token.catalog`) or v2
 * (`access.serviceCatalog`) token body.
 *
 * Endpoints are chosen as keystoneauth1's `ServiceCatalog` chooses them:
 * the services whose type matches the filter (an alias matches its official
 * type and itself, never another alias), name and id (a service without a
 * name or id in the catalog is not excluded by those), each type keeping the
 * endpoints of its best interface; when several types match a known
 * requested type, the exact requested type wins, then the others in the
 * registry's order. Endpoints with an empty URL are skipped.
 */
export class ServiceCatalog {
  /** Every endpoint in the catalog (a frozen copy of the constructor's list). */
  readonly endpoints: readonly CatalogEndpoint[];
  /** Service type as registered -> its endpoints in catalog order, built on first use. */
  #byType: Map<string, CatalogEndpoint[]> | undefined;
  /** Requested service type -> the services it matches, in catalog order. */
  #ofType: Map<string, readonly ServiceRef[]> | undefined;
  /** urlFor's answers by filter (see filterKey): a Session asks the same on every request. */
  #urls: Map<string, string> | undefined;

  /** Creates a catalog from normalised endpoints (OptionError for one that is not). */
  constructor(endpoints: readonly CatalogEndpoint[]) {
    if (!Array.isArray(endpoints)) throw new OptionError("endpoints must be a list");
    for (const ep of endpoints) {
      if (
        !isRecord(ep) || typeof ep.serviceType !== "string" || typeof ep.interface !== "string" ||
        typeof ep.url !== "string"
      ) {
        throw new OptionError(
          "each catalog endpoint needs serviceType, interface and url strings",
        );
      }
    }
    this.endpoints = Object.freeze([...endpoints]);
  }

  #index(): Map<string, CatalogEndpoint[]> {
    if (!this.#byType) {
      const index = new Map<string, CatalogEndpoint[]>();
      for (const ep of this.endpoints) {
        const list = index.get(ep.serviceType);
        if (list) list.push(ep);
        else index.set(ep.serviceType, [ep]);
      }
      this.#byType = index;
    }
    return this.#byType;
  }

  /** The catalog's services in catalog order (from the endpoints when built from a list). */
  #services(): readonly ServiceRef[] {
    let services = SERVICES.get(this);
    if (!services) {
      services = this.endpoints.map((ep) => ({
        serviceType: ep.serviceType,
        serviceName: ep.serviceName,
        serviceId: ep.serviceId,
      }));
      SERVICES.set(this, services);
    }
    return services;
  }

  /** The services whose type `requested` matches (all without one), in catalog order. */
  #servicesOfType(requested: string | undefined): readonly ServiceRef[] {
    const services = this.#services();
    if (requested === undefined) return services;
    let list = this.#ofType?.get(requested);
    if (!list) {
      list = services.filter((svc) => serviceTypeMatches(requested, svc.serviceType));
      this.#ofType ??= new Map();
      if (this.#ofType.size >= 1000) this.#ofType.clear();
      this.#ofType.set(requested, list);
    }
    return list;
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
    const services: ServiceRef[] = [];
    for (const service of catalog) {
      if (!isRecord(service) || typeof service.type !== "string") continue;
      services.push(serviceRef(service as Record<string, unknown> & { type: string }));
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
    return withServices(new ServiceCatalog(out), services);
  }

  /** Parses a v2 `serviceCatalog` list. */
  static fromV2(catalog: unknown): ServiceCatalog {
    if (!Array.isArray(catalog)) throw new OptionError("v2 serviceCatalog must be a list");
    const out: CatalogEndpoint[] = [];
    const services: ServiceRef[] = [];
    for (const service of catalog) {
      if (!isRecord(service) || typeof service.type !== "string") continue;
      services.push(serviceRef(service as Record<string, unknown> & { type: string }));
      const endpoints = Array.isArray(service.endpoints) ? service.endpoints : [];
      for (const ep of endpoints) {
        if (!isRecord(ep)) continue;
        for (const [key, url] of Object.entries(ep)) {
          if (typeof url !== "string" || !key.endsWith("URL")) continue;
          out.push({
            serviceType: service.type,
            serviceName: optString(service.name),
            serviceId: optString(service.id),
            interface: normalizeInterface(key),
            url,
            regionName: optString(ep.region),
            endpointId: optString(ep.id),
          });
        }
      }
    }
    return withServices(new ServiceCatalog(out), services);
  }

  /**
   * The endpoints matching a filter, best first, as keystoneauth1's
   * `get_endpoint_data_list` orders them: by service type (in catalog
   * order, or only the type an alias rule chose), each type's endpoints of
   * its best interface in catalog order. Throws {@linkcode OptionError} for
   * a filter that is not an object of strings.
   */
  endpointsFor(filter: EndpointFilter = {}): CatalogEndpoint[] {
    const f = checkFilter(filter);
    const index = this.#index();
    // Types in the order of their first service passing the type, name and id checks.
    const found = new Map<string, CatalogEndpoint[]>();
    for (const svc of this.#servicesOfType(f.serviceType)) {
      const type = svc.serviceType;
      if (found.has(type) || !sameService(f, svc)) continue;
      let best = f.interfaces.length;
      let list: CatalogEndpoint[] = [];
      for (const ep of index.get(type) ?? []) {
        if (ep.url === "" || !sameService(f, ep)) continue;
        const rank = f.interfaces.indexOf(ep.interface);
        if (rank < 0 || rank > best) continue;
        if (f.regionName !== undefined && ep.regionName !== f.regionName) continue;
        if (f.endpointId !== undefined && ep.endpointId !== f.endpointId) continue;
        if (rank < best) {
          best = rank;
          list = [];
        }
        list.push(ep);
      }
      found.set(type, list);
    }
    return chooseType(f.serviceType, found).flat();
  }

  /** The URLs of every matching endpoint, best first (see {@linkcode endpointsFor}). */
  urlsFor(filter: EndpointFilter = {}): string[] {
    return this.endpointsFor(filter).map((ep) => ep.url);
  }

  /**
   * The best matching URL. Throws {@linkcode EndpointNotFound} naming what the
   * catalog does have ({@linkcode EmptyCatalog} when it has no services), and
   * {@linkcode OptionError} for a filter that is not an object of strings.
   */
  urlFor(filter: EndpointFilter = {}): string {
    const key = typeof filter === "object" && filter !== null ? filterKey(filter) : undefined;
    const known = key === undefined ? undefined : this.#urls?.get(key);
    if (known !== undefined) return known;
    const ep = this.endpointsFor(filter)[0];
    if (!ep) {
      const message = this.describeMiss(filter);
      throw this.#services().length === 0
        ? new EmptyCatalog(message)
        : new EndpointNotFound(message);
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
    const wanted = Object.entries(filter ?? {})
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join("|") : String(v)}`)
      .join(", ");
    return `no endpoint matches {${wanted}}; the catalog has: ${this.describe()}`;
  }
}

/**
 * Whether a service (or an endpoint's service) passes the name and id checks.
 * A service without a name (or id) in the catalog is not excluded by one, as
 * in keystoneauth1.
 */
function sameService(f: CheckedFilter, svc: ServiceRef): boolean {
  if (f.serviceName !== undefined && svc.serviceName && svc.serviceName !== f.serviceName) {
    return false;
  }
  return f.serviceId === undefined || !svc.serviceId || svc.serviceId === f.serviceId;
}

/**
 * keystoneauth1's `_endpoints_by_type`: when a known type was requested and
 * several catalog types matched, the requested type itself if it has
 * endpoints, else the first of the registry's names for it that has some.
 * Where keystoneauth1 finds none of those (a catalog type written with `_`,
 * such as `block_storage`) it raises "Programming error choosing an
 * endpoint"; osauth takes the first matching type in catalog order
 * (DIFFERENCES.md#D-catalog-alias-fallback).
 */
function chooseType(
  requested: string | undefined,
  found: Map<string, CatalogEndpoint[]>,
): CatalogEndpoint[][] {
  if (requested === undefined || found.size < 2 || !isKnownServiceType(requested)) {
    return [...found.values()];
  }
  const exact = found.get(requested);
  if (exact?.length) return [exact];
  for (const name of allServiceTypes(requested)) {
    const list = found.get(name);
    if (list?.length) return [list];
  }
  for (const list of found.values()) if (list.length) return [list];
  return [];
}

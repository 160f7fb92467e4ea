/**
 * `Adapter`: a {@linkcode Session} bound to one service, as keystoneauth1's
 * `Adapter`. It fills in the endpoint filter, API version bounds, endpoint
 * override and default microversion of every request, so service clients
 * call it with paths only.
 *
 * @example
 * ```ts
 * import { Adapter, Session, v3 } from "jsr:@x/osauth";
 * import { FakeCloud } from "jsr:@x/osauth/testing";
 *
 * const server = await new FakeCloud().serve(); // stands in for your cloud: Keystone, Nova, ...
 * const auth = new v3.Password({
 *   authUrl: server.authUrl, username: "admin", password: "secret", projectName: "admin",
 *   userDomainId: "default", projectDomainId: "default",
 * });
 * const compute = new Adapter(new Session({ auth }), {
 *   serviceType: "compute",
 *   interface: "public",
 *   regionName: "RegionOne",
 *   version: "2",
 *   defaultMicroversion: "2.79",
 * });
 * const servers = await (await compute.get("/servers")).json();
 * const flavors = await compute.get("/flavors", { microversion: "2.61" });
 * await flavors.body?.cancel();
 * await server.close();
 * ```
 *
 * @module
 */
import { officialServiceType } from "./catalog/service_types.ts";
import { type DiscoveryOptions, getEndpointData } from "./discovery/discover.ts";
import type { EndpointData } from "./discovery/endpoint_data.ts";
import { normalizeMicroversion } from "./discovery/microversion.ts";
import { type ClientMicroversions, negotiateMicroversion } from "./discovery/negotiate.ts";
import { normalizeVersionBounds } from "./discovery/version.ts";
import { OptionError } from "./errors.ts";
import { checkOverride, sessionOverride } from "./discovery/endpoint.ts";
import type { Session } from "./session/session.ts";
import { isAbsoluteUrl, joinUrl } from "./util/url.ts";
import { type HeaderRecord, mergeHeaders } from "./util/headers.ts";
import type { RequestOptions } from "./session/options.ts";
import { RequestMethods } from "./session/verbs.ts";
import { paginate as paginateList, type PaginateOptions } from "./session/paginate.ts";
import { requestJson } from "./session/json.ts";
import type { AllVersionData, AllVersionDataFilter } from "./discovery/all_versions.ts";
import { adapterLimits, REQUEST_LIMITS, type RequestLimits } from "./session/rate_limit.ts";
import { checkHooks, mergeHooks } from "./session/hooks.ts";
import type { Hooks } from "./types.ts";
import {
  type AuthPlugin,
  ENDPOINT_FILTER_FIELDS,
  type EndpointDataFilter,
  type Logger,
} from "./types.ts";
import * as v from "./util/validate.ts";
import type { HeadersLike } from "./util/web_types.ts";

/** Options of `new Adapter(session, options)`; all optional. */
export interface AdapterOptions {
  /** The service type, e.g. `compute` (aliases such as `volumev3` work). */
  serviceType?: string;
  /** `public`, `internal`, `admin` or an ordered list (default: the session's, else public). */
  interface?: string | readonly string[];
  /** Region of the endpoint (default: the session's). */
  regionName?: string;
  /** Service name in the catalog. */
  serviceName?: string;
  /** Service id in the catalog. */
  serviceId?: string;
  /** Endpoint id in the catalog. */
  endpointId?: string;
  /**
   * URL used instead of the catalog's (`{project_id}`, `%(project_id)s` and
   * `%(tenant_id)s` are replaced). Default: the session's `endpointOverrides`
   * for the service type.
   */
  endpointOverride?: string;
  /**
   * Major API version wanted, e.g. `"2"` (exclusive with minVersion/maxVersion).
   * Default: the session's `apiVersions` for the service type.
   */
  version?: string;
  /** Lowest acceptable API version, or `"latest"`. */
  minVersion?: string;
  /** Highest acceptable API version, or `"latest"`. */
  maxVersion?: string;
  /** Allow `EXPERIMENTAL` API versions in discovery (default false). */
  allowExperimental?: boolean;
  /** Allow `DEPRECATED` API versions in discovery (default true). */
  allowDeprecated?: boolean;
  /** Allow API versions with an unknown status in discovery (default false). */
  allowUnknown?: boolean;
  /** Microversion sent with every request that does not name one. */
  defaultMicroversion?: string;
  /** Connection retries (default: the session's). */
  connectRetries?: number;
  /** Retries of retriable statuses (default: the session's). */
  statusCodeRetries?: number;
  /** Statuses retried (default: the session's). */
  retriableStatusCodes?: readonly number[];
  /** Per-attempt timeout in ms (default: the session's). */
  timeout?: number;
  /** Logger for this adapter's requests (default: the session's). */
  logger?: Logger;
  /** `X-OpenStack-Request-ID` sent with every request (a `req-<uuid>`). */
  globalRequestId?: string;
  /** Headers added to every request (request headers win). */
  additionalHeaders?: HeadersLike;
  /** Throw an `HttpError` on status >= 400 (default true). */
  raiseExc?: boolean;
  /** Auth plugin instead of the session's. */
  auth?: AuthPlugin;
  /**
   * At most this many of this adapter's requests per second (keystoneauth1's
   * Adapter `rate_limit`; the session's `rateLimit` applies as well).
   */
  rateLimit?: number;
  /** At most this many of this adapter's requests in flight (keystoneauth1's `concurrency`). */
  maxConcurrency?: number;
  /** Hooks of this adapter's requests: after the session's, before each request's. */
  hooks?: Hooks;
}

/** The checks of every {@linkcode AdapterOptions} option (version values are parsed later). */
const ADAPTER_CHECKS: v.Checks = v.checks({
  serviceType: v.nonEmptyString,
  interface: v.stringOrList,
  regionName: v.string,
  serviceName: v.string,
  serviceId: v.string,
  endpointId: v.string,
  endpointOverride: v.string,
  version: v.versionInput,
  minVersion: v.versionInput,
  maxVersion: v.versionInput,
  allowExperimental: v.boolean,
  allowDeprecated: v.boolean,
  allowUnknown: v.boolean,
  defaultMicroversion: v.string,
  connectRetries: v.nonNegativeInt,
  statusCodeRetries: v.nonNegativeInt,
  retriableStatusCodes: v.statusList,
  timeout: v.positiveMs,
  logger: v.logger,
  globalRequestId: v.string,
  additionalHeaders: v.headersInit,
  raiseExc: v.boolean,
  auth: v.authPlugin,
  rateLimit: v.positiveMs,
  maxConcurrency: v.positiveInt,
  hooks: checkHooks,
});

/** The fields of the adapter's endpoint filter: the catalog fields and the version bounds. */
const ADAPTER_FILTER_FIELDS = [
  ...ENDPOINT_FILTER_FIELDS,
  "version",
  "minVersion",
  "maxVersion",
] as const satisfies readonly (keyof EndpointDataFilter & keyof Adapter)[];

/** Options of the adapter's request methods: the session's request options. */
export type AdapterRequestOptions = RequestOptions;

/** Copies `source`'s own properties that are not undefined onto `target`; returns `target`. */
function assignDefined<T extends object>(target: Partial<T>, source: T): Partial<T> {
  for (const key of Object.keys(source) as (keyof T)[]) {
    if (source[key] !== undefined) target[key] = source[key];
  }
  return target;
}

function definedOnly<T extends object>(obj: T): Partial<T> {
  return assignDefined({}, obj);
}

/**
 * A session bound to one service. See the module documentation for an
 * example. Throws {@linkcode OptionError} for contradictory or malformed
 * options.
 */
export class Adapter extends RequestMethods {
  /** The session requests go through. */
  readonly session: Session;
  /** The service type. */
  readonly serviceType: string | undefined;
  /** Interface(s) wanted. */
  readonly interface: string | readonly string[] | undefined;
  /** Region wanted. */
  readonly regionName: string | undefined;
  /** Service name wanted. */
  readonly serviceName: string | undefined;
  /** Service id wanted. */
  readonly serviceId: string | undefined;
  /** Endpoint id wanted. */
  readonly endpointId: string | undefined;
  /** The endpoint override (the adapter's, else the session's for the service type). */
  readonly endpointOverride: string | undefined;
  /** Major API version wanted. */
  readonly version: string | undefined;
  /** Lowest API version wanted. */
  readonly minVersion: string | undefined;
  /** Highest API version wanted. */
  readonly maxVersion: string | undefined;
  /** Microversion sent by default. */
  readonly defaultMicroversion: string | undefined;
  /** Auth plugin of this adapter, if not the session's. */
  readonly auth: AuthPlugin | undefined;
  readonly #defaults: RequestOptions;
  /** additionalHeaders, checked once: requests merge theirs over a copy. */
  readonly #headers: Readonly<HeaderRecord> | undefined;
  /** The endpoint filter, built once (the fields it is made of are read-only). */
  readonly #filter: Readonly<EndpointDataFilter>;
  /**
   * What relative paths are resolved with (src/discovery/endpoint.ts): the
   * filter, with the adapter's override and discovery's status flags.
   */
  readonly #resolveFilter: Readonly<EndpointDataFilter>;
  readonly #discovery: DiscoveryOptions;
  /** The adapter's rateLimit and maxConcurrency, for each of its requests. */
  readonly #limits: RequestLimits | undefined;
  /** The adapter's hooks. */
  readonly #hooks: Hooks | undefined;

  /** Creates an adapter for `session`. */
  constructor(session: Session, options: AdapterOptions = {}) {
    super();
    const candidate = session as Partial<Session> | null | undefined;
    if (
      !candidate || typeof candidate.request !== "function" ||
      typeof candidate.mergeFilter !== "function" || typeof candidate.getEndpoint !== "function"
    ) {
      throw new OptionError("Adapter needs a Session as its first argument");
    }
    if (options === null || typeof options !== "object") {
      throw new OptionError("Adapter options must be an object");
    }
    v.checkAll(options, ADAPTER_CHECKS);
    this.session = session;
    const type = options.serviceType;
    if (type !== undefined && (typeof type !== "string" || type === "")) {
      throw new OptionError("serviceType must be a non-empty string");
    }
    this.serviceType = type;
    const iface = options.interface;
    // A copy of a list: the adapter's filter must not change under it.
    this.interface = Array.isArray(iface) ? Object.freeze([...iface]) : iface;
    this.regionName = options.regionName;
    this.serviceName = options.serviceName;
    this.serviceId = options.serviceId;
    this.endpointId = options.endpointId;
    const official = type ? officialServiceType(type) : undefined;
    // The adapter's override, else the session's for the service type (src/discovery/endpoint.ts).
    this.endpointOverride = checkOverride(options.endpointOverride) ??
      sessionOverride(session.endpointOverrides, type);
    const hasBounds = options.version !== undefined || options.minVersion !== undefined ||
      options.maxVersion !== undefined;
    const apiVersions = session.apiVersions;
    this.version = options.version ??
      (!hasBounds && official && Object.hasOwn(apiVersions, official)
        ? apiVersions[official]
        : undefined);
    this.minVersion = options.minVersion;
    this.maxVersion = options.maxVersion;
    // Validate now: bad bounds are a programming error, better found early.
    normalizeVersionBounds(this, type);
    if (options.defaultMicroversion !== undefined) {
      normalizeMicroversion(options.defaultMicroversion);
    }
    this.defaultMicroversion = options.defaultMicroversion;
    this.auth = options.auth;
    const headers: HeaderRecord = {};
    mergeHeaders(headers, options.additionalHeaders);
    this.#headers = Object.keys(headers).length > 0 ? Object.freeze(headers) : undefined;
    this.#defaults = definedOnly({
      connectRetries: options.connectRetries,
      statusCodeRetries: options.statusCodeRetries,
      retriableStatusCodes: options.retriableStatusCodes,
      timeout: options.timeout,
      logger: options.logger,
      globalRequestId: options.globalRequestId,
      raiseExc: options.raiseExc,
      auth: options.auth,
    });
    this.#discovery = definedOnly({
      allowExperimental: options.allowExperimental,
      allowDeprecated: options.allowDeprecated,
      allowUnknown: options.allowUnknown,
    });
    this.#filter = this.#buildFilter();
    this.#limits = adapterLimits(options.rateLimit, options.maxConcurrency);
    this.#hooks = options.hooks;
    this.#resolveFilter = Object.freeze({
      ...this.#filter,
      ...definedOnly({ endpointOverride: this.endpointOverride, ...this.#discovery }),
    });
  }

  /** The adapter's endpoint filter (catalog keys and version bounds); a copy. */
  get endpointFilter(): EndpointDataFilter {
    const copy: EndpointDataFilter = { ...this.#filter };
    if (Array.isArray(copy.interface)) copy.interface = [...copy.interface];
    return copy;
  }

  #buildFilter(): Readonly<EndpointDataFilter> {
    const filter: Record<string, unknown> = {};
    for (const key of ADAPTER_FILTER_FIELDS) if (this[key] !== undefined) filter[key] = this[key];
    return Object.freeze(filter as EndpointDataFilter);
  }

  #hasVersion(): boolean {
    return this.version !== undefined || this.minVersion !== undefined ||
      this.maxVersion !== undefined;
  }

  #auth(auth?: AuthPlugin): AuthPlugin | undefined {
    return auth ?? this.auth ?? this.session.auth;
  }

  /** The filter discovery runs with: the adapter's, its override, the session's defaults. */
  #discoveryFilter(): EndpointDataFilter {
    return this.session.mergeFilter({
      ...this.#filter,
      ...(this.endpointOverride !== undefined ? { endpointOverride: this.endpointOverride } : {}),
    });
  }

  /**
   * Endpoint metadata after version discovery (catalog URL, service URL, API
   * version, microversion range). Throws `VersionNotAvailable` when the
   * service has no version within the adapter's bounds.
   */
  getEndpointData(auth?: AuthPlugin): Promise<EndpointData> {
    return getEndpointData(
      this.session,
      this.#discoveryFilter(),
      this.#auth(auth),
      this.#discovery,
    );
  }

  /**
   * The base URL requests go to: the override (with the project id filled
   * in), the discovered service URL when version bounds are set, else the
   * catalog URL.
   */
  async getEndpoint(auth?: AuthPlugin): Promise<string> {
    // The session's resolver decides, as for the adapter's requests.
    return await this.session.getEndpoint(this.#resolveFilter, this.#auth(auth));
  }

  /**
   * The major API version of the endpoint, `[major, minor]`: read from the
   * catalog URL when it names one, else discovered. `undefined` when unknown.
   */
  async getApiMajorVersion(auth?: AuthPlugin): Promise<[number, number] | undefined> {
    const filter = this.#discoveryFilter();
    const plugin = this.#auth(auth);
    const quick = await getEndpointData(this.session, filter, plugin, {
      ...this.#discovery,
      discoverVersions: false,
    });
    if (quick.apiVersion) return quick.apiVersion;
    return (await getEndpointData(this.session, filter, plugin, this.#discovery)).apiVersion;
  }

  /**
   * The highest microversion both this client (`client`: a `{min, max}`
   * range or a list) and the service support. Throws `VersionNotAvailable`
   * when there is none.
   */
  async negotiateMicroversion(client: ClientMicroversions, auth?: AuthPlugin): Promise<string> {
    return negotiateMicroversion(client, await this.getEndpointData(auth));
  }

  /**
   * Sends a request below the service's endpoint (`path` relative to it, or
   * an absolute URL) with the adapter's defaults; per-call options win.
   */
  request(path: string, options: AdapterRequestOptions = {}): Promise<Response> {
    return this.#request(path, options, options?.method);
  }

  /** A method shortcut: `request` with its method, without copying the options (verbs.ts). */
  protected override requestWith(
    path: string,
    options: AdapterRequestOptions | undefined,
    method: string,
  ): Promise<Response> {
    return this.request === ADAPTER.request
      ? this.#request(path, options ?? {}, method)
      : super.requestWith(path, options, method);
  }

  // Not async: the session's promise is handed back as it is (an async wrapper awaiting it
  // costs every request a promise hop); what the options' checks throw is a rejection still.
  #request(
    path: string,
    options: AdapterRequestOptions,
    method: string | undefined,
  ): Promise<Response> {
    try {
      return this.#send(path, options, method);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  #send(
    path: string,
    options: AdapterRequestOptions,
    method: string | undefined,
  ): Promise<Response> {
    if (typeof path !== "string") throw new OptionError("path must be a string");
    if (options === null || typeof options !== "object") {
      throw new OptionError("request options must be an object");
    }
    // The adapter's defaults, then every option the call sets (undefined ones do not count).
    const opts: RequestOptions = assignDefined({ ...this.#defaults }, options);
    if (method !== undefined) opts.method = method;
    if (options.headers === undefined) {
      opts.headers = this.#headers && { ...this.#headers };
    } else {
      const headers: HeaderRecord = { ...this.#headers };
      mergeHeaders(headers, options.headers);
      opts.headers = headers;
    }
    if (this.#limits) (opts as { [REQUEST_LIMITS]?: RequestLimits })[REQUEST_LIMITS] = this.#limits;
    if (this.#hooks) opts.hooks = mergeHooks(this.#hooks, options.hooks);
    const microversion = options.microversion ?? this.defaultMicroversion;
    if (microversion !== undefined) {
      opts.microversion = microversion;
      opts.microversionServiceType = options.microversionServiceType ?? this.serviceType;
    }
    if (
      isAbsoluteUrl(path) || options.endpointFilter !== undefined ||
      options.endpointOverride !== undefined
    ) {
      // The request's URL or override decides; the filter selects the endpoint whose
      // origin an absolute URL is trusted as.
      opts.endpointFilter ??= this.#filter;
      // An absolute URL below the adapter's override (a next-page link): its origin is trusted.
      if (
        isAbsoluteUrl(path) && opts.endpointOverride === undefined &&
        this.endpointOverride !== undefined
      ) {
        opts.endpointOverride = this.endpointOverride;
      }
      return this.session.request(path, opts);
    }
    if (this.getEndpoint !== ADAPTER.getEndpoint) {
      // A subclass's getEndpoint decides the base URL.
      return Promise.resolve(this.getEndpoint(options.auth)).then((base) => {
        opts.endpointFilter = this.#filter;
        return this.session.request(joinUrl(base, path), opts);
      });
    }
    // The Session's resolver joins `path` to the endpoint: the request's override, the
    // adapter's, the session's, or the (discovered) catalog URL (src/discovery/endpoint.ts).
    opts.endpointFilter = this.#resolveFilter;
    return this.session.request(path, opts);
  }

  /**
   * The items of a paginated list below the service's endpoint, page by
   * page, with the adapter's defaults (see `Session.paginate`).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Adapter, Session, v3 } from "jsr:@x/osauth";
   * import { FakeCloud } from "jsr:@x/osauth/testing";
   *
   * const flavors = Array.from({ length: 120 }, (_, i) => ({ id: `${i + 1}`, name: `f${i + 1}` }));
   * const server = await new FakeCloud({ lists: { compute: { flavors } } }).serve(); // a Nova
   * const sess = new Session({
   *   auth: new v3.Password({
   *     authUrl: server.authUrl, username: "admin", password: "secret", projectName: "admin",
   *     userDomainId: "default", projectDomainId: "default",
   *   }),
   * });
   *
   * const compute = new Adapter(sess, { serviceType: "compute" });
   * let count = 0;
   * for await (const flavor of compute.paginate<{ id: string }>("/flavors", { limit: 50 })) {
   *   assert.equal(flavor.id, `${++count}`); // pages of 50, following Nova's flavors_links
   * }
   * assert.equal(count, 120);
   * await server.close();
   * ```
   */
  paginate<T = unknown>(
    path: string,
    options: PaginateOptions = {},
  ): AsyncIterableIterator<T> {
    return paginateList<T>(this, path, options);
  }

  /**
   * Sends a request (as `request`, with the same errors) and returns its
   * parsed JSON body, typed as `T` (not checked); `InvalidResponse` for a
   * body that is not JSON or no body.
   */
  requestJson<T = unknown>(path: string, options: AdapterRequestOptions = {}): Promise<T> {
    return requestJson<T>(this, path, options);
  }

  /** `requestJson(path, { ...options, method: "GET" })`: the parsed JSON body of a GET. */
  getJson<T = unknown>(path: string, options: AdapterRequestOptions = {}): Promise<T> {
    return requestJson<T>(this, path, options, "GET");
  }

  /**
   * The version data of this adapter's service (keystoneauth1's
   * `Adapter.get_all_version_data`): region -> interface -> service type ->
   * versions. `filter.interface` and `regionName` default to the adapter's
   * (then the session's; see `Session.getAllVersionData`).
   */
  getAllVersionData(filter: Omit<AllVersionDataFilter, "serviceType"> = {}): Promise<
    AllVersionData
  > {
    const own: AllVersionDataFilter = {};
    if (this.serviceType !== undefined) own.serviceType = this.serviceType;
    if (this.interface !== undefined) own.interface = this.interface;
    if (this.regionName !== undefined) own.regionName = this.regionName;
    return this.session.getAllVersionData(
      filter && typeof filter === "object"
        ? { ...own, ...filter, serviceType: this.serviceType }
        : filter,
      this.#auth(),
    );
  }
}

/** The Adapter's own methods, to tell when a subclass replaced one. */
const ADAPTER = Adapter.prototype;

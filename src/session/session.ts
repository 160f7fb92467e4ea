/**
 * `Session`: the contact point to an OpenStack cloud. It holds the auth
 * plugin and connection settings, authenticates on demand, resolves endpoints
 * from the catalog, and sends requests with the global `fetch`.
 *
 * @example
 * ```ts ignore
 * import { Session, v3 } from "jsr:@x/osauth";
 * const auth = new v3.Password({
 *   authUrl: "https://my.keystone.com:5000/v3",
 *   username: "myuser", password: "mypassword", projectName: "proj",
 *   userDomainId: "default", projectDomainId: "default",
 * });
 * const sess = new Session({ auth });
 * const resp = await sess.get("/v3/users", {
 *   endpointFilter: { serviceType: "identity", interface: "public" },
 * });
 * ```
 *
 * @module
 */
import type { AccessInfo } from "../access/access_info.ts";
import { DiscoveryCache } from "../discovery/cache.ts";
import { microversionHeaders } from "../discovery/microversion.ts";
import {
  AuthorizationFailure,
  ConnectFailure,
  ConnectTimeout,
  EndpointNotFound,
  httpErrorFromResponse,
  MissingAuthPlugin,
  OptionError,
  parseRetryAfter,
  TooManyRedirects,
  UntrustedOrigin,
} from "../errors.ts";
import { logRequest, logResponse, redactUrl, SENSITIVE_HEADERS } from "../logging.ts";
import { hostPort } from "../net/permissions.ts";
import {
  checkTransportOptions,
  createTransport,
  defaultUserAgent,
  type Transport,
} from "../net/transport.ts";
import { officialServiceType } from "../catalog/service_types.ts";
import type { AuthPlugin, EndpointDataFilter, EndpointFilter, Logger } from "../types.ts";
import { backoffDelay, isConnectionRefused, isIdempotent, sleep } from "./retry.ts";
import {
  checkEndpointFilter,
  checkRequestOptions,
  checkSessionOptions,
  IDENTITY_REQUEST,
  type IdentityRequestOptions,
  nonNegativeInt,
  nonNegativeMs,
  positiveNumber,
  type RequestOptions,
  type SessionOptions,
} from "./options.ts";
import { jsonText } from "../util/validate.ts";
import { Semaphore } from "./semaphore.ts";
import { checkedAuthHeaders, type HeaderRecord, mergeHeaders, setHeader } from "./headers.ts";
import { checkTrusted, isAbsoluteUrl, joinUrl, originOf, trustedUrl } from "./url.ts";
import { fetchFailure, finalConnectError, notResentReason, retryNote } from "./failures.ts";
import { type CurrentAuth, currentAuth, NO_ORIGINS, sendsNoCredentials } from "./current_auth.ts";
import type { EndpointData } from "../discovery/endpoint_data.ts";
import { catalogFilterOf, getEndpointData } from "../discovery/discover.ts";
import { impliedVersion } from "../discovery/version.ts";
import { checkOverride, chooseOverride, overridesByType, resolveOverride } from "./endpoint.ts";
import { rememberSentSecrets, safeInspect } from "../secret.ts";
import { bodySecrets, sentSecrets } from "./sent_secrets.ts";
import { boundedWait } from "./wait.ts";
import { timedBody } from "./timed_body.ts";
import { paginate as paginateList, type PaginateOptions } from "./paginate.ts";
import { requestJson } from "./json.ts";
import { withQuery } from "./query.ts";
import { type RequestTiming, TimingLog } from "./timings.ts";
import { acquireLimits, RateLimiter, REQUEST_LIMITS, type RequestLimits } from "./rate_limit.ts";
import {
  type AllVersionData,
  type AllVersionDataFilter,
  getAllVersionData,
} from "../discovery/all_versions.ts";

export type { RequestOptions, SessionOptions } from "./options.ts";
export { joinUrl } from "./url.ts";

const REDIRECT_STATUSES: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);

/** Statuses retried by default when statusCodeRetries is set: 503 (keystoneauth1) and 429. */
const DEFAULT_RETRIABLE: readonly number[] = Object.freeze([503, 429]);

/** The `fetch` options of a request (redirects are followed by the Session). */
function fetchInit(req: Prepared): RequestInit {
  // GET is fetch's default method: not naming it is measurably faster on Deno.
  const init: RequestInit = req.method === "GET"
    ? { headers: req.headers, redirect: "manual" }
    : { method: req.method, headers: req.headers, redirect: "manual" };
  if (req.body !== undefined && req.body !== null) init.body = req.body;
  return init;
}

/**
 * A browser's answer to a 3xx under `redirect: "manual"`: an opaque redirect
 * (status 0, no headers), which cannot be followed; see
 * docs/DIFFERENCES.md#D-opaque-redirect.
 */
function opaqueRedirect(req: Prepared): ConnectFailure {
  return new ConnectFailure(
    `${req.method} ${redactUrl(req.url)} was redirected, and the browser hides a redirect's ` +
      'status and Location from scripts (an opaque redirect: fetch\'s redirect "manual"), so ' +
      "osauth cannot follow it with the credentials kept to trusted origins. Use the URL it " +
      "redirects to (often the same one with or without a trailing slash, or https).",
  );
}

/** What an endpoint filter resolved to (see Session's #endpointFor). */
interface ResolvedFilter {
  current: CurrentAuth;
  filter: EndpointDataFilter;
  url: string;
}

/** Whether two filters select the same (every field the same value). */
function sameFilter(a: EndpointDataFilter, b: EndpointDataFilter): boolean {
  return a.serviceType === b.serviceType && a.interface === b.interface &&
    a.regionName === b.regionName && a.serviceName === b.serviceName &&
    a.serviceId === b.serviceId && a.endpointId === b.endpointId &&
    a.endpointOverride === b.endpointOverride && a.version === b.version &&
    a.minVersion === b.minVersion && a.maxVersion === b.maxVersion;
}

/** `url`, or {@linkcode EndpointNotFound} when the plugin has none for `filter`. */
function endpointFound(url: string | undefined, filter: EndpointFilter): string {
  if (!url) {
    throw new EndpointNotFound(`the auth plugin has no endpoint for ${JSON.stringify(filter)}`);
  }
  return url;
}

interface Prepared {
  method: string;
  url: string;
  headers: HeaderRecord;
  body: BodyInit | null | undefined;
  bodyText: string | undefined;
  /** Names of the auth plugin's headers: hashed in logs whatever they are called. */
  secretHeaders?: readonly string[];
  /** Credentials sent by an earlier attempt (the token a 401 rejected): scrubbed too. */
  earlierSecrets?: readonly string[];
  /** An identity plugin's request: no redirect to another origin is followed. */
  identity?: boolean;
  /** The Adapter's rate limit and concurrency limit, for each attempt. */
  limits?: RequestLimits;
}

/** Every secret `req` sent (for scrubbing what a server quotes back). */
function secretsOf(req: Prepared): string[] {
  const list = sentSecrets(req);
  return req.earlierSecrets ? [...list, ...req.earlierSecrets] : list;
}

/** Where a followed redirect ended, and whether the credentials went along to its end. */
interface Followed {
  resp: Response;
  credentialed: boolean;
}

/** At most this many origins are remembered per plugin from its getEndpoint answers. */
const ENDPOINT_ORIGINS_LIMIT = 64;

/** The retry, timeout and logging settings of a request. */
interface Policy {
  connectRetries: number;
  statusRetries: number;
  retriable: readonly number[];
  timeout: number | undefined;
  logger: Logger | undefined;
  retryNonIdempotent: boolean;
  /** No retries, no timeout, no logger, no concurrency limit: one plain attempt. */
  single: boolean;
}

/**
 * Holds authentication and connection settings shared by every service
 * client. See the module documentation for an example.
 */
export class Session {
  /** The session's auth plugin, shareable with other sessions. */
  readonly auth: AuthPlugin | undefined;
  /** TLS verification setting. */
  readonly verify: boolean | string;
  /** Client certificate setting. */
  readonly cert: string | readonly [string, string] | undefined;
  /** Per-attempt timeout (ms). */
  readonly timeout: number | undefined;
  /** The User-Agent sent. */
  readonly userAgent: string;
  /** Logger for HTTP traffic. */
  readonly logger: Logger | undefined;
  /** Connection retries. */
  readonly connectRetries: number;
  /** Status code retries. */
  readonly statusCodeRetries: number;
  /** Statuses retried. */
  readonly retriableStatusCodes: readonly number[];
  /** Version discovery cache. */
  readonly discoveryCache: DiscoveryCache;
  /** Defaults merged into endpoint filters. */
  readonly defaultFilter: Readonly<EndpointFilter>;
  /** Service type -> endpoint override. */
  readonly endpointOverrides: Readonly<Record<string, string>>;
  /** Service type -> API version wanted. */
  readonly apiVersions: Readonly<Record<string, string>>;
  /** Extra trusted origins. */
  readonly trustedOrigins: readonly string[];
  readonly #options: SessionOptions;
  /** additionalHeaders and the User-Agent: every request starts from a copy. */
  readonly #baseHeaders: Readonly<HeaderRecord>;
  /** The session-wide retry settings (requests that set none of their own share them). */
  readonly #policy: Policy;
  readonly #hasDefaultFilter: boolean;
  readonly #now: () => number;
  readonly #semaphore: Semaphore | undefined;
  /** The plugin's frozen trusted-origins list -> the whole trusted set (see #trustedSet). */
  readonly #trustedSets: WeakMap<readonly string[], Set<string>> = new WeakMap();
  /**
   * Endpoint filters (the caller's objects) -> the catalog URL they gave with
   * a plugin's current credentials, and a copy of their fields then.
   */
  readonly #resolved: WeakMap<object, ResolvedFilter> = new WeakMap();
  /** Trusted-origin sets -> endpoint base URLs known to be in them (see #checkTrustedBase). */
  readonly #trustedBases: WeakMap<Set<string>, Set<string>> = new WeakMap();
  /** Base URL -> path -> joinUrl(base, path): the same URL string for the same request. */
  readonly #joined: Map<string, Map<string, string>> = new Map();
  /** Responses that took more than one attempt -> attempts (for error messages). */
  readonly #attempts: WeakMap<Response, number> = new WeakMap();
  /**
   * Plugins without getTrustedOrigins -> the origins their getEndpoint gave
   * this session (frozen; a new list when one is added): the only origins,
   * with the session's own, that such a plugin's headers are sent to.
   */
  readonly #endpointOrigins: WeakMap<AuthPlugin, readonly string[]> = new WeakMap();
  #transport: Transport | undefined;
  /** The timings collected with `collectTiming`. */
  readonly #timings: TimingLog | undefined;
  /** The session's `rateLimit`. */
  readonly #rate: RateLimiter | undefined;

  /** Creates a session. Throws `OptionError` on bad options. */
  constructor(options: SessionOptions = {}) {
    checkSessionOptions(options);
    this.#options = { ...options };
    this.auth = options.auth;
    this.verify = options.verify ?? true;
    checkTransportOptions({ verify: this.verify, cert: options.cert });
    this.cert = options.cert;
    this.timeout = positiveNumber(options.timeout, "timeout");
    this.connectRetries = nonNegativeInt(options.connectRetries, "connectRetries") ?? 0;
    this.statusCodeRetries = nonNegativeInt(options.statusCodeRetries, "statusCodeRetries") ?? 0;
    this.retriableStatusCodes = options.retriableStatusCodes ?? DEFAULT_RETRIABLE;
    const maxConcurrency = nonNegativeInt(options.maxConcurrency, "maxConcurrency");
    if (maxConcurrency === 0) throw new OptionError("maxConcurrency must be at least 1");
    this.#semaphore = maxConcurrency ? new Semaphore(maxConcurrency) : undefined;
    this.#timings = options.collectTiming ? new TimingLog() : undefined;
    this.#rate = options.rateLimit !== undefined ? new RateLimiter(options.rateLimit) : undefined;
    nonNegativeInt(options.redirectLimit, "redirectLimit");
    nonNegativeMs(options.retryDelay, "retryDelay");
    nonNegativeMs(options.maxRetryDelay, "maxRetryDelay");
    this.logger = options.logger;
    this.discoveryCache = options.discoveryCache ?? new DiscoveryCache();
    this.#now = options.now ?? Date.now;
    const app = options.appName
      ? `${options.appName}${options.appVersion ? `/${options.appVersion}` : ""} `
      : "";
    // "" (and the default in browsers, which send their own): no User-Agent header.
    this.userAgent = options.userAgent ?? defaultUserAgent(app);
    const headers: HeaderRecord = {};
    mergeHeaders(headers, options.additionalHeaders);
    if (this.userAgent !== "" && !("user-agent" in headers)) {
      setHeader(headers, "User-Agent", this.userAgent);
    }
    this.#baseHeaders = Object.freeze(headers);
    this.#policy = {
      connectRetries: this.connectRetries,
      statusRetries: this.statusCodeRetries,
      retriable: this.retriableStatusCodes,
      timeout: this.timeout,
      logger: this.logger,
      retryNonIdempotent: options.retryNonIdempotent ?? false,
      single: false,
    };
    this.#policy.single = this.#isSingle(this.#policy);
    // Frozen (with a copy of an interface list): requests rely on them not changing.
    const iface = options.interface;
    this.defaultFilter = Object.freeze({
      ...(iface !== undefined
        ? { interface: typeof iface === "string" ? iface : Object.freeze([...iface]) }
        : {}),
      ...(options.regionName !== undefined ? { regionName: options.regionName } : {}),
    });
    this.#hasDefaultFilter = Object.keys(this.defaultFilter).length > 0;
    this.endpointOverrides = overridesByType(options.endpointOverrides);
    this.apiVersions = Object.freeze(Object.fromEntries(
      Object.entries(options.apiVersions ?? {}).map(([k, v]) => [officialServiceType(k), v]),
    ));
    this.trustedOrigins = (options.trustedOrigins ?? []).map((o) => {
      const origin = originOf(o);
      if (!origin) throw new OptionError(`trustedOrigins: not a URL: ${o}`);
      return origin;
    });
    safeInspect(this, () => ({
      auth: this.auth?.constructor?.name,
      verify: this.verify,
      userAgent: this.userAgent,
      timeout: this.timeout,
    }));
  }

  /** The session's clock, in ms since the epoch. */
  now(): number {
    return this.#now();
  }

  #getTransport(): Transport {
    this.#transport ??= createTransport({
      verify: this.verify,
      cert: this.cert,
      fetch: this.#options.fetch,
    });
    return this.#transport;
  }

  /**
   * Releases the TLS client a session with `verify`/`cert` holds (a Deno
   * `HttpClient`). The session stays usable: a later request opens a new one.
   */
  close(): void {
    const transport = this.#transport;
    this.#transport = undefined;
    transport?.close();
  }

  /** The filter with the session's defaults (interface, region) filled in. */
  mergeFilter<T extends EndpointFilter>(filter: T): T {
    return { ...this.defaultFilter, ...filter };
  }

  #authOf(auth: AuthPlugin | undefined): AuthPlugin {
    const plugin = auth ?? this.auth;
    if (!plugin) throw new MissingAuthPlugin("an auth plugin is required for this operation");
    return plugin;
  }

  /** The authentication headers of the (given or session's) plugin. */
  async getAuthHeaders(auth?: AuthPlugin): Promise<Record<string, string>> {
    const headers = await this.#authOf(auth).getHeaders(this);
    if (!headers) throw new AuthorizationFailure("the auth plugin produced no credentials");
    return headers;
  }

  /** The current token, authenticating when needed. */
  async getToken(auth?: AuthPlugin): Promise<string> {
    const plugin = this.#authOf(auth) as AuthPlugin & { getToken?(s: Session): Promise<string> };
    if (typeof plugin.getToken === "function") return await plugin.getToken(this);
    const token = (await this.getAuthHeaders(plugin))["X-Auth-Token"];
    if (!token) throw new AuthorizationFailure("the auth plugin has no token");
    return token;
  }

  /** The current {@linkcode AccessInfo} (identity plugins only). */
  async getAccess(auth?: AuthPlugin): Promise<AccessInfo> {
    const plugin = this.#authOf(auth) as AuthPlugin & {
      getAccess?(s: Session): Promise<AccessInfo>;
    };
    if (typeof plugin.getAccess !== "function") {
      throw new AuthorizationFailure(
        `${plugin.constructor?.name ?? "this plugin"} does not provide access info`,
      );
    }
    return await plugin.getAccess(this);
  }

  /** The project id of the credentials, if the plugin knows one. */
  async getProjectId(auth?: AuthPlugin): Promise<string | undefined> {
    const plugin = this.#authOf(auth);
    return plugin.getProjectId ? await plugin.getProjectId(this) : undefined;
  }

  /** Forgets the plugin's cached credentials. */
  async invalidate(auth?: AuthPlugin): Promise<boolean> {
    return await this.#authOf(auth).invalidate();
  }

  /**
   * The endpoint URL for a filter (merged with the session's region and
   * interface). A filter with version bounds goes through version discovery.
   * Throws {@linkcode EndpointNotFound} when there is none.
   */
  async getEndpoint(filter: EndpointDataFilter, auth?: AuthPlugin): Promise<string> {
    if (filter !== undefined) checkEndpointFilter(filter, "filter");
    const plugin = auth ?? this.auth;
    return await this.#endpointFor(
      filter,
      auth,
      plugin ? currentAuth(plugin, this.#now) : undefined,
    );
  }

  /**
   * {@linkcode getEndpoint}, without a promise when the answer is at hand:
   * an override, or the catalog of `current` (the plugin's credentials now).
   */
  #endpointFor(
    filter: EndpointDataFilter,
    auth: AuthPlugin | undefined,
    current: CurrentAuth | undefined,
  ): string | Promise<string> {
    if (typeof filter !== "object" || filter === null) {
      throw new OptionError("an endpoint filter must be an object");
    }
    if (current) {
      const hit = this.#resolved.get(filter);
      if (hit && hit.current === current && sameFilter(hit.filter, filter)) return hit.url;
    }
    const merged = this.#hasDefaultFilter ? this.mergeFilter(filter) : filter;
    // The filter's override, else the session's for the service type (templates filled).
    const override = chooseOverride(this, merged);
    if (override !== undefined) return resolveOverride(this, override, auth ?? this.auth);
    if (
      merged.version !== undefined || merged.minVersion !== undefined ||
      merged.maxVersion !== undefined || impliedVersion(merged.serviceType) !== undefined
    ) {
      // Bounds, or a type that implies a version (volumev3): as keystoneauth1's get_endpoint,
      // discovery only when the catalog URL does not already have that major version.
      const data = this.getEndpointData === SESSION.getEndpointData
        ? getEndpointData(this, merged, auth ?? this.auth, { discoverVersions: false })
        : this.getEndpointData(merged, auth);
      return data.then((d) => d.serviceUrl);
    }
    const plugin = this.#authOf(auth);
    if (current) {
      const url = endpointFound(current.endpoint(merged), merged);
      // A list of interfaces could change in place: such filters are looked up every time.
      if (typeof filter === "object" && filter !== null && typeof filter.interface !== "object") {
        this.#resolved.set(filter, { current, filter: { ...filter }, url });
      }
      return url;
    }
    return plugin.getEndpoint(this, merged).then((url) => {
      const found = endpointFound(url, merged);
      if (!plugin.getTrustedOrigins) this.#noteEndpoint(plugin, found);
      return found;
    });
  }

  /**
   * Remembers the origin of `url`, an endpoint a plugin without
   * getTrustedOrigins gave: its headers may go there (and to the session's
   * trusted origins and endpoint overrides), nowhere else.
   */
  #noteEndpoint(plugin: AuthPlugin, url: string): void {
    const origin = originOf(url);
    const list = this.#endpointOrigins.get(plugin) ?? NO_ORIGINS;
    if (!origin || list.includes(origin)) return;
    const next = list.length >= ENDPOINT_ORIGINS_LIMIT ? list.slice(1) : [...list];
    next.push(origin);
    this.#endpointOrigins.set(plugin, Object.freeze(next));
  }

  /** Asks a plugin without getTrustedOrigins for the filter's catalog endpoint (noting its origin). */
  async #askEndpoint(auth: AuthPlugin, filter: EndpointFilter): Promise<void> {
    try {
      await this.getEndpoint(catalogFilterOf(filter), auth);
    } catch {
      // no endpoint: the request's origin stays untrusted
    }
  }

  /**
   * The origins a plugin's headers may go to besides the session's: its
   * trusted origins, or for a plugin without getTrustedOrigins the endpoints
   * it gave; `undefined` for a plugin that sends no credential (NoAuth).
   */
  #originsOf(
    auth: AuthPlugin,
    current: CurrentAuth | undefined,
  ): readonly string[] | Promise<readonly string[]> | undefined {
    if (auth.getTrustedOrigins) return current ? current.trustedOrigins : this.#trustedList(auth);
    if (sendsNoCredentials(auth)) return undefined;
    return this.#endpointOrigins.get(auth) ?? NO_ORIGINS;
  }

  /**
   * Endpoint metadata after version discovery: catalog URL, service URL,
   * API version and microversion range.
   */
  getEndpointData(filter: EndpointDataFilter, auth?: AuthPlugin): Promise<EndpointData> {
    try {
      if (filter !== undefined) checkEndpointFilter(filter, "filter");
    } catch (err) {
      return Promise.reject(err);
    }
    const plugin = auth ?? this.auth;
    const recording = plugin && !plugin.getTrustedOrigins && !sendsNoCredentials(plugin)
      ? this.#recording(plugin)
      : plugin;
    return getEndpointData(this, this.mergeFilter(filter), recording);
  }

  /**
   * `plugin` (one without getTrustedOrigins) as discovery should see it: the
   * same methods, and the endpoints it gives discovery are noted (for the
   * plugin and this view of it) as origins its headers may go to, as those
   * the Session asks for are: a version document that needs a token gets it.
   */
  #recording(plugin: AuthPlugin): AuthPlugin {
    const p = plugin as AuthPlugin & { getAccess?(s: Session): Promise<AccessInfo> };
    const view: AuthPlugin & { getAccess?(s: Session): Promise<AccessInfo> } = {
      getHeaders: (s) => p.getHeaders(s),
      getEndpoint: async (s, f) => {
        const url = await p.getEndpoint(s, f);
        if (url) {
          this.#noteEndpoint(p, url);
          this.#noteEndpoint(view, url);
        }
        return url;
      },
      invalidate: () => p.invalidate(),
    };
    if (p.getProjectId) view.getProjectId = (s) => p.getProjectId!(s);
    if (typeof p.getAccess === "function") view.getAccess = (s) => p.getAccess!(s);
    return view;
  }

  /**
   * The `--allow-net` entries (`host:port`, sorted) this session needs: the
   * auth URL's host and every host in the catalog (authenticating when
   * needed), the endpoint overrides and `trustedOrigins`.
   *
   * @example
   * ```ts ignore
   * console.log(`deno run --allow-net=${(await sess.allowNetList()).join(",")} app.ts`);
   * ```
   */
  async allowNetList(auth?: AuthPlugin): Promise<string[]> {
    const plugin = auth ?? this.auth;
    const origins = new Set(
      plugin
        ? this.#trustedSet(await this.#trustedList(plugin), undefined, undefined)
        : this.#sessionTrusted(undefined, undefined),
    );
    const endpoint = (plugin as { endpoint?: unknown } | undefined)?.endpoint;
    if (typeof endpoint === "string") {
      const o = originOf(endpoint);
      if (o) origins.add(o);
    }
    return [...new Set([...origins].map(hostPort))].sort();
  }

  #sessionTrusted(a: string | undefined, b: string | undefined): Set<string> {
    const set = new Set<string>(this.trustedOrigins);
    for (const url of [...Object.values(this.endpointOverrides), a, b]) {
      const o = url ? originOf(url) : undefined;
      if (o) set.add(o);
    }
    return set;
  }

  /** The plugin's trusted origins (none when it has no getTrustedOrigins). */
  async #trustedList(auth: AuthPlugin): Promise<readonly string[]> {
    return auth.getTrustedOrigins ? await auth.getTrustedOrigins(this) : NO_ORIGINS;
  }

  /**
   * Origins trusted with credentials: the plugin's `list` (auth URL, catalog),
   * the session's, and a request's endpoint overrides `a` and `b`. Not to be
   * modified: without overrides the set is shared for as long as the plugin
   * returns the same frozen list (identity plugins do until they
   * re-authenticate), so that requests do not rebuild it.
   */
  #trustedSet(
    list: readonly string[],
    a: string | undefined,
    b: string | undefined,
  ): Set<string> {
    const cacheable = a === undefined && b === undefined;
    const cached = cacheable ? this.#trustedSets.get(list) : undefined;
    if (cached) return cached;
    const set = this.#sessionTrusted(a, b);
    for (const o of list) {
      const origin = originOf(o);
      if (origin) set.add(origin);
    }
    if (cacheable && Object.isFrozen(list)) this.#trustedSets.set(list, set);
    return set;
  }

  /**
   * Whether every URL `joinUrl(base, path)` builds has an origin in `trusted`.
   * It has base's origin when base (without trailing slashes) holds "//":
   * the text up to the first "/" after it, which gives the origin, is then
   * the same. The answer is kept per set, for the same endpoints come back.
   */
  #checkTrustedBase(base: string, trusted: Set<string>): boolean {
    const known = this.#trustedBases.get(trusted);
    if (known?.has(base)) return true;
    const start = base.indexOf("//");
    const end = joinUrl(base, "x").length - 2; // base without trailing slashes
    if (start < 0 || start + 2 > end) return false;
    const origin = originOf(base);
    if (!origin || !trusted.has(origin)) return false;
    if (known) {
      if (known.size >= 256) known.clear();
      known.add(base);
    } else {
      this.#trustedBases.set(trusted, new Set([base]));
    }
    return true;
  }

  /**
   * `joinUrl(base, path)`, remembered: a request sent again and again gets
   * the same (already flat) string, which costs fetch less than a new one.
   */
  #join(base: string, path: string): string {
    let byPath = this.#joined.get(base);
    const known = byPath?.get(path);
    if (known !== undefined) return known;
    const url = joinUrl(base, path);
    if (!byPath) {
      if (this.#joined.size >= 64) this.#joined.clear();
      byPath = new Map();
      this.#joined.set(base, byPath);
    }
    if (byPath.size >= 256) byPath.clear();
    byPath.set(path, url);
    return url;
  }

  /** The base URL a relative URL is joined to (a promise only when it must wait). */
  #baseUrl(
    url: string,
    options: RequestOptions,
    auth: AuthPlugin | undefined,
    current: CurrentAuth | undefined,
    viaGetEndpoint = false,
  ): string | Promise<string> {
    // The request's override wins (src/session/endpoint.ts has the precedence).
    const override = checkOverride(options.endpointOverride);
    if (override !== undefined) return resolveOverride(this, override, auth);
    const filter = options.endpointFilter;
    if (filter) {
      return viaGetEndpoint
        ? this.getEndpoint(filter, auth)
        : this.#endpointFor(filter, auth, current);
    }
    throw new OptionError(`a relative URL (${url}) needs an endpointFilter or endpointOverride`);
  }

  /** Method, headers and body of a request (its URL is resolved next). */
  #prepare(url: string, options: RequestOptions, method: string | undefined): Prepared {
    if (typeof url !== "string") throw new OptionError("url must be a string");
    const headers: HeaderRecord = { ...this.#baseHeaders };
    if (options.headers !== undefined) mergeHeaders(headers, options.headers);
    let body: BodyInit | null | undefined = options.body;
    let bodyText: string | undefined = typeof body === "string" ? body : undefined;
    if (options.json !== undefined) {
      bodyText = jsonText(options.json);
      body = bodyText;
      if (!("content-type" in headers)) headers["content-type"] = "application/json";
    }
    if (options.globalRequestId !== undefined) {
      if (!/^req-[0-9a-f-]{36}$/i.test(options.globalRequestId)) {
        throw new OptionError(
          `globalRequestId must look like req-<uuid>, got ${options.globalRequestId}`,
        );
      }
      headers["x-openstack-request-id"] = options.globalRequestId;
    }
    if (options.microversion !== undefined) {
      const type = options.microversionServiceType ?? options.endpointFilter?.serviceType;
      if (!type) {
        throw new OptionError(
          "microversion needs microversionServiceType or an endpointFilter with serviceType",
        );
      }
      for (const [k, v] of Object.entries(microversionHeaders(type, options.microversion))) {
        setHeader(headers, k, v);
      }
    }
    const prepared: Prepared = {
      method: (method ?? "GET").toUpperCase(),
      url,
      headers,
      body,
      bodyText,
    };
    const limits = (options as { [REQUEST_LIMITS]?: RequestLimits })[REQUEST_LIMITS];
    if (limits) prepared.limits = limits;
    return prepared;
  }

  #policyFor(options: RequestOptions): Policy {
    if (
      options.connectRetries === undefined && options.statusCodeRetries === undefined &&
      options.retriableStatusCodes === undefined && options.timeout === undefined &&
      options.logger === undefined && options.retryNonIdempotent === undefined
    ) {
      return this.#policy;
    }
    const policy: Policy = {
      connectRetries: nonNegativeInt(options.connectRetries, "connectRetries") ??
        this.connectRetries,
      statusRetries: nonNegativeInt(options.statusCodeRetries, "statusCodeRetries") ??
        this.statusCodeRetries,
      retriable: options.retriableStatusCodes ?? this.retriableStatusCodes,
      timeout: positiveNumber(options.timeout, "timeout") ?? this.timeout,
      logger: options.logger ?? this.logger,
      retryNonIdempotent: options.retryNonIdempotent ?? this.#policy.retryNonIdempotent,
      single: false,
    };
    policy.single = this.#isSingle(policy);
    return policy;
  }

  #isSingle(policy: Policy): boolean {
    return policy.connectRetries === 0 && policy.statusRetries === 0 &&
      policy.timeout === undefined && policy.logger === undefined && !this.#semaphore &&
      !this.#options.collectTiming && this.#options.rateLimit === undefined;
  }

  /**
   * Sends a request and returns the standard `Response`. Relative URLs are
   * joined to the endpoint the filter selects; absolute URLs are used as is.
   * Status >= 400 throws an `HttpError` unless `raiseExc: false`.
   */
  request(url: string, options: RequestOptions = {}): Promise<Response> {
    return this.#request(url, options ?? {}, options?.method);
  }

  // Every request runs this code: it awaits only what it must (a plugin that
  // has valid credentials answers without a promise), and redirects, retries,
  // timeouts and logging cost nothing unless they happen or are set.
  async #request(
    url: string,
    options: RequestOptions,
    method: string | undefined,
  ): Promise<Response> {
    checkRequestOptions(options);
    const auth = options.auth ?? this.auth;
    const authenticated = options.authenticated ?? auth !== undefined;
    if (authenticated && !auth) {
      throw new MissingAuthPlugin("an auth plugin is required for an authenticated request");
    }
    const req = this.#prepare(url, options, method);
    const policy = this.#policyFor(options);
    const signal = options.signal;
    // A subclass's getEndpoint, getAuthHeaders or now() is called as before:
    // the plugin's current credentials are only read when none is replaced.
    const own = this.getEndpoint === SESSION.getEndpoint &&
      this.getAuthHeaders === SESSION.getAuthHeaders && this.now === SESSION.now;
    let current = auth && own ? currentAuth(auth, this.#now) : undefined;
    // The request's plugin resolves a relative URL even when no token is sent (keystoneauth1).
    let base: string | undefined;
    if (!isAbsoluteUrl(url)) {
      const found = own
        ? this.#baseUrl(url, options, auth, current)
        : this.#baseUrl(url, options, auth, undefined, true);
      if (typeof found === "string") {
        base = found;
      } else {
        base = await this.#wait(found, req, signal, policy);
        // The credentials may have changed meanwhile (refreshed, invalidated).
        current = auth && own ? currentAuth(auth, this.#now) : undefined;
      }
      req.url = this.#join(base, url);
    }
    if (options.query !== undefined) req.url = withQuery(req.url, options.query);
    const overrideA = options.endpointOverride;
    const overrideB = (options.endpointFilter as EndpointDataFilter | undefined)?.endpointOverride;
    let trusted: Set<string> | undefined;
    let sentAuth: Readonly<Record<string, string>> = {};
    if (authenticated && auth) {
      sentAuth = current
        ? current.headers
        : await this.#wait(this.getAuthHeaders(auth), req, signal, policy);
      const origins = this.#originsOf(auth, current);
      if (origins) {
        // Checked before anything is sent to the request's origin.
        const list = Array.isArray(origins)
          ? origins as readonly string[]
          : await this.#wait(origins as Promise<readonly string[]>, req, signal, policy);
        trusted = this.#trustedSet(list, overrideA, overrideB);
        if (base === undefined || !this.#checkTrustedBase(base, trusted)) {
          if (!auth.getTrustedOrigins && options.endpointFilter && !trustedUrl(req.url, trusted)) {
            // An absolute URL under the filter's endpoint (Adapter after discovery):
            // the plugin is asked for that endpoint, whose origin it then trusts.
            await this.#wait(this.#askEndpoint(auth, options.endpointFilter), req, signal, policy);
            trusted = this.#trustedSet(
              this.#originsOf(auth, undefined) as readonly string[],
              overrideA,
              overrideB,
            );
          }
          checkTrusted(req.url, trusted);
        }
      }
      const checked = checkedAuthHeaders(sentAuth);
      for (const k in checked.headers) req.headers[k] = checked.headers[k]!;
      req.secretHeaders = checked.names;
    }
    if ((options as IdentityRequestOptions)[IDENTITY_REQUEST]) req.identity = true;
    let resp: Response;
    if (policy.single && signal === undefined && !req.limits) {
      // One attempt with nothing to log, time or count: #send without its frame.
      try {
        resp = await this.#getTransport()(req.url, fetchInit(req));
      } catch (err) {
        throw finalConnectError(fetchFailure(err, req.url, undefined), req, 1, undefined, "");
      }
      if (resp.status === 0) throw opaqueRedirect(req);
    } else {
      resp = await this.#send(req, signal, policy);
    }
    if (resp.status < 300) return resp; // most responses: nothing more to do
    // Whether the response came from where the credentials went (not a redirect target they were kept from).
    let credentialed = true;
    if (options.redirect !== false && REDIRECT_STATUSES.has(resp.status)) {
      ({ resp, credentialed } = await this.#follow(req, resp, signal, policy, trusted));
    }
    if (
      resp.status === 401 && authenticated && auth && credentialed &&
      (options.allowReauth ?? true)
    ) {
      const authHeaders = await this.#wait(
        this.#renewedAuthHeaders(auth, sentAuth),
        req,
        signal,
        policy,
      );
      if (authHeaders) {
        await resp.body?.cancel();
        req.earlierSecrets = Object.values(sentAuth);
        for (const [k, v] of Object.entries(authHeaders)) setHeader(req.headers, k, v);
        req.secretHeaders = [...(req.secretHeaders ?? []), ...Object.keys(authHeaders)];
        if (trusted) {
          // The new token's catalog may no longer hold the request's origin.
          const list = (await this.#wait(
            Promise.resolve(this.#originsOf(auth, undefined) ?? NO_ORIGINS),
            req,
            signal,
            policy,
          )) as readonly string[];
          trusted = this.#trustedSet(list, overrideA, overrideB);
          checkTrusted(req.url, trusted);
        }
        resp = await this.#send(req, signal, policy);
        if (options.redirect !== false && REDIRECT_STATUSES.has(resp.status)) {
          ({ resp } = await this.#follow(req, resp, signal, policy, trusted));
        }
      }
    }
    // An error built from this response (here or by the caller) has what was sent scrubbed.
    if (resp.status >= 400) rememberSentSecrets(resp, () => secretsOf(req));
    if ((options.raiseExc ?? true) && resp.status >= 400) {
      throw await httpErrorFromResponse(
        resp,
        req.method,
        redactUrl(req.url),
        this.now(),
        this.#attempts.get(resp),
      );
    }
    return resp;
  }

  /**
   * `promise` (something the request waits for before it is sent: a token, an
   * endpoint), within the request's signal and timeout.
   */
  #wait<T>(
    promise: Promise<T>,
    req: Prepared,
    signal: AbortSignal | undefined,
    policy: Policy,
  ): Promise<T> {
    return boundedWait(
      promise,
      signal,
      policy.timeout,
      () => `${req.method} ${redactUrl(req.url)}: waiting for the auth plugin (token, endpoint)`,
    );
  }

  /**
   * The credentials to retry a 401 with, or `undefined` for no retry. When the
   * plugin already has other credentials than the rejected ones (a concurrent
   * request got a 401 first and re-authenticated, or is re-authenticating),
   * those are used and not invalidated again; otherwise the plugin is
   * invalidated and asked anew. Every request whose 401 arrives while or
   * after another one re-authenticates so retries with the new credentials:
   * an `invalidate()` that finds nothing to forget (another request already
   * did) still looks for new credentials.
   */
  async #renewedAuthHeaders(
    auth: AuthPlugin,
    rejected: Readonly<Record<string, string>>,
  ): Promise<Record<string, string> | undefined> {
    const changed = (headers: Record<string, string> | undefined): boolean => {
      if (!headers) return false;
      const keys = Object.keys(headers);
      return keys.length !== Object.keys(rejected).length ||
        keys.some((k) => headers[k] !== rejected[k]);
    };
    const current = await auth.getHeaders(this);
    if (current && changed(current)) return current;
    if (await auth.invalidate()) return await this.getAuthHeaders(auth);
    // Nothing to forget: another request invalidated first and re-authenticates (this
    // joins it), or the plugin cannot renew (the same headers again: no retry).
    const renewed = await auth.getHeaders(this);
    return changed(renewed) ? renewed : undefined;
  }

  /**
   * Follows the redirect `resp` answered to `first` (fetch runs with
   * `redirect: "manual"`), at most `redirectLimit` (30) of them. Credential
   * headers go along only to the same origin or to trusted origins (the
   * plugin's headers, `first.secretHeaders`, and every
   * {@linkcode SENSITIVE_HEADERS} are dropped otherwise, and so is user info
   * in the Location's URL, which fetch would send as Authorization); a body holding
   * secrets is not sent again to an origin they would not go to
   * ({@linkcode UntrustedOrigin}); an identity request follows no redirect to
   * another origin at all; a redirect to anything but http(s) is refused.
   */
  async #follow(
    first: Prepared,
    redirect: Response,
    signal: AbortSignal | undefined,
    policy: Policy,
    trusted: Set<string> | undefined,
  ): Promise<Followed> {
    const limit = this.#options.redirectLimit ?? 30;
    const firstOrigin = originOf(first.url);
    let req = first;
    let resp = redirect;
    let credentialed = true;
    for (let hops = 0;; hops++) {
      const location = resp.headers.get("location");
      if (!location) return { resp, credentialed };
      const toGet = resp.status === 303 ||
        ((resp.status === 301 || resp.status === 302) && req.method === "POST");
      // A streamed body cannot be sent again: hand the redirect to the caller.
      if (!toGet && req.body instanceof ReadableStream) return { resp, credentialed };
      await resp.body?.cancel();
      if (hops >= limit) {
        throw new TooManyRedirects(
          `${first.method} ${redactUrl(first.url)}: more than ${limit} redirects, last to ` +
            redactUrl(location),
        );
      }
      let nextUrl: URL;
      try {
        nextUrl = new URL(location, req.url);
      } catch {
        throw new ConnectFailure(
          `${req.method} ${redactUrl(req.url)}: the redirect Location is not a URL`,
        );
      }
      if (nextUrl.protocol !== "http:" && nextUrl.protocol !== "https:") {
        throw new UntrustedOrigin(
          `${req.method} ${redactUrl(req.url)}: refusing to follow a redirect to a ` +
            `${nextUrl.protocol} URL`,
        );
      }
      if (first.identity && nextUrl.origin !== firstOrigin) {
        throw new UntrustedOrigin(
          `${first.method} ${redactUrl(first.url)}: the identity service redirected ` +
            `(HTTP ${resp.status}) to another origin, ${redactUrl(nextUrl.href)}; identity ` +
            "requests carry credentials and follow no redirect to another origin (give that " +
            "URL as the auth URL if it is your identity service)",
        );
      }
      const headers: HeaderRecord = { ...req.headers };
      const keepCredentials = nextUrl.origin === originOf(req.url) ||
        (trusted?.has(nextUrl.origin) ?? false);
      if (!keepCredentials) {
        if (!toGet && bodySecrets(req.bodyText).length > 0) {
          throw new UntrustedOrigin(
            `${req.method} ${redactUrl(req.url)}: refusing to follow the redirect (HTTP ` +
              `${resp.status}) to ${redactUrl(nextUrl.href)}: the request body holds ` +
              "secrets and that origin is not trusted with them",
          );
        }
        credentialed = false;
        // User info in a URL becomes an Authorization header: a credential too.
        nextUrl.username = "";
        nextUrl.password = "";
        for (const h of SENSITIVE_HEADERS) delete headers[h];
        for (const h of first.secretHeaders ?? []) delete headers[h.toLowerCase()];
      }
      if (toGet) {
        delete headers["content-type"];
        delete headers["content-length"];
      }
      req = {
        method: toGet ? (req.method === "HEAD" ? "HEAD" : "GET") : req.method,
        url: nextUrl.toString(),
        headers,
        body: toGet ? undefined : req.body,
        bodyText: toGet ? undefined : req.bodyText,
        secretHeaders: req.secretHeaders,
        earlierSecrets: secretsOf(first),
        ...(req.limits ? { limits: req.limits } : {}),
      };
      resp = await this.#send(req, signal, policy);
      if (!REDIRECT_STATUSES.has(resp.status)) return { resp, credentialed };
    }
  }

  /** Sends `req`, again after connection failures and retriable statuses as `policy` allows. */
  async #send(req: Prepared, signal: AbortSignal | undefined, policy: Policy): Promise<Response> {
    const logger = policy.logger;
    const guarded = signal !== undefined || policy.timeout !== undefined ||
      this.#semaphore !== undefined || this.#rate !== undefined || req.limits !== undefined;
    let connectAttempt = 0;
    let statusAttempt = 0;
    for (let attempt = 1;; attempt++) {
      signal?.throwIfAborted();
      const init = fetchInit(req);
      const secrets = logger ? secretsOf(req) : undefined;
      if (logger) {
        await logRequest(logger, {
          method: req.method,
          url: req.url,
          headers: new Headers(req.headers),
          body: req.bodyText,
          secretHeaders: req.secretHeaders,
          secrets,
        });
      }
      const started = logger || this.#timings ? performance.now() : 0;
      let resp: Response;
      try {
        resp = guarded
          ? await this.#fetchGuarded(req, init, policy.timeout, signal, logger)
          : await this.#getTransport()(req.url, init);
      } catch (err) {
        const failure = fetchFailure(err, req.url, signal);
        // A streamed body is consumed by the first attempt: it is never sent twice.
        const replayable = !(req.body instanceof ReadableStream);
        // A refused connection sent nothing: even a POST may go again.
        const resendable = (replayable && isConnectionRefused(failure.cause)) ||
          this.#mayResend(req, policy);
        if (connectAttempt < policy.connectRetries && resendable) {
          const delay = backoffDelay(connectAttempt, this.#backoff());
          connectAttempt++;
          logger?.debug(
            retryNote(req, delay, connectAttempt, policy.connectRetries, failure.message),
          );
          await sleep(delay, signal);
          continue;
        }
        const note = connectAttempt < policy.connectRetries
          ? notResentReason(req.method, replayable)
          : "";
        throw finalConnectError(failure, req, attempt, policy.timeout, note);
      }
      if (resp.status === 0) throw opaqueRedirect(req);
      this.#timings?.record(req.method, req.url, resp.status, performance.now() - started);
      if (logger) {
        await logResponse(logger, {
          method: req.method,
          url: req.url,
          status: resp.status,
          headers: resp.headers,
          body: await this.#loggableBody(resp),
          elapsedMs: performance.now() - started,
          secrets,
        });
      }
      if (
        statusAttempt < policy.statusRetries && policy.retriable.includes(resp.status) &&
        this.#mayResend(req, policy)
      ) {
        const header = resp.headers.get("retry-after");
        const after = parseRetryAfter(header, this.now());
        await resp.body?.cancel();
        const backoff = this.#backoff();
        const delay = after !== undefined
          ? Math.min(after * 1000, backoff.maxMs)
          : backoffDelay(statusAttempt, backoff);
        statusAttempt++;
        const why = `HTTP ${resp.status}` + (header !== null ? ` (Retry-After: ${header})` : "");
        logger?.debug(retryNote(req, delay, statusAttempt, policy.statusRetries, why));
        await sleep(delay, signal);
        continue;
      }
      if (attempt > 1) this.#attempts.set(resp, attempt);
      return resp;
    }
  }

  /** Whether `req` may be sent again after it may have reached the server. */
  #mayResend(req: Prepared, policy: Policy): boolean {
    return !(req.body instanceof ReadableStream) &&
      (isIdempotent(req.method) || policy.retryNonIdempotent);
  }

  #backoff(): { baseMs: number | undefined; maxMs: number } {
    return { baseMs: this.#options.retryDelay, maxMs: this.#options.maxRetryDelay ?? 60_000 };
  }

  /**
   * One attempt with a concurrency slot, the per-attempt timeout and the
   * caller's signal. A timeout becomes {@linkcode ConnectTimeout}.
   */
  async #fetchGuarded(
    req: Prepared,
    init: RequestInit,
    timeout: number | undefined,
    signal: AbortSignal | undefined,
    logger?: Logger,
  ): Promise<Response> {
    const url = req.url;
    // Waiting for a slot or the rate limit is not part of the attempt's timeout.
    const release = this.#semaphore || this.#rate || req.limits
      ? await acquireLimits(
        req.limits,
        this.#semaphore,
        this.#rate,
        this.#now,
        signal,
        logger &&
          ((ms) =>
            logger.debug(
              `rate limit: ${req.method} ${redactUrl(url)} waited ${Math.round(ms)} ms`,
            )),
      )
      : undefined;
    try {
      const timeoutSignal = timeout !== undefined ? AbortSignal.timeout(timeout) : undefined;
      const combined = signal && timeoutSignal
        ? AbortSignal.any([signal, timeoutSignal])
        : signal ?? timeoutSignal;
      if (combined) init.signal = combined;
      try {
        const resp = await this.#getTransport()(url, init);
        // The timeout also bounds reading the body: a ConnectTimeout then, not a DOMException.
        return timeoutSignal
          ? timedBody(
            resp,
            timeoutSignal,
            signal,
            `${req.method} ${redactUrl(url)}`,
            timeout!,
          )
          : resp;
      } catch (err) {
        if (timeoutSignal?.aborted && !signal?.aborted) {
          throw new ConnectTimeout(`timed out after ${timeout} ms`, { cause: err });
        }
        throw err;
      }
    } finally {
      release?.();
    }
  }

  /**
   * The body text to log: JSON and text bodies with a Content-Length up to
   * 1 MiB (read from a clone, so the caller still gets the whole body); a
   * note for others. Streamed bodies are never buffered for logging.
   */
  async #loggableBody(resp: Response): Promise<string | undefined> {
    if (resp.body === null) return undefined;
    const type = resp.headers.get("content-type") ?? "";
    const lengthHeader = resp.headers.get("content-length");
    const length = lengthHeader === null ? NaN : Number(lengthHeader);
    if (!/json|text/i.test(type)) {
      return type ? `<omitted: Content-Type is ${type}>` : undefined;
    }
    if (!(length <= 1 << 20)) {
      return lengthHeader === null ? "<omitted: no Content-Length>" : "<omitted: over 1 MiB>";
    }
    try {
      return await resp.clone().text();
    } catch {
      return undefined;
    }
  }

  /** `request(url, { ...options, method: "GET" })`. */
  get(url: string, options: RequestOptions = {}): Promise<Response> {
    return this.request === SESSION.request
      ? this.#request(url, options ?? {}, "GET")
      : this.request(url, { ...options, method: "GET" });
  }
  /** `request(url, { ...options, method: "POST" })`. */
  post(url: string, options: RequestOptions = {}): Promise<Response> {
    return this.request === SESSION.request
      ? this.#request(url, options ?? {}, "POST")
      : this.request(url, { ...options, method: "POST" });
  }
  /** `request(url, { ...options, method: "PUT" })`. */
  put(url: string, options: RequestOptions = {}): Promise<Response> {
    return this.request === SESSION.request
      ? this.#request(url, options ?? {}, "PUT")
      : this.request(url, { ...options, method: "PUT" });
  }
  /** `request(url, { ...options, method: "PATCH" })`. */
  patch(url: string, options: RequestOptions = {}): Promise<Response> {
    return this.request === SESSION.request
      ? this.#request(url, options ?? {}, "PATCH")
      : this.request(url, { ...options, method: "PATCH" });
  }
  /** `request(url, { ...options, method: "DELETE" })`. */
  delete(url: string, options: RequestOptions = {}): Promise<Response> {
    return this.request === SESSION.request
      ? this.#request(url, options ?? {}, "DELETE")
      : this.request(url, { ...options, method: "DELETE" });
  }
  /** `request(url, { ...options, method: "HEAD" })`. */
  head(url: string, options: RequestOptions = {}): Promise<Response> {
    return this.request === SESSION.request
      ? this.#request(url, options ?? {}, "HEAD")
      : this.request(url, { ...options, method: "HEAD" });
  }

  /**
   * The items of a paginated list, page by page (a page is requested when
   * the items before it have been taken): next links as each service gives
   * them (`<key>_links`, `links`, `next`, a `Link` header), else markers
   * when `limit` is set. See {@linkcode PaginateOptions}. Throws
   * `PaginationError` for a next link that repeats or a page without a
   * list, `UntrustedOrigin` for a next link to another origin (nothing is
   * sent there), and what `request` throws.
   *
   * @example
   * ```ts ignore
   * for await (const image of sess.paginate<{ id: string }>("/v2/images", {
   *   endpointFilter: { serviceType: "image" }, limit: 100,
   * })) console.log(image.id);
   * ```
   */
  paginate<T = unknown>(url: string, options: PaginateOptions = {}): AsyncIterableIterator<T> {
    return paginateList<T>(this, url, options);
  }

  /**
   * Sends a request (as `request`, with the same errors) and returns its
   * parsed JSON body, typed as `T` (not checked). A body that is not JSON,
   * or no body (204, HEAD), is an `InvalidResponse`.
   *
   * @example
   * ```ts ignore
   * const { versions } = await sess.requestJson<{ versions: unknown[] }>(
   *   "http://127.0.0.1:8778/", { method: "GET", authenticated: false },
   * );
   * ```
   */
  requestJson<T = unknown>(url: string, options: RequestOptions = {}): Promise<T> {
    return requestJson<T>(this, url, options);
  }

  /** `requestJson(url, { ...options, method: "GET" })`: the parsed JSON body of a GET. */
  getJson<T = unknown>(url: string, options: RequestOptions = {}): Promise<T> {
    return requestJson<T>(this, url, options, "GET");
  }

  /**
   * The timings collected since the session was made or `resetTimings()`
   * (needs `collectTiming: true`; else empty): one per HTTP response
   * received (redirect hops, retried attempts, 401s before re-auth and
   * errors included), oldest first, URLs redacted. keystoneauth1's
   * `get_timings()`.
   */
  getTimings(): RequestTiming[] {
    return this.#timings?.list() ?? [];
  }

  /** Forgets the collected timings (keystoneauth1's `reset_timings()`). */
  resetTimings(): void {
    this.#timings?.reset();
  }

  /**
   * The version data of every service in the catalog (keystoneauth1's
   * `get_all_version_data`): region -> interface -> service type -> versions,
   * oldest first. `filter.interface` defaults to the session's interface,
   * else `"public"` (`null`: every interface); `regionName` to the session's
   * region, else every region.
   *
   * @example
   * ```ts ignore
   * const all = await sess.getAllVersionData();
   * all.RegionOne.public.compute; // [{ version: "2.0", ... }, { version: "2.1", maxMicroversion: "2.93", ... }]
   * ```
   */
  getAllVersionData(filter: AllVersionDataFilter = {}, auth?: AuthPlugin): Promise<AllVersionData> {
    const defaults: AllVersionDataFilter = {};
    if (this.defaultFilter.interface !== undefined) {
      defaults.interface = this.defaultFilter.interface;
    }
    if (this.defaultFilter.regionName !== undefined) {
      defaults.regionName = this.defaultFilter.regionName;
    }
    return getAllVersionData(
      this,
      filter && typeof filter === "object" ? { ...defaults, ...filter } : filter,
      auth,
    );
  }
}

/** The Session's own methods, to tell when a subclass replaced one (see #request). */
const SESSION = Session.prototype;

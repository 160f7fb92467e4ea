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
import { hostPort, permissionErrorFor } from "../net/permissions.ts";
import {
  checkTransportOptions,
  createTransport,
  runtimeTag,
  type Transport,
} from "../net/transport.ts";
import { officialServiceType } from "../catalog/service_types.ts";
import type { AuthPlugin, EndpointDataFilter, EndpointFilter, Logger } from "../types.ts";
import { VERSION } from "../version.ts";
import { backoffDelay, isConnectionRefused, isIdempotent, sleep } from "./retry.ts";
import type { RequestOptions, SessionOptions } from "./options.ts";
import { Semaphore } from "./semaphore.ts";
import { HeaderMap } from "./header_map.ts";
import type { EndpointData } from "../discovery/endpoint_data.ts";
import { getEndpointData, needsProjectId, substituteProjectId } from "../discovery/discover.ts";
import { safeInspect } from "../secret.ts";

export type { RequestOptions, SessionOptions } from "./options.ts";

const REDIRECT_STATUSES: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);

function isAbsoluteUrl(url: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(url);
}

/** Joins a base URL and a path as keystoneauth1 does (`base/` + `path`). */
export function joinUrl(base: string, path: string): string {
  if (path === "") return base;
  let end = base.length;
  while (end > 0 && base.charCodeAt(end - 1) === 47) end--; // trailing "/"
  let start = 0;
  while (start < path.length && path.charCodeAt(start) === 47) start++; // leading "/"
  return `${base.slice(0, end)}/${path.slice(start)}`;
}

// Origins by the URL's text up to the first "/" after "//" (a prefix that holds
// the whole authority, so parsing it gives the same origin as parsing the URL).
const ORIGINS = new Map<string, string | undefined>();

function originOf(url: string): string | undefined {
  const slash = url.indexOf("/", url.indexOf("//") + 2);
  const key = slash < 0 ? url : url.slice(0, slash);
  if (ORIGINS.has(key)) return ORIGINS.get(key);
  let origin: string | undefined;
  try {
    origin = new URL(key).origin;
  } catch {
    origin = undefined;
  }
  if (ORIGINS.size >= 512) ORIGINS.clear();
  ORIGINS.set(key, origin);
  return origin;
}

/** Throws {@linkcode UntrustedOrigin} unless `url`'s origin is in `trusted`. */
function checkTrusted(url: string, trusted: ReadonlySet<string>): void {
  const origin = originOf(url);
  if (!origin || !trusted.has(origin)) {
    throw new UntrustedOrigin(
      `refusing to send credentials to ${origin ?? "a URL without an origin"}: it is not ` +
        "the auth URL's origin, in the catalog, an endpointOverride or in trustedOrigins",
    );
  }
}

function nonNegativeInt(value: unknown, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0) {
    throw new OptionError(`${name} must be a non-negative integer, got ${String(value)}`);
  }
  return value;
}

function positiveNumber(value: unknown, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !(value > 0) || !Number.isFinite(value)) {
    throw new OptionError(`${name} must be a positive number of milliseconds`);
  }
  return value;
}

function nonNegativeMs(value: unknown, name: string): void {
  if (value === undefined) return;
  if (typeof value !== "number" || !(value >= 0) || !Number.isFinite(value)) {
    throw new OptionError(`${name} must be a non-negative number of milliseconds`);
  }
}

/** The message of a fetch error, with the URL redacted; Node's "fetch failed" gets its cause. */
function errorDetail(err: unknown, url: string): string {
  let detail = (err as Error)?.message ?? String(err);
  const cause = (err as { cause?: { message?: unknown } })?.cause?.message;
  if (typeof cause === "string" && cause !== "" && !detail.includes(cause)) {
    detail = `${detail}: ${cause}`;
  }
  const safe = redactUrl(url);
  return safe === url ? detail : detail.replaceAll(url, safe);
}

/** Why a failed request was not sent again although retries were left. */
function notResentReason(method: string, replayable: boolean): string {
  return replayable
    ? `; not retried: ${method} is not idempotent and may have reached the server ` +
      "(retryNonIdempotent: true allows it)"
    : "; not retried: the body is a stream and cannot be sent again";
}

/** The debug line logged before a retry. */
function retryNote(
  req: { method: string; url: string },
  delayMs: number,
  retry: number,
  retries: number,
  why: string,
): string {
  return `retrying ${req.method} ${redactUrl(req.url)} in ${Math.round(delayMs)} ms ` +
    `(retry ${retry} of ${retries}) after: ${why}`;
}

/** The error a request ends with after its last attempt failed to connect. */
function finalConnectError(
  err: ConnectFailure,
  req: { method: string; url: string },
  attempts: number,
  timeout: number | undefined,
  note: string,
): ConnectFailure {
  const target = `${req.method} ${redactUrl(req.url)}`;
  if (err instanceof ConnectTimeout) {
    return new ConnectTimeout(
      `${target} timed out after ${timeout} ms` +
        (attempts > 1 ? ` (${attempts} attempts)` : "") + note,
      { cause: err.cause },
    );
  }
  return new ConnectFailure(
    `${target} failed${attempts > 1 ? ` after ${attempts} attempts` : ""}: ${err.message}${note}`,
    { cause: err.cause },
  );
}

interface Prepared {
  method: string;
  url: string;
  headers: HeaderMap;
  body: BodyInit | null | undefined;
  bodyText: string | undefined;
  /** Names of the auth plugin's headers: hashed in logs whatever they are called. */
  secretHeaders?: readonly string[];
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
  readonly #additionalHeaders: HeaderMap;
  readonly #now: () => number;
  readonly #semaphore: Semaphore | undefined;
  /** The plugin's frozen trusted-origins list -> the whole trusted set (see #trusted). */
  readonly #trustedSets: WeakMap<readonly string[], Set<string>> = new WeakMap();
  /** Responses that took more than one attempt -> attempts (for error messages). */
  readonly #attempts: WeakMap<Response, number> = new WeakMap();
  #transport: Transport | undefined;

  /** Creates a session. Throws `OptionError` on bad options. */
  constructor(options: SessionOptions = {}) {
    if (options === null || typeof options !== "object") {
      throw new OptionError("Session options must be an object");
    }
    this.#options = { ...options };
    this.auth = options.auth;
    this.verify = options.verify ?? true;
    checkTransportOptions({ verify: this.verify, cert: options.cert });
    this.cert = options.cert;
    this.timeout = positiveNumber(options.timeout, "timeout");
    this.connectRetries = nonNegativeInt(options.connectRetries, "connectRetries") ?? 0;
    this.statusCodeRetries = nonNegativeInt(options.statusCodeRetries, "statusCodeRetries") ?? 0;
    this.retriableStatusCodes = options.retriableStatusCodes ?? [503];
    const maxConcurrency = nonNegativeInt(options.maxConcurrency, "maxConcurrency");
    if (maxConcurrency === 0) throw new OptionError("maxConcurrency must be at least 1");
    this.#semaphore = maxConcurrency ? new Semaphore(maxConcurrency) : undefined;
    nonNegativeInt(options.redirectLimit, "redirectLimit");
    nonNegativeMs(options.retryDelay, "retryDelay");
    nonNegativeMs(options.maxRetryDelay, "maxRetryDelay");
    this.logger = options.logger;
    this.discoveryCache = options.discoveryCache ?? new DiscoveryCache();
    this.#now = options.now ?? Date.now;
    this.#additionalHeaders = HeaderMap.from(options.additionalHeaders);
    const app = options.appName
      ? `${options.appName}${options.appVersion ? `/${options.appVersion}` : ""} `
      : "";
    this.userAgent = options.userAgent ?? `${app}osauth/${VERSION} ${runtimeTag()}`.trim();
    this.defaultFilter = {
      ...(options.interface !== undefined ? { interface: options.interface } : {}),
      ...(options.regionName !== undefined ? { regionName: options.regionName } : {}),
    };
    this.endpointOverrides = Object.fromEntries(
      Object.entries(options.endpointOverrides ?? {}).map(([k, v]) => [officialServiceType(k), v]),
    );
    this.apiVersions = Object.fromEntries(
      Object.entries(options.apiVersions ?? {}).map(([k, v]) => [officialServiceType(k), v]),
    );
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
    const merged = this.mergeFilter(filter);
    if (merged.endpointOverride) return merged.endpointOverride;
    const override = merged.serviceType
      ? this.endpointOverrides[officialServiceType(merged.serviceType)]
      : undefined;
    if (
      override === undefined &&
      (merged.version !== undefined || merged.minVersion !== undefined ||
        merged.maxVersion !== undefined)
    ) {
      return (await this.getEndpointData(merged, auth)).serviceUrl;
    }
    if (override !== undefined) return override;
    const url = await this.#authOf(auth).getEndpoint(this, merged);
    if (!url) {
      throw new EndpointNotFound(
        `the auth plugin has no endpoint for ${JSON.stringify(merged)}`,
      );
    }
    return url;
  }

  /**
   * Endpoint metadata after version discovery: catalog URL, service URL,
   * API version and microversion range.
   */
  getEndpointData(filter: EndpointDataFilter, auth?: AuthPlugin): Promise<EndpointData> {
    return getEndpointData(this, this.mergeFilter(filter), auth ?? this.auth);
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
    const origins = plugin ? new Set(await this.#trusted(plugin, [])) : this.#sessionTrusted([]);
    const endpoint = (plugin as { endpoint?: unknown } | undefined)?.endpoint;
    if (typeof endpoint === "string") {
      const o = originOf(endpoint);
      if (o) origins.add(o);
    }
    return [...new Set([...origins].map(hostPort))].sort();
  }

  #sessionTrusted(overrides: readonly (string | undefined)[]): Set<string> {
    const set = new Set<string>(this.trustedOrigins);
    for (const url of [...Object.values(this.endpointOverrides), ...overrides]) {
      const o = url ? originOf(url) : undefined;
      if (o) set.add(o);
    }
    return set;
  }

  /**
   * Origins trusted with credentials: the plugin's (auth URL, catalog) and the
   * session's. Not to be modified: without per-request overrides the set is
   * shared for as long as the plugin returns the same frozen origins list
   * (identity plugins do until they re-authenticate), so that requests do not
   * rebuild it.
   */
  async #trusted(
    auth: AuthPlugin,
    overrides: readonly (string | undefined)[],
  ): Promise<Set<string>> {
    const list = auth.getTrustedOrigins ? await auth.getTrustedOrigins(this) : [];
    const cacheable = Object.isFrozen(list) && overrides.every((o) => o === undefined);
    const cached = cacheable ? this.#trustedSets.get(list) : undefined;
    if (cached) return cached;
    const set = this.#sessionTrusted(overrides);
    for (const o of list) {
      const origin = originOf(o);
      if (origin) set.add(origin);
    }
    if (cacheable) this.#trustedSets.set(list, set);
    return set;
  }

  async #resolveUrl(url: string, options: RequestOptions, auth: AuthPlugin | undefined) {
    if (typeof url !== "string") throw new OptionError("url must be a string");
    if (isAbsoluteUrl(url)) return url;
    let base: string | undefined;
    if (options.endpointOverride) {
      base = options.endpointOverride;
      if (needsProjectId(base)) {
        // As Adapter and discovery do: no project id is an OptionError, not "".
        base = substituteProjectId(base, auth ? await this.getProjectId(auth) : undefined);
      }
    } else if (options.endpointFilter) {
      base = await this.getEndpoint(options.endpointFilter, auth);
    } else {
      throw new OptionError(
        `a relative URL (${url}) needs an endpointFilter or endpointOverride`,
      );
    }
    return joinUrl(base, url);
  }

  async #prepare(
    url: string,
    options: RequestOptions,
    auth: AuthPlugin | undefined,
  ): Promise<Prepared> {
    const method = (options.method ?? "GET").toUpperCase();
    const headers = new HeaderMap(this.#additionalHeaders);
    headers.merge(options.headers);
    if (!headers.has("user-agent")) headers.set("User-Agent", this.userAgent);
    let body: BodyInit | null | undefined = options.body;
    let bodyText: string | undefined = typeof body === "string" ? body : undefined;
    if (options.json !== undefined) {
      bodyText = JSON.stringify(options.json);
      body = bodyText;
      if (!headers.has("content-type")) headers.set("Content-Type", "application/json");
      if (!headers.has("accept")) headers.set("Accept", "application/json");
    }
    if (options.globalRequestId !== undefined) {
      if (!/^req-[0-9a-f-]{36}$/i.test(options.globalRequestId)) {
        throw new OptionError(
          `globalRequestId must look like req-<uuid>, got ${options.globalRequestId}`,
        );
      }
      headers.set("X-OpenStack-Request-ID", options.globalRequestId);
    }
    if (options.microversion !== undefined) {
      const type = options.microversionServiceType ?? options.endpointFilter?.serviceType;
      if (!type) {
        throw new OptionError(
          "microversion needs microversionServiceType or an endpointFilter with serviceType",
        );
      }
      for (const [k, v] of Object.entries(microversionHeaders(type, options.microversion))) {
        headers.set(k, v);
      }
    }
    const resolved = await this.#resolveUrl(url, options, auth);
    return { method, url: resolved, headers, body, bodyText } satisfies Prepared;
  }

  /**
   * Sends a request and returns the standard `Response`. Relative URLs are
   * joined to the endpoint the filter selects; absolute URLs are used as is.
   * Status >= 400 throws an `HttpError` unless `raiseExc: false`.
   */
  async request(url: string, options: RequestOptions = {}): Promise<Response> {
    const auth = options.auth ?? this.auth;
    const authenticated = options.authenticated ?? auth !== undefined;
    if (authenticated && !auth) {
      throw new MissingAuthPlugin("an auth plugin is required for an authenticated request");
    }
    // The request's plugin resolves a relative URL even when no token is sent (keystoneauth1).
    const prepared = await this.#prepare(url, options, auth);
    const overrides = [
      options.endpointOverride,
      (options.endpointFilter as EndpointDataFilter | undefined)?.endpointOverride,
    ];
    let trusted: Set<string> | undefined;
    let sentAuth: Record<string, string> = {};
    if (authenticated && auth) {
      const authHeaders = await this.getAuthHeaders(auth);
      sentAuth = authHeaders;
      if (auth.getTrustedOrigins || this.trustedOrigins.length > 0) {
        // Checked before anything is sent to the request's origin.
        trusted = await this.#trusted(auth, overrides);
        checkTrusted(prepared.url, trusted);
      }
      for (const [k, v] of Object.entries(authHeaders)) prepared.headers.set(k, v);
      prepared.secretHeaders = Object.keys(authHeaders);
    }
    let resp = await this.#sendFollowing(prepared, options, trusted);
    if (resp.status === 401 && authenticated && auth && (options.allowReauth ?? true)) {
      const authHeaders = await this.#renewedAuthHeaders(auth, sentAuth);
      if (authHeaders) {
        await resp.body?.cancel();
        for (const [k, v] of Object.entries(authHeaders)) prepared.headers.set(k, v);
        prepared.secretHeaders = [...(prepared.secretHeaders ?? []), ...Object.keys(authHeaders)];
        if (trusted) {
          // The new token's catalog may no longer hold the request's origin.
          trusted = await this.#trusted(auth, overrides);
          checkTrusted(prepared.url, trusted);
        }
        resp = await this.#sendFollowing(prepared, options, trusted);
      }
    }
    if ((options.raiseExc ?? true) && resp.status >= 400) {
      throw await httpErrorFromResponse(
        resp,
        prepared.method,
        redactUrl(prepared.url),
        this.now(),
        this.#attempts.get(resp),
      );
    }
    return resp;
  }

  /**
   * The credentials to retry a 401 with, or `undefined` for no retry. When the
   * plugin already has other credentials than the rejected ones (a concurrent
   * request got a 401 first and re-authenticated), those are used and not
   * invalidated again; otherwise the plugin is invalidated and asked anew.
   */
  async #renewedAuthHeaders(
    auth: AuthPlugin,
    rejected: Readonly<Record<string, string>>,
  ): Promise<Record<string, string> | undefined> {
    const current = await auth.getHeaders(this);
    if (current) {
      const keys = Object.keys(current);
      const changed = keys.length !== Object.keys(rejected).length ||
        keys.some((k) => current[k] !== rejected[k]);
      if (changed) return current;
    }
    if (!(await auth.invalidate())) return undefined;
    return await this.getAuthHeaders(auth);
  }

  /**
   * Sends and follows redirects itself (fetch runs with `redirect: "manual"`),
   * at most `redirectLimit` (30) of them. Credential headers go along only to
   * the same origin or to trusted origins (the plugin's headers,
   * `first.secretHeaders`, and every {@linkcode SENSITIVE_HEADERS} are dropped
   * otherwise); a redirect to anything but http(s) is refused.
   */
  async #sendFollowing(
    first: Prepared,
    options: RequestOptions,
    trusted: Set<string> | undefined,
  ): Promise<Response> {
    const limit = this.#options.redirectLimit ?? 30;
    let req = first;
    for (let hops = 0;; hops++) {
      const resp = await this.#sendWithRetries(req, options);
      // Status first: reading resp.headers materialises a Headers object.
      if (options.redirect === false || !REDIRECT_STATUSES.has(resp.status)) return resp;
      const location = resp.headers.get("location");
      if (!location) return resp;
      const toGet = resp.status === 303 ||
        ((resp.status === 301 || resp.status === 302) && req.method === "POST");
      // A streamed body cannot be sent again: hand the redirect to the caller.
      if (!toGet && req.body instanceof ReadableStream) return resp;
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
      const next = nextUrl.toString();
      const headers = new HeaderMap(req.headers);
      const keepCredentials = nextUrl.origin === originOf(req.url) ||
        (trusted?.has(nextUrl.origin) ?? false);
      if (!keepCredentials) {
        for (const h of SENSITIVE_HEADERS) headers.delete(h);
        for (const h of first.secretHeaders ?? []) headers.delete(h);
      }
      if (toGet) {
        headers.delete("content-type");
        headers.delete("content-length");
      }
      req = {
        method: toGet ? (req.method === "HEAD" ? "HEAD" : "GET") : req.method,
        url: next,
        headers,
        body: toGet ? undefined : req.body,
        bodyText: toGet ? undefined : req.bodyText,
        secretHeaders: req.secretHeaders,
      };
    }
  }

  async #sendWithRetries(req: Prepared, options: RequestOptions): Promise<Response> {
    const connectRetries = nonNegativeInt(options.connectRetries, "connectRetries") ??
      this.connectRetries;
    const statusRetries = nonNegativeInt(options.statusCodeRetries, "statusCodeRetries") ??
      this.statusCodeRetries;
    const retriable = options.retriableStatusCodes ?? this.retriableStatusCodes;
    const timeout = positiveNumber(options.timeout, "timeout") ?? this.timeout;
    const logger = options.logger ?? this.logger;
    const signal = options.signal;
    // A streamed body is consumed by the first attempt: it is never sent twice.
    const replayable = !(req.body instanceof ReadableStream);
    const mayResend = replayable &&
      (isIdempotent(req.method) ||
        (options.retryNonIdempotent ?? this.#options.retryNonIdempotent ?? false));
    const maxDelay = this.#options.maxRetryDelay ?? 60_000;
    const backoff = { baseMs: this.#options.retryDelay, maxMs: maxDelay };
    let connectAttempt = 0;
    let statusAttempt = 0;
    for (let attempt = 1;; attempt++) {
      signal?.throwIfAborted();
      if (logger) {
        await logRequest(logger, {
          method: req.method,
          url: req.url,
          headers: req.headers.toHeaders(),
          body: req.bodyText,
          secretHeaders: req.secretHeaders,
        });
      }
      const started = performance.now();
      let resp: Response;
      try {
        resp = await this.#fetchOnce(req, timeout, signal);
      } catch (err) {
        if (!(err instanceof ConnectFailure)) throw err;
        // A refused connection sent nothing: even a POST may go again.
        const resendable = mayResend || (replayable && isConnectionRefused(err.cause));
        if (connectAttempt < connectRetries && resendable) {
          const delay = backoffDelay(connectAttempt, backoff);
          connectAttempt++;
          logger?.debug(retryNote(req, delay, connectAttempt, connectRetries, err.message));
          await sleep(delay, signal);
          continue;
        }
        const note = connectAttempt < connectRetries ? notResentReason(req.method, replayable) : "";
        throw finalConnectError(err, req, attempt, timeout, note);
      }
      if (logger) {
        await logResponse(logger, {
          method: req.method,
          url: req.url,
          status: resp.status,
          headers: resp.headers,
          body: await this.#loggableBody(resp),
          elapsedMs: performance.now() - started,
        });
      }
      if (retriable.includes(resp.status) && statusAttempt < statusRetries && mayResend) {
        const header = resp.headers.get("retry-after");
        const after = parseRetryAfter(header, this.now());
        await resp.body?.cancel();
        const delay = after !== undefined
          ? Math.min(after * 1000, maxDelay)
          : backoffDelay(statusAttempt, backoff);
        statusAttempt++;
        const why = `HTTP ${resp.status}` + (header !== null ? ` (Retry-After: ${header})` : "");
        logger?.debug(retryNote(req, delay, statusAttempt, statusRetries, why));
        await sleep(delay, signal);
        continue;
      }
      if (attempt > 1) this.#attempts.set(resp, attempt);
      return resp;
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

  async #fetchOnce(
    req: Prepared,
    timeout: number | undefined,
    signal: AbortSignal | undefined,
  ): Promise<Response> {
    // Waiting for a slot is not part of the attempt's timeout.
    const release = this.#semaphore ? await this.#semaphore.acquire(signal) : undefined;
    try {
      const timeoutSignal = timeout !== undefined ? AbortSignal.timeout(timeout) : undefined;
      const combined = signal && timeoutSignal
        ? AbortSignal.any([signal, timeoutSignal])
        : signal ?? timeoutSignal;
      try {
        // Only the keys in use, and headers as a plain record: Deno's fetch is
        // measurably slower with a Headers object and explicit undefined keys.
        const init: RequestInit = {
          method: req.method,
          headers: req.headers.toRecord(),
          redirect: "manual",
        };
        if (req.body !== undefined && req.body !== null) init.body = req.body;
        if (combined) init.signal = combined;
        return await this.#getTransport()(req.url, init);
      } catch (err) {
        if (signal?.aborted) throw signal.reason;
        if (timeoutSignal?.aborted) {
          throw new ConnectTimeout(`timed out after ${timeout} ms`, { cause: err });
        }
        const denied = permissionErrorFor(err, req.url);
        if (denied) throw denied;
        if (err instanceof OptionError) throw err;
        throw new ConnectFailure(errorDetail(err, req.url), { cause: err });
      }
    } finally {
      release?.();
    }
  }

  /** `request(url, { ...options, method: "GET" })`. */
  get(url: string, options: RequestOptions = {}): Promise<Response> {
    return this.request(url, { ...options, method: "GET" });
  }
  /** `request(url, { ...options, method: "POST" })`. */
  post(url: string, options: RequestOptions = {}): Promise<Response> {
    return this.request(url, { ...options, method: "POST" });
  }
  /** `request(url, { ...options, method: "PUT" })`. */
  put(url: string, options: RequestOptions = {}): Promise<Response> {
    return this.request(url, { ...options, method: "PUT" });
  }
  /** `request(url, { ...options, method: "PATCH" })`. */
  patch(url: string, options: RequestOptions = {}): Promise<Response> {
    return this.request(url, { ...options, method: "PATCH" });
  }
  /** `request(url, { ...options, method: "DELETE" })`. */
  delete(url: string, options: RequestOptions = {}): Promise<Response> {
    return this.request(url, { ...options, method: "DELETE" });
  }
  /** `request(url, { ...options, method: "HEAD" })`. */
  head(url: string, options: RequestOptions = {}): Promise<Response> {
    return this.request(url, { ...options, method: "HEAD" });
  }
}

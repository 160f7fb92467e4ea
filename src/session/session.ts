/**
 * `Session`: the contact point to an OpenStack cloud. It holds the auth
 * plugin and connection settings, authenticates on demand, resolves endpoints
 * from the catalog, and sends requests with the global `fetch`.
 *
 * @example
 * ```ts
 * import { Session, v3 } from "jsr:@x/osauth";
 * import { FakeCloud } from "jsr:@x/osauth/testing";
 *
 * const server = await new FakeCloud().serve(); // stands in for https://my.keystone.com:5000
 * const auth = new v3.Password({
 *   authUrl: server.authUrl, // "https://my.keystone.com:5000/v3"
 *   username: "admin", password: "secret", projectName: "admin", // the FakeCloud's defaults
 *   userDomainId: "default", projectDomainId: "default",
 * });
 * const sess = new Session({ auth });
 * const resp = await sess.get("/v3/users", {
 *   endpointFilter: { serviceType: "identity", interface: "public" },
 * });
 * console.log(resp.status, resp.url); // 200 <the catalog's identity URL>/v3/users
 * await resp.body?.cancel();
 * await server.close();
 * ```
 *
 * @module
 */
import type { AccessInfo } from "../access/access_info.ts";
import { DiscoveryCache } from "../discovery/cache.ts";
import { getEndpointData } from "../discovery/discover.ts";
import type { EndpointData } from "../discovery/endpoint_data.ts";
import { EndpointResolver, overridesByType } from "../discovery/endpoint.ts";
import {
  AuthorizationFailure,
  httpErrorFromResponse,
  MissingAuthPlugin,
  OptionError,
  OsAuthError,
} from "../errors.ts";
import { redactUrl, rememberSentSecrets, safeInspect } from "../util/secrets.ts";
import { hostPort } from "../net/permissions.ts";
import {
  checkTransportOptions,
  createTransport,
  defaultUserAgent,
  type Transport,
} from "../net/transport.ts";
import { officialServiceType } from "../catalog/service_types.ts";
import type {
  AuthPlugin,
  CurrentCredentials,
  EndpointDataFilter,
  EndpointFilter,
  Hooks,
  Logger,
} from "../types.ts";
import { checkedAuthHeaders, type HeaderRecord, mergeHeaders, setHeader } from "../util/headers.ts";
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
import { type Policy, policyFor, policyOf, prepare, type Prepared, secretsOf } from "./prepare.ts";
import { renewedAuthHeaders } from "./reauth.ts";
import { followRedirects, REDIRECT_STATUSES } from "./redirects.ts";
import { Semaphore } from "./semaphore.ts";
import { type RetryBudget, send, type SendEnv } from "./send.ts";
import { checkTrusted, NO_ORIGINS, Trust } from "./trust.ts";
import { isAbsoluteUrl, joinUrl, originOf } from "../util/url.ts";
import { RequestMethods } from "./verbs.ts";
import { boundedWait } from "./wait.ts";
import { paginate as paginateList, type PaginateOptions } from "./paginate.ts";
import { requestJson } from "./json.ts";
import { withQuery } from "../util/query.ts";
import { type RequestTiming, TimingLog } from "./timings.ts";
import { RateLimiter } from "./rate_limit.ts";
import { mergeHooks, runAfterResponse, runBeforeError, runBeforeRequest } from "./hooks.ts";
import {
  type AllVersionData,
  type AllVersionDataFilter,
  getAllVersionData,
} from "../discovery/all_versions.ts";

export type { RequestOptions, SessionOptions } from "./options.ts";

/** Statuses retried by default when statusCodeRetries is set: 503 (keystoneauth1) and 429. */
const DEFAULT_RETRIABLE: readonly number[] = Object.freeze([503, 429]);

/**
 * Holds authentication and connection settings shared by every service
 * client. See the module documentation for an example.
 */
export class Session extends RequestMethods {
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
  readonly #now: () => number;
  readonly #semaphore: Semaphore | undefined;
  /** Where credentials may go (request stage "trust"). */
  readonly #trust: Trust;
  /** Where a request's base URL comes from (request stage "endpoint"). */
  readonly #resolver: EndpointResolver;
  /** What sending needs (request stage "send"). */
  readonly #sendEnv: SendEnv;
  /** Base URL -> path -> joinUrl(base, path): the same URL string for the same request. */
  readonly #joined: Map<string, Map<string, string>> = new Map();
  /** Responses that took more than one attempt -> attempts (for error messages). */
  readonly #attempts: WeakMap<Response, number> = new WeakMap();
  #transport: Transport | undefined;
  /** The session's `hooks`. */
  readonly #hooks: Hooks | undefined;
  /** The timings collected with `collectTiming`. */
  readonly #timings: TimingLog | undefined;

  /** Creates a session. Throws `OptionError` on bad options. */
  constructor(options: SessionOptions = {}) {
    super();
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
    this.#hooks = options.hooks;
    const rate = options.rateLimit !== undefined ? new RateLimiter(options.rateLimit) : undefined;
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
    this.#policy = policyOf({
      connectRetries: this.connectRetries,
      statusRetries: this.statusCodeRetries,
      retriable: this.retriableStatusCodes,
      timeout: this.timeout,
      logger: this.logger,
      retryNonIdempotent: options.retryNonIdempotent ?? false,
    }, this.#semaphore !== undefined || rate !== undefined || this.#timings !== undefined);
    // Frozen (with a copy of an interface list): requests rely on them not changing.
    const iface = options.interface;
    this.defaultFilter = Object.freeze({
      ...(iface !== undefined
        ? { interface: typeof iface === "string" ? iface : Object.freeze([...iface]) }
        : {}),
      ...(options.regionName !== undefined ? { regionName: options.regionName } : {}),
    });
    this.endpointOverrides = overridesByType(options.endpointOverrides);
    this.apiVersions = Object.freeze(Object.fromEntries(
      Object.entries(options.apiVersions ?? {}).map(([k, v]) => [officialServiceType(k), v]),
    ));
    this.trustedOrigins = (options.trustedOrigins ?? []).map((o) => {
      const origin = originOf(o);
      if (!origin) throw new OptionError(`trustedOrigins: not a URL: ${o}`);
      return origin;
    });
    const trust = new Trust(this);
    this.#trust = trust;
    this.#resolver = new EndpointResolver(this, {
      auth: () => this.auth,
      defaults: Object.keys(this.defaultFilter).length > 0 ? this.defaultFilter : undefined,
      discover: (filter, auth) => this.#discover(filter, auth),
      noteEndpoint: (plugin, url) => trust.noteEndpoint(plugin, url),
    });
    this.#sendEnv = {
      transport: () => this.#getTransport(),
      gates: this.#semaphore ? [this.#semaphore] : [],
      rate,
      timings: this.#timings,
      backoff: { baseMs: options.retryDelay, maxMs: options.maxRetryDelay ?? 60_000 },
      now: () => this.now(),
      attempts: this.#attempts,
    };
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
    return await this.#resolver.forFilter(filter, auth, plugin?.currentCredentials?.(this));
  }

  /** A versioned filter's service URL (getEndpoint's discovery: none when the catalog URL matches). */
  #discover(filter: EndpointDataFilter, auth: AuthPlugin | undefined): Promise<string> {
    const data = this.getEndpointData === SESSION.getEndpointData
      ? getEndpointData(this, filter, auth ?? this.auth, { discoverVersions: false })
      : this.getEndpointData(filter, auth);
    return data.then((d) => d.serviceUrl);
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
    const recording = plugin && !plugin.getTrustedOrigins && !this.#trust.noCredential(plugin)
      ? this.#trust.recording(plugin)
      : plugin;
    return getEndpointData(this, this.mergeFilter(filter), recording);
  }

  /**
   * The `--allow-net` entries (`host:port`, sorted) this session needs: the
   * auth URL's host and every host in the catalog (authenticating when
   * needed), the endpoint overrides and `trustedOrigins`.
   *
   * @example
   * ```ts
   * import { Session, v3 } from "jsr:@x/osauth";
   * import { FakeCloud } from "jsr:@x/osauth/testing";
   *
   * const server = await new FakeCloud().serve(); // stands in for your cloud
   * const sess = new Session({
   *   auth: new v3.Password({
   *     authUrl: server.authUrl, username: "admin", password: "secret", userDomainId: "default",
   *   }),
   * });
   * console.log(`deno run --allow-net=${(await sess.allowNetList()).join(",")} app.ts`);
   * await server.close();
   * ```
   */
  async allowNetList(auth?: AuthPlugin): Promise<string[]> {
    const plugin = auth ?? this.auth;
    const origins = new Set(
      plugin
        ? this.#trust.trustedSet(await this.#trust.trustedList(plugin), undefined, undefined)
        : this.#trust.sessionTrusted(undefined, undefined),
    );
    const endpoint = (plugin as { endpoint?: unknown } | undefined)?.endpoint;
    if (typeof endpoint === "string") {
      const o = originOf(endpoint);
      if (o) origins.add(o);
    }
    return [...new Set([...origins].map(hostPort))].sort();
  }

  /**
   * `joinUrl(base, path)`, remembered: a request sent again and again gets
   * the same (already flat) string, whose parsing `fetch` then skips or
   * does faster than a new one's (CONTRIBUTING.md, "Caches").
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

  /**
   * The plugin's credentials at hand (`AuthPlugin.currentCredentials`), read
   * while the Session's own getEndpoint and getAuthHeaders are in place (a
   * subclass's are called instead, as the request path's only shortcut
   * would otherwise skip them).
   */
  #current(auth: AuthPlugin | undefined): CurrentCredentials | undefined {
    return auth?.currentCredentials && this.getEndpoint === SESSION.getEndpoint &&
        this.getAuthHeaders === SESSION.getAuthHeaders
      ? auth.currentCredentials(this)
      : undefined;
  }

  /**
   * Sends a request and returns the standard `Response`. Relative URLs are
   * joined to the endpoint the filter selects; absolute URLs are used as is.
   * Status >= 400 throws an `HttpError` unless `raiseExc: false`.
   */
  request(url: string, options: RequestOptions = {}): Promise<Response> {
    return this.#request(url, options ?? {}, options?.method);
  }

  /** A method shortcut: `request` with its method, without copying the options (verbs.ts). */
  protected override requestWith(
    url: string,
    options: RequestOptions | undefined,
    method: string,
  ): Promise<Response> {
    return this.request === SESSION.request
      ? this.#request(url, options ?? {}, method)
      : super.requestWith(url, options, method);
  }

  // The request path, stage by stage (CONTRIBUTING.md, "The request path"). It awaits only
  // what it must (a plugin with valid credentials at hand answers without a promise), and
  // redirects, retries, timeouts and logging cost nothing unless they happen or are set.
  #request(
    url: string,
    options: RequestOptions,
    method: string | undefined,
  ): Promise<Response> {
    // Hooks (hooks.ts): the session's, then the request's (an Adapter's are merged into its
    // options). The auth plugins' own requests (tokens) run none: they carry credentials.
    const hooks = this.#hooks === undefined && options?.hooks === undefined
      ? undefined
      : (options as IdentityRequestOptions)?.[IDENTITY_REQUEST]
      ? undefined
      : mergeHooks(this.#hooks, options.hooks);
    if (!hooks?.beforeError) return this.#run(url, options, method, hooks);
    return this.#run(url, options, method, hooks).catch(async (err) => {
      throw err instanceof OsAuthError ? await runBeforeError(hooks, err) : err;
    });
  }

  async #run(
    url: string,
    options: RequestOptions,
    method: string | undefined,
    hooks: Hooks | undefined,
  ): Promise<Response> {
    // 1. prepare: options checked, method, headers, body; the retry/timeout policy.
    checkRequestOptions(options);
    const auth = options.auth ?? this.auth;
    const authenticated = options.authenticated ?? auth !== undefined;
    if (authenticated && !auth) {
      throw new MissingAuthPlugin("an auth plugin is required for an authenticated request");
    }
    const req = prepare(this.#baseHeaders, url, options, method);
    const policy = policyFor(options, this.#policy, this.#semaphore !== undefined);
    const signal = options.signal;
    const wait = <T>(promise: Promise<T>): Promise<T> => this.#wait(promise, req, signal, policy);
    let current = this.#current(auth);

    // 2. endpoint: the base URL of a relative URL (discovery/endpoint.ts has the precedence).
    // The request's plugin resolves it even when no token is sent (keystoneauth1).
    let base: string | undefined;
    if (!isAbsoluteUrl(url)) {
      const found = this.#resolver.forRequest(
        url,
        options.endpointOverride,
        options.endpointFilter,
        auth,
        current,
        this,
      );
      if (typeof found === "string") {
        base = found;
      } else {
        base = await wait(found);
        // The credentials may have changed meanwhile (refreshed, invalidated).
        current = this.#current(auth);
      }
      req.url = this.#join(base, url);
    }
    if (options.query !== undefined) req.url = withQuery(req.url, options.query);

    // 3. trust: the credentials, and the origins they may go to, before anything is sent.
    const overrideA = options.endpointOverride;
    const overrideB = (options.endpointFilter as EndpointDataFilter | undefined)?.endpointOverride;
    let trusted: Set<string> | undefined;
    let sentAuth: Readonly<Record<string, string>> = {};
    if (authenticated && auth) {
      sentAuth = current ? current.headers : await wait(this.getAuthHeaders(auth));
      const checked = this.#trust.check(auth, current, {
        url: req.url,
        base,
        overrideA,
        overrideB,
        filter: options.endpointFilter,
      }, wait);
      trusted = checked instanceof Promise ? await checked : checked;
      const headers = checkedAuthHeaders(sentAuth);
      for (const k in headers.headers) req.headers[k] = headers.headers[k]!;
      req.secretHeaders = headers.names;
    }
    if ((options as IdentityRequestOptions)[IDENTITY_REQUEST]) req.identity = true;
    if (hooks) req.hooks = hooks;

    // 4. send: attempts with retries, timeout, concurrency limit, logging (send.ts); a
    // beforeRequest hook may answer instead (nothing is sent then).
    // Retries used, shared by the redirect hops (send.ts, RetryBudget).
    const budget: RetryBudget = { connect: 0, status: 0 };
    let resp = (hooks?.beforeRequest ? await runBeforeRequest(hooks, req) : undefined) ??
      await send(this.#sendEnv, req, signal, policy, budget);
    // Most responses: nothing more to do.
    if (resp.status < 300 && !hooks?.afterResponse) return resp;

    // 5. redirects (redirects.ts), and whether the credentials went along to the end.
    const follow = options.redirect !== false;
    let credentialed = true;
    if (follow && REDIRECT_STATUSES.has(resp.status)) {
      ({ resp, credentialed } = await this.#follow(req, resp, signal, policy, trusted, budget));
    }

    // 6. re-auth: a 401 to the credentials sent is retried once with renewed ones (reauth.ts).
    if (
      resp.status === 401 && authenticated && auth && credentialed &&
      (options.allowReauth ?? true)
    ) {
      const authHeaders = await wait(renewedAuthHeaders(this, auth, sentAuth));
      if (authHeaders) {
        await resp.body?.cancel();
        req.earlierSecrets = Object.values(sentAuth);
        for (const [k, v] of Object.entries(authHeaders)) setHeader(req.headers, k, v);
        req.secretHeaders = [...(req.secretHeaders ?? []), ...Object.keys(authHeaders)];
        if (trusted) {
          // The new token's catalog may no longer hold the request's origin.
          const list = await wait(
            Promise.resolve(this.#trust.originsOf(auth, undefined) ?? NO_ORIGINS),
          );
          trusted = this.#trust.trustedSet(list, overrideA, overrideB);
          checkTrusted(req.url, trusted);
        }
        // The resend is a new request: a budget of its own, shared by its redirect hops.
        const again: RetryBudget = { connect: 0, status: 0 };
        resp = await send(this.#sendEnv, req, signal, policy, again);
        if (follow && REDIRECT_STATUSES.has(resp.status)) {
          ({ resp } = await this.#follow(req, resp, signal, policy, trusted, again));
        }
      }
    }

    // 7. response: afterResponse hooks may replace it; an HttpError for status >= 400 (what
    // was sent scrubbed from it).
    if (hooks?.afterResponse) resp = await runAfterResponse(hooks, req, resp);
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

  /** Follows `resp`'s redirects, each hop through the send stage. */
  #follow(
    req: Prepared,
    resp: Response,
    signal: AbortSignal | undefined,
    policy: Policy,
    trusted: Set<string> | undefined,
    budget: RetryBudget,
  ): ReturnType<typeof followRedirects> {
    return followRedirects(
      req,
      resp,
      trusted,
      this.#options.redirectLimit ?? 30,
      (next) => send(this.#sendEnv, next, signal, policy, budget),
    );
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
   * The items of a paginated list, page by page (a page is requested when
   * the items before it have been taken): next links as each service gives
   * them (`<key>_links`, `links`, `next`, a `Link` header), else markers
   * when `limit` is set. See {@linkcode PaginateOptions}. Throws
   * `PaginationError` for a next link that repeats or a page without a
   * list, `UntrustedOrigin` for a next link to another origin (nothing is
   * sent there), and what `request` throws.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Session, v3 } from "jsr:@x/osauth";
   * import { FakeCloud } from "jsr:@x/osauth/testing";
   *
   * const images = Array.from({ length: 250 }, (_, i) => ({ id: `img-${i}`, name: `image ${i}` }));
   * const cloud = new FakeCloud({ lists: { image: { images } } }); // stands in for a Glance
   * const server = await cloud.serve();
   * const sess = new Session({
   *   auth: new v3.Password({
   *     authUrl: server.authUrl, username: "admin", password: "secret", projectName: "admin",
   *     userDomainId: "default", projectDomainId: "default",
   *   }),
   * });
   *
   * const ids: string[] = [];
   * for await (const image of sess.paginate<{ id: string }>("/v2/images", {
   *   endpointFilter: { serviceType: "image" }, limit: 100,
   * })) ids.push(image.id);
   * assert.deepEqual(ids, images.map((image) => image.id));
   * // three pages of up to 100, each asked for when the items before it were taken
   * const pages = cloud.stats.requests.filter((r) => r.path === "/image/v2/images");
   * assert.deepEqual(pages.map((r) => r.query), [
   *   "limit=100", "limit=100&marker=img-99", "limit=100&marker=img-199",
   * ]);
   * await server.close();
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
   * ```ts
   * import { Session } from "jsr:@x/osauth";
   * import { FakeCloud } from "jsr:@x/osauth/testing";
   *
   * const server = await new FakeCloud().serve(); // stands in for a real Placement
   * const sess = new Session();
   * const { versions } = await sess.requestJson<{ versions: unknown[] }>(
   *   `${server.url}/placement/`, { method: "GET", authenticated: false },
   * );
   * await server.close();
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
   * ```ts
   * import { Session, v3 } from "jsr:@x/osauth";
   * import { FakeCloud } from "jsr:@x/osauth/testing";
   *
   * const server = await new FakeCloud().serve(); // stands in for your cloud
   * const sess = new Session({
   *   auth: new v3.Password({
   *     authUrl: server.authUrl, username: "admin", password: "secret", projectName: "admin",
   *     userDomainId: "default", projectDomainId: "default",
   *   }),
   * });
   * const all = await sess.getAllVersionData();
   * all.RegionOne?.public?.compute; // [{ version: "2.0", ... }, { version: "2.1", maxMicroversion: "2.95", ... }]
   * await server.close();
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

/** The Session's own methods, to tell when a subclass replaced one. */
const SESSION = Session.prototype;

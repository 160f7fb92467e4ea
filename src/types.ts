/**
 * Shared types: endpoint filters, loggers and the auth plugin interface.
 *
 * @module
 */
import type { BodyLike, HeadersLike } from "./util/web_types.ts";
import type { OsAuthError } from "./errors.ts";

/** One query value: strings as they are, numbers and booleans as text (`true`, `false`). */
export type QueryValue = string | number | boolean;

/**
 * The `query` request option: a record of values or lists of values (each
 * sent as `key=value`, in order; `undefined` skipped), or `URLSearchParams`.
 */
export type QueryInit =
  | Record<string, QueryValue | readonly QueryValue[] | undefined>
  | URLSearchParams;

/** What a hook is shown of a request: no credential, no body. */
export interface HookRequest {
  /** HTTP method. */
  readonly method: string;
  /** The URL, redacted (no user info password, no secret query parameters). */
  readonly url: string;
  /**
   * The headers to be sent, without credentials. In `beforeRequest`, set or
   * delete headers here to change what is sent (credential headers cannot
   * be set: `OptionError`).
   */
  readonly headers: Headers;
}

/** What `beforeRetry` hooks get. */
export interface RetryState {
  /** The request to be sent again. */
  readonly request: HookRequest;
  /** The retry about to happen: 1 for the first. */
  readonly retryCount: number;
  /** The status that is retried (503, 429, ...), for a status retry. */
  readonly status?: number;
  /** The connection failure that is retried, for a connection retry. */
  readonly error?: OsAuthError;
  /** How long osauth waits before it sends the request again (ms). */
  readonly delayMs: number;
}

/** Runs before the request is sent (after its credentials are chosen); a `Response` answers it. */
export type BeforeRequestHook = (
  request: HookRequest,
) => void | Response | Promise<void | Response>;

/**
 * Runs with the final response (after redirects, retries and re-auth; before
 * an `HttpError` is thrown for it). It is shown a copy whose body it may
 * read before it returns; a `Response` it returns replaces the response.
 */
export type AfterResponseHook = (
  request: HookRequest,
  response: Response,
) => void | Response | Promise<void | Response>;

/** Runs before each retry (connection failures and retried statuses). */
export type BeforeRetryHook = (state: RetryState) => void | Promise<void>;

/** Runs with the error a request throws; returns the error to throw (the same or another). */
export type BeforeErrorHook = (error: OsAuthError) => OsAuthError | Promise<OsAuthError>;

/** Hooks of a Session, an Adapter or a request (ky's `hooks`). */
export interface Hooks {
  /** Before the request is sent. */
  beforeRequest?: readonly BeforeRequestHook[];
  /** With the final response. */
  afterResponse?: readonly AfterResponseHook[];
  /** Before each retry. */
  beforeRetry?: readonly BeforeRetryHook[];
  /** With the error thrown. */
  beforeError?: readonly BeforeErrorHook[];
}

/**
 * Selects an endpoint from a service catalog, as keystoneauth1's
 * `endpoint_filter` does.
 *
 * @example
 * ```ts
 * import type { EndpointFilter } from "jsr:@x/osauth";
 * const filter: EndpointFilter = {
 *   serviceType: "compute",
 *   interface: ["internal", "public"],
 *   regionName: "RegionOne",
 * };
 * ```
 */
export interface EndpointFilter {
  /** The service type, e.g. `compute` or an alias such as `volumev3`. */
  serviceType?: string;
  /**
   * `public`, `internal` or `admin` (v2 `publicURL` forms accepted), or a list
   * tried in order. Defaults to `public`.
   */
  interface?: string | readonly string[];
  /** The region the endpoint must be in. */
  regionName?: string;
  /** The service name in the catalog, e.g. `nova`. */
  serviceName?: string;
  /** The service id in the catalog. */
  serviceId?: string;
  /** The endpoint id in the catalog. */
  endpointId?: string;
}

/**
 * Every field of {@linkcode EndpointFilter}, in one list: catalog lookups,
 * filter equality and the request memo's keys are derived from it (a field
 * added to the interface must be added here: the type check below fails
 * otherwise).
 */
export const ENDPOINT_FILTER_FIELDS = [
  "serviceType",
  "interface",
  "regionName",
  "serviceName",
  "serviceId",
  "endpointId",
] as const satisfies readonly (keyof EndpointFilter)[];

/**
 * A filter plus the API version bounds used by version discovery.
 * Versions are strings like `"2.1"`, `"3"` or `"latest"`.
 */
export interface EndpointDataFilter extends EndpointFilter {
  /** Exact major version wanted (`"3"`, `"2.1"`); same as min=max on the major. */
  version?: string;
  /** Lowest acceptable API version, or `"latest"`. */
  minVersion?: string;
  /** Highest acceptable API version, or `"latest"`. */
  maxVersion?: string;
  /** Use this URL instead of the catalog's. */
  endpointOverride?: string;
  /** Also accept versions marked EXPERIMENTAL (default false). */
  allowExperimental?: boolean;
  /** Also accept versions marked DEPRECATED (default true). */
  allowDeprecated?: boolean;
  /** Also accept versions with an unknown status (default false). */
  allowUnknown?: boolean;
}

/**
 * Every field of {@linkcode EndpointDataFilter}: the catalog fields
 * ({@linkcode ENDPOINT_FILTER_FIELDS}) first, then the override, version
 * bounds and status flags.
 */
export const ENDPOINT_DATA_FILTER_FIELDS = [
  ...ENDPOINT_FILTER_FIELDS,
  "endpointOverride",
  "version",
  "minVersion",
  "maxVersion",
  "allowExperimental",
  "allowDeprecated",
  "allowUnknown",
] as const satisfies readonly (keyof EndpointDataFilter)[];

/** A name in {@linkcode ENDPOINT_DATA_FILTER_FIELDS}. */
export type EndpointDataFilterField = typeof ENDPOINT_DATA_FILTER_FIELDS[number];

// Both lists hold every field of their interface (a compile error otherwise).
const _everyFilterField: Exclude<keyof EndpointDataFilter, EndpointDataFilterField> extends never
  ? true
  : never = true;
const _everyCatalogField: Exclude<
  keyof EndpointFilter,
  typeof ENDPOINT_FILTER_FIELDS[number]
> extends never ? true
  : never = true;
void _everyFilterField;
void _everyCatalogField;

/**
 * Where HTTP logs and warnings go. `console` fits, and so does a `@std/log`
 * `Logger`.
 *
 * @example
 * ```ts
 * import type { Logger } from "jsr:@x/osauth";
 * const logger: Logger = console;
 * ```
 */
export interface Logger {
  /** Debug-level message (HTTP requests and responses are logged here). */
  debug(msg: string, ...args: unknown[]): unknown;
  /** Informational message. */
  info?(msg: string, ...args: unknown[]): unknown;
  /** Warning. */
  warn?(msg: string, ...args: unknown[]): unknown;
  /** Error. */
  error?(msg: string, ...args: unknown[]): unknown;
}

/**
 * A plugin's credentials as they are at this moment, read without awaiting
 * (see {@linkcode AuthPlugin.currentCredentials}). Every value must be
 * exactly what the plugin's asynchronous methods would give now.
 */
export interface CurrentCredentials {
  /**
   * What `getHeaders` gives now. Freeze it and return the same object while
   * the credentials last: the Session checks a frozen object's headers once.
   */
  readonly headers: Readonly<Record<string, string>>;
  /**
   * What `getTrustedOrigins` gives now, frozen (the same list while the
   * credentials last: the Session builds its trusted set once per list).
   * Omitted by a plugin without `getTrustedOrigins`: its headers go to the
   * endpoints it gave, as with its asynchronous methods.
   */
  readonly trustedOrigins?: readonly string[];
  /**
   * What `getEndpoint` gives for a filter now (it may throw as that does).
   * Omitted when endpoints are only known asynchronously: the Session then
   * asks `getEndpoint`.
   */
  endpoint?(filter: EndpointFilter): string | undefined;
  /**
   * `true` when the headers are no credential (`NoAuth`'s placeholder
   * token): requests with them go to any origin.
   */
  readonly noCredential?: boolean;
}

/**
 * What an auth plugin is given by the session it serves (a `Session` is
 * one): the request function its token requests go through, the clock, the
 * timeout and the logger. Plugins depend on this, not on the Session class.
 */
export interface AuthContext {
  /** Sends a request (token requests, identity version discovery). */
  request(url: string, options?: RequestOptions): Promise<Response>;
  /** The session's clock, in ms since the epoch. */
  now(): number;
  /** The session's per-attempt timeout (ms), if any. */
  readonly timeout?: number | undefined;
  /** The session's logger, if any. */
  readonly logger?: Logger | undefined;
}

/**
 * What a Session needs from an authentication plugin. Every plugin in osauth
 * implements it; users may write their own.
 *
 * @example
 * ```ts
 * import type { AuthPlugin, EndpointFilter } from "jsr:@x/osauth";
 * class StaticKey implements AuthPlugin {
 *   getHeaders() { return Promise.resolve({ "X-Api-Key": "k" }); }
 *   getEndpoint(_s: unknown, _f: EndpointFilter) {
 *     return Promise.resolve("http://127.0.0.1:8080");
 *   }
 *   invalidate() { return false; }
 * }
 * ```
 */
export interface AuthPlugin {
  /** Headers that authenticate a request, or `undefined` when none can be had. */
  getHeaders(session: AuthContext): Promise<Record<string, string> | undefined>;
  /** The endpoint URL for a filter, or `undefined` when the plugin has none. */
  getEndpoint(session: AuthContext, filter: EndpointFilter): Promise<string | undefined>;
  /**
   * Forget cached credentials. Returns `true` when something was invalidated
   * and a new attempt may succeed.
   */
  invalidate(): boolean | Promise<boolean>;
  /**
   * Origins (`scheme://host:port`) this plugin trusts to receive its
   * credentials: the auth URL, catalog endpoints, fixed endpoints. Optional.
   */
  getTrustedOrigins?(session: AuthContext): Promise<string[]>;
  /** The project id the credentials are scoped to, if any. Optional. */
  getProjectId?(session: AuthContext): Promise<string | undefined>;
  /**
   * The credentials the plugin holds now, without awaiting, or `undefined`
   * when only the asynchronous methods can tell (no token yet, one about to
   * expire by `session.now()`, or a subclass replaced a method the values
   * stand for). Optional: a Session with valid credentials at hand then
   * sends a request without waiting on `getHeaders`, `getEndpoint` and
   * `getTrustedOrigins` promises.
   *
   * @example
   * ```ts
   * import type { AuthPlugin, CurrentCredentials } from "jsr:@x/osauth";
   * const current: CurrentCredentials = Object.freeze({
   *   headers: Object.freeze({ "X-Api-Key": "k" }),
   *   trustedOrigins: Object.freeze(["http://127.0.0.1:8080"]),
   *   endpoint: () => "http://127.0.0.1:8080",
   * });
   * const plugin: AuthPlugin = {
   *   getHeaders: () => Promise.resolve({ ...current.headers }),
   *   getEndpoint: () => Promise.resolve("http://127.0.0.1:8080"),
   *   getTrustedOrigins: () => Promise.resolve([...current.trustedOrigins!]),
   *   invalidate: () => false,
   *   currentCredentials: () => current,
   * };
   * ```
   */
  currentCredentials?(session: AuthContext): CurrentCredentials | undefined;
}

/** Options of `session.request(url, options)` and its method shortcuts. */
export interface RequestOptions {
  /** HTTP method (default GET). */
  method?: string;
  /** Request headers. */
  headers?: HeadersLike;
  /** Raw body. */
  body?: BodyLike;
  /** A value sent as JSON (sets Content-Type, as keystoneauth1; no Accept). */
  json?: unknown;
  /** Send credentials (default: true when an auth plugin is available). */
  authenticated?: boolean;
  /** Auth plugin for this request instead of the session's. */
  auth?: AuthPlugin;
  /** Selects the endpoint a relative URL is joined to. */
  endpointFilter?: EndpointFilter | EndpointDataFilter;
  /** Base URL a relative URL is joined to, instead of the catalog's. */
  endpointOverride?: string;
  /** Throw an HttpError on status >= 400 (default true). */
  raiseExc?: boolean;
  /** On 401, invalidate, re-authenticate and retry once (default true). */
  allowReauth?: boolean;
  /** Microversion to request. */
  microversion?: string;
  /** Service type named in the microversion header (default: the filter's). */
  microversionServiceType?: string;
  /** Overrides the session's connectRetries. */
  connectRetries?: number;
  /** Overrides the session's statusCodeRetries. */
  statusCodeRetries?: number;
  /** Overrides the session's retriableStatusCodes. */
  retriableStatusCodes?: readonly number[];
  /** Overrides the session's retryNonIdempotent. */
  retryNonIdempotent?: boolean;
  /** Overrides the session's timeout (ms), also for this request's wait for a token. */
  timeout?: number;
  /**
   * Aborts the request, including any wait for a token, a retry or a
   * concurrency slot: the call rejects with the signal's reason and is not
   * retried (a token request other requests share goes on).
   */
  signal?: AbortSignal;
  /** Sent as `X-OpenStack-Request-ID` (a `req-<uuid>`). */
  globalRequestId?: string;
  /** Logger for this request instead of the session's. */
  logger?: Logger;
  /** Follow redirects (default true). */
  redirect?: boolean;
  /**
   * Query parameters appended to the URL's own (both are kept): a record
   * (a list repeats the key; `undefined` is skipped; `true`/`false` as text)
   * or `URLSearchParams`, encoded as keystoneauth1's `params` (space as `+`).
   */
  query?: QueryInit;
  /** Hooks of this request, run after the session's and the adapter's (see `Hooks`). */
  hooks?: Hooks;
}

/**
 * Internal (not exported by the package): set on the options of a request an
 * identity plugin makes (token request, identity version discovery). Such a
 * request follows no redirect to another origin: its body (password,
 * secret, passcode, token, receipt) must never be sent anywhere else.
 */
export const IDENTITY_REQUEST: unique symbol = Symbol("osauth.identityRequest");

/** {@linkcode RequestOptions} of an identity plugin's request (see {@linkcode IDENTITY_REQUEST}). */
export interface IdentityRequestOptions extends RequestOptions {
  /** This is an identity request. */
  [IDENTITY_REQUEST]?: true;
}

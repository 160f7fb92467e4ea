/**
 * Option types of {@linkcode Session}, and the checks of its options and its
 * requests' (`RequestOptions` is in types.ts, with the auth plugin interface).
 *
 * @module
 */
import {
  type AuthPlugin,
  ENDPOINT_DATA_FILTER_FIELDS,
  type EndpointDataFilterField,
  type Logger,
  type RequestOptions,
} from "../types.ts";
import type { DiscoveryCache } from "../discovery/cache.ts";
import type { HeadersLike } from "../util/web_types.ts";
import { OptionError } from "../errors.ts";
import * as v from "../util/validate.ts";
import { checkHooks } from "./hooks.ts";
import type { Hooks } from "../types.ts";

export type { IdentityRequestOptions, RequestOptions } from "../types.ts";
export { IDENTITY_REQUEST } from "../types.ts";

/** Options of `new Session(options)`. All are optional. */
export interface SessionOptions {
  /** The auth plugin used for authenticated requests. */
  auth?: AuthPlugin;
  /** TLS verification: true (default), false, or a CA bundle path. */
  verify?: boolean | string;
  /** Client certificate path, or [certificate path, key path]. */
  cert?: string | readonly [cert: string, key: string];
  /**
   * Per-attempt timeout in milliseconds, from sending the request until its
   * response body is read (waiting for a `maxConcurrency` slot does not
   * count). A timed out attempt is a `ConnectTimeout`, retried as a
   * connection failure (`connectRetries`) when the request may be resent;
   * a body read that times out is a `ConnectTimeout` too. A request also
   * waits at most this long for the token (endpoint, trusted origins) it
   * needs, and token requests use it as their own bound (60 s when unset).
   */
  timeout?: number;
  /** The whole User-Agent header (default `osauth/<version>` with appName/appVersion). */
  userAgent?: string;
  /** Application name put first in the User-Agent. */
  appName?: string;
  /** Application version, with appName. */
  appVersion?: string;
  /** Headers added to every request. */
  additionalHeaders?: HeadersLike;
  /** Where HTTP requests and responses are logged (debug, redacted). */
  logger?: Logger;
  /**
   * How often a failed or timed out connection is retried (default 0). A
   * refused connection is retried for any method (nothing was sent); other
   * failures only for idempotent methods unless `retryNonIdempotent`.
   */
  connectRetries?: number;
  /**
   * How often a response with a status in `retriableStatusCodes` is retried
   * (default 0), after its `Retry-After` (seconds or HTTP date, capped by
   * `maxRetryDelay`) or the backoff delay. Idempotent methods only unless
   * `retryNonIdempotent`.
   */
  statusCodeRetries?: number;
  /** Statuses retried by statusCodeRetries (default [503]). */
  retriableStatusCodes?: readonly number[];
  /**
   * Base delay of the exponential backoff in ms (default 500): retry n waits
   * between half and all of `retryDelay * 2^(n-1)`, capped by `maxRetryDelay`.
   */
  retryDelay?: number;
  /** Largest delay between attempts in ms, also for `Retry-After` (default 60 000). */
  maxRetryDelay?: number;
  /**
   * Also retry non-idempotent requests (POST, PATCH) the server may have seen
   * (default false: they are sent again only when the connection was refused).
   */
  retryNonIdempotent?: boolean;
  /**
   * At most this many requests of this session in flight at once (until
   * their response headers arrive); the others wait in order.
   */
  maxConcurrency?: number;
  /** Version discovery cache; pass one to several sessions to share it. */
  discoveryCache?: DiscoveryCache;
  /** The transport (default: the global fetch). */
  fetch?: typeof fetch;
  /** The clock, in ms since the epoch (default Date.now). */
  now?: () => number;
  /** Default interface merged into every endpoint filter (clouds.yaml `interface`). */
  interface?: string | readonly string[];
  /** Default region merged into every endpoint filter (clouds.yaml `region_name`). */
  regionName?: string;
  /** Service type -> URL used instead of the catalog (clouds.yaml `*_endpoint_override`). */
  endpointOverrides?: Readonly<Record<string, string>>;
  /** Service type -> API version wanted (clouds.yaml `*_api_version`), used by Adapter. */
  apiVersions?: Readonly<Record<string, string>>;
  /** Extra origins (`https://host:port`) trusted to receive credentials. */
  trustedOrigins?: readonly string[];
  /** Most redirects followed for one request (default 30, as keystoneauth1). */
  redirectLimit?: number;
  /**
   * Record a `RequestTiming` (method, redacted URL, status, elapsed ms) for
   * every HTTP response; read them with `getTimings()` (default false).
   */
  collectTiming?: boolean;
  /**
   * At most this many requests per second (keystoneauth1's `rate_limit`):
   * each attempt (retries and redirect hops too) starts at least
   * `1 / rateLimit` s after the one before, in the order they asked.
   */
  rateLimit?: number;
  /**
   * Hooks run by every request of this session (before an adapter's and the
   * request's own): `beforeRequest`, `afterResponse`, `beforeRetry`,
   * `beforeError`, as ky's. They never see credentials.
   */
  hooks?: Hooks;
}

/** The checks of every {@linkcode SessionOptions} option (see src/util/validate.ts). */
const SESSION_CHECKS: v.Checks = v.checks({
  auth: v.authPlugin,
  // verify and cert: checkTransportOptions (the Session's constructor runs it)
  timeout: v.positiveMs,
  userAgent: v.string,
  appName: v.string,
  appVersion: v.string,
  additionalHeaders: v.headersInit,
  logger: v.logger,
  connectRetries: v.nonNegativeInt,
  statusCodeRetries: v.nonNegativeInt,
  retriableStatusCodes: v.statusList,
  retryDelay: v.nonNegativeMs,
  maxRetryDelay: v.nonNegativeMs,
  retryNonIdempotent: v.boolean,
  maxConcurrency: v.positiveInt,
  discoveryCache: v.methods("a DiscoveryCache", ["get", "has", "clear"]),
  fetch: v.func,
  now: v.func,
  interface: v.stringOrList,
  regionName: v.string,
  endpointOverrides: v.stringRecord,
  apiVersions: v.stringRecord,
  trustedOrigins: v.stringList,
  redirectLimit: v.nonNegativeInt,
  collectTiming: v.boolean,
  rateLimit: v.positiveMs,
  hooks: checkHooks,
});

/** `value` at `name` unless it is undefined or a string; else {@linkcode OptionError}. */
function optionalString(value: unknown, name: string): void {
  if (value !== undefined && typeof value !== "string") v.string(value, name);
}

/** `value` at `name` unless it is undefined or a boolean; else {@linkcode OptionError}. */
function optionalBoolean(value: unknown, name: string): void {
  if (value !== undefined && typeof value !== "boolean") v.boolean(value, name);
}

/** `value` at `name` unless it is undefined or a version (string, number, list). */
function optionalVersion(value: unknown, name: string): void {
  if (value !== undefined && typeof value !== "string") v.versionInput(value, name);
}

/** `value` at `name` unless it is undefined or a string or a list of strings. */
function optionalInterface(value: unknown, name: string): void {
  if (value !== undefined && typeof value !== "string") v.stringOrList(value, name);
}

/** The type every endpoint filter field usually has (checked first, without building a name). */
const FILTER_TYPES: Readonly<Record<EndpointDataFilterField, string>> = {
  serviceType: "string",
  interface: "string",
  regionName: "string",
  serviceName: "string",
  serviceId: "string",
  endpointId: "string",
  endpointOverride: "string",
  version: "string",
  minVersion: "string",
  maxVersion: "string",
  allowExperimental: "boolean",
  allowDeprecated: "boolean",
  allowUnknown: "boolean",
};

/** {@linkcode FILTER_TYPES} by name, for the fields a filter object has. */
const FILTER_TYPE_OF: ReadonlyMap<string, string> = new Map(Object.entries(FILTER_TYPES));

/** The check of every endpoint filter field (a field without one is a type error). */
const FILTER_CHECKS: Readonly<
  Record<EndpointDataFilterField, (value: unknown, name: string) => void>
> = {
  serviceType: optionalString,
  interface: optionalInterface,
  regionName: optionalString,
  serviceName: optionalString,
  serviceId: optionalString,
  endpointId: optionalString,
  endpointOverride: optionalString,
  version: optionalVersion,
  minVersion: optionalVersion,
  maxVersion: optionalVersion,
  allowExperimental: optionalBoolean,
  allowDeprecated: optionalBoolean,
  allowUnknown: optionalBoolean,
};

/**
 * Checks an endpoint filter (`name` in messages); {@linkcode OptionError}
 * for a field of the wrong type (version values are parsed where they are
 * used). Every request with a filter runs it: plain property reads.
 */
export function checkEndpointFilter(value: unknown, name: string): void {
  v.record(value, name);
  const proto = Object.getPrototypeOf(value);
  if (proto === Object.prototype || proto === null) {
    // A plain object (the usual literal): only the fields it has, not all thirteen. `for in`
    // also walks what it inherits, as the reads below would see it.
    for (const field in value) {
      const type = FILTER_TYPE_OF.get(field);
      if (type === undefined) continue; // not a filter field: ignored, as elsewhere
      const v = value[field];
      if (v !== undefined && typeof v !== type) {
        FILTER_CHECKS[field as EndpointDataFilterField](v, `${name}.${field}`);
      }
    }
    return;
  }
  for (const field of ENDPOINT_DATA_FILTER_FIELDS) {
    const v = value[field];
    if (v !== undefined && typeof v !== FILTER_TYPES[field]) {
      FILTER_CHECKS[field](v, `${name}.${field}`);
    }
  }
}

/** The checks of every {@linkcode RequestOptions} option. */
const REQUEST_CHECKS: v.Checks = v.checks({
  method: v.httpMethod,
  headers: v.headersInit,
  body: v.body,
  // json: serialised (and so checked) by jsonText when the request is prepared
  authenticated: v.boolean,
  auth: v.authPlugin,
  endpointFilter: checkEndpointFilter,
  endpointOverride: v.string,
  raiseExc: v.boolean,
  allowReauth: v.boolean,
  microversion: v.string,
  microversionServiceType: v.string,
  connectRetries: v.nonNegativeInt,
  statusCodeRetries: v.nonNegativeInt,
  retriableStatusCodes: v.statusList,
  retryNonIdempotent: v.boolean,
  timeout: v.positiveMs,
  signal: v.signal,
  globalRequestId: v.string,
  logger: v.logger,
  redirect: v.boolean,
  hooks: checkHooks,
  query: (value, name) => {
    if (!(value instanceof URLSearchParams)) v.record(value, name);
  },
});

/**
 * Checks the options of `new Session(options)` (its `verify`/`cert` are the
 * transport's to check); {@linkcode OptionError} for the first wrong one.
 */
export function checkSessionOptions(options: unknown): asserts options is SessionOptions {
  if (options === null || typeof options !== "object") {
    throw new OptionError("Session options must be an object");
  }
  v.checkAll(options, SESSION_CHECKS);
}

/**
 * Checks the options a request sets (cheap: only those present are looked
 * at); {@linkcode OptionError} for the first wrong one.
 */
export function checkRequestOptions(options: unknown): asserts options is RequestOptions {
  if (options === null || typeof options !== "object") {
    throw new OptionError("request options must be an object");
  }
  v.checkSet(options, REQUEST_CHECKS);
}

/** `value` when it is a non-negative integer (or undefined); else {@linkcode OptionError}. */
export function nonNegativeInt(value: unknown, name: string): number | undefined {
  if (value !== undefined) v.nonNegativeInt(value, name);
  return value as number | undefined;
}

/** `value` when it is a positive finite number (or undefined); else {@linkcode OptionError}. */
export function positiveNumber(value: unknown, name: string): number | undefined {
  if (value !== undefined) v.positiveMs(value, name);
  return value as number | undefined;
}

/** Throws {@linkcode OptionError} unless `value` is undefined or a non-negative finite number. */
export function nonNegativeMs(value: unknown, name: string): void {
  if (value !== undefined) v.nonNegativeMs(value, name);
}

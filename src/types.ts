/**
 * Shared types: endpoint filters, loggers and the auth plugin interface.
 *
 * @module
 */
import type { Session } from "./session/session.ts";

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
  getHeaders(session: Session): Promise<Record<string, string> | undefined>;
  /** The endpoint URL for a filter, or `undefined` when the plugin has none. */
  getEndpoint(session: Session, filter: EndpointFilter): Promise<string | undefined>;
  /**
   * Forget cached credentials. Returns `true` when something was invalidated
   * and a new attempt may succeed.
   */
  invalidate(): boolean | Promise<boolean>;
  /**
   * Origins (`scheme://host:port`) this plugin trusts to receive its
   * credentials: the auth URL, catalog endpoints, fixed endpoints. Optional.
   */
  getTrustedOrigins?(session: Session): Promise<string[]>;
  /** The project id the credentials are scoped to, if any. Optional. */
  getProjectId?(session: Session): Promise<string | undefined>;
}

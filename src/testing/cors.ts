/**
 * CORS for {@linkcode FakeCloud} as oslo.middleware's `CORS` middleware
 * (oslo_middleware/cors.py) answers it in front of Keystone and the other
 * OpenStack APIs: preflights (`OPTIONS` with `Origin` and
 * `Access-Control-Request-Method`) and the headers added to actual responses.
 *
 * @module
 */

/**
 * CORS settings of a {@linkcode FakeCloud}: oslo.middleware's `[cors]` options
 * (`allowed_origin`, `allow_headers`, `expose_headers`, `allow_methods`,
 * `allow_credentials`, `max_age`), applied to every service of the cloud.
 */
export interface FakeCors {
  /** Origins allowed (`allowed_origin`), e.g. `["http://127.0.0.1:8080"]`; `"*"` allows any. */
  allowedOrigins: string[];
  /**
   * Request headers allowed besides oslo.middleware's simple headers
   * (`allow_headers`; default {@linkcode FAKE_CORS_ALLOW_HEADERS}: everything
   * osauth sends).
   */
  allowHeaders?: string[];
  /**
   * Response headers scripts may read (`expose_headers`; default
   * {@linkcode FAKE_CORS_EXPOSE_HEADERS}: everything osauth reads).
   */
  exposeHeaders?: string[];
  /** Methods allowed (`allow_methods`; default oslo.middleware's: every method but CONNECT). */
  allowMethods?: string[];
  /** Send `Access-Control-Allow-Credentials: true` (`allow_credentials`; default true). */
  allowCredentials?: boolean;
  /** `Access-Control-Max-Age` in seconds (`max_age`; default 3600; 0 sends none). */
  maxAge?: number;
}

/**
 * The request headers osauth may send (besides `Content-Type` and `Accept`,
 * which oslo.middleware always allows): what a `[cors] allow_headers` needs.
 */
export const FAKE_CORS_ALLOW_HEADERS: readonly string[] = Object.freeze([
  "X-Auth-Token",
  "X-Openstack-Request-Id",
  "X-Subject-Token",
  "Openstack-Auth-Receipt",
  "X-Service-Token",
  "OpenStack-API-Version",
  "X-OpenStack-Nova-API-Version",
  "X-OpenStack-Ironic-API-Version",
  "X-OpenStack-Manila-API-Version",
  "X-OpenStack-Ironic-Inspector-API-Version",
]);

/** The response headers osauth reads: what a `[cors] expose_headers` needs. */
export const FAKE_CORS_EXPOSE_HEADERS: readonly string[] = Object.freeze([
  "X-Subject-Token",
  "X-Openstack-Request-Id",
  "X-Compute-Request-Id",
  "Openstack-Request-Id",
  "OpenStack-API-Version",
  "X-OpenStack-Nova-API-Version",
  "Openstack-Auth-Receipt",
  "Retry-After",
]);

/** oslo.middleware's CORS_OPTS default for `allow_methods`. */
const OSLO_METHODS = ["OPTIONS", "GET", "HEAD", "POST", "PUT", "DELETE", "TRACE", "PATCH"];

/** oslo.middleware's `CORS.simple_headers`: allowed whatever `allow_headers` says. */
const SIMPLE_HEADERS = [
  "Accept",
  "Accept-Language",
  "Content-Type",
  "Cache-Control",
  "Content-Language",
  "Expires",
  "Last-Modified",
  "Pragma",
];

/** A checked copy of {@linkcode FakeCors}. */
export interface CorsPolicy {
  origins: Set<string>;
  allowHeaders: string[];
  exposeHeaders: string[];
  allowMethods: string[];
  allowCredentials: boolean;
  maxAge: number;
}

function stringList(value: unknown, what: string): string[] {
  if (!Array.isArray(value) || !value.every((v) => typeof v === "string" && v !== "")) {
    throw new TypeError(`FakeCloud cors.${what} must be an array of non-empty strings`);
  }
  return [...value];
}

/** Checks and copies the options (a `TypeError` on a bad one). */
export function corsPolicy(cors: FakeCors): CorsPolicy {
  if (cors === null || typeof cors !== "object") {
    throw new TypeError("FakeCloud cors must be an object with allowedOrigins");
  }
  const maxAge = cors.maxAge ?? 3600;
  if (!Number.isInteger(maxAge) || maxAge < 0) {
    throw new TypeError("FakeCloud cors.maxAge must be a non-negative integer");
  }
  return {
    origins: new Set(stringList(cors.allowedOrigins, "allowedOrigins")),
    allowHeaders: stringList(cors.allowHeaders ?? FAKE_CORS_ALLOW_HEADERS, "allowHeaders"),
    exposeHeaders: stringList(cors.exposeHeaders ?? FAKE_CORS_EXPOSE_HEADERS, "exposeHeaders"),
    allowMethods: stringList(cors.allowMethods ?? OSLO_METHODS, "allowMethods"),
    allowCredentials: cors.allowCredentials ?? true,
    maxAge,
  };
}

/** oslo's `_get_cors_config_by_origin`: the origin to answer with, or undefined. */
function matchOrigin(policy: CorsPolicy, origin: string): string | undefined {
  if (policy.origins.has(origin)) return origin;
  return policy.origins.has("*") ? "*" : undefined;
}

/** oslo's `_split_header_values` (rsplit on commas, stripped, empties dropped). */
function splitValues(value: string | null): string[] {
  if (value === null) return [];
  return value.split(",").map((v) => v.trim()).filter((v) => v !== "");
}

/**
 * The answer to an `OPTIONS` request (oslo's `_apply_cors_preflight_headers`
 * over an application that does not handle OPTIONS: a 200 with no body).
 * Anything oslo would not allow gets the 200 without CORS headers, which the
 * browser then refuses.
 */
export function preflightResponse(policy: CorsPolicy, req: Request): Response {
  const headers = new Headers();
  const answer = (): Response => new Response(null, { status: 200, headers });
  const requestOrigin = req.headers.get("origin");
  if (requestOrigin === null) return answer();
  const origin = matchOrigin(policy, requestOrigin);
  if (origin === undefined) return answer();
  const method = req.headers.get("access-control-request-method");
  if (method === null) return answer();
  const requested = splitValues(req.headers.get("access-control-request-headers"));
  if (!policy.allowMethods.includes(method)) return answer();
  const permitted = new Set(
    [...policy.allowHeaders, ...SIMPLE_HEADERS].map((h) => h.toUpperCase()),
  );
  if (requested.some((h) => !permitted.has(h.toUpperCase()))) return answer();
  headers.set("Vary", "Origin");
  headers.set("Access-Control-Allow-Origin", origin);
  if (policy.allowCredentials) headers.set("Access-Control-Allow-Credentials", "true");
  if (policy.maxAge) headers.set("Access-Control-Max-Age", String(policy.maxAge));
  headers.set("Access-Control-Allow-Methods", method);
  if (requested.length > 0) headers.set("Access-Control-Allow-Headers", requested.join(","));
  return answer();
}

/** `resp` with oslo's actual-request CORS headers (`_apply_cors_request_headers`). */
export function withCorsHeaders(policy: CorsPolicy, req: Request, resp: Response): Response {
  const requestOrigin = req.headers.get("origin");
  if (requestOrigin === null || resp.headers.has("access-control-allow-origin")) return resp;
  const origin = matchOrigin(policy, requestOrigin);
  if (origin === undefined) return resp;
  const headers = new Headers(resp.headers);
  const vary = headers.get("vary");
  headers.set("Vary", vary !== null ? `${vary},Origin` : "Origin");
  headers.set("Access-Control-Allow-Origin", origin);
  if (policy.allowCredentials) headers.set("Access-Control-Allow-Credentials", "true");
  if (policy.exposeHeaders.length > 0) {
    headers.set("Access-Control-Expose-Headers", policy.exposeHeaders.join(","));
  }
  return new Response(resp.body, { status: resp.status, statusText: resp.statusText, headers });
}

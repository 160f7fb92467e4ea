/**
 * The one reader of a response's request id, for log lines and errors.
 *
 * @example
 * ```ts
 * import { requestIdOf } from "./request_id.ts";
 * console.assert(requestIdOf(new Headers({ "X-Compute-Request-Id": "req-1" })) === "req-1");
 * ```
 *
 * @module
 */

/**
 * The request id a response carries: `X-OpenStack-Request-Id`, else
 * `X-Compute-Request-Id` (Nova, Cinder and Manila send it, Manila often
 * alone), else Ironic's `Openstack-Request-Id` (docs/DIFFERENCES.md,
 * D-request-id-headers: keystoneauth1 reads the first two in its log lines
 * and only the first in its errors).
 */
export function requestIdOf(headers: Headers): string | undefined {
  return headers.get("x-openstack-request-id") ?? headers.get("x-compute-request-id") ??
    headers.get("openstack-request-id") ?? undefined;
}

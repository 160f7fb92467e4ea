/**
 * Microversion headers: `OpenStack-API-Version: <service-type> <version>` and
 * the legacy per-service headers keystoneauth1 sends.
 *
 * @module
 */
import { officialServiceType } from "../catalog/service_types.ts";

/** The service type name a service expects inside `OpenStack-API-Version`. */
export function microversionServiceName(serviceType: string): string {
  const official = officialServiceType(serviceType);
  // Cinder names itself "volume" in the header.
  if (official === "block-storage") return "volume";
  return official;
}

/** Legacy microversion headers some services still read. */
export function legacyMicroversionHeaders(serviceType: string): string[] {
  switch (officialServiceType(serviceType)) {
    case "compute":
      return ["X-OpenStack-Nova-API-Version"];
    case "baremetal":
      return ["X-OpenStack-Ironic-API-Version"];
    case "shared-file-system":
      return ["X-OpenStack-Manila-API-Version"];
    default:
      return [];
  }
}

/**
 * The headers that ask `serviceType` for `microversion`.
 *
 * @example
 * ```ts
 * import { microversionHeaders } from "./microversion.ts";
 * const h = microversionHeaders("compute", "2.79");
 * console.assert(h["OpenStack-API-Version"] === "compute 2.79");
 * console.assert(h["X-OpenStack-Nova-API-Version"] === "2.79");
 * ```
 */
export function microversionHeaders(
  serviceType: string,
  microversion: string,
): Record<string, string> {
  const headers: Record<string, string> = {
    "OpenStack-API-Version": `${microversionServiceName(serviceType)} ${microversion}`,
  };
  for (const h of legacyMicroversionHeaders(serviceType)) headers[h] = microversion;
  return headers;
}

/**
 * Microversion headers: `OpenStack-API-Version: <service-type> <version>` and
 * the legacy per-service headers, as keystoneauth1 sends them.
 *
 * The name inside `OpenStack-API-Version` is the one each service reads:
 * `volume` for Cinder (`block-storage`, `volumev3`, ...), `shared-file-system`
 * for Manila (`sharev2`, `share`), `container-infra` for Magnum
 * (`container-infrastructure-management`), and otherwise the official
 * service type (`compute`, `placement`, `baremetal`, ...).
 *
 * @module
 */
import { officialServiceType } from "../catalog/service_types.ts";
import { OptionError } from "../errors.ts";
import { isLatest, LATEST, tryParseVersion, versionToString } from "./version.ts";

/**
 * The service name a service expects inside `OpenStack-API-Version`.
 *
 * @example
 * ```ts
 * import { microversionServiceName } from "jsr:@x/osauth/discovery";
 * console.assert(microversionServiceName("volumev3") === "volume");
 * console.assert(microversionServiceName("sharev2") === "shared-file-system");
 * console.assert(microversionServiceName("container-infrastructure-management") === "container-infra");
 * ```
 */
export function microversionServiceName(serviceType: string): string {
  if (typeof serviceType !== "string" || serviceType.trim() === "") {
    throw new OptionError("a microversion needs a service type");
  }
  const official = officialServiceType(serviceType);
  if (serviceType.startsWith("volume") || official === "block-storage") return "volume";
  if (serviceType.startsWith("share") || official === "shared-file-system") {
    return "shared-file-system";
  }
  if (official === "container-infrastructure-management") return "container-infra";
  return official;
}

/**
 * The legacy microversion headers a service still reads besides
 * `OpenStack-API-Version`: Nova, Ironic and Manila (as keystoneauth1), and
 * Ironic Inspector.
 *
 * @example
 * ```ts
 * import { legacyMicroversionHeaders } from "jsr:@x/osauth/discovery";
 * console.assert(legacyMicroversionHeaders("compute")[0] === "X-OpenStack-Nova-API-Version");
 * console.assert(legacyMicroversionHeaders("placement").length === 0);
 * ```
 */
export function legacyMicroversionHeaders(serviceType: string): string[] {
  switch (microversionServiceName(serviceType)) {
    case "compute":
      return ["X-OpenStack-Nova-API-Version"];
    case "baremetal":
      return ["X-OpenStack-Ironic-API-Version"];
    case "shared-file-system":
      return ["X-OpenStack-Manila-API-Version"];
    case "baremetal-introspection":
      return ["X-OpenStack-Ironic-Inspector-API-Version"];
    default:
      return [];
  }
}

/**
 * Validates and normalises a microversion: `"2.79"`, `"v2.79"` ->
 * `"2.79"`, `"latest"` stays. `"2.latest"` and non-versions throw
 * {@linkcode OptionError}.
 */
export function normalizeMicroversion(microversion: string): string {
  const parsed = typeof microversion === "string" ? tryParseVersion(microversion) : undefined;
  if (!parsed) {
    throw new OptionError(
      `invalid microversion ${JSON.stringify(microversion)}: expected e.g. "2.79" or "latest"`,
    );
  }
  if (!isLatest(parsed) && parsed.includes(LATEST)) {
    throw new OptionError(
      `a "<major>.latest" microversion is not allowed (got ${microversion}); use "latest"`,
    );
  }
  return versionToString(parsed);
}

/**
 * The headers that ask `serviceType` for `microversion`. Throws
 * {@linkcode OptionError} for an invalid microversion.
 *
 * @example
 * ```ts
 * import { microversionHeaders } from "jsr:@x/osauth/discovery";
 * const h = microversionHeaders("compute", "2.79");
 * console.assert(h["OpenStack-API-Version"] === "compute 2.79");
 * console.assert(h["X-OpenStack-Nova-API-Version"] === "2.79");
 * console.assert(microversionHeaders("block-storage", "3.70")["OpenStack-API-Version"] === "volume 3.70");
 * ```
 */
export function microversionHeaders(
  serviceType: string,
  microversion: string,
): Record<string, string> {
  const version = normalizeMicroversion(microversion);
  const headers: Record<string, string> = {
    "OpenStack-API-Version": `${microversionServiceName(serviceType)} ${version}`,
  };
  for (const h of legacyMicroversionHeaders(serviceType)) headers[h] = version;
  return headers;
}

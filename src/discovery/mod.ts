/**
 * Version discovery building blocks (`jsr:@x/osauth/discovery`), for code
 * that reads version documents or microversions itself, below what
 * `Session.getEndpointData`, `Adapter` and {@linkcode negotiateMicroversion}
 * (all in the root export) already do: keystoneauth1's version numbers
 * ({@linkcode parseVersion}, {@linkcode versionMatch}, ...), version
 * documents ({@linkcode VersionDocument}, {@linkcode fetchVersionDocument}),
 * the URLs discovery tries ({@linkcode discoveryPlan}) and the microversion
 * headers a request sends ({@linkcode microversionHeaders}).
 *
 * This is an advanced entry: most programs need only the root export.
 *
 * @example Parse and compare versions as keystoneauth1 does
 * ```ts
 * import { compareVersions, parseVersion, versionMatch, versionToString } from "jsr:@x/osauth/discovery";
 *
 * console.assert(versionToString(parseVersion("v2")) === "2.0");
 * console.assert(compareVersions(parseVersion("2.10"), parseVersion("2.9")) > 0);
 * console.assert(versionMatch(parseVersion("3"), parseVersion("3.14")));
 * ```
 *
 * @example Read a version document
 * ```ts
 * import { VersionDocument } from "jsr:@x/osauth/discovery";
 *
 * const doc = VersionDocument.parse(
 *   { version: { id: "v3.14", status: "stable", links: [{ rel: "self", href: "http://h/v3/" }] } },
 *   "http://h/v3",
 * );
 * console.assert(doc.versions[0]?.url === "http://h/v3/");
 * ```
 *
 * @example The microversion headers a request sends
 * ```ts
 * import { microversionHeaders } from "jsr:@x/osauth/discovery";
 *
 * const headers = microversionHeaders("compute", "2.79");
 * console.assert(headers["OpenStack-API-Version"] === "compute 2.79");
 * ```
 *
 * @module
 */
export {
  legacyMicroversionHeaders,
  microversionHeaders,
  microversionServiceName,
  normalizeMicroversion,
} from "./microversion.ts";
export {
  compareVersions,
  LATEST,
  normalizeVersionBounds,
  type ParsedVersion,
  parseVersion,
  tryParseVersion,
  versionBetween,
  type VersionBounds,
  type VersionBoundsInput,
  versionFromUrl,
  type VersionInput,
  versionMatch,
  versionToString,
} from "./version.ts";
export {
  normalizeStatus,
  resolveVersionUrl,
  type VersionData,
  VersionDocument,
  type VersionSelector,
  type VersionStatus,
  type VersionStatusFilter,
} from "./document.ts";
export {
  type DiscoveryContext,
  type DiscoveryOptions,
  type DiscoveryPlan,
  discoveryPlan,
  type DiscoveryPlanOptions,
  fetchVersionDocument,
  getEndpointData,
} from "./discover.ts";
export {
  DEFAULT_DISCOVERY_CACHE_SIZE,
  DiscoveryCache,
  type DiscoveryCacheOptions,
} from "./cache.ts";
export { EndpointData, type EndpointDataInit } from "./endpoint_data.ts";
export {
  type ClientMicroversions,
  type MicroversionRange,
  negotiateMicroversion,
  type ServerMicroversions,
} from "./negotiate.ts";

/**
 * Per-service settings of a cloud entry, looked up as openstacksdk's
 * CloudRegion does (`_get_config`): `<type>_<key>` for the service's
 * official type, then each alias in the registry's order
 * (`block_storage_api_version` before `volumev3_api_version` before
 * `volumev2_api_version`), then, for the interface and region, the cloud's
 * own `interface`/`region_name`.
 *
 * @module
 */

import { allServiceTypes, officialServiceType } from "../catalog/service_types.ts";
import type { AdapterOptions } from "../adapter.ts";
import type { CloudConfig } from "./cloud_config.ts";
import { pyStr } from "./pystr.ts";

/** What a cloud entry says about one service. */
export interface ServiceSettings {
  /** The official service type (os-service-types), or the type as given when unknown. */
  serviceType: string;
  /** `<service>_interface` (or `<service>_endpoint_type`), else the cloud's `interface`. */
  interface: string | undefined;
  /** `<service>_region_name`, else the cloud's region. */
  regionName: string | undefined;
  /**
   * `<service>_endpoint_override`, else the legacy `<service>_endpoint`;
   * with `auth_type: none` the `auth.endpoint`; for identity without a scope,
   * `auth.auth_url` (openstacksdk's `get_endpoint`).
   */
  endpointOverride: string | undefined;
  /** `<service>_api_version` (openstacksdk drops one that is no number, such as `latest`). */
  apiVersion: string | undefined;
  /** `<service>_service_name`. */
  serviceName: string | undefined;
  /** `<service>_default_microversion`. */
  defaultMicroversion: string | undefined;
  /** `<service>_connect_retries`, else `connect_retries`. */
  connectRetries: number | undefined;
  /** `<service>_status_code_retries`, else `status_code_retries`. */
  statusCodeRetries: number | undefined;
}

const SCOPE_KEYS = ["domain_id", "domain_name", "project_id", "project_name", "system_scope"];

const present = (v: unknown): boolean => v !== undefined && v !== null;

function str(v: unknown): string | undefined {
  return present(v) ? pyStr(v) : undefined;
}

function int(v: unknown): number | undefined {
  if (!present(v)) return undefined;
  const n = Number(pyStr(v));
  return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

/**
 * openstacksdk's `_get_config(key, service_type, fallback_to_unprefixed)`:
 * the first value that is not null among `<type>_<key>` for the type's names.
 */
function lookup(
  raw: Readonly<Record<string, unknown>>,
  key: string,
  serviceType: string,
  fallback: boolean,
): unknown {
  for (const st of allServiceTypes(serviceType)) {
    const value = raw[`${st.toLowerCase().replaceAll("-", "_")}_${key}`];
    if (present(value)) return value;
  }
  return fallback ? raw[key] : undefined;
}

/** Python's `float(value)` succeeding (openstacksdk's `get_api_version` check). */
function isPyFloat(text: string): boolean {
  const t = text.trim().replaceAll("_", "");
  return /^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/.test(t) ||
    /^[-+]?(?:inf|infinity|nan)$/i.test(t);
}

/**
 * The settings a cloud entry gives for one service, exactly as
 * openstacksdk's CloudRegion `get_interface`, `get_region_name`,
 * `get_endpoint`, `get_api_version`, ... return them.
 *
 * @example
 * ```ts
 * import { loadCloudConfig, serviceSettings } from "jsr:@x/osauth/clouds";
 * const cloud = await loadCloudConfig({
 *   env: {},
 *   yaml: `clouds: {c: {auth_type: none, auth: {endpoint: 'http://127.0.0.1:6385'},
 *     volumev2_api_version: '2', block_storage_api_version: '3', compute_interface: internal}}`,
 * });
 * console.assert(serviceSettings(cloud, "volumev2").apiVersion === "3");
 * console.assert(serviceSettings(cloud, "compute").interface === "internal");
 * ```
 */
export function serviceSettings(cloud: CloudConfig, serviceType: string): ServiceSettings {
  const raw = cloud.raw;
  const auth = cloud.auth;
  let endpoint = str(lookup(raw, "endpoint_override", serviceType, false));
  if (!endpoint) endpoint = str(lookup(raw, "endpoint", serviceType, false));
  if (!endpoint && raw.auth_type === "none") endpoint = str(auth.endpoint);
  if (
    !endpoint && serviceType === "identity" && !SCOPE_KEYS.some((k) => Object.hasOwn(auth, k))
  ) {
    endpoint = str(auth.auth_url);
  }
  let apiVersion = str(lookup(raw, "api_version", serviceType, false));
  if (apiVersion === "" || (apiVersion !== undefined && !isPyFloat(apiVersion))) {
    apiVersion = undefined;
  }
  const region = str(lookup(raw, "region_name", serviceType, true));
  return {
    serviceType: officialServiceType(serviceType),
    interface: str(lookup(raw, "interface", serviceType, true)),
    regionName: region === "" ? undefined : region,
    endpointOverride: endpoint || undefined,
    apiVersion,
    serviceName: str(lookup(raw, "service_name", serviceType, false)),
    defaultMicroversion: str(lookup(raw, "default_microversion", serviceType, false)),
    connectRetries: int(lookup(raw, "connect_retries", serviceType, true)),
    statusCodeRetries: int(lookup(raw, "status_code_retries", serviceType, true)),
  };
}

/**
 * Adapter options for one service of a cloud entry (openstacksdk's
 * `get_session_client`): the official service type, the interface, region,
 * endpoint override, API version, service name, default microversion and
 * retries the entry sets for it. Pass them with the session from
 * `sessionFromCloud` to `new Adapter(session, options)`.
 *
 * @example
 * ```ts
 * import { adapterOptionsFromCloud, loadCloudConfig } from "jsr:@x/osauth/clouds";
 * const cloud = await loadCloudConfig({
 *   env: {},
 *   yaml: `clouds: {c: {auth: {auth_url: 'https://k/v3', token: t}, auth_type: v3token,
 *     compute_region_name: RegionTwo, volumev3_endpoint_type: internal}}`,
 * });
 * const compute = adapterOptionsFromCloud(cloud, "compute");
 * console.assert(compute.regionName === "RegionTwo");
 * console.assert(adapterOptionsFromCloud(cloud, "block-storage").interface === "internal");
 * ```
 */
export function adapterOptionsFromCloud(cloud: CloudConfig, serviceType: string): AdapterOptions {
  const s = serviceSettings(cloud, serviceType);
  const out: AdapterOptions = { serviceType: s.serviceType };
  if (s.interface) out.interface = s.interface;
  if (s.regionName) out.regionName = s.regionName;
  if (s.endpointOverride) out.endpointOverride = s.endpointOverride;
  if (s.apiVersion) out.version = s.apiVersion;
  if (s.serviceName) out.serviceName = s.serviceName;
  if (s.defaultMicroversion) out.defaultMicroversion = s.defaultMicroversion;
  if (s.connectRetries !== undefined) out.connectRetries = s.connectRetries;
  if (s.statusCodeRetries !== undefined) out.statusCodeRetries = s.statusCodeRetries;
  return out;
}

/** The `<prefix>` of every `<prefix>_<suffix>` key of `raw`, as service types (`_` as `-`). */
export function serviceTypesWith(
  raw: Readonly<Record<string, unknown>>,
  suffix: string,
): string[] {
  const out = new Set<string>();
  for (const k of Object.keys(raw)) {
    if (k.length > suffix.length + 1 && k.endsWith(`_${suffix}`)) {
      out.add(officialServiceType(k.slice(0, -suffix.length - 1).replaceAll("_", "-")));
    }
  }
  return [...out];
}

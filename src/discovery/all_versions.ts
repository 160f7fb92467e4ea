/**
 * `getAllVersionData`: the version data of every service in the catalog, in
 * keystoneauth1's `get_all_version_data` shape (region -> interface ->
 * service type -> version data list, versions as strings).
 *
 * @module
 */
import { OptionError } from "../errors.ts";
import type { AccessInfo } from "../access/access_info.ts";
import type { CatalogEndpoint } from "../catalog/service_catalog.ts";
import { officialServiceType } from "../catalog/service_types.ts";
import type { AuthPlugin } from "../types.ts";
import { type DiscoveryContext, discoveryPlan, fetchVersionDocument } from "./discover.ts";
import type { VersionData } from "./document.ts";
import { type ParsedVersion, versionToString } from "./version.ts";

/** Which endpoints `getAllVersionData` describes. */
export interface AllVersionDataFilter {
  /**
   * Interface(s): one, or a list in order of preference (per service the
   * best one it has), or `null` for every interface. Default `"public"`.
   */
  interface?: string | readonly string[] | null;
  /** Only this region (default: every region). */
  regionName?: string;
  /** Only this service type (aliases match, as for endpoints). */
  serviceType?: string;
}

/** One API version of a service, as keystoneauth1's `VersionData` with versions as strings. */
export interface VersionStringData {
  /** `"2.1"`; `null` when discovery failed and the catalog URL names no version. */
  version: string | null;
  /** The version's URL. */
  url: string;
  /** The `collection` link, or `null`. */
  collection: string | null;
  /** Lowest microversion (`"2.1"`), or `null`. */
  minMicroversion: string | null;
  /** Highest microversion (`"2.93"`), or `null`. */
  maxMicroversion: string | null;
  /** `next_min_version`, or `null`. */
  nextMinVersion: string | null;
  /** `not_before`, or `null`. */
  notBefore: string | null;
  /** Normalised status (`CURRENT`, ...); `null` when discovery failed. */
  status: string | null;
  /** Status as the service wrote it; `null` when discovery failed. */
  rawStatus: string | null;
}

/**
 * Region -> interface -> service type (official) -> versions, oldest first.
 * Endpoints without a region are under `""`.
 */
export type AllVersionData = Record<string, Record<string, Record<string, VersionStringData[]>>>;

/** What {@linkcode getAllVersionData} needs from a session: discovery, and the plugin's access. */
export interface AllVersionsContext extends DiscoveryContext {
  /** The plugin's current access info (authenticating when needed). */
  getAccess(auth?: AuthPlugin): Promise<AccessInfo>;
}

const str = (v: ParsedVersion | undefined): string | null => v ? versionToString(v) : null;

function stringData(v: VersionData): VersionStringData {
  return {
    version: versionToString(v.version),
    url: v.url,
    collection: v.collectionUrl ?? null,
    minMicroversion: str(v.minMicroversion),
    maxMicroversion: str(v.maxMicroversion),
    nextMinVersion: str(v.nextMinVersion),
    notBefore: v.notBefore ?? null,
    status: v.status,
    rawStatus: v.rawStatus,
  };
}

/**
 * The versions of one catalog endpoint: the first version document found
 * at keystoneauth1's discovery URLs for it (the root first), oldest first;
 * when none answers, the version the catalog URL names at its URL without
 * the project id (keystoneauth1's `_infer_version_data`).
 */
async function endpointVersions(
  session: AllVersionsContext,
  ep: CatalogEndpoint,
  projectId: string | undefined,
  auth: AuthPlugin | undefined,
): Promise<VersionStringData[]> {
  const plan = discoveryPlan(ep.url, { projectId, serviceType: ep.serviceType });
  for (const url of plan.urls) {
    let doc;
    try {
      doc = await fetchVersionDocument(session, url, auth);
    } catch {
      continue; // as keystoneauth1: a URL that gives no document is skipped
    }
    // The first document found is the answer (an empty one: the catalog's version, below).
    if (doc.versions.length > 0) return [...doc.versions].reverse().map(stringData);
    break;
  }
  let url = ep.url.replace(/\/+$/, "");
  if (projectId && url.endsWith(projectId)) url = url.slice(0, url.lastIndexOf("/"));
  return [{
    version: str(plan.catalogVersion),
    url: `${url}/`,
    collection: null,
    minMicroversion: null,
    maxMicroversion: null,
    nextMinVersion: null,
    notBefore: null,
    status: null,
    rawStatus: null,
  }];
}

function checkFilter(filter: unknown): AllVersionDataFilter {
  if (filter === undefined) return {};
  if (filter === null || typeof filter !== "object") {
    throw new OptionError("getAllVersionData: the filter must be an object");
  }
  const f = filter as Record<string, unknown>;
  for (const key of ["regionName", "serviceType"]) {
    if (f[key] !== undefined && typeof f[key] !== "string") {
      throw new OptionError(`getAllVersionData: ${key} must be a string`);
    }
  }
  const iface = f.interface;
  if (
    iface !== undefined && iface !== null && typeof iface !== "string" &&
    !(Array.isArray(iface) && iface.every((i) => typeof i === "string"))
  ) {
    throw new OptionError("getAllVersionData: interface must be a string, a list of them or null");
  }
  return filter as AllVersionDataFilter;
}

/**
 * The version data of every catalog endpoint `filter` selects (see
 * {@linkcode AllVersionDataFilter}), as keystoneauth1's
 * `get_all_version_data`: the plugin's catalog (authenticating when
 * needed), each endpoint's versions from its version documents (fetched
 * once per discovery cache, in parallel).
 */
export async function getAllVersionData(
  session: AllVersionsContext,
  filter?: AllVersionDataFilter,
  auth?: AuthPlugin,
): Promise<AllVersionData> {
  const f = checkFilter(filter);
  const access: AccessInfo = await session.getAccess(auth);
  const projectId = access.projectId;
  const interfaces = f.interface === null
    ? ["public", "internal", "admin"].map((i) => [i])
    : [f.interface ?? "public"];
  const endpoints: CatalogEndpoint[] = [];
  for (const iface of interfaces) {
    endpoints.push(...access.catalog.endpointsFor({
      interface: iface,
      ...(f.regionName !== undefined ? { regionName: f.regionName } : {}),
      ...(f.serviceType !== undefined ? { serviceType: f.serviceType } : {}),
    }));
  }
  const versions = await Promise.all(
    endpoints.map((ep) => endpointVersions(session, ep, projectId, auth)),
  );
  const out: AllVersionData = {};
  endpoints.forEach((ep, i) => {
    const region = (out[ep.regionName ?? ""] ??= {});
    const byType = (region[ep.interface] ??= {});
    byType[officialServiceType(ep.serviceType)] = versions[i]!;
  });
  return out;
}

/**
 * Version discovery, as keystoneauth1's `EndpointData.get_versioned_data`
 * does it: take the catalog URL (or override), remove a trailing project id
 * and version segment to find the service root, fetch version documents
 * (unauthenticated first, through the session's shareable
 * {@linkcode DiscoveryCache}), choose the newest version within the
 * requested bounds and put the project id back on its URL.
 *
 * @example
 * ```ts ignore
 * import { Session, v3 } from "jsr:@x/osauth";
 * declare const auth: v3.Password;
 * const sess = new Session({ auth });
 * const data = await sess.getEndpointData({ serviceType: "compute", minVersion: "2" });
 * console.log(data.serviceUrl, data.apiVersion, data.maxMicroversion);
 * ```
 *
 * @module
 */
import type { AccessInfo } from "../access/access_info.ts";
import { type CatalogEndpoint, normalizeInterface } from "../catalog/service_catalog.ts";
import { officialServiceType } from "../catalog/service_types.ts";
import {
  ConnectFailure,
  DiscoveryFailure,
  EndpointNotFound,
  HttpError,
  httpErrorFromResponse,
  MissingAuthPlugin,
  OptionError,
  VersionNotAvailable,
} from "../errors.ts";
import { redactUrl } from "../logging.ts";
import { readBodyCapped, VERSION_DOCUMENT_LIMIT } from "../util/body.ts";
import type { Session } from "../session/session.ts";
import type { AuthPlugin, EndpointDataFilter, EndpointFilter } from "../types.ts";
import { type VersionData, VersionDocument, type VersionStatusFilter } from "./document.ts";
import { EndpointData, type EndpointDataInit } from "./endpoint_data.ts";
import {
  describeBounds,
  LATEST,
  latestSoftMatch,
  normalizeVersionBounds,
  type ParsedVersion,
  tryParseVersion,
  versionBetween,
  type VersionBounds,
  versionFromUrl,
  versionMatch,
  versionToString,
} from "./version.ts";

/** How discovery runs, beyond the filter. */
export interface DiscoveryOptions extends VersionStatusFilter {
  /**
   * Fetch version documents even when the catalog URL already answers the
   * request (default true). With false and no version bounds, nothing is
   * fetched and the API version is read from the URL.
   */
  discoverVersions?: boolean;
  /**
   * Walk the catalog URL up to the service root to look for other versions
   * (default true; always false for an endpoint override, as keystoneauth1).
   */
  allowVersionHack?: boolean;
}

/** Where to look for version documents for one catalog URL, best first. */
export interface DiscoveryPlan {
  /** URLs to try, in order, without duplicates. */
  urls: string[];
  /** The project id removed from the end of the catalog URL, if any. */
  savedProjectId: string | undefined;
  /** The catalog URL names a version within the requested bounds. */
  catalogMatchesVersion: boolean;
  /** ... and with the requested major version. */
  catalogMatchesExactly: boolean;
  /** The version the catalog URL names (after removing the project id), if any. */
  catalogVersion: ParsedVersion | undefined;
}

/** What {@linkcode discoveryPlan} needs. */
export interface DiscoveryPlanOptions {
  /** Project id of the credentials: removed from the end of the URL. */
  projectId?: string;
  /** Requested bounds. */
  bounds?: VersionBounds;
  /** Walk up to the service root (default true). */
  allowVersionHack?: boolean;
  /** Service type, for the identity `/v2.0` rule. */
  serviceType?: string;
}

function urlPrefix(u: URL): string {
  const user = u.username ? `${u.username}${u.password ? `:${u.password}` : ""}@` : "";
  return `${u.protocol}//${user}${u.host}`;
}

function urlVersion(segment: string | undefined): ParsedVersion | undefined {
  if (segment === undefined || segment === "") return undefined;
  const v = tryParseVersion(segment);
  return v && !v.includes(LATEST) ? v : undefined;
}

function stripSlash(url: string): string {
  return url.replace(/\/+$/, "");
}

/**
 * The URLs where version documents for `catalogUrl` may be found, best first
 * (keystoneauth1's `_get_discovery_url_choices`): a trailing project id is
 * removed (the known one, or whatever follows a version segment); a catalog
 * URL whose version matches the bounds exactly is tried first; then the
 * unversioned root; then the catalog URL itself.
 *
 * @example
 * ```ts
 * import { discoveryPlan } from "./discover.ts";
 * const plan = discoveryPlan("http://127.0.0.1:8774/v2.1/p1", { projectId: "p1" });
 * console.assert(plan.urls[0] === "http://127.0.0.1:8774/" && plan.savedProjectId === "p1");
 * ```
 */
export function discoveryPlan(
  catalogUrl: string,
  options: DiscoveryPlanOptions = {},
): DiscoveryPlan {
  let parsed: URL;
  try {
    parsed = new URL(stripSlash(catalogUrl));
  } catch {
    throw new DiscoveryFailure(`the endpoint URL is not a valid URL: ${catalogUrl}`);
  }
  const { min, max } = options.bounds ?? { min: undefined, max: undefined };
  const allowHack = options.allowVersionHack ?? true;
  const prefix = urlPrefix(parsed);
  const tail = `${parsed.search}${parsed.hash}`;
  const parts = stripSlash(parsed.pathname).split("/");
  const build = (p: string[], slash = false) =>
    `${prefix}${p.join("/")}${slash && p.join("/") !== "/" ? "/" : ""}${tail}`;
  const urls: string[] = [];
  const seen = new Set<string>();
  const add = (u: string) => {
    const key = stripSlash(u);
    if (seen.has(key)) return;
    seen.add(key);
    urls.push(u);
  };

  let savedProjectId: string | undefined;
  const projectId = options.projectId;
  if (projectId && parts.length > 1 && parts[parts.length - 1] === projectId) {
    savedProjectId = parts.pop();
  } else if (!projectId && parts.length > 2 && urlVersion(parts[parts.length - 2])) {
    // `<version>/<something>`: the something is a project id we were not told about.
    savedProjectId = parts.pop();
  }

  let catalogMatchesVersion = false;
  let catalogMatchesExactly = false;
  let versionedDiscovery: string | undefined;
  let catalogDiscovery: string | undefined;
  const catalogVersion = parts.length > 1 ? urlVersion(parts[parts.length - 1]) : undefined;
  if (catalogVersion) {
    versionedDiscovery = build(parts);
    const isBetween = !!(min && max && versionBetween(min, max, catalogVersion));
    const exact = isBetween && max![0] === catalogVersion[0];
    const high = isBetween && max![1] !== LATEST && versionMatch(max!, catalogVersion);
    if (isBetween) {
      catalogMatchesVersion = true;
      catalogMatchesExactly = exact;
      catalogDiscovery = build(parts, true);
    }
    if (catalogDiscovery && (high || exact)) {
      add(catalogDiscovery);
      catalogDiscovery = undefined;
    }
    parts.pop();
  }

  if (allowHack) {
    const hacked = build(parts);
    add(hacked === catalogUrl ? hacked : build(parts, true));
    if (catalogDiscovery) add(catalogDiscovery);
    if (options.serviceType && officialServiceType(options.serviceType) === "identity") {
      add(catalogUrl.replace(/\/v2\.0\/?$/, "/"));
    }
  } else if (versionedDiscovery && savedProjectId) {
    add(versionedDiscovery);
  }
  add(catalogUrl);
  return { urls, savedProjectId, catalogMatchesVersion, catalogMatchesExactly, catalogVersion };
}

function snippet(text: string): string {
  return text.length > 80 ? `${text.slice(0, 80)}...` : text;
}

async function loadDocument(
  session: Session,
  url: string,
  auth: AuthPlugin | undefined,
  override: string | undefined,
): Promise<VersionDocument> {
  const headers = { Accept: "application/json" };
  let resp = await session.request(url, { authenticated: false, raiseExc: false, headers });
  if ((resp.status === 401 || resp.status === 403) && auth) {
    await resp.body?.cancel();
    // An endpoint override in use is trusted with the token, as for requests.
    resp = await session.request(url, {
      auth,
      authenticated: true,
      raiseExc: false,
      headers,
      endpointOverride: override,
    });
  }
  if (resp.status >= 400) throw await httpErrorFromResponse(resp, "GET", url, session.now());
  const text = await readBodyCapped(
    resp,
    VERSION_DOCUMENT_LIMIT,
    "version document",
    url,
    DiscoveryFailure,
  );
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new DiscoveryFailure(
      `Invalid version document at ${url} (HTTP ${resp.status}): not JSON: ${snippet(text)}`,
    );
  }
  return VersionDocument.parse(body, url, { headers: resp.headers, logger: session.logger });
}

/**
 * The version document at `url`, fetched once per
 * {@linkcode DiscoveryCache} (the session's, shareable between sessions):
 * unauthenticated first, then with credentials on 401/403 when `auth` (or
 * the session's plugin) is given; `endpointOverride` (the override in use, if
 * any) is trusted with the credentials as it is for requests. Throws {@linkcode DiscoveryFailure} when
 * the body is not a version document, an `HttpError` for status >= 400, and
 * `ConnectFailure` when the service cannot be reached. Failures are not cached.
 *
 * @example
 * ```ts ignore
 * import { fetchVersionDocument, Session } from "jsr:@x/osauth";
 * const doc = await fetchVersionDocument(new Session(), "http://127.0.0.1:8778/");
 * console.log(doc.versions.map((v) => v.id));
 * ```
 */
export async function fetchVersionDocument(
  session: Session,
  url: string,
  auth?: AuthPlugin,
  endpointOverride?: string,
): Promise<VersionDocument> {
  if (typeof url !== "string" || url === "") throw new OptionError("a discovery URL is required");
  const plugin = auth ?? session.auth;
  const doc = await session.discoveryCache.get(
    url,
    () => loadDocument(session, url, plugin, endpointOverride),
  );
  if (!(doc instanceof VersionDocument)) {
    throw new DiscoveryFailure(`the discovery cache holds no version document for ${url}`);
  }
  return doc;
}

const CATALOG_KEYS = [
  "serviceType",
  "interface",
  "regionName",
  "serviceName",
  "serviceId",
  "endpointId",
] as const;

/** The catalog part of a filter (without version bounds and overrides). */
export function catalogFilterOf(filter: EndpointFilter): EndpointFilter {
  const out: Record<string, unknown> = {};
  for (const k of CATALOG_KEYS) if (filter[k] !== undefined) out[k] = filter[k];
  return out as EndpointFilter;
}

function firstInterface(iface: string | readonly string[] | undefined): string | undefined {
  const first = typeof iface === "string" ? iface : iface?.[0];
  return first === undefined ? undefined : normalizeInterface(first);
}

async function catalogMetadata(
  session: Session,
  auth: AuthPlugin,
  filter: EndpointFilter,
  url: string,
): Promise<Partial<EndpointDataInit>> {
  const plugin = auth as AuthPlugin & { getAccess?(s: Session): Promise<AccessInfo> };
  let ep: CatalogEndpoint | undefined;
  if (typeof plugin.getAccess === "function") {
    try {
      const access = await plugin.getAccess(session);
      ep = access.catalog.endpointsFor(filter).find((e) => e.url === url);
    } catch {
      ep = undefined;
    }
  }
  return {
    interface: ep?.interface ?? firstInterface(filter.interface) ?? "public",
    regionName: ep?.regionName ?? filter.regionName,
    serviceName: ep?.serviceName ?? filter.serviceName,
    serviceId: ep?.serviceId ?? filter.serviceId,
    endpointId: ep?.endpointId ?? filter.endpointId,
  };
}

/** Whether an override URL holds a `{project_id}` or `%(project_id)s` placeholder. */
export function needsProjectId(url: string): boolean {
  return url.includes("{project_id}") || url.includes("%(project_id)s");
}

/** Replaces `{project_id}` and `%(project_id)s` in an override URL. */
export function substituteProjectId(url: string, projectId: string | undefined): string {
  if (!needsProjectId(url)) return url;
  if (!projectId) {
    throw new OptionError(
      `the endpoint override ${url} needs a project id, but the credentials have none`,
    );
  }
  return url.replaceAll("{project_id}", projectId).replaceAll("%(project_id)s", projectId);
}

function asPair(v: ParsedVersion | undefined): [number, number] | undefined {
  return v ? [v[0]!, v[1] ?? 0] : undefined;
}

function withProject(url: string, projectId: string | undefined): string {
  return projectId ? `${stripSlash(url)}/${projectId}` : url;
}

function fromVersion(
  base: EndpointDataInit,
  doc: VersionDocument,
  v: VersionData,
  projectId: string | undefined,
): EndpointData {
  return new EndpointData({
    ...base,
    serviceUrl: withProject(v.url, projectId),
    apiVersion: asPair(v.version),
    minMicroversion: v.minMicroversion ? versionToString(v.minMicroversion) : undefined,
    maxMicroversion: v.maxMicroversion ? versionToString(v.maxMicroversion) : undefined,
    nextMinVersion: v.nextMinVersion ? versionToString(v.nextMinVersion) : undefined,
    notBefore: v.notBefore,
    status: v.status,
    discoveryUrl: doc.url,
  });
}

/**
 * Discovers the endpoint data for a filter: resolves the catalog URL with
 * the auth plugin (or uses `endpointOverride`, or the session's
 * `endpointOverrides` for the service type), finds the version document and
 * chooses the newest API version within `version`/`minVersion`/`maxVersion`
 * (`"latest"` allowed).
 *
 * Throws {@linkcode VersionNotAvailable} when the service offers no version
 * within the bounds, {@linkcode DiscoveryFailure} when bounds were given for
 * an endpoint override without a version document, `EndpointNotFound` when
 * the catalog has no such service, and {@linkcode OptionError} for bad
 * bounds. Without bounds, an endpoint whose version document cannot be read
 * is returned as the catalog has it (API version from the URL, if it names one).
 *
 * `Session.getEndpointData(filter)` calls this with the session's defaults.
 */
export async function getEndpointData(
  session: Session,
  filter: EndpointDataFilter,
  auth: AuthPlugin | undefined,
  options: DiscoveryOptions = {},
): Promise<EndpointData> {
  if (filter === null || typeof filter !== "object") {
    throw new OptionError("getEndpointData needs a filter object");
  }
  options = {
    ...options,
    allowExperimental: options.allowExperimental ?? filter.allowExperimental,
    allowDeprecated: options.allowDeprecated ?? filter.allowDeprecated,
    allowUnknown: options.allowUnknown ?? filter.allowUnknown,
  };
  const serviceType = filter.serviceType;
  const bounds = normalizeVersionBounds(filter, serviceType);
  const noVersion = !bounds.min && !bounds.max;
  const logger = session.logger;
  const catalogFilter = catalogFilterOf(filter);

  const override = filter.endpointOverride ??
    (serviceType ? session.endpointOverrides[officialServiceType(serviceType)] : undefined);
  let allowVersionHack = options.allowVersionHack ?? true;
  let catalogUrl: string;
  let projectId: string | undefined;
  let meta: Partial<EndpointDataInit>;
  if (override !== undefined) {
    if (typeof override !== "string" || override === "") {
      throw new OptionError("endpointOverride must be a non-empty URL string");
    }
    allowVersionHack = false;
    projectId = auth ? await session.getProjectId(auth) : undefined;
    catalogUrl = substituteProjectId(override, projectId);
    meta = {
      interface: firstInterface(filter.interface),
      regionName: filter.regionName,
      serviceName: filter.serviceName,
      serviceId: filter.serviceId,
      endpointId: filter.endpointId,
    };
  } else {
    if (!auth) {
      throw new MissingAuthPlugin(
        "version discovery needs an auth plugin to read the catalog, or an endpointOverride",
      );
    }
    const url = await auth.getEndpoint(session, catalogFilter);
    if (!url) {
      throw new EndpointNotFound(
        `the auth plugin has no endpoint for ${JSON.stringify(catalogFilter)}`,
      );
    }
    catalogUrl = url;
    projectId = await session.getProjectId(auth);
    meta = await catalogMetadata(session, auth, catalogFilter, url);
  }

  const base: EndpointDataInit = { ...meta, catalogUrl, serviceType };
  const plan = discoveryPlan(catalogUrl, { projectId, bounds, allowVersionHack, serviceType });
  /** The catalog URL as it is, with the version it names (or `version`). */
  const plain = (version = versionFromUrl(catalogUrl)): EndpointData =>
    new EndpointData({
      ...base,
      serviceUrl: catalogUrl,
      apiVersion: asPair(version),
      projectId: plan.savedProjectId,
    });

  if (options.discoverVersions === false) {
    if (noVersion) return plain();
    if (plan.catalogMatchesExactly) return plain(plan.catalogVersion);
  }

  const failures: string[] = [];
  let doc: VersionDocument | undefined;
  for (const url of plan.urls) {
    try {
      doc = await fetchVersionDocument(
        session,
        url,
        auth,
        override !== undefined ? catalogUrl : undefined,
      );
      break;
    } catch (err) {
      if (
        err instanceof DiscoveryFailure || err instanceof HttpError ||
        err instanceof ConnectFailure
      ) {
        logger?.debug(`discovery: no version document at ${redactUrl(url)}: ${err.message}`);
        failures.push(`${url}: ${err.message}`);
        continue;
      }
      throw err;
    }
  }

  const what = serviceType ?? "the service";
  if (!doc) {
    if (plan.catalogMatchesVersion) return plain(plan.catalogVersion);
    if (noVersion) return plain();
    const urlVer = versionFromUrl(catalogUrl);
    if (
      urlVer && !versionBetween(bounds.min, bounds.max, urlVer) &&
      !latestSoftMatch(bounds.min, urlVer)
    ) {
      throw new VersionNotAvailable(
        `${what} at ${catalogUrl} is version ${versionToString(urlVer)}, outside the ` +
          `requested range (${describeBounds(bounds)}), and no version document was found ` +
          `(${failures.join("; ")})`,
      );
    }
    if (!allowVersionHack) {
      throw new DiscoveryFailure(
        `Unable to find a version discovery document for ${what} at ${catalogUrl}, so the ` +
          `requested version (${describeBounds(bounds)}) cannot be confirmed ` +
          `(${failures.join("; ")})`,
      );
    }
    const warn = logger?.warn?.bind(logger) ?? logger?.debug.bind(logger);
    warn?.(
      `Failed to contact the endpoint at ${redactUrl(catalogUrl)} for discovery. ` +
        `Fallback to using that endpoint as the base url.`,
    );
    return plain();
  }

  const chosen = doc.select({
    bounds,
    url: noVersion ? catalogUrl : undefined,
    allowExperimental: options.allowExperimental,
    allowDeprecated: options.allowDeprecated,
    allowUnknown: options.allowUnknown,
  });
  if (!chosen) {
    if (noVersion) return plain();
    throw new VersionNotAvailable(
      `${what} at ${catalogUrl} offers no API version in the requested range ` +
        `(${describeBounds(bounds)}): the version document at ${doc.url} lists ${doc.describe()}`,
    );
  }
  return fromVersion({ ...base, projectId: plan.savedProjectId }, doc, chosen, plan.savedProjectId);
}

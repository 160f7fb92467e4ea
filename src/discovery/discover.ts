/**
 * Version discovery, as keystoneauth1's `get_endpoint_data` and
 * `EndpointData.get_versioned_data` do it: take the catalog URL (or
 * override), remove a trailing project id, try the URLs where version
 * documents may be (unauthenticated first, through the session's shareable
 * {@linkcode DiscoveryCache}), choose the newest version within the
 * requested bounds and put the project id back on its URL. Without bounds
 * the catalog URL's own version is described (its document, not the
 * service root's).
 *
 * @example
 * ```ts
 * import { Session, v3 } from "jsr:@x/osauth";
 * import { FakeCloud } from "jsr:@x/osauth/testing";
 *
 * const server = await new FakeCloud().serve(); // stands in for your cloud: Keystone, Nova, ...
 * const auth = new v3.Password({
 *   authUrl: server.authUrl, username: "admin", password: "secret", projectName: "admin",
 *   userDomainId: "default", projectDomainId: "default",
 * });
 * const sess = new Session({ auth });
 * const data = await sess.getEndpointData({ serviceType: "compute", minVersion: "2" });
 * console.log(data.serviceUrl, data.apiVersion, data.maxMicroversion);
 * await server.close();
 * ```
 *
 * @module
 */
import type { AccessInfo } from "../access/access_info.ts";
import { type CatalogEndpoint, normalizeInterface } from "../catalog/service_catalog.ts";
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
import { readBodyCapped, VERSION_DOCUMENT_LIMIT } from "../util/body.ts";
import type { DiscoveryCache } from "./cache.ts";
import { chooseOverride, type EndpointSource, resolveOverride } from "./endpoint.ts";
import {
  type AuthPlugin,
  ENDPOINT_FILTER_FIELDS,
  type EndpointDataFilter,
  type EndpointFilter,
} from "../types.ts";
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
import { redactUrl } from "../util/secrets.ts";

/**
 * What version discovery needs from a session (a `Session` has all of it):
 * its requests, plugin, overrides, discovery cache, clock and logger.
 */
export interface DiscoveryContext extends EndpointSource {
  /** The session's auth plugin (used when a call names none). */
  readonly auth: AuthPlugin | undefined;
  /** Where version documents are kept, shareable between sessions. */
  readonly discoveryCache: DiscoveryCache;
}

/** How discovery runs, beyond the filter. */
export interface DiscoveryOptions extends VersionStatusFilter {
  /**
   * Fetch version documents even when the catalog URL already answers the
   * request (default true; keystoneauth1's `discover_versions`). With false,
   * nothing is fetched without version bounds, nor when the catalog URL names
   * a version with the requested major version: the catalog URL is returned
   * as it is, its API version read from the URL (what `getEndpoint` uses).
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
  /** The catalog's service type, for keystoneauth1's `identity` `/v2.0` rule. */
  serviceType?: string;
}

/** A URL split as Python's `urlparse` splits it (scheme and netloc kept as written). */
interface SplitUrl {
  /** `scheme://netloc` */
  prefix: string;
  path: string;
  /** `?query#fragment` as written, or "". */
  tail: string;
}

function splitUrl(url: string): SplitUrl {
  const m = /^([A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*)([^?#]*)(.*)$/s.exec(url);
  if (!m || !URL.canParse(url)) {
    throw new DiscoveryFailure(`the endpoint URL is not a valid URL: ${url}`);
  }
  return { prefix: m[1]!, path: m[2]!, tail: m[3]! };
}

/** keystoneauth1's `normalize_version_number` on a path segment, for URL checks. */
function segmentVersion(segment: string | undefined): ParsedVersion | undefined {
  if (segment === undefined || segment === "" || segment.trim() !== segment) return undefined;
  return tryParseVersion(segment);
}

/**
 * The URLs where version documents for `catalogUrl` may be found, best first,
 * exactly as keystoneauth1's `_get_discovery_url_choices` lists them (each
 * once): a trailing project id is removed (the known one, or whatever follows
 * a version segment when none is known); a catalog URL whose version the
 * bounds accept on its major version (or exactly, below a maximum) is tried
 * first; then, with the version hack, the unversioned root, the catalog's
 * version and identity's `/v2.0` rule; without it the versioned URL without
 * the project id; last the catalog URL itself.
 *
 * @example
 * ```ts
 * import { discoveryPlan } from "jsr:@x/osauth/discovery";
 * const plan = discoveryPlan("http://127.0.0.1:8774/v2.1/p1", { projectId: "p1" });
 * console.assert(plan.urls[0] === "http://127.0.0.1:8774/" && plan.savedProjectId === "p1");
 * ```
 */
export function discoveryPlan(
  catalogUrl: string,
  options: DiscoveryPlanOptions = {},
): DiscoveryPlan {
  if (typeof catalogUrl !== "string") throw new OptionError("the endpoint URL must be a string");
  if (options === null || typeof options !== "object") {
    throw new OptionError("discoveryPlan options must be an object");
  }
  const { min, max } = options.bounds ?? { min: undefined, max: undefined };
  const allowHack = options.allowVersionHack ?? true;
  const { prefix, path, tail } = splitUrl(catalogUrl.replace(/\/+$/, ""));
  const parts = path.split("/");
  const build = (p: string[]) => `${prefix}${p.join("/")}${tail}`;
  const urls: string[] = [];
  const add = (u: string) => {
    if (!urls.includes(u)) urls.push(u);
  };

  let savedProjectId: string | undefined;
  const projectId = options.projectId;
  if (projectId && parts[parts.length - 1] === projectId) {
    savedProjectId = parts.pop();
  } else if (!projectId && parts.length >= 2 && segmentVersion(parts[parts.length - 2])) {
    // `<version>/<something>`: the something is a project id we were not told about.
    savedProjectId = parts.pop();
  }

  let catalogMatchesVersion = false;
  let catalogMatchesExactly = false;
  let versionedDiscovery: string | undefined;
  let catalogDiscovery: string | undefined;
  const catalogVersion = segmentVersion(parts[parts.length - 1]);
  if (catalogVersion) {
    versionedDiscovery = build(parts);
    const isBetween = !!(min && max && versionBetween(min, max, catalogVersion));
    const exact = isBetween && max![0] === catalogVersion[0];
    const high = isBetween && max![1] !== LATEST && versionMatch(max!, catalogVersion);
    if (isBetween) {
      catalogMatchesVersion = true;
      catalogMatchesExactly = exact;
      catalogDiscovery = `${versionedDiscovery.replace(/\/+$/, "")}/`;
    }
    if (catalogDiscovery && (high || exact)) {
      add(catalogDiscovery);
      catalogDiscovery = undefined;
    }
    parts.pop();
  }

  if (allowHack) {
    // keystoneauth1 appends the slash after a query too; osauth puts it on the path
    // (DIFFERENCES.md#D-discovery-query-slash).
    const hacked = build(parts);
    add(hacked === catalogUrl ? hacked : `${prefix}${parts.join("/").replace(/\/+$/, "")}/${tail}`);
    if (catalogDiscovery) add(catalogDiscovery);
    add(options.serviceType === "identity" ? catalogUrl.replace(/\/v2.0\/?$/, "/") : catalogUrl);
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
  session: DiscoveryContext,
  url: string,
  auth: AuthPlugin | undefined,
  override: string | undefined,
): Promise<VersionDocument> {
  const headers = { Accept: "application/json" };
  let resp = await session.request(url, { authenticated: false, raiseExc: false, headers });
  if (resp.status === 401 && auth) {
    await resp.body?.cancel();
    // keystoneauth1 retries an Unauthorized with the token. An endpoint override in use
    // is trusted with the token, as for requests.
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
 * A discovery URL as keystoneauth1's `get_discovery` keys it: a root URL
 * without its slash (`http://host:5000/` is `http://host:5000`).
 */
function discoveryKey(url: string): string {
  const m = /^([A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*)\/?([?#].*)?$/s.exec(url);
  return m ? `${m[1]}${m[2] ?? ""}` : url;
}

/**
 * The version document at `url`, fetched once per
 * {@linkcode DiscoveryCache} (the session's, shareable between sessions):
 * unauthenticated first, then with credentials on 401 when `auth` (or the
 * session's plugin) is given; `endpointOverride` (the override in use, if
 * any) is trusted with the credentials as it is for requests. A root URL
 * with or without its slash is the same document, as in keystoneauth1.
 * Throws {@linkcode DiscoveryFailure} when the body is not a version
 * document, an `HttpError` for status >= 400, and `ConnectFailure` when the
 * service cannot be reached. Failures are not cached.
 *
 * @example
 * ```ts
 * import { Session } from "jsr:@x/osauth";
 * import { fetchVersionDocument } from "jsr:@x/osauth/discovery";
 * import { FakeCloud } from "jsr:@x/osauth/testing";
 *
 * const server = await new FakeCloud().serve(); // stands in for a real Placement
 * const doc = await fetchVersionDocument(new Session(), `${server.url}/placement/`);
 * console.log(doc.versions.map((v) => v.id));
 * await server.close();
 * ```
 */
export async function fetchVersionDocument(
  session: DiscoveryContext,
  url: string,
  auth?: AuthPlugin,
  endpointOverride?: string,
): Promise<VersionDocument> {
  if (typeof url !== "string" || url === "") throw new OptionError("a discovery URL is required");
  const plugin = auth ?? session.auth;
  const key = discoveryKey(url);
  const doc = await session.discoveryCache.get(
    key,
    () => loadDocument(session, key, plugin, endpointOverride),
  );
  if (!(doc instanceof VersionDocument)) {
    throw new DiscoveryFailure(`the discovery cache holds no version document for ${url}`);
  }
  // The cache may hold it under the other spelling (.../v3 for .../v3/).
  return doc.at(key);
}

/** The catalog part of a filter (without version bounds and overrides). */
export function catalogFilterOf(filter: EndpointFilter): EndpointFilter {
  const out: Record<string, unknown> = {};
  for (const k of ENDPOINT_FILTER_FIELDS) if (filter[k] !== undefined) out[k] = filter[k];
  return out as EndpointFilter;
}

function firstInterface(iface: unknown): string | undefined {
  const first = typeof iface === "string" ? iface : Array.isArray(iface) ? iface[0] : undefined;
  return typeof first === "string" && first !== "" ? normalizeInterface(first) : undefined;
}

function optString(v: unknown): string | undefined {
  return typeof v === "string" && v !== "" ? v : undefined;
}

/**
 * What the catalog says of the endpoint the plugin chose: the catalog's
 * service type (`volumev3` for a `block-storage` filter), interface, region,
 * names and ids. From the filter when the plugin has no catalog.
 */
async function catalogMetadata(
  session: DiscoveryContext,
  auth: AuthPlugin,
  filter: EndpointFilter,
  url: string,
): Promise<Partial<EndpointDataInit>> {
  const plugin = auth as AuthPlugin & { getAccess?(s: DiscoveryContext): Promise<AccessInfo> };
  let ep: CatalogEndpoint | undefined;
  if (typeof plugin.getAccess === "function") {
    try {
      const access = await plugin.getAccess(session);
      ep = access.catalog.endpointsFor(filter).find((e) => e.url === url);
    } catch {
      ep = undefined;
    }
  }
  if (ep) {
    return {
      serviceType: ep.serviceType,
      interface: ep.interface,
      regionName: ep.regionName,
      serviceName: ep.serviceName,
      serviceId: ep.serviceId,
      endpointId: ep.endpointId,
    };
  }
  return {
    serviceType: optString(filter.serviceType),
    interface: firstInterface(filter.interface) ?? "public",
    regionName: optString(filter.regionName),
    serviceName: optString(filter.serviceName),
    serviceId: optString(filter.serviceId),
    endpointId: optString(filter.endpointId),
  };
}

function asPair(v: ParsedVersion | undefined): [number, number] | undefined {
  return v ? [v[0]!, v[1] ?? 0] : undefined;
}

function withProject(url: string, projectId: string | undefined): string {
  return projectId ? `${url.replace(/\/+$/, "")}/${projectId}` : url;
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
 * Discovers the endpoint data for a filter, as keystoneauth1's
 * `get_endpoint_data`: the URL comes from the filter's `endpointOverride`,
 * else the session's `endpointOverrides` for the service type, else the auth
 * plugin's catalog (project-id templates filled in, see
 * `src/discovery/endpoint.ts`); then the newest API version within
 * `version`/`minVersion`/`maxVersion` (`"latest"` allowed) is chosen.
 *
 * Without bounds the catalog URL's own version is described: its version
 * document (without the project id) is read and the entry whose URL is the
 * catalog URL chosen, else its only or newest one; a Nova `.../v2/<project>`
 * stays API 2.0. With `discoverVersions: false` (what `getEndpoint` uses)
 * nothing is fetched without bounds, nor when the catalog URL's version
 * already has the requested major version.
 *
 * Throws {@linkcode VersionNotAvailable} when the service offers no version
 * within the bounds, {@linkcode DiscoveryFailure} when bounds were given for
 * an endpoint override without a version document, `EndpointNotFound` when
 * the catalog has no such service, and {@linkcode OptionError} for bad
 * bounds or filters. Without bounds, an endpoint whose version document
 * cannot be read is returned as the catalog has it (API version from the
 * URL, if it names one).
 *
 * `Session.getEndpointData(filter)` calls this with the session's defaults.
 */
export async function getEndpointData(
  session: DiscoveryContext,
  filter: EndpointDataFilter,
  auth: AuthPlugin | undefined,
  options: DiscoveryOptions = {},
): Promise<EndpointData> {
  if (filter === null || typeof filter !== "object" || Array.isArray(filter)) {
    throw new OptionError("getEndpointData needs a filter object");
  }
  if (options === null || typeof options !== "object") {
    throw new OptionError("discovery options must be an object");
  }
  const status: VersionStatusFilter = {
    allowExperimental: options.allowExperimental ?? filter.allowExperimental,
    allowDeprecated: options.allowDeprecated ?? filter.allowDeprecated,
    allowUnknown: options.allowUnknown ?? filter.allowUnknown,
  };
  const serviceType = filter.serviceType;
  if (serviceType !== undefined && typeof serviceType !== "string") {
    throw new OptionError("serviceType must be a string");
  }
  const bounds = normalizeVersionBounds(filter, serviceType || undefined);
  const noVersion = !bounds.min && !bounds.max;
  const discoverVersions = options.discoverVersions ?? true;
  const logger = session.logger;
  const catalogFilter = catalogFilterOf(filter);

  const override = chooseOverride(session, filter);
  let allowVersionHack = options.allowVersionHack ?? true;
  let catalogUrl: string;
  let projectId: string | undefined;
  let meta: Partial<EndpointDataInit>;
  if (override !== undefined) {
    allowVersionHack = false;
    projectId = auth ? await session.getProjectId(auth) : undefined;
    catalogUrl = await resolveOverride(session, override, auth);
    meta = {
      serviceType: optString(serviceType),
      interface: firstInterface(filter.interface),
      regionName: optString(filter.regionName),
      serviceName: optString(filter.serviceName),
      serviceId: optString(filter.serviceId),
      endpointId: optString(filter.endpointId),
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

  const base: EndpointDataInit = { ...meta, catalogUrl };
  let matchUrl: string | undefined;
  if (noVersion) {
    if (!discoverVersions) return plainData(base, discoveryPlan(catalogUrl, { projectId }));
    // keystoneauth1: describe the catalog URL's own version, not the service root's.
    allowVersionHack = false;
    matchUrl = catalogUrl;
  }
  const plan = discoveryPlan(catalogUrl, {
    projectId,
    bounds,
    allowVersionHack,
    serviceType: base.serviceType,
  });
  if (plan.catalogMatchesExactly && !discoverVersions) return plainData(base, plan);

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

  const what = serviceType || "the service";
  if (!doc) {
    if (plan.catalogMatchesVersion || noVersion) return plainData(base, plan);
    if (!allowVersionHack) {
      throw new DiscoveryFailure(
        `Unable to find a version discovery document for ${what} at ${catalogUrl}, so the ` +
          `requested version (${describeBounds(bounds)}) cannot be confirmed ` +
          `(${failures.join("; ")})`,
      );
    }
    const urlVer = versionFromUrl(catalogUrl);
    if (
      urlVer && !versionBetween(bounds.min, bounds.max, urlVer) &&
      !latestSoftMatch(bounds.min, urlVer)
    ) {
      // keystoneauth1 warns and uses the URL anyway (DIFFERENCES.md#D-discovery-wrong-version).
      throw new VersionNotAvailable(
        `${what} at ${catalogUrl} is version ${versionToString(urlVer)}, outside the ` +
          `requested range (${describeBounds(bounds)}), and no version document was found ` +
          `(${failures.join("; ")})`,
      );
    }
    const warn = logger?.warn?.bind(logger) ?? logger?.debug.bind(logger);
    warn?.(
      `Failed to contact the endpoint at ${redactUrl(catalogUrl)} for discovery. ` +
        `Fallback to using that endpoint as the base url.`,
    );
    return plainData(base, plan);
  }

  const chosen = doc.select({ bounds, url: matchUrl, ...status });
  if (!chosen) {
    if (noVersion) return plainData(base, plan);
    throw new VersionNotAvailable(
      `${what} at ${catalogUrl} offers no API version in the requested range ` +
        `(${describeBounds(bounds)}): the version document at ${doc.url} lists ${doc.describe()}`,
    );
  }
  return fromVersion({ ...base, projectId: plan.savedProjectId }, doc, chosen, plan.savedProjectId);
}

/** The catalog URL as it is, with the API version it names (keystoneauth1's `_version_from_url`). */
function plainData(base: EndpointDataInit, plan: DiscoveryPlan): EndpointData {
  return new EndpointData({
    ...base,
    serviceUrl: base.catalogUrl,
    apiVersion: asPair(versionFromUrl(base.catalogUrl)),
    projectId: plan.savedProjectId,
  });
}

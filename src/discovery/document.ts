/**
 * Version discovery documents in every shape OpenStack services return:
 * `{"versions": {"values": [...]}}` (Keystone), `{"versions": [...]}` (Nova,
 * Placement, Glance, Cinder, ...), `{"version": {...}}` (a single version
 * endpoint), and the bare `{"id": ...}` of old Ironic with its microversion
 * range in `X-OpenStack-*-API-{Minimum,Maximum}-Version` headers.
 *
 * @example
 * ```ts
 * import { VersionDocument } from "jsr:@x/osauth/discovery";
 * const doc = VersionDocument.parse({
 *   versions: [{
 *     id: "v1.0", status: "CURRENT", min_version: "1.0", max_version: "1.39",
 *     links: [{ rel: "self", href: "" }],
 *   }],
 * }, "http://127.0.0.1:8778/placement");
 * const v = doc.versions[0]!;
 * console.assert(v.url === "http://127.0.0.1:8778/placement/");
 * console.assert(v.maxMicroversion?.join(".") === "1.39");
 * ```
 *
 * @module
 */
import { DiscoveryFailure, OptionError } from "../errors.ts";
import type { Logger } from "../types.ts";
import {
  compareVersions,
  isLatest,
  latestSoftMatch,
  type ParsedVersion,
  tryParseVersion,
  versionBetween,
  type VersionBounds,
} from "./version.ts";
import { redactUrl } from "../util/secrets.ts";
import { escapeControlChars } from "../util/text.ts";

/**
 * A version's status, normalised: `STABLE` counts as `CURRENT`; anything
 * unrecognised is `UNKNOWN`.
 */
export type VersionStatus = "CURRENT" | "SUPPORTED" | "DEPRECATED" | "EXPERIMENTAL" | "UNKNOWN";

/**
 * Normalises a status from a version document (case-insensitive; `stable` ->
 * `CURRENT`), as keystoneauth1's `Status.normalize`. Throws
 * {@linkcode OptionError} when `raw` is not a string.
 */
export function normalizeStatus(raw: string): VersionStatus {
  if (typeof raw !== "string") {
    throw new OptionError(
      `a version status must be a string, got ${raw === null ? "null" : typeof raw}`,
    );
  }
  const s = raw.toUpperCase();
  if (s === "STABLE" || s === "CURRENT") return "CURRENT";
  if (s === "SUPPORTED" || s === "DEPRECATED" || s === "EXPERIMENTAL") return s;
  return "UNKNOWN";
}

/** One API version listed in a version document, normalised. */
export interface VersionData {
  /** The API version, e.g. `[2, 1]`. */
  version: ParsedVersion;
  /** The `id` as the service wrote it, e.g. `"v2.1"`. */
  id: string;
  /** Absolute URL of this version (the `self` link, resolved against the document URL). */
  url: string;
  /** The `collection` link, when given. */
  collectionUrl: string | undefined;
  /** Normalised status. */
  status: VersionStatus;
  /** Status as the service wrote it. */
  rawStatus: string;
  /** Lowest microversion (`min_version`), when the version has microversions. */
  minMicroversion: ParsedVersion | undefined;
  /** Highest microversion (`max_version`, else Nova's `version`). */
  maxMicroversion: ParsedVersion | undefined;
  /** `next_min_version`, when given. */
  nextMinVersion: ParsedVersion | undefined;
  /** `not_before`, when given. */
  notBefore: string | undefined;
}

/** Which statuses may be chosen besides `CURRENT` and `SUPPORTED`. */
export interface VersionStatusFilter {
  /** Allow `EXPERIMENTAL` versions (default false). */
  allowExperimental?: boolean;
  /** Allow `DEPRECATED` versions (default true). */
  allowDeprecated?: boolean;
  /** Allow versions with an unrecognised status (default false). */
  allowUnknown?: boolean;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function snippet(body: unknown): string {
  let text: string;
  try {
    text = typeof body === "string" ? body : JSON.stringify(body) ?? String(body);
  } catch {
    text = String(body);
  }
  return text.length > 80 ? `${text.slice(0, 80)}...` : text;
}

/**
 * The raw version entries of a document body, whatever its shape. Throws
 * {@linkcode DiscoveryFailure} when the body is not a version document (a
 * JSON list, as Swift returns for an account, or an object without versions).
 */
export function extractVersionEntries(body: unknown, headers?: Headers): unknown[] {
  if (Array.isArray(body)) {
    throw new DiscoveryFailure(
      "Invalid version document: a list was returned instead of an object",
    );
  }
  if (!isRecord(body)) {
    throw new DiscoveryFailure(`Invalid version document: ${snippet(body)}`);
  }
  const versions = body.versions;
  if (isRecord(versions) && Array.isArray(versions.values)) return versions.values;
  if (Array.isArray(versions)) return versions;
  if (isRecord(body.version)) return [body.version];
  if ("id" in body) {
    // Old Ironic: the body is the version itself, its microversions in headers.
    const entry: Record<string, unknown> = { ...body, status: "CURRENT" };
    headers?.forEach((value, name) => {
      const h = name.toLowerCase();
      if (!h.startsWith("x-openstack")) return;
      if (h.endsWith("api-minimum-version") && entry.min_version === undefined) {
        entry.min_version = value;
      }
      if (h.endsWith("api-maximum-version") && entry.version === undefined) {
        entry.version = value;
      }
    });
    return [entry];
  }
  throw new DiscoveryFailure(`Invalid version document: ${snippet(body)}`);
}

/**
 * Resolves a version's `href` against the URL the document came from, as
 * keystoneauth1 does: relative links join below the document URL, and links
 * naming another host (services behind proxies often advertise an internal
 * host) keep the document's scheme and host, taking only the version segment
 * from the link. Throws {@linkcode OptionError} when either is not a URL.
 *
 * @example
 * ```ts
 * import { resolveVersionUrl } from "jsr:@x/osauth/discovery";
 * console.assert(resolveVersionUrl("http://127.0.0.1:1/compute", "v2.1") === "http://127.0.0.1:1/compute/v2.1");
 * console.assert(
 *   resolveVersionUrl("https://api.example.com/compute/", "http://nova-internal:8774/v2.1/") ===
 *     "https://api.example.com/compute/v2.1/",
 * );
 * ```
 */
export function resolveVersionUrl(documentUrl: string, href: string): string {
  if (typeof documentUrl !== "string" || typeof href !== "string") {
    throw new OptionError("resolveVersionUrl needs two strings");
  }
  const root = `${documentUrl.replace(/\/+$/, "")}/`;
  if (!URL.canParse(documentUrl) || !URL.canParse(href, root)) {
    throw new OptionError(`cannot resolve ${JSON.stringify(href)} against ${documentUrl}`);
  }
  const base = new URL(documentUrl);
  const joined = new URL(href, root);
  let path = joined.pathname;
  if (joined.host !== base.host) {
    const version = joined.pathname.replace(/\/+$/, "").split("/").pop() ?? "";
    const basePath = base.pathname.replace(/\/+$/, "");
    if (!basePath.endsWith(version)) {
      path = `${basePath}/${version}${joined.pathname.endsWith("/") ? "/" : ""}`;
    } else {
      path = base.pathname;
    }
  }
  return `${base.protocol}//${base.host}${path}${joined.search}${joined.hash}`;
}

function microversion(v: unknown): ParsedVersion | undefined {
  if (v === undefined || v === null || v === "") return undefined;
  if (typeof v !== "string" && typeof v !== "number") return undefined;
  const parsed = tryParseVersion(v);
  return parsed && !parsed.includes(Infinity) ? parsed : undefined;
}

function normalizeEntry(
  raw: unknown,
  documentUrl: string,
  logger: Logger | undefined,
): VersionData | undefined {
  if (!isRecord(raw)) {
    logger?.debug(
      `discovery: skipping a version entry that is not an object at ${redactUrl(documentUrl)}`,
    );
    return undefined;
  }
  if (typeof raw.status !== "string") {
    logger?.debug(`discovery: skipping a version without status at ${redactUrl(documentUrl)}`);
    return undefined;
  }
  const id = typeof raw.id === "string" || typeof raw.id === "number" ? String(raw.id) : "";
  const version = tryParseVersion(id);
  if (!version || version.includes(Infinity)) {
    logger?.debug(
      // The id is the server's: JSON.stringify leaves U+2028/U+2029 and DEL as they are.
      `discovery: skipping a version with a bad id ${escapeControlChars(JSON.stringify(raw.id))}`,
    );
    return undefined;
  }
  if (!Array.isArray(raw.links)) {
    logger?.debug(`discovery: skipping version ${id}: it has no links`);
    return undefined;
  }
  let self: string | undefined;
  let collection: string | undefined;
  for (const link of raw.links) {
    if (!isRecord(link) || typeof link.rel !== "string" || typeof link.href !== "string") continue;
    let url: string;
    try {
      url = resolveVersionUrl(documentUrl, link.href);
    } catch {
      continue;
    }
    const rel = link.rel.toLowerCase();
    // The last link of a kind wins, as in keystoneauth1.
    if (rel === "self") self = url;
    else if (rel === "collection") collection = url;
  }
  if (self === undefined) {
    logger?.debug(`discovery: skipping version ${id}: it has no self link`);
    return undefined;
  }
  return {
    version,
    id,
    url: self,
    collectionUrl: collection,
    status: normalizeStatus(raw.status),
    rawStatus: raw.status,
    minMicroversion: microversion(raw.min_version),
    maxMicroversion: microversion(raw.max_version) ?? microversion(raw.version),
    nextMinVersion: microversion(raw.next_min_version),
    notBefore: typeof raw.not_before === "string" && raw.not_before !== ""
      ? raw.not_before
      : undefined,
  };
}

function slashed(url: string): string {
  return `${url.replace(/\/+$/, "")}/`;
}

/** What {@linkcode VersionDocument.select} looks for. */
export interface VersionSelector extends VersionStatusFilter {
  /** The version bounds (see `normalizeVersionBounds`). */
  bounds: VersionBounds;
  /** Prefer the version whose URL is this one (used when no bounds are given). */
  url?: string;
}

/**
 * A parsed version document: the URL it came from and its usable versions,
 * newest first. Entries without a status, a parseable id or a `self` link
 * are skipped, as keystoneauth1 does.
 */
export class VersionDocument {
  /** The URL the document was fetched from. */
  readonly url: string;
  /** Every usable version, newest first (whatever its status). */
  readonly versions: readonly VersionData[];
  /** The body and headers it was parsed from, to read it again as from another URL. */
  #source: { body: unknown; headers: Headers | undefined } | undefined;

  /** Creates a document from already normalised versions (sorted newest first here). */
  constructor(url: string, versions: readonly VersionData[]) {
    this.url = url;
    this.versions = [...versions].sort((a, b) => compareVersions(b.version, a.version));
  }

  /**
   * Parses a response body fetched from `url`. Throws
   * {@linkcode DiscoveryFailure} when it is not a version document.
   */
  static parse(
    body: unknown,
    url: string,
    options: { headers?: Headers; logger?: Logger } = {},
  ): VersionDocument {
    const entries = extractVersionEntries(body, options.headers);
    const versions: VersionData[] = [];
    for (const raw of entries) {
      const v = normalizeEntry(raw, url, options.logger);
      if (v) versions.push(v);
    }
    const doc = new VersionDocument(url, versions);
    doc.#source = { body, headers: options.headers };
    return doc;
  }

  /**
   * The same document as if it had been read from `url` (its links resolved
   * against that URL): a cache holds `.../v3` and `.../v3/` as one document,
   * and keystoneauth1 resolves a link to another host against the URL it
   * asked. A document not made by {@linkcode VersionDocument.parse} is
   * returned as it is.
   */
  at(url: string): VersionDocument {
    if (url === this.url || !this.#source) return this;
    return VersionDocument.parse(this.#source.body, url, { headers: this.#source.headers });
  }

  /** The versions whose status the filter allows, newest first. */
  allowed(filter: VersionStatusFilter = {}): VersionData[] {
    const experimental = filter.allowExperimental ?? false;
    const deprecated = filter.allowDeprecated ?? true;
    const unknown = filter.allowUnknown ?? false;
    return this.versions.filter((v) => {
      switch (v.status) {
        case "CURRENT":
        case "SUPPORTED":
          return true;
        case "DEPRECATED":
          return deprecated;
        case "EXPERIMENTAL":
          return experimental;
        default:
          return unknown;
      }
    });
  }

  /**
   * The best version for a request, as keystoneauth1's `versioned_data_for`
   * chooses: the newest version within the bounds; with no bounds, the one
   * at `url`, else the newest. `undefined` when none fits.
   */
  select(selector: VersionSelector): VersionData | undefined {
    const candidates = this.allowed(selector);
    const { min, max } = selector.bounds;
    const noVersion = !min && !max;
    if (max && isLatest(max) && (!min || isLatest(min))) return candidates[0];
    if (noVersion && !selector.url) return candidates[0];
    const url = selector.url !== undefined ? slashed(selector.url) : undefined;
    for (const v of candidates) {
      if (url !== undefined && slashed(v.url) === url) return v;
      if (latestSoftMatch(min, v.version)) return v;
      if ((min || max) && versionBetween(min, max, v.version)) return v;
    }
    if (noVersion) return candidates[0];
    return undefined;
  }

  /** `"v2.0 (SUPPORTED), v2.1 (CURRENT)"`, for messages. */
  describe(): string {
    if (this.versions.length === 0) return "no usable versions";
    return [...this.versions].reverse().map((v) => `${v.id} (${v.rawStatus})`).join(", ");
  }
}

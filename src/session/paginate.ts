/**
 * Pagination: `Session.paginate` and `Adapter.paginate` yield the items of a
 * paginated list across its pages, each page one request on the public
 * request path (auth, retries, logging, errors as `request`).
 *
 * The next page is found as the services give it, in this order:
 * `<itemsKey>_links` (Nova, Cinder, Neutron, Manila: `[{rel: "next", href}]`),
 * `links` (Keystone's `{next: url | null}`, or a list), any other `*_links`
 * list with a `next` (Cinder's `volume_type_links` next to `volume_types`),
 * a top-level `next` (Glance's `/v2/images?marker=...`, Ironic, Barbican),
 * an RFC 8288 `Link: <...>; rel="next"` header. A service that shows none of
 * these on a page is asked again with `marker=<last item's id>` (and
 * `limit`) when `limit` is set, as openstacksdk does, until a page is empty.
 *
 * @module
 */
import { OptionError, PaginationError, UntrustedOrigin } from "../errors.ts";
import { redactUrl } from "../util/secrets.ts";
import { readJson, type Requester } from "./json.ts";
import type { RequestOptions } from "./options.ts";
import { isAbsoluteUrl } from "../util/url.ts";
import { withQuery } from "../util/query.ts";

/** Options of `paginate`: request options plus how to page. */
export interface PaginateOptions extends RequestOptions {
  /**
   * The key of the list in each page's body (`"servers"`, `"images"`).
   * Default: the one list the body holds (link lists not counted); a body
   * that is itself a list is the items.
   */
  itemsKey?: string;
  /** Page size: sent as the `limit` query parameter of the first page (and marker pages). */
  limit?: number;
  /** Stop after this many items (no further page is requested). */
  maxItems?: number;
  /**
   * The item field a marker page (a service without next links) is asked
   * from. Default: `id`, else `uuid`, else `name` (Swift).
   */
  markerKey?: string;
}

/** The option names paginate reads itself (not passed on to the request). */
const OWN_OPTIONS = ["itemsKey", "limit", "maxItems", "markerKey"] as const;

/** Keys whose values are link lists, not items. */
function isLinksKey(key: string): boolean {
  return key === "links" || key.endsWith("_links");
}

/** `url` with the query parameter `key` set to `value` (relative URLs too). */
export function withQueryParam(url: string, key: string, value: string): string {
  const hash = url.indexOf("#");
  const fragment = hash >= 0 ? url.slice(hash) : "";
  const rest = hash >= 0 ? url.slice(0, hash) : url;
  const q = rest.indexOf("?");
  const path = q >= 0 ? rest.slice(0, q) : rest;
  const query = q >= 0 ? rest.slice(q + 1) : "";
  const params = new URLSearchParams(query);
  if (!params.has(key)) {
    const pair = `${encodeURIComponent(key)}=${encodeURIComponent(value)}`;
    return `${path}?${query === "" ? pair : `${query.replace(/&$/, "")}&${pair}`}${fragment}`;
  }
  params.set(key, value);
  return `${path}?${params.toString()}${fragment}`;
}

/** The href of the `rel: next` entry of a links value (list of `{rel, href}` or `{next}`). */
function nextOf(links: unknown): string | undefined {
  if (Array.isArray(links)) {
    for (const link of links) {
      if (link && typeof link === "object") {
        const { rel, href } = link as { rel?: unknown; href?: unknown };
        if (rel === "next" && typeof href === "string" && href !== "") return href;
      }
    }
    return undefined;
  }
  if (links && typeof links === "object") {
    const next = (links as { next?: unknown }).next;
    return typeof next === "string" && next !== "" ? next : undefined;
  }
  return undefined;
}

/** The `rel="next"` target of an RFC 8288 Link header. */
function linkHeaderNext(header: string | null): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(/,(?=\s*<)/)) {
    const m = /^\s*<([^>]*)>(.*)$/.exec(part);
    if (m && /;\s*rel\s*=\s*"?(?:[^";]*\s)?next(?:\s[^";]*)?"?\s*(?:;|$)/i.test(m[2]!)) {
      return m[1];
    }
  }
  return undefined;
}

/** What a page says about the next one. */
interface PageLinks {
  /** The next page's link as given (absolute or relative). */
  next: string | undefined;
  /** Whether the page carries pagination links at all (a next, or their absence said). */
  hasLinks: boolean;
}

function pageLinks(body: unknown, itemsKey: string | undefined, resp: Response): PageLinks {
  let hasLinks = false;
  if (body && typeof body === "object" && !Array.isArray(body)) {
    const record = body as Record<string, unknown>;
    const keys = [
      ...(itemsKey !== undefined ? [`${itemsKey}_links`] : []),
      "links",
      ...Object.keys(record).filter((k) => k.endsWith("_links") && k !== `${itemsKey}_links`),
    ];
    for (const key of keys) {
      if (!Object.hasOwn(record, key)) continue;
      hasLinks = true;
      const next = nextOf(record[key]);
      if (next !== undefined) return { next, hasLinks };
    }
    if (Object.hasOwn(record, "next")) {
      hasLinks = true;
      const next = record.next;
      if (typeof next === "string" && next !== "") return { next, hasLinks };
    }
  }
  const header = resp.headers.get("link");
  if (header) {
    hasLinks = true;
    const next = linkHeaderNext(header);
    if (next !== undefined) return { next, hasLinks };
  }
  return { next: undefined, hasLinks };
}

/**
 * The absolute URL of a next link found on the page at `pageUrl`. A path
 * that starts with the API version (Glance's `/v2/images?marker=...`) is
 * taken below the page's own prefix up to that version segment
 * (`https://cloud/image/v2/...` stays under `/image`), as openstacksdk
 * joins such links to the endpoint; other links resolve as URLs do.
 */
export function resolveNext(link: string, pageUrl: string): string {
  const base = new URL(pageUrl);
  if (link.startsWith("/") && !link.startsWith("//")) {
    const m = /^\/(v\d[^/?#]*)(?=[/?#]|$)/.exec(link);
    if (m) {
      const segment = `/${m[1]}`;
      const path = base.pathname;
      let at = path.indexOf(`${segment}/`);
      if (at < 0 && path.endsWith(segment)) at = path.length - segment.length;
      if (at > 0) return new URL(path.slice(0, at) + link, base.origin).href;
    }
  }
  return new URL(link, base).href;
}

function itemsOf(
  body: unknown,
  itemsKey: string | undefined,
  where: string,
): { items: unknown[]; key: string | undefined } {
  if (Array.isArray(body)) return { items: body, key: undefined };
  if (!body || typeof body !== "object") {
    throw new PaginationError(`${where}: the page is not a JSON object or list`);
  }
  const record = body as Record<string, unknown>;
  const keys = Object.keys(record);
  const shown = () =>
    keys.length === 0
      ? "it is empty"
      : `its keys: ${keys.slice(0, 20).map((k) => JSON.stringify(k.slice(0, 64))).join(", ")}`;
  if (itemsKey !== undefined) {
    const items = Object.hasOwn(record, itemsKey) ? record[itemsKey] : undefined;
    if (!Array.isArray(items)) {
      throw new PaginationError(
        `${where}: the page has no list under ${JSON.stringify(itemsKey)} (${shown()})`,
      );
    }
    return { items, key: itemsKey };
  }
  const lists = keys.filter((k) => !isLinksKey(k) && Array.isArray(record[k]));
  if (lists.length !== 1) {
    throw new PaginationError(
      `${where}: ${
        lists.length === 0 ? "the page holds no list of items" : "the page holds several lists"
      } (${shown()}); pass itemsKey to name the list`,
    );
  }
  const key = lists[0]!;
  return { items: record[key] as unknown[], key };
}

/** The fields a marker is read from: markerKey, else id, uuid, name. */
function markerFields(markerKey: string | undefined): readonly string[] {
  return markerKey !== undefined ? [markerKey] : ["id", "uuid", "name"];
}

/** The marker of an item (its markerKey, else id, uuid, name), if it has one. */
function markerOf(item: unknown, markerKey: string | undefined): string | undefined {
  if (!item || typeof item !== "object") return undefined;
  for (const f of markerFields(markerKey)) {
    const v = (item as Record<string, unknown>)[f];
    if (typeof v === "string" && v !== "") return v;
    if (typeof v === "number" && Number.isFinite(v)) return String(v);
  }
  return undefined;
}

function checkOptions(url: unknown, options: PaginateOptions): void {
  if (typeof url !== "string") throw new OptionError("url must be a string");
  if (options === null || typeof options !== "object") {
    throw new OptionError("paginate options must be an object");
  }
  const { itemsKey, limit, maxItems, markerKey } = options;
  if (itemsKey !== undefined && (typeof itemsKey !== "string" || itemsKey === "")) {
    throw new OptionError("itemsKey must be a non-empty string");
  }
  if (markerKey !== undefined && (typeof markerKey !== "string" || markerKey === "")) {
    throw new OptionError("markerKey must be a non-empty string");
  }
  if (limit !== undefined && !(Number.isSafeInteger(limit) && limit > 0)) {
    throw new OptionError(`limit must be a positive integer, got ${String(limit)}`);
  }
  if (maxItems !== undefined && !(Number.isSafeInteger(maxItems) && maxItems >= 0)) {
    throw new OptionError(`maxItems must be a non-negative integer, got ${String(maxItems)}`);
  }
}

/**
 * The items of the list at `url`, page by page, through `client`'s
 * `request` (a Session's or an Adapter's). Each page is requested when the
 * items before it have been taken. Throws {@linkcode PaginationError} for a
 * next link or marker that repeats or a page without a list, and
 * {@linkcode UntrustedOrigin} for a next link to another origin than the
 * page's (nothing is sent there).
 */
export async function* paginate<T>(
  client: Requester,
  url: string,
  options: PaginateOptions = {},
): AsyncIterableIterator<T> {
  checkOptions(url, options);
  const { itemsKey, limit, maxItems, markerKey } = options;
  const request: RequestOptions & Record<string, unknown> = { ...options };
  for (const k of OWN_OPTIONS) delete request[k];
  // Each page must be a list or an error: a 4xx/5xx page is never read as items.
  request.raiseExc = true;
  const method = (request.method ?? "GET").toUpperCase();
  if (maxItems === 0) return;
  // The query goes into the first page's URL: later pages are the links (or markers) it gives.
  const firstUrl = request.query !== undefined ? withQuery(url, request.query) : url;
  delete request.query;
  let target = limit !== undefined ? withQueryParam(firstUrl, "limit", String(limit)) : firstUrl;
  const visited = new Set<string>();
  let detectedKey = itemsKey;
  let lastMarker: string | undefined;
  let yielded = 0;
  let first = true;
  // Once a page had links, a page without a next link is the last (Nova leaves them out there).
  let sawLinks = false;
  for (;;) {
    const resp = await client.request(target, request);
    // The URL the page came from: the response's (after redirects), else the one asked for.
    const pageUrl = resp.url || (isAbsoluteUrl(target) ? target : "");
    const where = `${method} ${redactUrl(pageUrl || target)}`;
    if (pageUrl) visited.add(pageUrl);
    if (isAbsoluteUrl(target)) visited.add(target);
    const body = await readJson<unknown>(resp, method, pageUrl || target);
    const { items, key } = itemsOf(body, detectedKey, where);
    if (first) detectedKey = key;
    first = false;
    if (items.length === 0) return;
    for (const item of items) {
      yield item as T;
      if (maxItems !== undefined && ++yielded >= maxItems) return;
    }
    const links = pageLinks(body, detectedKey, resp);
    sawLinks ||= links.hasLinks;
    if (links.next === undefined && (sawLinks || limit === undefined)) return;
    const marker = markerOf(items[items.length - 1], markerKey);
    if (marker !== undefined && marker === lastMarker) {
      throw new PaginationError(
        `${where}: endless pagination: this page ends with the same item ` +
          `(${JSON.stringify(marker.slice(0, 100))}) as the page before it`,
      );
    }
    lastMarker = marker;
    target = nextTarget(links.next, marker, { pageUrl, target, where, limit, markerKey });
    if (visited.has(target)) {
      throw new PaginationError(
        `${where}: endless pagination: the next page, ${redactUrl(target)}, was already fetched`,
      );
    }
  }
}

/** Where the page at `at.pageUrl` (or `at.target`) was, for the next page's URL. */
interface PageAt {
  pageUrl: string;
  target: string;
  where: string;
  limit: number | undefined;
  markerKey: string | undefined;
}

/**
 * The next page's URL: the next link resolved (on the page's origin only),
 * else the page's URL with `marker` (the last item's) and `limit`.
 */
function nextTarget(link: string | undefined, marker: string | undefined, at: PageAt): string {
  const { pageUrl, target, where } = at;
  if (link === undefined) {
    if (marker === undefined) {
      throw new PaginationError(
        `${where}: the page has no next link and its last item has no ${
          markerFields(at.markerKey).join(", ")
        } to ask for the next page with (marker); pass markerKey`,
      );
    }
    const url = withQueryParam(pageUrl || target, "marker", marker);
    return withQueryParam(url, "limit", String(at.limit));
  }
  if (!pageUrl) {
    throw new PaginationError(
      `${where}: the page's URL is unknown (the transport's response has no url), so its ` +
        "next-page link cannot be resolved and checked",
    );
  }
  let next: URL;
  try {
    next = new URL(resolveNext(link, pageUrl));
  } catch {
    throw new PaginationError(`${where}: the next-page link is not a URL`);
  }
  const from = new URL(pageUrl).origin;
  if (next.protocol !== "http:" && next.protocol !== "https:") {
    throw new UntrustedOrigin(`${where}: the next-page link is not an http(s) URL; not followed`);
  }
  if (next.origin !== from) {
    throw new UntrustedOrigin(
      `${where}: the next-page link points to another origin (${next.origin}); osauth ` +
        `follows next links only on the page's own origin (${from}) and sent nothing there. ` +
        "A service behind a TLS proxy may build its links with the wrong scheme or host " +
        "(set its public endpoint or link prefix option)",
    );
  }
  return next.href;
}

/**
 * The paginated lists of the fake services (`FakeCloudOptions.lists`): one
 * page per `GET`, with `limit` and `marker`, and the next link as the real
 * service gives it: Glance's root-relative `next` (with `first` and
 * `schema`), Nova's, Cinder's and Neutron's absolute `<name>_links`. Link
 * queries, page sizes and 400 messages are those of the real Nova 26 and
 * Glance 25 (Zed) of scripts/openstack-dev.sh, compared by hand.
 *
 * @module
 */
import { FakeHttpError, type Json, jsonResponse } from "./http.ts";
import type { ServiceDef } from "./state.ts";
import type { FakeListItem } from "./types.ts";

/** Glance's page size when a request gives no `limit` (`limit_param_default`). */
export const GLANCE_DEFAULT_LIMIT = 25;
/** The largest page: Nova's `max_limit`, Glance's `api_limit_max`, Cinder's `osapi_max_limit`. */
export const MAX_LIMIT = 1000;

/** The items of one list option, copied; an Error (at construction) unless each has a string id. */
export function checkedListItems(type: string, name: string, items: unknown): FakeListItem[] {
  const where = `FakeCloud: lists.${type}.${name}`;
  if (!Array.isArray(items)) throw new Error(`${where} must be a list of items`);
  const ids = new Set<string>();
  return items.map((item, i) => {
    const id = (item as { id?: unknown } | null)?.id;
    if (typeof id !== "string" || id === "") {
      throw new Error(`${where}[${i}] needs a string id (the marker of the next page)`);
    }
    if (ids.has(id)) throw new Error(`${where}[${i}]: id ${id} is there twice`);
    ids.add(id);
    return { ...(item as FakeListItem) };
  });
}

/** The list a GET of `sub` (the path below the service root) names by its last segment. */
export function listOf(
  svc: ServiceDef,
  sub: string,
): { name: string; items: FakeListItem[] } | undefined {
  const name = sub.replace(/\/+$/, "").split("/").pop() ?? "";
  const items = name === "" ? undefined : svc.lists.get(name);
  return items ? { name, items } : undefined;
}

/** The page size a request asks for, with Nova's and Glance's 400s: none is the default, `0` an empty page. */
function pageLimit(value: string | null, glance: boolean): number {
  if (value === null) return glance ? GLANCE_DEFAULT_LIMIT : MAX_LIMIT;
  if (!glance && !/^[0-9]*$/.test(value)) {
    throw new FakeHttpError(
      400,
      `Invalid input for query parameters limit. Value: ${value}. '${value}' does not match '^[0-9]*$'`,
    );
  }
  if (!/^\s*[+-]?\d+\s*$/.test(value)) {
    throw new FakeHttpError(400, "limit param must be an integer");
  }
  const limit = Number(value);
  if (limit < 0) throw new FakeHttpError(400, "limit param must be positive");
  return Math.min(MAX_LIMIT, limit);
}

/** Python's `sorted(request.params.items())` into an ordered dict (Nova's next-link query). */
function sortedParams(params: URLSearchParams): Map<string, string> {
  const entries = [...params].sort(([a, av], [b, bv]) =>
    a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0
  );
  return new Map(entries);
}

/** One page of `items` for the request at `url` (`sub`: its path below the service root). */
export function listPage(
  url: URL,
  svc: ServiceDef,
  sub: string,
  list: { name: string; items: FakeListItem[] },
  headers: Record<string, string>,
): Response {
  const glance = svc.type === "image";
  const limit = pageLimit(url.searchParams.get("limit"), glance);
  const marker = url.searchParams.get("marker");
  let start = 0;
  if (marker !== null) {
    const at = list.items.findIndex((item) => item.id === marker);
    if (at < 0) {
      throw new FakeHttpError(
        400,
        glance ? `No image found with ID ${marker}` : `marker [${marker}] not found`,
      );
    }
    start = at + 1;
  }
  const page = list.items.slice(start, start + limit);
  // Both services link to a next page whenever a page is full (so a last full page
  // links to an empty one).
  const next = page.length > 0 && page.length === limit ? page[page.length - 1]?.id : undefined;
  const body: Json = { [list.name]: page };
  if (glance) {
    const path = sub.replace(/\/+$/, "");
    const params = new URLSearchParams(url.searchParams);
    params.delete("marker");
    const query = params.toString();
    body.first = query === "" ? path : `${path}?${query}`;
    body.schema = path.replace(/[^/]*$/, `schemas/${list.name}`);
    if (next !== undefined) {
      params.set("marker", next);
      body.next = `${path}?${params.toString()}`;
    }
  } else if (next !== undefined) {
    const params = sortedParams(url.searchParams);
    params.set("marker", next);
    const href = `${url.origin}${url.pathname.replace(/\/+$/, "")}?${new URLSearchParams([
      ...params,
    ])}`;
    body[`${list.name}_links`] = [{ rel: "next", href }];
  }
  return jsonResponse(200, body, headers);
}

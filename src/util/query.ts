/**
 * The `query` request option: a record (arrays repeat the key, `undefined`
 * and `null` are dropped) or `URLSearchParams`, appended to the query the
 * URL already has, encoded as Python's `requests` encodes keystoneauth1's
 * `params` (`quote_plus`: space as `+`, only `A-Z a-z 0-9 _ . - ~` left as
 * they are), so the services see what they see from the Python clients.
 *
 * @module
 */
import { OptionError } from "../errors.ts";
import type { QueryInit } from "../types.ts";

export type { QueryInit, QueryValue } from "../types.ts";

/** Python's `urllib.parse.quote_plus` (UTF-8): what `requests` sends for `params`. */
export function quotePlus(text: string): string {
  return encodeURIComponent(text)
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, "+");
}

function valueText(value: unknown, key: string): string | undefined {
  switch (typeof value) {
    case "string":
      return value;
    case "number":
      if (!Number.isFinite(value)) {
        throw new OptionError(`query.${key} must be a finite number, got ${value}`);
      }
      return String(value);
    case "boolean":
      return value ? "true" : "false";
    case "undefined":
      return undefined;
  }
  if (value === null) return undefined;
  throw new OptionError(
    `query.${key} must be a string, number, boolean or a list of them, got ${
      Array.isArray(value)
        ? "a nested list"
        : typeof value === "object"
        ? "an object"
        : typeof value
    }`,
  );
}

/** The encoded `key=value` pairs of `query` joined with `&` ("" when there are none). */
export function encodeQuery(query: QueryInit): string {
  const pairs: string[] = [];
  if (query instanceof URLSearchParams) {
    for (const [k, v] of query) pairs.push(`${quotePlus(k)}=${quotePlus(v)}`);
    return pairs.join("&");
  }
  if (query === null || typeof query !== "object" || Array.isArray(query)) {
    throw new OptionError("query must be a record of values or URLSearchParams");
  }
  for (const key of Object.keys(query)) {
    const value = (query as Record<string, unknown>)[key];
    const list = Array.isArray(value) ? value : [value];
    for (const item of list) {
      if (Array.isArray(item)) valueText(item, key); // throws: nested list
      const text = valueText(item, key);
      if (text !== undefined) pairs.push(`${quotePlus(key)}=${quotePlus(text)}`);
    }
  }
  return pairs.join("&");
}

/**
 * `url` with `query` appended to its query (before a `#fragment`), as
 * `requests` merges `params` into a URL that has a query already: both are
 * kept, the URL's first.
 */
export function withQuery(url: string, query: QueryInit): string {
  const encoded = encodeQuery(query);
  if (encoded === "") return url;
  const hash = url.indexOf("#");
  const base = hash >= 0 ? url.slice(0, hash) : url;
  const fragment = hash >= 0 ? url.slice(hash) : "";
  const q = base.indexOf("?");
  // requests keeps the URL's query as written: "?a=1&" + params is "?a=1&&d=1".
  const sep = q < 0 ? "?" : q === base.length - 1 ? "" : "&";
  return `${base}${sep}${encoded}${fragment}`;
}

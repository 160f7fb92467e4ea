/**
 * Request headers as a plain record with lower-case names: what the request
 * pipeline builds and hands to `fetch` as is. The web `Headers` class
 * validates and sorts on every operation and a `Map` wrapper has to be
 * converted for `fetch`; a record is neither, and every request touches as
 * little code as possible (see the README's "Speed" section).
 *
 * @module
 */
import { OptionError } from "../errors.ts";
import type { HeadersLike } from "../util/web_types.ts";

/** Header name (lower case) -> value. */
export type HeaderRecord = Record<string, string>;

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
// What fetch refuses in a value: CR, LF, NUL, and characters beyond U+00FF (not a ByteString).
const BAD_VALUE = /[\r\n\0\u0100-\uffff]/;

/** The lower-case form of a header name; {@linkcode OptionError} when it is not a valid name. */
export function headerKey(name: string): string {
  // "__proto__" is a valid token but cannot be a record key.
  if (typeof name !== "string" || !TOKEN.test(name) || name === "__proto__") {
    throw new OptionError(`invalid header name: ${JSON.stringify(name)}`);
  }
  return name.toLowerCase();
}

/**
 * Sets a header; {@linkcode OptionError} for an invalid name or a value fetch
 * would refuse (CR, LF, NUL, or a character beyond U+00FF).
 */
export function setHeader(headers: HeaderRecord, name: string, value: string): void {
  const v = String(value).trim();
  if (BAD_VALUE.test(v)) throw new OptionError(`invalid value for header ${name}`);
  headers[headerKey(name)] = v;
}

/**
 * Sets every header of `init` (a `Headers`, an iterable of pairs or a record,
 * as `fetch` reads them), replacing same-named ones.
 */
export function mergeHeaders(headers: HeaderRecord, init: HeadersLike | undefined): void {
  if (init === undefined || init === null) return;
  if (typeof init !== "object") throw new OptionError("headers must be a HeadersInit");
  if (init instanceof Headers || isIterable(init)) {
    let list: Headers;
    try {
      // Pairs with the same name are joined with ", ", as fetch does.
      list = init instanceof Headers ? init : new Headers(init as Iterable<string[]>);
    } catch (err) {
      throw new OptionError(`invalid headers: ${(err as Error).message}`);
    }
    for (const [k, v] of list) setHeader(headers, k, v);
    return;
  }
  for (const k in init) {
    if (Object.hasOwn(init, k)) setHeader(headers, k, (init as Record<string, string>)[k]!);
  }
}

/** Whether fetch reads `init` as a sequence of pairs rather than a record (WebIDL). */
function isIterable(init: object): boolean {
  return typeof (init as { [Symbol.iterator]?: unknown })[Symbol.iterator] === "function";
}

/** A plugin's headers checked and lower-cased, and their names (for logs and redirects). */
export interface CheckedAuthHeaders {
  headers: HeaderRecord;
  names: readonly string[];
}

/** Frozen plugin headers (a plugin's current credentials) -> their checked form. */
const CHECKED_AUTH = new WeakMap<object, CheckedAuthHeaders>();

/** `headers` (a plugin's) checked, lower-cased and their names; memoised when frozen. */
export function checkedAuthHeaders(headers: Readonly<Record<string, string>>): CheckedAuthHeaders {
  const known = CHECKED_AUTH.get(headers);
  if (known) return known;
  const checked: HeaderRecord = {};
  // Own keys only, as fetch itself reads a record (nothing inherited is sent).
  const names = Object.keys(headers);
  for (const k of names) setHeader(checked, k, headers[k]!);
  const result = { headers: checked, names };
  if (Object.isFrozen(headers)) CHECKED_AUTH.set(headers, result);
  return result;
}

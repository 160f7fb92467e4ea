/**
 * URL helpers: absolute-URL test, keystoneauth1's join, and origins (for
 * the trusted-origin check). No imports: shared by every layer.
 *
 * @module
 */
/** Whether `url` starts with `scheme://` (what a RegExp would test, in a loop). */
export function isAbsoluteUrl(url: string): boolean {
  const n = url.length;
  let i = 0;
  for (; i < n; i++) {
    const c = url.charCodeAt(i) | 0x20; // ASCII letters to lower case
    const letter = c >= 97 && c <= 122;
    if (i === 0 ? !letter : !(letter || isSchemeChar(url.charCodeAt(i)))) break;
  }
  return i > 0 && url.charCodeAt(i) === 58 && url.charCodeAt(i + 1) === 47 &&
    url.charCodeAt(i + 2) === 47;
}

/** Digits, "+", "-" and ".", the scheme characters besides letters. */
function isSchemeChar(c: number): boolean {
  return (c >= 48 && c <= 57) || c === 43 || c === 45 || c === 46;
}

/** Joins a base URL and a path as keystoneauth1 does (`base/` + `path`). */
export function joinUrl(base: string, path: string): string {
  if (path === "") return base;
  let end = base.length;
  while (end > 0 && base.charCodeAt(end - 1) === 47) end--; // trailing "/"
  let start = 0;
  while (start < path.length && path.charCodeAt(start) === 47) start++; // leading "/"
  return `${base.slice(0, end)}/${path.slice(start)}`;
}

// Origins by the URL's text up to the first "/" after "//" (a prefix that holds
// the whole authority, so parsing it gives the same origin as parsing the URL).
const ORIGINS = new Map<string, string | undefined>();

/** The origin of `url` (memoised by its authority text), or undefined when it has none. */
export function originOf(url: string): string | undefined {
  const slash = url.indexOf("/", url.indexOf("//") + 2);
  const key = slash < 0 ? url : url.slice(0, slash);
  const known = ORIGINS.get(key);
  if (known !== undefined || ORIGINS.has(key)) return known;
  let origin: string | undefined;
  try {
    origin = new URL(key).origin;
  } catch {
    origin = undefined;
  }
  if (ORIGINS.size >= 512) ORIGINS.clear();
  ORIGINS.set(key, origin);
  return origin;
}

/** Whether `url`'s origin is in `trusted`. */
export function trustedUrl(url: string, trusted: ReadonlySet<string>): boolean {
  const origin = originOf(url);
  return origin !== undefined && trusted.has(origin);
}

/**
 * Safe HTTP logging: requests and responses are logged at debug level in
 * keystoneauth1's form (`REQ: curl -g -i -X <method> <url> -H ... -d ...`,
 * `RESP: [<status>] <method> <url> <ms>ms request-id=... <headers>`,
 * `RESP BODY: ...`), with:
 *
 * - token-bearing headers (`X-Auth-Token`, `X-Subject-Token`,
 *   `X-Service-Token`, `Authorization`, `Cookie`, `Set-Cookie`, ...) as
 *   `{SHA256}<hash>`, so the same token can be recognised across lines;
 * - passwords, secrets, passcodes, private keys and token ids in JSON bodies
 *   replaced by `***`, and service catalogs by `<removed>`;
 * - non-JSON text that looks like it holds secrets omitted, and binary or
 *   unsized bodies not read at all;
 * - a password in a URL's user info and secret query parameters replaced.
 *
 * @example
 * ```ts
 * import { redactBody } from "./logging.ts";
 * console.assert(!redactBody('{"password":"hunter2"}').includes("hunter2"));
 * ```
 *
 * @module
 */
import type { Logger } from "./types.ts";
import { REDACTED, secretScrubber } from "./secret.ts";

/** Headers whose values are secrets, logged as `{SHA256}<hash>`. */
export const SENSITIVE_HEADERS: ReadonlySet<string> = new Set([
  "x-auth-token",
  "x-subject-token",
  "x-service-token",
  "authorization",
  "proxy-authorization",
  "cookie",
  "set-cookie",
  "openstack-auth-receipt",
  "x-auth-key",
]);

/**
 * JSON keys (and query parameters) whose values are secrets: passwords,
 * passcodes, secrets, tokens, private keys, as oslo.utils' `mask_password`
 * treats them. Matched case-insensitively anywhere in the key
 * (`adminPass`, `new_password`, `application_credential_secret`, ...).
 */
const SECRET_KEY =
  /pass(word|wd|code|phrase)?|pswd|secret|token|private_?key|encryption_?key|fernet_?key|api_?key|auth_?key|ssl_?key|cephkey|keystonekey|configdrive|credentials?$/i;

/** Keys holding a service catalog, removed from logged bodies as keystoneauth1 does. */
const CATALOG_KEYS: ReadonlySet<string> = new Set(["catalog", "servicecatalog"]);

/** Whether a JSON key or query parameter name holds a secret. */
export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

/**
 * Whether a header's value is a secret: the {@linkcode SENSITIVE_HEADERS}, and
 * any header whose name mentions a secret, password or key (Swift's
 * `X-Account-Meta-Temp-URL-Key`, ...).
 */
export function isSensitiveHeader(name: string): boolean {
  const lower = name.toLowerCase();
  return SENSITIVE_HEADERS.has(lower) || /secret|passw|-key(-\d+)?$|token/.test(lower);
}

/** `{SHA256}<hex digest>` of a secret, as keystoneauth1 logs tokens. */
export async function hashSecret(value: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(value));
  const hex = Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
  return `{SHA256}${hex}`;
}

/**
 * A credential header's logged value: `{SHA256}<hash>`, except for Basic
 * credentials (`Basic ***`): the hash of `user:password` without a salt
 * would let anyone who reads the log try guessable passwords against it.
 */
async function hashedHeader(value: string): Promise<string> {
  return /^\s*basic\s/i.test(value) ? `Basic ${REDACTED}` : await hashSecret(value);
}

/** Headers whose values are URLs, logged through {@linkcode redactUrl}. */
const URL_HEADERS: ReadonlySet<string> = new Set(["location", "content-location", "referer"]);

/**
 * Header name -> value, with sensitive values (and those of `secret`, names
 * of an auth plugin's headers) hashed and URL values redacted.
 */
export async function redactHeaders(
  headers: Headers,
  secret: readonly string[] = [],
): Promise<[string, string][]> {
  const out: [string, string][] = [];
  for (const [name, value] of headers) {
    out.push([
      name,
      isSensitiveHeader(name) || secret.some((s) => s.toLowerCase() === name)
        ? await hashedHeader(value)
        : URL_HEADERS.has(name.toLowerCase())
        ? redactUrl(value)
        : value,
    ]);
  }
  return out;
}

/** Base for parsing a relative URL (a `Location: /path?token=...`); never printed. */
const RELATIVE_BASE = "http://relative.invalid";

/**
 * A URL safe to log: a password in its user info and the values of secret
 * query parameters (`?token=...`) replaced by `***`. A relative URL stays
 * relative.
 */
export function redactUrl(url: string): string {
  let u: URL;
  let relative = false;
  try {
    u = new URL(url);
  } catch {
    if (!url.includes("?")) return url;
    try {
      u = new URL(url, RELATIVE_BASE);
      relative = true;
    } catch {
      return url;
    }
  }
  let changed = false;
  if (u.password !== "") {
    u.password = REDACTED;
    changed = true;
  }
  if (u.search !== "") {
    // One pass over the parameters (searchParams.set per name would rewrite the
    // query each time: quadratic in the number of secret names).
    const params: [string, string][] = [];
    const secret = new Set<string>();
    for (const [name, value] of u.searchParams) {
      // A secret name keeps its first place with the value replaced; its repeats go (as set() did).
      if (!isSecretKey(name)) {
        params.push([name, value]);
      } else if (!secret.has(name)) {
        secret.add(name);
        params.push([name, REDACTED]);
      }
    }
    if (secret.size > 0) {
      u.search = new URLSearchParams(params).toString();
      changed = true;
    }
  }
  if (!changed) return url;
  if (!relative) return u.toString();
  // "/path?..." or a scheme-relative "//host/path?...", as given
  return u.origin === RELATIVE_BASE
    ? u.toString().slice(RELATIVE_BASE.length)
    : u.toString().slice(u.protocol.length);
}

/** Whether char code `c` may be in a URL scheme (letters, digits, "+", "-", "."). */
function isSchemeCode(c: number): boolean {
  const l = c | 0x20;
  return (l >= 97 && l <= 122) || (c >= 48 && c <= 57) || c === 43 || c === 45 || c === 46;
}

/** Whether char code `c` ends a URL in free text: white space, a quote, `<`, `>`, `(` or `)`. */
function endsUrl(c: number): boolean {
  return c <= 32 || c === 34 || c === 39 || c === 60 || c === 62 || c === 40 || c === 41 ||
    c === 0x85 || c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 ||
    c === 0xfeff;
}

/** Sentence punctuation after a URL ("... at http://h/x: refused"), not part of it. */
function isTrailingPunctuation(c: number): boolean {
  return c === 46 || c === 44 || c === 59 || c === 58 || c === 33 || c === 63;
}

/**
 * `text` with every URL in it passed through {@linkcode redactUrl}: for
 * messages that quote URLs, such as a fetch error's (which shows the URL as
 * the runtime serialised it, not as it was given). A URL is a scheme
 * (a letter, then letters, digits, `+`, `-`, `.`), `://`, and everything up
 * to white space, a quote, `<`, `>`, `(` or `)`, less trailing sentence
 * punctuation. One pass over the text: linear in its length.
 */
export function redactUrlsIn(text: string): string {
  let at = text.indexOf("://");
  if (at < 0) return text;
  let out = "";
  let copied = 0; // text before this index is in `out` (or was a URL already handled)
  while (at >= 0) {
    // the scheme: the longest run of scheme characters before "://" that starts with a letter
    let start = at;
    while (start > copied && isSchemeCode(text.charCodeAt(start - 1))) start--;
    while (start < at && !isLetterCode(text.charCodeAt(start))) start++;
    let end = at + 3;
    while (end < text.length && !endsUrl(text.charCodeAt(end))) end++;
    if (start === at || end === at + 3) {
      at = text.indexOf("://", at + 1);
      continue;
    }
    let urlEnd = end;
    while (urlEnd > at + 3 && isTrailingPunctuation(text.charCodeAt(urlEnd - 1))) urlEnd--;
    out += text.slice(copied, start) + redactUrl(text.slice(start, urlEnd));
    copied = urlEnd;
    at = text.indexOf("://", end);
  }
  return out + text.slice(copied);
}

function isLetterCode(c: number): boolean {
  const l = c | 0x20;
  return l >= 97 && l <= 122;
}

/**
 * Rewrites, in place, the `message` and `stack` of an error and of its
 * `cause` chain with {@linkcode redactUrlsIn}, so that printing the error
 * (`console.log(err)` shows the causes) reveals no secret URL. Errors whose
 * properties cannot be redefined are left as they are.
 */
export function redactErrorChain(err: unknown): void {
  const seen = new Set<unknown>();
  for (
    let e = err;
    e !== null && typeof e === "object" && !seen.has(e) && seen.size < 16;
    e = (e as { cause?: unknown }).cause
  ) {
    seen.add(e);
    for (const key of ["message", "stack"]) {
      const value = (e as Record<string, unknown>)[key];
      if (typeof value !== "string") continue;
      const safe = redactUrlsIn(value);
      if (safe === value) continue;
      try {
        Object.defineProperty(e, key, {
          value: safe,
          writable: true,
          configurable: true,
          enumerable: false,
        });
      } catch {
        // frozen or non-configurable: nothing more can be done
      }
    }
  }
}

/**
 * How deep logged JSON is redacted (arrays, objects and JSON in strings
 * count); anything deeper is replaced by {@linkcode TOO_DEEP}, so that a
 * deeply nested body neither overflows the stack nor shows what is below.
 */
export const LOG_JSON_DEPTH = 64;
/** What replaces JSON nested deeper than {@linkcode LOG_JSON_DEPTH} in logs. */
export const TOO_DEEP = "<omitted: nested too deep>";

/** The value of a secret key: primitives become `***`, objects are searched further. */
function redactSecretValue(value: unknown, key: string, depth: number): unknown {
  if (depth > LOG_JSON_DEPTH) return TOO_DEEP;
  if (Array.isArray(value)) return value.map((v) => redactSecretValue(v, key, depth + 1));
  if (value !== null && typeof value === "object") return redactValue(value, key, depth);
  return value === null || typeof value === "boolean" ? value : REDACTED;
}

function redactValue(value: unknown, parentKey: string | undefined, depth: number): unknown {
  if (depth > LOG_JSON_DEPTH) return TOO_DEEP;
  if (Array.isArray(value)) return value.map((v) => redactValue(v, parentKey, depth + 1));
  if (typeof value === "string") {
    // JSON inside a string (EC2 credential blobs, Ironic error_message).
    if (/^\s*[{[]/.test(value)) {
      try {
        return JSON.stringify(redactValue(JSON.parse(value), parentKey, depth + 1));
      } catch {
        return value;
      }
    }
    return value;
  }
  if (value === null || typeof value !== "object") return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    const key = k.toLowerCase();
    if (CATALOG_KEYS.has(key) && Array.isArray(v)) {
      out[k] = "<removed>";
    } else if (isSecretKey(key)) {
      // {"password": "..."} -> "***"; {"token": {"id": "..."}} -> recursed, id redacted below
      out[k] = redactSecretValue(v, key, depth + 1);
    } else if (key === "id" && parentKey !== undefined && /token/.test(parentKey)) {
      // {"token": {"id": "<token>"}} in v3 token auth and v2 requests and responses
      out[k] = REDACTED;
    } else {
      out[k] = redactValue(v, key, depth + 1);
    }
  }
  return out;
}

/**
 * Redacts secrets in a body for logging. JSON bodies have secret fields
 * replaced by `***` (and service catalogs by `<removed>`); other text is
 * kept only when it has no `password`/`secret`/`token`-like words.
 */
export function redactBody(text: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return /pass|pswd|secret|token|credential|private|key/i.test(text)
      ? "<omitted: may contain secrets>"
      : text;
  }
  return JSON.stringify(redactValue(parsed, undefined, 0));
}

/** What is logged about a request. */
export interface RequestLogEntry {
  /** Method. */
  method: string;
  /** URL. */
  url: string;
  /** Headers sent. */
  headers: Headers;
  /** Body, when it is text. */
  body?: string;
  /** More header names whose values are secrets (the auth plugin's). */
  secretHeaders?: readonly string[];
  /** Secret values the request sends: replaced by `***` wherever they are in the body. */
  secrets?: readonly string[];
}

/** What is logged about a response. */
export interface ResponseLogEntry {
  /** Method of the request. */
  method: string;
  /** URL of the request. */
  url: string;
  /** Status. */
  status: number;
  /** Response headers. */
  headers: Headers;
  /** Body text, when JSON or small text. */
  body?: string;
  /** Milliseconds from sending to headers received. */
  elapsedMs: number;
  /** Secret values the request sent: replaced by `***` wherever the body quotes them. */
  secrets?: readonly string[];
}

/** `body` with `secrets` (values a request sent) replaced in every form they are quoted. */
function scrubbed(body: string, secrets: readonly string[] | undefined): string {
  const scrub = secrets && secrets.length > 0 ? secretScrubber(secrets) : undefined;
  return scrub ? scrub(body) : body;
}

/** The request id a response carries (`X-OpenStack-Request-Id`, else `X-Compute-Request-Id`). */
export function requestIdOf(headers: Headers): string | undefined {
  return headers.get("x-openstack-request-id") ?? headers.get("x-compute-request-id") ??
    undefined;
}

/** Control characters, and the Unicode line separators and bidirectional overrides. */
// deno-lint-ignore no-control-regex -- matching control characters is the point
const CONTROL_CHAR = /[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
const CONTROL_CHARS = new RegExp(CONTROL_CHAR.source, "g");
const SHORT_ESCAPES: Readonly<Record<string, string>> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };

/**
 * `text` with control characters escaped (`\n`, `\r`, `\t`, else
 * `\u00XX`), and the Unicode line separators and bidirectional overrides:
 * text from a server or a caller quoted in a message or a log line cannot
 * start a new line or disguise the rest of it.
 */
export function escapeControlChars(text: string): string {
  if (!CONTROL_CHAR.test(text)) return text;
  return text.replace(
    CONTROL_CHARS,
    (c) => SHORT_ESCAPES[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

function shellQuote(s: string): string {
  return `'${s.replaceAll("'", "'\\''")}'`;
}

/** Logs a request at debug in curl form: `REQ: curl -g -i -X GET <url> -H ...`. */
export async function logRequest(logger: Logger, entry: RequestLogEntry): Promise<void> {
  const parts = [`REQ: curl -g -i -X ${entry.method} ${redactUrl(entry.url)}`];
  for (const [k, v] of await redactHeaders(entry.headers, entry.secretHeaders)) {
    parts.push(`-H "${k}: ${v}"`);
  }
  if (entry.body !== undefined) {
    parts.push(`-d ${shellQuote(scrubbed(redactBody(entry.body), entry.secrets))}`);
  }
  logger.debug(escapeControlChars(parts.join(" ")));
}

/** Logs a response at debug: status, request id, elapsed time, headers, body. */
export async function logResponse(logger: Logger, entry: ResponseLogEntry): Promise<void> {
  const headers = await redactHeaders(entry.headers);
  const requestId = requestIdOf(entry.headers);
  const head = headers.map(([k, v]) => `${k}: ${v}`).join(" ");
  logger.debug(escapeControlChars(
    `RESP: [${entry.status}] ${entry.method} ${redactUrl(entry.url)} ` +
      `${entry.elapsedMs.toFixed(0)}ms` + (requestId ? ` request-id=${requestId}` : "") +
      (head ? ` ${head}` : ""),
  ));
  if (entry.body !== undefined && entry.body !== "") {
    logger.debug(
      escapeControlChars(`RESP BODY: ${scrubbed(redactBody(entry.body), entry.secrets)}`),
    );
  }
}

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
  for (const name of new Set(u.searchParams.keys())) {
    if (isSecretKey(name)) {
      u.searchParams.set(name, REDACTED);
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

/** URLs in free text (error messages, stack traces): scheme, `://`, up to a space or quote. */
const URL_IN_TEXT = /[a-z][a-z0-9+.-]*:\/\/[^\s"'<>()]+/gi;

/**
 * `text` with every URL in it passed through {@linkcode redactUrl}: for
 * messages that quote URLs, such as a fetch error's (which shows the URL as
 * the runtime serialised it, not as it was given).
 */
export function redactUrlsIn(text: string): string {
  if (!text.includes("://")) return text;
  return text.replace(URL_IN_TEXT, (match) => {
    // Sentence punctuation after a URL ("... at http://h/x: refused") is not part of it.
    const url = match.replace(/[.,;:!?]+$/, "");
    return redactUrl(url) + match.slice(url.length);
  });
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

/** The value of a secret key: primitives become `***`, objects are searched further. */
function redactSecretValue(value: unknown, key: string): unknown {
  if (Array.isArray(value)) return value.map((v) => redactSecretValue(v, key));
  if (value !== null && typeof value === "object") return redactValue(value, key);
  return value === null || typeof value === "boolean" ? value : REDACTED;
}

function redactValue(value: unknown, parentKey: string | undefined): unknown {
  if (Array.isArray(value)) return value.map((v) => redactValue(v, parentKey));
  if (typeof value === "string") {
    // JSON inside a string (EC2 credential blobs, Ironic error_message).
    if (/^\s*[{[]/.test(value)) {
      try {
        return JSON.stringify(redactValue(JSON.parse(value), parentKey));
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
      out[k] = redactSecretValue(v, key);
    } else if (key === "id" && parentKey !== undefined && /token/.test(parentKey)) {
      // {"token": {"id": "<token>"}} in v3 token auth and v2 requests and responses
      out[k] = REDACTED;
    } else {
      out[k] = redactValue(v, key);
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
  return JSON.stringify(redactValue(parsed, undefined));
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
  logger.debug(parts.join(" "));
}

/** Logs a response at debug: status, request id, elapsed time, headers, body. */
export async function logResponse(logger: Logger, entry: ResponseLogEntry): Promise<void> {
  const headers = await redactHeaders(entry.headers);
  const requestId = requestIdOf(entry.headers);
  const head = headers.map(([k, v]) => `${k}: ${v}`).join(" ");
  logger.debug(
    `RESP: [${entry.status}] ${entry.method} ${redactUrl(entry.url)} ` +
      `${entry.elapsedMs.toFixed(0)}ms` + (requestId ? ` request-id=${requestId}` : "") +
      (head ? ` ${head}` : ""),
  );
  if (entry.body !== undefined && entry.body !== "") {
    logger.debug(`RESP BODY: ${scrubbed(redactBody(entry.body), entry.secrets)}`);
  }
}

/**
 * Every secret rule of osauth, in one place (the lowest layer, so that any
 * module may use it):
 *
 * - which headers, JSON keys, query parameters and clouds.yaml keys hold
 *   secrets ({@linkcode isSensitiveHeader}, {@linkcode isSecretKey},
 *   {@linkcode isSecretOptionKey});
 * - how logs show them: token headers as `{SHA256}<hash>`, secret JSON fields
 *   and query parameters as `***`, service catalogs as `<removed>`, a URL's
 *   password replaced ({@linkcode redactHeaders}, {@linkcode redactBody},
 *   {@linkcode redactUrl});
 * - how errors show them: URLs in messages and `cause` chains redacted
 *   ({@linkcode redactUrlsIn}, {@linkcode redactErrorChain}), and the values a
 *   request sent scrubbed wherever a server quotes them back
 *   ({@linkcode sentSecrets}, {@linkcode secretScrubber},
 *   {@linkcode rememberSentSecrets});
 * - how objects holding secrets print: a safe summary for `console.log`,
 *   `util.inspect` and `JSON.stringify` ({@linkcode safeInspect}).
 *
 * @example
 * ```ts
 * import { isSecretKey, isSecretOptionKey, redactBody, redactUrl } from "./secrets.ts";
 * console.assert(!redactBody('{"password":"hunter2"}').includes("hunter2"));
 * console.assert(redactUrl("http://h/x?token=t") === "http://h/x?token=***");
 * console.assert(isSecretKey("token_endpoint") && !isSecretOptionKey("token_endpoint"));
 * ```
 *
 * @module
 */

// ---------------------------------------------------------------------------
// Printing: objects holding secrets show a safe summary
// ---------------------------------------------------------------------------

/** Deno's custom inspect symbol. */
export const DENO_INSPECT: unique symbol = Symbol.for("Deno.customInspect") as never;
/** Node's (and Bun's) custom inspect symbol. */
export const NODE_INSPECT: unique symbol = Symbol.for("nodejs.util.inspect.custom") as never;

/** Placeholder printed where a secret would be. */
export const REDACTED = "***";

/**
 * Makes `target` print and serialise as `summary()` on Deno, Node and Bun.
 * Secrets must not be in the summary.
 */
export function safeInspect(target: object, summary: () => Record<string, unknown>): void {
  const name = target.constructor?.name ?? "Object";
  const render = (inspect?: (v: unknown, o?: unknown) => string, opts?: unknown): string => {
    const s = summary();
    const body = inspect ? inspect(s, opts) : JSON.stringify(s);
    return `${name} ${body}`;
  };
  Object.defineProperties(target, {
    [DENO_INSPECT]: {
      value: (inspect: (v: unknown, o?: unknown) => string, opts: unknown) => render(inspect, opts),
      enumerable: false,
    },
    [NODE_INSPECT]: {
      value: (_depth: number, opts: unknown, inspect?: (v: unknown, o?: unknown) => string) =>
        render(inspect, opts),
      enumerable: false,
    },
    toJSON: { value: () => summary(), enumerable: false },
  });
}

// ---------------------------------------------------------------------------
// Values a request sent, scrubbed wherever a server quotes them back
// ---------------------------------------------------------------------------

/** The text between the quotes of Python's `repr()` of a str. */
function pythonReprInner(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = "";
  for (const c of s) {
    const code = c.charCodeAt(0);
    if (c === "\\" || c === quote) out += `\\${c}`;
    else if (c === "\n") out += "\\n";
    else if (c === "\r") out += "\\r";
    else if (c === "\t") out += "\\t";
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, "0")}`;
    else out += c;
  }
  return out;
}

/**
 * The forms a secret takes when a server quotes it back: as sent, escaped
 * inside a JSON string (also with `\uXXXX` for every non-ASCII character, as
 * Python's `json.dumps` writes it), inside a Python `repr` (oslo and
 * jsonschema messages: `'pw'`), HTML-escaped (webob error pages) and
 * percent-encoded. Empty secrets have no form.
 */
function secretForms(secret: string): string[] {
  if (secret === "") return [];
  const python = pythonReprInner(secret);
  const html = secret.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;").replaceAll("'", "&#x27;");
  const forms = [secret, python, html, html.replaceAll("&#x27;", "&#39;")];
  try {
    forms.push(encodeURIComponent(secret));
  } catch {
    // a lone surrogate: not percent-encodable, so not quoted that way either
  }
  const out = new Set<string>();
  for (const form of forms) {
    const json = JSON.stringify(form).slice(1, -1);
    out.add(form).add(json).add(json.replace(
      /[\u007f-\uffff]/g,
      (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
    ));
  }
  return [...out];
}

/** Replaces secrets in a text (see {@linkcode secretScrubber}). */
export type Scrubber = (text: string) => string;

/**
 * A {@linkcode Scrubber} replacing every form of every secret in `secrets`
 * (see {@linkcode secretForms}) with `***`, longest first so that a secret
 * holding another is replaced whole; `undefined` when there is nothing to
 * scrub.
 */
export function secretScrubber(secrets: Iterable<string>): Scrubber | undefined {
  const forms = new Set<string>();
  for (const s of secrets) for (const f of secretForms(s)) forms.add(f);
  if (forms.size === 0) return undefined;
  const list = [...forms].sort((a, b) => b.length - a.length);
  return (text: string): string => {
    let out = text;
    for (const f of list) if (out.includes(f)) out = out.replaceAll(f, REDACTED);
    return out;
  };
}

/**
 * A copy of a parsed JSON value with `scrub` applied to every string in it
 * (keys too). Iterative: a deeply nested value cannot overflow the stack.
 */
export function scrubValue(value: unknown, scrub: Scrubber): unknown {
  if (typeof value === "string") return scrub(value);
  if (value === null || typeof value !== "object") return value;
  const root: { v: unknown } = { v: undefined };
  const work: [unknown, Record<string, unknown> | unknown[], string | number][] = [[
    value,
    root as unknown as Record<string, unknown>,
    "v",
  ]];
  while (work.length > 0) {
    const [from, parent, key] = work.pop()!;
    let copy: unknown;
    if (typeof from === "string") {
      copy = scrub(from);
    } else if (Array.isArray(from)) {
      const arr: unknown[] = new Array(from.length);
      for (let i = 0; i < from.length; i++) work.push([from[i], arr, i]);
      copy = arr;
    } else if (from !== null && typeof from === "object") {
      const obj: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(from)) {
        work.push([v, obj, scrub(k)]);
      }
      copy = obj;
    } else {
      copy = from;
    }
    if (key === "__proto__") {
      Object.defineProperty(parent, key, { value: copy, enumerable: true, writable: true });
    } else {
      (parent as Record<string | number, unknown>)[key] = copy;
    }
  }
  return root.v;
}

/** Responses -> the secrets the request that got them sent (see {@linkcode rememberSentSecrets}). */
const SENT = new WeakMap<Response, () => readonly string[]>();

/**
 * Records which secrets the request that got `response` sent (read only if
 * an error is built from it: `secrets` is called then). Error messages,
 * `details` and logged bodies made from the response have them replaced.
 */
export function rememberSentSecrets(response: Response, secrets: () => readonly string[]): void {
  SENT.set(response, secrets);
}

/** The secrets recorded for `response`, if any (see {@linkcode rememberSentSecrets}). */
export function sentSecretsOf(response: Response): readonly string[] {
  return SENT.get(response)?.() ?? [];
}

// ---------------------------------------------------------------------------
// Which names hold secrets: headers, JSON keys, query parameters, options
// ---------------------------------------------------------------------------

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
 * passcodes, secrets, tokens, private keys, and every key oslo.utils'
 * `mask_dict_password` masks (its `_SANITIZE_KEYS`, TripleO's and Ceph's
 * keys among them; `tests/unit/secret_rules.test.ts` compares). Matched
 * case-insensitively anywhere in the key (`adminPass`, `new_password`,
 * `application_credential_secret`, ...).
 */
const SECRET_KEY = new RegExp(
  [
    "pass(word|wd|code|phrase)?",
    "pswd",
    "secret",
    "token",
    "private_?key",
    "encrypt(ion|ed)_?key",
    "fernet_?key",
    "api_?key",
    "auth_?key",
    "ssl_?key",
    "ceph[a-z_]*key",
    "cephclusterfsid",
    "keystonekey",
    "keystonecredential",
    "configdrive",
    "octaviaheartbeatkey",
    "rabbitcookie",
    "designaterndckey",
    "barbicansimplecryptokek",
    "swifthashsuffix",
    "migrationsshkey",
    "credentials?$",
  ].join("|"),
  "i",
);

/** Keys holding a service catalog, removed from logged bodies as keystoneauth1 does. */
const CATALOG_KEYS: ReadonlySet<string> = new Set(["catalog", "servicecatalog"]);

/** Whether a JSON key or query parameter name holds a secret (in logs, bodies and URLs). */
export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

/**
 * Option names that only name or locate something (`token_endpoint`,
 * `auth_url`, `auth_type`, `application_credential_id`, `project_name`, ...),
 * not secrets, though they share a word with one.
 */
const NAMING_OPTION = /(_endpoint|_url|_type|_id|_name)$|^auth_methods$/i;

/**
 * Whether a clouds.yaml (or plugin option) key holds a secret, for
 * `CloudConfig`'s `console.log` and `JSON.stringify`: the secret words of
 * {@linkcode isSecretKey} less the names of {@linkcode NAMING_OPTION}, and
 * `code` (an OpenID Connect authorization code). keystoneauth1's plugins mark
 * these options `secret`: `password`, `token`, `passcode`, `access_token`,
 * `application_credential_secret`, `client_secret` and `code`; all of them
 * match.
 */
export function isSecretOptionKey(key: string): boolean {
  return (isSecretKey(key) && !NAMING_OPTION.test(key)) || key.toLowerCase() === "code";
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

// ---------------------------------------------------------------------------
// Log and error redaction: headers, URLs, messages, JSON bodies
// ---------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------
// Which values a request sends are secrets: computed only when needed (an
// error response, a log line, a redirect), never for every request. A body
// holding secrets is not re-sent to another origin by a redirect.
// ---------------------------------------------------------------------------

/** What is read from a request. */
export interface SentRequest {
  /** The headers sent (lower-case names). */
  headers: Readonly<Record<string, string>>;
  /** The body, when it is text. */
  bodyText?: string | undefined;
  /** Names of the auth plugin's headers (secrets whatever they are called). */
  secretHeaders?: readonly string[];
}

/** The secret parts of a credential header's value: the whole, the scheme's argument, cookies. */
function headerSecrets(name: string, value: string, out: Set<string>): void {
  out.add(value);
  const scheme = /^\s*([A-Za-z][\w-]*)\s+(\S.*)$/.exec(value);
  if (scheme) {
    out.add(scheme[2]!);
    if (scheme[1]!.toLowerCase() === "basic") {
      try {
        const decoded = new TextDecoder().decode(
          Uint8Array.from(atob(scheme[2]!.trim()), (c) => c.charCodeAt(0)),
        );
        const colon = decoded.indexOf(":");
        out.add(colon >= 0 ? decoded.slice(colon + 1) : decoded);
      } catch {
        // not base64: the value itself is scrubbed
      }
    }
  }
  if (name === "cookie") {
    for (const part of value.split(";")) {
      const eq = part.indexOf("=");
      if (eq >= 0) out.add(part.slice(eq + 1).trim());
    }
  }
}

/**
 * The secrets in a JSON body, as the log redaction finds them: primitive
 * values of secret keys (`password`, `secret`, `passcode`, `token`, ...,
 * also in arrays), objects under them searched further, and the `id` of a
 * `token` object. Iterative: any depth.
 */
export function bodySecrets(bodyText: string | undefined): string[] {
  if (bodyText === undefined || bodyText === "") return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(bodyText);
  } catch {
    return [];
  }
  const out: string[] = [];
  // [value, key it is under, whether that key is a secret one]
  const work: [unknown, string | undefined, boolean][] = [[parsed, undefined, false]];
  while (work.length > 0) {
    const [value, key, secret] = work.pop()!;
    if (Array.isArray(value)) {
      for (const v of value) work.push([v, key, secret]);
    } else if (value !== null && typeof value === "object") {
      for (const [k, v] of Object.entries(value)) {
        const lower = k.toLowerCase();
        const tokenId = lower === "id" && key !== undefined && /token/.test(key);
        work.push([v, lower, isSecretKey(lower) || tokenId]);
      }
    } else if (secret && (typeof value === "string" || typeof value === "number")) {
      const text = String(value);
      if (text !== "") out.push(text);
    }
  }
  return out;
}

/** Every secret value `req` sends: credential headers (and their parts) and body secrets. */
export function sentSecrets(req: SentRequest): string[] {
  const out = new Set<string>();
  const named = req.secretHeaders?.map((h) => h.toLowerCase()) ?? [];
  for (const name in req.headers) {
    const value = req.headers[name]!;
    if (value !== "" && (isSensitiveHeader(name) || named.includes(name))) {
      headerSecrets(name, value, out);
    }
  }
  for (const s of bodySecrets(req.bodyText)) out.add(s);
  out.delete("");
  return [...out];
}

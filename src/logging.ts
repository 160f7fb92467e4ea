/**
 * Safe HTTP logging: requests and responses are logged at debug level in
 * keystoneauth1's curl-like form, with tokens replaced by `{SHA256}<hash>`
 * and passwords, secrets and passcodes in JSON bodies replaced by `***`.
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
import { REDACTED } from "./secret.ts";

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

/** JSON keys whose values are secrets wherever they appear. */
const SECRET_KEYS: ReadonlySet<string> = new Set([
  "password",
  "passcode",
  "secret",
  "adminpass",
  "admin_pass",
  "original_password",
  "new_password",
  "token",
  "application_credential_secret",
  "access_token",
  "refresh_token",
  "client_secret",
  "x-auth-token",
  "auth_token",
]);

/** `{SHA256}<hex digest>` of a secret, as keystoneauth1 logs tokens. */
export async function hashSecret(value: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(value));
  const hex = Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
  return `{SHA256}${hex}`;
}

/** Header name -> value, with sensitive values hashed. */
export async function redactHeaders(headers: Headers): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [name, value] of headers) {
    out[name] = SENSITIVE_HEADERS.has(name.toLowerCase()) ? await hashSecret(value) : value;
  }
  return out;
}

function redactValue(value: unknown, parentKey: string | undefined): unknown {
  if (Array.isArray(value)) return value.map((v) => redactValue(v, parentKey));
  if (value === null || typeof value !== "object") return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    const key = k.toLowerCase();
    if (SECRET_KEYS.has(key) && (typeof v === "string" || typeof v === "number")) {
      out[k] = REDACTED;
    } else if (key === "id" && (parentKey === "token" || parentKey === "auth_token")) {
      // {"token": {"id": "<token>"}} in v3 token auth and v2 responses
      out[k] = REDACTED;
    } else {
      out[k] = redactValue(v, key);
    }
  }
  return out;
}

/**
 * Redacts secrets in a body for logging. JSON bodies have secret fields
 * replaced; other text is kept only when it has no `password`/`secret`/
 * `token` words; binary bodies are summarised.
 */
export function redactBody(text: string): string {
  try {
    return JSON.stringify(redactValue(JSON.parse(text), undefined));
  } catch {
    return /pass|secret|token|credential/i.test(text) ? "<omitted: may contain secrets>" : text;
  }
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
}

function shellQuote(s: string): string {
  return `'${s.replaceAll("'", "'\\''")}'`;
}

/** Logs a request at debug in curl form: `REQ: curl -g -i -X GET <url> -H ...`. */
export async function logRequest(logger: Logger, entry: RequestLogEntry): Promise<void> {
  const parts = [`REQ: curl -g -i -X ${entry.method} ${entry.url}`];
  for (const [k, v] of Object.entries(await redactHeaders(entry.headers))) {
    parts.push(`-H "${k}: ${v}"`);
  }
  if (entry.body !== undefined) parts.push(`-d ${shellQuote(redactBody(entry.body))}`);
  logger.debug(parts.join(" "));
}

/** Logs a response at debug: status, request id, elapsed time, headers, body. */
export async function logResponse(logger: Logger, entry: ResponseLogEntry): Promise<void> {
  const headers = await redactHeaders(entry.headers);
  const requestId = entry.headers.get("x-openstack-request-id") ??
    entry.headers.get("x-compute-request-id");
  const head = Object.entries(headers).map(([k, v]) => `${k}: ${v}`).join(" ");
  logger.debug(
    `RESP: [${entry.status}] ${entry.method} ${entry.url} ${entry.elapsedMs.toFixed(1)}ms` +
      (requestId ? ` request-id=${requestId}` : "") + ` ${head}`,
  );
  if (entry.body !== undefined && entry.body !== "") {
    logger.debug(`RESP BODY: ${redactBody(entry.body)}`);
  }
}

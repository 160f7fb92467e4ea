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
 * import { logRequest } from "./logging.ts";
 * const lines: string[] = [];
 * const logger = { debug: (m: string) => lines.push(m), info() {}, warn() {}, error() {} };
 * await logRequest(logger, {
 *   method: "POST", url: "http://127.0.0.1/v3/auth/tokens", headers: new Headers(),
 *   body: '{"password":"hunter2"}',
 * });
 * console.assert(lines.length === 1 && !lines[0]!.includes("hunter2"));
 * ```
 *
 * @module
 */
import type { Logger } from "./types.ts";
import { redactBody, redactHeaders, redactUrl, secretScrubber } from "./util/secrets.ts";
import { requestIdOf } from "./util/request_id.ts";
import { escapeControlChars } from "./util/text.ts";

export { escapeControlChars } from "./util/text.ts";

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

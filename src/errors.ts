/**
 * Error classes. Every error osauth throws extends {@linkcode OsAuthError};
 * HTTP errors carry the status, method, url, request id and parsed details.
 *
 * @example
 * ```ts
 * import { HttpError, NotFound } from "jsr:@x/osauth";
 * const err = new NotFound({ method: "GET", url: "http://127.0.0.1/x", message: "gone" });
 * console.assert(err instanceof HttpError && err.status === 404);
 * ```
 *
 * @module
 */
import { escapeControlChars } from "./logging.ts";
import { readBodyStart } from "./util/body_start.ts";
import { requestIdOf } from "./util/request_id.ts";
import {
  redactErrorChain,
  redactUrl,
  redactUrlsIn,
  scrubValue,
  secretScrubber,
  sentSecretsOf,
} from "./util/secrets.ts";

/**
 * Base class of every error osauth throws. A password in a URL's user info
 * and secret query parameters (`?token=...`) are replaced by `***` wherever a
 * URL appears in the message, and in the messages of the `cause` chain.
 * Control characters (CR, LF, ...) in the message are escaped (`\n`), so
 * that text it quotes cannot forge log lines.
 */
export class OsAuthError extends Error {
  /** Creates the error. */
  constructor(message: string, options?: ErrorOptions) {
    if (options?.cause !== undefined) redactErrorChain(options.cause);
    super(escapeControlChars(redactUrlsIn(String(message))), options);
    this.name = new.target.name;
  }
}

/** Bad options were given to a constructor or call (the message names which). */
export class OptionError extends OsAuthError {}

/** No auth plugin was available for an authenticated request. */
export class MissingAuthPlugin extends OsAuthError {}

/** Authentication could not produce credentials (bad response, no token). */
export class AuthorizationFailure extends OsAuthError {}

/** No endpoint in the catalog matches a filter. */
export class EndpointNotFound extends OsAuthError {}

/**
 * The catalog has no endpoints at all (an unscoped token, or one asked for
 * without the catalog): no filter can match. keystoneauth1's `EmptyCatalog`,
 * which it raises only for a catalog without services; a catalog of services
 * without endpoints is an `EmptyCatalog` here too.
 */
export class EmptyCatalog extends EndpointNotFound {}

/** A version document could not be fetched or understood. */
export class DiscoveryFailure extends OsAuthError {}

/** No API version (or microversion) within the requested bounds is offered. */
export class VersionNotAvailable extends DiscoveryFailure {}

/** The clouds.yaml configuration is missing, malformed or incomplete. */
export class CloudConfigError extends OsAuthError {}

/** The connection could not be made (refused, reset, DNS, TLS). */
export class ConnectFailure extends OsAuthError {}

/** The request did not complete within its timeout. */
export class ConnectTimeout extends ConnectFailure {}

/** A Deno permission prevents reaching a host; the message names the flag to add. */
export class NetworkPermissionDenied extends OsAuthError {
  /** `host:port` that was denied. */
  readonly host: string;
  /** Creates the error for `host` (`host:port`). */
  constructor(host: string, options?: ErrorOptions) {
    super(
      `network access to ${host} was denied by Deno's permissions: run with --allow-net=${host}`,
      options,
    );
    this.host = host;
  }
}

/** An authenticated request was aimed at an origin not trusted with the token. */
export class UntrustedOrigin extends OsAuthError {}

/** More redirects were followed than the limit allows. */
export class TooManyRedirects extends OsAuthError {}

/**
 * A response body is not what the call expects: not JSON where JSON is read
 * (`requestJson`, `paginate`), no body at all, or larger than osauth reads.
 * keystoneauth1's `InvalidResponse`.
 */
export class InvalidResponse extends OsAuthError {}

/**
 * Pagination cannot go on safely: a next-page link or marker repeats (an
 * endless loop), or a page has no list of items (or several, and no
 * `itemsKey` says which).
 */
export class PaginationError extends OsAuthError {}

/** What an {@linkcode HttpError} is created from. */
export interface HttpErrorInit {
  /** Request method. */
  method: string;
  /** Request URL (no secrets). */
  url: string;
  /** Status code; subclasses fix it. */
  status?: number;
  /** Human readable message from the server. */
  message?: string;
  /** `X-OpenStack-Request-Id` (or `X-Compute-Request-Id`, Ironic's `Openstack-Request-Id`). */
  requestId?: string;
  /** The parsed error body. */
  details?: unknown;
  /** The response, when one was received. Its body has been read. */
  response?: Response;
  /** Retry-After in seconds, when given. */
  retryAfter?: number;
  /** How many times the request was sent (default 1); named in the message when more. */
  attempts?: number;
}

/** An HTTP response with status >= 400. Subclasses exist per status code. */
export class HttpError extends OsAuthError {
  /** The status code. */
  readonly status: number;
  /** The request method. */
  readonly method: string;
  /** The request URL. */
  readonly url: string;
  /** The OpenStack request id of the response, if any. */
  readonly requestId: string | undefined;
  /** The parsed error body (JSON when it was JSON, else text). */
  readonly details: unknown;
  /** The response (its body already consumed). Not enumerable: not printed with the error. */
  readonly response: Response | undefined;
  /** Retry-After in seconds, when the server sent one. */
  readonly retryAfter: number | undefined;
  /** How many times the request was sent (more than 1 after status code retries). */
  readonly attempts: number;
  /** The status a subclass stands for. */
  static readonly httpStatus: number = 0;

  /** Creates the error. */
  constructor(init: HttpErrorInit) {
    const status = init.status ?? (new.target as typeof HttpError).httpStatus;
    const parts = [
      init.message ? capText(`${init.message}`, MESSAGE_LIMIT) : `HTTP ${status}`,
      `(HTTP ${status})`,
    ];
    if (init.requestId) parts.push(`(Request-ID: ${init.requestId})`);
    const attempts = init.attempts ?? 1;
    super(
      `${parts.join(" ")} ${init.method} ${init.url}` +
        (attempts > 1 ? ` after ${attempts} attempts` : ""),
    );
    this.status = status;
    this.method = init.method;
    this.url = redactUrl(init.url);
    this.requestId = init.requestId;
    this.details = init.details;
    this.response = init.response;
    // Not printed with the error: its url may hold secret query parameters,
    // its headers cookies.
    Object.defineProperty(this, "response", { enumerable: false });
    this.retryAfter = init.retryAfter;
    this.attempts = attempts;
  }
}

/** 400 */
export class BadRequest extends HttpError {
  /** Status code. */
  static override readonly httpStatus: number = 400;
}
/** 401 */
export class Unauthorized extends HttpError {
  /** Status code. */
  static override readonly httpStatus: number = 401;
}
/**
 * 401 from Keystone with an auth receipt: the credentials were right, but the
 * user's multi-factor rules need more methods (keystoneauth1's
 * `MissingAuthMethods`). Continue by authenticating with the missing methods
 * and the receipt (the v3 plugins' `receipt` option) before `expiresAt`.
 *
 * The receipt is a credential: it is not in the message, in
 * `Deno.inspect(err)` or in `JSON.stringify(err)`; read it from `receipt`.
 * (The hidden `response`, shown by `showHidden`, still has it in its headers,
 * as it has every header Keystone sent.)
 *
 * @example
 * ```ts
 * import { MissingAuthMethods, Session, v3 } from "jsr:@x/osauth";
 * import { FakeCloud } from "jsr:@x/osauth/testing";
 *
 * // A Keystone whose user needs a password and a TOTP passcode.
 * const server = await new FakeCloud({
 *   users: [{
 *     id: "u1", name: "alice", password: "pw", totpPasscode: "123456",
 *     projects: [{ id: "p1", name: "demo" }], mfaRules: [["password", "totp"]],
 *   }],
 * }).serve();
 * const { authUrl } = server;
 * const [userId, projectId, passcode] = ["u1", "p1", "123456"];
 * const sess = new Session({ auth: new v3.Password({ authUrl, userId, password: "pw", projectId }) });
 * try {
 *   await sess.getAccess();
 * } catch (err) {
 *   if (!(err instanceof MissingAuthMethods)) throw err;
 *   // err.requiredAuthMethods: [["password", "totp"]]; err.methods: ["password"]
 *   const totp = new v3.Totp({ authUrl, userId, passcode, projectId, receipt: err.receipt });
 *   await new Session({ auth: totp }).getAccess();
 * }
 * await server.close();
 * ```
 */
export class MissingAuthMethods extends Unauthorized {
  /** The methods that succeeded (the receipt's `methods`). */
  readonly methods: readonly string[];
  /** The rules of which one must be met: each a list of method names. */
  readonly requiredAuthMethods: readonly (readonly string[])[];
  /** When the receipt expires (undefined when the body did not say). */
  readonly expiresAt: Date | undefined;
  readonly #receipt: string;

  /** Creates the error from a 401 that carried `Openstack-Auth-Receipt: receipt`. */
  constructor(init: HttpErrorInit & { receipt: string }) {
    const body = init.details as
      | { receipt?: { methods?: unknown; expires_at?: unknown }; required_auth_methods?: unknown }
      | undefined;
    const strings = (v: unknown): string[] =>
      Array.isArray(v) ? v.filter((m): m is string => typeof m === "string") : [];
    const methods = strings(body?.receipt?.methods);
    const required = Array.isArray(body?.required_auth_methods)
      ? body.required_auth_methods.map(strings)
      : [];
    const rules = required.map((r) => r.join("+")).join(" or ");
    super({
      ...init,
      message: "not all required auth rules were satisfied" +
        (rules ? `: needs ${rules}` : "") +
        (methods.length ? ` (succeeded: ${methods.join(", ")})` : ""),
    });
    this.methods = Object.freeze(methods);
    this.requiredAuthMethods = Object.freeze(required.map((r) => Object.freeze(r)));
    const expires = typeof body?.receipt?.expires_at === "string"
      ? new Date(body.receipt.expires_at)
      : undefined;
    this.expiresAt = expires && !Number.isNaN(expires.getTime()) ? expires : undefined;
    this.#receipt = init.receipt;
  }

  /** The auth receipt, to send back with the missing methods. Secret: never log it. */
  get receipt(): string {
    return this.#receipt;
  }
}

/** 403 */
export class Forbidden extends HttpError {
  /** Status code. */
  static override readonly httpStatus: number = 403;
}
/** 404 */
export class NotFound extends HttpError {
  /** Status code. */
  static override readonly httpStatus: number = 404;
}
/** 405 */
export class MethodNotAllowed extends HttpError {
  /** Status code. */
  static override readonly httpStatus: number = 405;
}
/** 406 (e.g. an unsupported microversion) */
export class NotAcceptable extends HttpError {
  /** Status code. */
  static override readonly httpStatus: number = 406;
}
/** 408 */
export class RequestTimeout extends HttpError {
  /** Status code. */
  static override readonly httpStatus: number = 408;
}
/** 409 */
export class Conflict extends HttpError {
  /** Status code. */
  static override readonly httpStatus: number = 409;
}
/** 410 */
export class Gone extends HttpError {
  /** Status code. */
  static override readonly httpStatus: number = 410;
}
/** 413 */
export class RequestEntityTooLarge extends HttpError {
  /** Status code. */
  static override readonly httpStatus: number = 413;
}
/** 415 */
export class UnsupportedMediaType extends HttpError {
  /** Status code. */
  static override readonly httpStatus: number = 415;
}
/** 422 */
export class UnprocessableEntity extends HttpError {
  /** Status code. */
  static override readonly httpStatus: number = 422;
}
/** 429 */
export class TooManyRequests extends HttpError {
  /** Status code. */
  static override readonly httpStatus: number = 429;
}
/** 500 */
export class InternalServerError extends HttpError {
  /** Status code. */
  static override readonly httpStatus: number = 500;
}
/** 501 */
export class HttpNotImplemented extends HttpError {
  /** Status code. */
  static override readonly httpStatus: number = 501;
}
/** 502 */
export class BadGateway extends HttpError {
  /** Status code. */
  static override readonly httpStatus: number = 502;
}
/** 503 */
export class ServiceUnavailable extends HttpError {
  /** Status code. */
  static override readonly httpStatus: number = 503;
}
/** 504 */
export class GatewayTimeout extends HttpError {
  /** Status code. */
  static override readonly httpStatus: number = 504;
}

const BY_STATUS: ReadonlyMap<number, typeof HttpError> = new Map(
  [
    BadRequest,
    Unauthorized,
    Forbidden,
    NotFound,
    MethodNotAllowed,
    NotAcceptable,
    RequestTimeout,
    Conflict,
    Gone,
    RequestEntityTooLarge,
    UnsupportedMediaType,
    UnprocessableEntity,
    TooManyRequests,
    InternalServerError,
    HttpNotImplemented,
    BadGateway,
    ServiceUnavailable,
    GatewayTimeout,
  ].map((c) => [c.httpStatus, c]),
);

/** Bytes of an error body read; the rest is not read (`details` keeps the start). */
export const ERROR_BODY_LIMIT: number = 64 * 1024;

/** Most characters of a server's message quoted in an {@linkcode HttpError}'s message. */
export const MESSAGE_LIMIT = 1000;
/**
 * Most characters of a text (non-JSON) error body a message is looked for
 * in: the body is capped before any processing (its start is in `details`).
 */
export const MESSAGE_SOURCE_LIMIT = 4096;
/** Deepest JSON error body kept parsed in `details` (a deeper one is kept as text). */
export const DETAILS_DEPTH_LIMIT = 100;

/** `text`, cut to `limit` characters with `...` when longer. */
function capText(text: string, limit: number): string {
  return text.length > limit ? `${text.slice(0, limit - 3)}...` : text;
}

/** Whether `value` nests arrays and objects deeper than `limit` (a loop, not recursion). */
function nestedDeeperThan(value: unknown, limit: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== "object") continue;
    if (depth >= limit) return true;
    for (const child of Object.values(v)) {
      if (child !== null && typeof child === "object") stack.push([child, depth + 1]);
    }
  }
  return false;
}

/** Parses `Retry-After` (seconds or HTTP date) into seconds, relative to `now` (ms). */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (value === null || value.trim() === "") return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed);
  // An HTTP date names its month and zone; "-1" or "1e3" are not dates.
  const date = /[a-z]/i.test(trimmed) ? Date.parse(trimmed) : NaN;
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, (date - now) / 1000);
}

const MAX_MESSAGE = 300;
const ENTITIES: Readonly<Record<string, string>> = {
  "&amp;": "&",
  "&lt;": "<",
  "&gt;": ">",
  "&quot;": '"',
  "&#39;": "'",
  "&#x27;": "'",
  "&nbsp;": " ",
};

/** Text with its tags removed (one pass; an unclosed `<` drops the rest, as a browser does). */
function stripTags(html: string): string {
  let out = "";
  let from = 0;
  for (;;) {
    const open = html.indexOf("<", from);
    if (open < 0) return out + html.slice(from);
    out += `${html.slice(from, open)} `;
    const close = html.indexOf(">", open + 1);
    if (close < 0) return out;
    from = close + 1;
  }
}

/** Whitespace runs as one space, trimmed, the basic entities decoded, at most 300 characters. */
function oneLine(text: string): string {
  const t = text.replace(/&(?:amp|lt|gt|quot|#39|#x27|nbsp);/g, (e) => ENTITIES[e] ?? e)
    .replace(/\s+/g, " ").trim();
  return t.length > MAX_MESSAGE ? `${t.slice(0, MAX_MESSAGE - 3)}...` : t;
}

/** The text between the end of the `<tag ...>` starting at `at` and `</tag>` (lower-cased copy). */
function element(text: string, lower: string, tag: string): [string, number] | undefined {
  const at = lower.indexOf(`<${tag}`);
  if (at < 0) return undefined;
  const start = lower.indexOf(">", at);
  if (start < 0) return undefined;
  const end = lower.indexOf(`</${tag}>`, start);
  return end < 0 ? undefined : [text.slice(start + 1, end), end + tag.length + 3];
}

/**
 * A one-line message from a text or HTML body. An HTML error page (webob's, as Glance, Heat and
 * Cinder send: `<h1>404 Not Found</h1>` and then the server's text) gives the text after its
 * `<h1>`, else the `<h1>`, else the `<title>`, else all its text. Linear in the body's length.
 */
function textMessage(text: string): string {
  const lower = text.toLowerCase();
  if (!/<\/?[a-z!]/.test(lower)) return oneLine(text);
  const h1 = element(text, lower, "h1");
  if (h1) {
    const bodyEnd = lower.indexOf("</body>", h1[1]);
    const after = oneLine(stripTags(text.slice(h1[1], bodyEnd < 0 ? undefined : bodyEnd)));
    if (after !== "") return after;
    const heading = oneLine(stripTags(h1[0]));
    if (heading !== "") return heading;
  }
  const title = element(text, lower, "title");
  const titleText = title ? oneLine(stripTags(title[0])) : "";
  return titleText !== "" ? titleText : oneLine(stripTags(text));
}

function str(v: unknown): string | undefined {
  return typeof v === "string" && v.trim() !== "" ? oneLine(v) : undefined;
}

function obj(v: unknown): Record<string, unknown> | undefined {
  return v !== null && typeof v === "object" && !Array.isArray(v)
    ? v as Record<string, unknown>
    : undefined;
}

/** The most specific text of one error object, from the most to the least specific field. */
function fieldsMessage(o: Record<string, unknown>): string | undefined {
  return str(o.message) ?? str(o.description) ?? str(o.faultstring) ?? str(o.detail) ??
    str(o.explanation) ?? str(o.title);
}

/**
 * Extracts the server's most specific text from an OpenStack error body:
 * - Keystone and Heat `{"error": {"message"}}` (Heat's `error.message` over its top-level
 *   `title`; a Heat error without a message names its `error.type`);
 * - API-WG `{"errors": [{"title", "detail"}]}` (Placement): the first error's `detail`;
 * - Ironic `{"error_message": "<JSON text>"}`: that JSON's `faultstring` or `description`;
 * - pecan/wsme `{"title", "description"}` (Barbican): `description` over `title`;
 * - Nova, Cinder, Manila `{"itemNotFound": {"message"}}`, Neutron `{"NeutronError": {"message"}}`;
 * - `{"message"}`, `{"faultstring"}`; text and HTML pages (see the HTML rule above).
 *
 * Whitespace runs become one space; at most 300 characters.
 */
export function messageFromBody(body: unknown): string | undefined {
  if (typeof body === "string") return str(textMessage(body));
  const o = obj(body);
  if (!o) return undefined;
  if (Array.isArray(o.errors) && o.errors.length > 0) {
    const e = obj(o.errors[0]);
    return e ? str(e.detail) ?? str(e.title) ?? str(e.message) : undefined;
  }
  if (typeof o.error_message === "string") {
    let inner: unknown;
    try {
      inner = JSON.parse(o.error_message);
    } catch {
      return str(o.error_message);
    }
    return messageFromBody(inner) ?? str(o.error_message);
  }
  const error = obj(o.error);
  if (error) {
    const own = str(error.message) ?? str(error.description) ?? str(error.faultstring);
    if (own) return own;
    const type = str(error.type);
    const outer = str(o.explanation) ?? str(o.title) ?? str(error.title);
    if (type) return outer ? `${outer} (${type})` : type;
    if (outer) return outer;
  }
  const direct = fieldsMessage(o);
  if (direct) return direct;
  for (const key of Object.keys(o)) {
    const inner = obj(o[key]);
    const msg = inner && fieldsMessage(inner);
    if (msg) return msg;
  }
  return undefined;
}

/**
 * Builds the right {@linkcode HttpError} subclass from a response, reading
 * (and so consuming) its body. `attempts` is how many times the request was
 * sent (status code retries). Secrets the request sent (a Session records
 * them for its error responses) are replaced by `***` in the message and
 * `details`, in every form a server quotes them.
 */
export async function httpErrorFromResponse(
  response: Response,
  method: string,
  url: string,
  now: number = Date.now(),
  attempts: number = 1,
): Promise<HttpError> {
  let details: unknown;
  let text = "";
  try {
    // At most ERROR_BODY_LIMIT bytes are read: a huge body costs no more than its start.
    text = (await readBodyStart(response, ERROR_BODY_LIMIT)).text;
  } catch {
    text = "";
  }
  const type = response.headers.get("content-type") ?? "";
  // Secrets the request sent, as a server may quote them back (Keystone's and
  // Placement's 400s repeat a submitted password): gone from message and details.
  const scrub = secretScrubber(sentSecretsOf(response));
  if (scrub) text = scrub(text);
  if (text !== "") {
    if (type.includes("json") || /^\s*[{[]/.test(text)) {
      try {
        details = JSON.parse(text);
        if (nestedDeeperThan(details, DETAILS_DEPTH_LIMIT)) details = text;
        else if (scrub) details = scrubValue(details, scrub);
      } catch {
        details = text;
      }
    } else {
      details = text;
    }
  }
  const receipt = response.status === 401 ? response.headers.get("openstack-auth-receipt") : null;
  if (receipt) {
    return new MissingAuthMethods({
      status: 401,
      method,
      url,
      requestId: requestIdOf(response.headers),
      details,
      response,
      attempts,
      receipt,
    });
  }
  const cls = BY_STATUS.get(response.status) ?? HttpError;
  return new cls({
    status: response.status,
    method,
    url,
    message: messageFromBody(
      typeof details === "string" ? details.slice(0, MESSAGE_SOURCE_LIMIT) : details,
    ) ?? (response.statusText || undefined),
    requestId: requestIdOf(response.headers),
    details,
    response,
    retryAfter: parseRetryAfter(response.headers.get("retry-after"), now),
    attempts,
  });
}

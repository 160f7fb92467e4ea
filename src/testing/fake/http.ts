/**
 * HTTP helpers of the fake cloud: JSON and empty responses with request ids,
 * Keystone's error bodies, and the errors request handling throws to answer
 * with one ({@linkcode FakeHttpError}, {@linkcode FakeReceiptError}).
 *
 * @module
 */

/** The titles of Keystone's error bodies, by status. */
export const STATUS_TITLES: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  406: "Not Acceptable",
  409: "Conflict",
  413: "Request Entity Too Large",
  429: "Too Many Requests",
  500: "Internal Server Error",
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Gateway Timeout",
};

/** Keystone's 401 message. */
export const UNAUTHORIZED_MESSAGE = "The request you have made requires authentication.";

/** Thrown inside request handling; turned into a Keystone-like error response. */
export class FakeHttpError extends Error {
  status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

/** Keystone's answer to too few methods for the user's MFA rules: a 401 with a receipt. */
export class FakeReceiptError extends FakeHttpError {
  receipt: string;
  body: unknown;
  constructor(receipt: string, body: unknown) {
    super(401, "Insufficient auth methods received.");
    this.receipt = receipt;
    this.body = body;
  }
}

/** A JSON object. */
export type Json = Record<string, unknown>;

/** `value` as a JSON object, or undefined when it is not one. */
export function obj(value: unknown): Json | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? value as Json
    : undefined;
}

/** `value` when it is a string. */
export function str(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

/** A fresh `req-<uuid>` request id. */
export function requestId(): string {
  return `req-${crypto.randomUUID()}`;
}

/** Keystone's error body: `{"error": {"code", "title", "message"}}`. */
export function errorBody(status: number, message: string): Json {
  return { error: { code: status, title: STATUS_TITLES[status] ?? "Error", message } };
}

/** A JSON response with a request id (unless `headers` has one). */
export function jsonResponse(
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): Response {
  const h = new Headers(headers);
  h.set("Content-Type", "application/json");
  if (!h.has("X-Openstack-Request-Id")) h.set("X-Openstack-Request-Id", requestId());
  return new Response(JSON.stringify(body), { status, headers: h });
}

/** A response without a body, with a request id (unless `headers` has one). */
export function emptyResponse(status: number, headers: Record<string, string> = {}): Response {
  const h = new Headers(headers);
  if (!h.has("X-Openstack-Request-Id")) h.set("X-Openstack-Request-Id", requestId());
  return new Response(null, { status, headers: h });
}

/** `resp` without its body when answering a HEAD. */
export function maybeHead(method: string, resp: Response): Response {
  if (method !== "HEAD") return resp;
  void resp.body?.cancel();
  return new Response(null, { status: resp.status, headers: resp.headers });
}

/** The request body as a JSON object; a 400 otherwise. */
export async function readJson(req: Request): Promise<Json> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await req.text());
  } catch {
    throw new FakeHttpError(400, "The request body is not valid JSON.");
  }
  const body = obj(parsed);
  if (!body) throw new FakeHttpError(400, "Expecting a JSON object in the request body.");
  return body;
}

/** Headers recorded as `<redacted>`. */
export const REDACTED_HEADERS = new Set(["x-auth-token", "x-subject-token", "authorization"]);

/** Request headers as recorded in `stats`: token headers as `<redacted>`. */
export function redactedHeaders(headers: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  headers.forEach((value, key) => {
    out[key] = REDACTED_HEADERS.has(key.toLowerCase()) ? "<redacted>" : value;
  });
  return out;
}

/** What an aborted `fetch` rejects with: the signal's reason, else an `AbortError`. */
export function abortError(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException("The operation was aborted.", "AbortError");
}

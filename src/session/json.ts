/**
 * Typed JSON bodies: `requestJson` / `getJson` on Session and Adapter send a
 * request through the one request path and parse its body in one call.
 *
 * @module
 */
import { InvalidResponse, OptionError } from "../errors.ts";
import { redactUrl } from "../util/secrets.ts";
import { readBodyCapped } from "../util/body.ts";
import type { RequestOptions } from "./options.ts";

/** Largest JSON body `requestJson` and `paginate` read (128 MiB). */
export const JSON_BODY_LIMIT: number = 128 * 1024 * 1024;

/** What sends requests: a Session or an Adapter. */
export interface Requester {
  /** Sends a request (Session.request or Adapter.request). */
  request(url: string, options?: RequestOptions): Promise<Response>;
}

/**
 * The parsed JSON body of `resp` (a response to `method url`); an
 * {@linkcode InvalidResponse} for a response without a body (204, HEAD) or
 * one that is not JSON, naming the request (redacted) and the Content-Type,
 * never the body (it may hold secrets). Larger than
 * {@linkcode JSON_BODY_LIMIT}: `InvalidResponse` too, before it is read.
 */
export async function readJson<T>(resp: Response, method: string, url: string): Promise<T> {
  const where = `${method} ${redactUrl(url)}`;
  const type = resp.headers.get("content-type");
  if (resp.body === null || resp.status === 204 || resp.status === 205 || method === "HEAD") {
    await resp.body?.cancel().catch(() => {});
    throw new InvalidResponse(`${where}: HTTP ${resp.status} has no body to read as JSON`);
  }
  const text = await readBodyCapped(resp, JSON_BODY_LIMIT, "JSON body", url, InvalidResponse);
  if (text.trim() === "") {
    throw new InvalidResponse(`${where}: HTTP ${resp.status} has an empty body, not JSON`);
  }
  try {
    return JSON.parse(text) as T;
  } catch {
    // JSON.parse's message quotes the body, which may hold secrets: not passed on.
    throw new InvalidResponse(
      `${where}: the body of HTTP ${resp.status} is not JSON (Content-Type: ${
        type ?? "none"
      }, ${text.length} characters)`,
    );
  }
}

/**
 * Sends `url` with `options` through `client` (the same request path, the
 * same errors as `client.request`) and returns the parsed body.
 */
export async function requestJson<T>(
  client: Requester,
  url: string,
  options: RequestOptions | undefined,
  method?: string,
): Promise<T> {
  if (options !== undefined && (options === null || typeof options !== "object")) {
    throw new OptionError("request options must be an object");
  }
  const opts: RequestOptions = method === undefined ? (options ?? {}) : { ...options, method };
  const resp = await client.request(url, opts);
  const sentMethod = (opts.method ?? "GET").toUpperCase();
  return await readJson<T>(resp, sentMethod, resp.url || url);
}

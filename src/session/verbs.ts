/**
 * The HTTP method shortcuts (`get`, `post`, ...) of `Session` and `Adapter`,
 * written once: each is `request(url, { ...options, method })`, so a
 * subclass that overrides `request` sees every call.
 *
 * @module
 */
import type { RequestOptions } from "./options.ts";

/**
 * `{ ...options, method }`; options that are not an object (nor null) as
 * they are, for `request` to refuse.
 */
function withMethod(options: RequestOptions | null | undefined, method: string): RequestOptions {
  if (options !== null && options !== undefined && typeof options !== "object") return options;
  return { ...options, method };
}

/**
 * The base of `Session` and `Adapter`: `request` and its method shortcuts.
 * The shortcuts call `request`, whatever a subclass made of it.
 */
export abstract class RequestMethods {
  /** Sends a request (the shortcuts below set its method). */
  abstract request(url: string, options?: RequestOptions): Promise<Response>;

  /**
   * What every shortcut calls: `request(url, { ...options, method })`.
   * `Session` and `Adapter` send without the copy while `request` is their
   * own (a copied options object measurably slows every request down); a
   * subclass that overrides `request` gets every call with its method.
   */
  protected requestWith(
    url: string,
    options: RequestOptions | undefined,
    method: string,
  ): Promise<Response> {
    return this.request(url, withMethod(options, method));
  }

  /** `request(url, { ...options, method: "GET" })`. */
  get(url: string, options: RequestOptions = {}): Promise<Response> {
    return this.requestWith(url, options, "GET");
  }
  /** `request(url, { ...options, method: "POST" })`. */
  post(url: string, options: RequestOptions = {}): Promise<Response> {
    return this.requestWith(url, options, "POST");
  }
  /** `request(url, { ...options, method: "PUT" })`. */
  put(url: string, options: RequestOptions = {}): Promise<Response> {
    return this.requestWith(url, options, "PUT");
  }
  /** `request(url, { ...options, method: "PATCH" })`. */
  patch(url: string, options: RequestOptions = {}): Promise<Response> {
    return this.requestWith(url, options, "PATCH");
  }
  /** `request(url, { ...options, method: "DELETE" })`. */
  delete(url: string, options: RequestOptions = {}): Promise<Response> {
    return this.requestWith(url, options, "DELETE");
  }
  /** `request(url, { ...options, method: "HEAD" })`. */
  head(url: string, options: RequestOptions = {}): Promise<Response> {
    return this.requestWith(url, options, "HEAD");
  }
}

/**
 * `HttpBasic`: HTTP Basic authentication (keystoneauth1's
 * `http_basic.HTTPBasicAuth`), e.g. for Ironic standalone.
 *
 * @module
 */
import { redactUrl, safeInspect } from "../util/secrets.ts";
import type { AuthPlugin, CurrentCredentials } from "../types.ts";
import { checkHttpUrl, requireString } from "../identity/base.ts";

/** Options of {@linkcode HttpBasic}. */
export interface HttpBasicOptions {
  /** The endpoint every request goes to. */
  endpoint?: string;
  /** User name (checked when the plugin is created: `OptionError` when missing). */
  username?: string;
  /** Password (checked when the plugin is created: `OptionError` when missing). */
  password?: string;
}

function base64(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin);
}

/**
 * Sends `Authorization: Basic ...`.
 *
 * @example
 * ```ts
 * import { HttpBasic, Session } from "jsr:@x/osauth";
 * const sess = new Session({
 *   auth: new HttpBasic({ endpoint: "http://127.0.0.1:6385", username: "u", password: "p" }),
 * });
 * ```
 */
export class HttpBasic implements AuthPlugin {
  /** The endpoint, if any. */
  readonly endpoint: string | undefined;
  /** The user name. */
  readonly username: string;
  #header: string;
  /** The endpoint's origin, frozen: a Session keeps its trusted set for the same list. */
  readonly #origins: readonly string[];

  /** Creates the plugin. */
  constructor(options: HttpBasicOptions) {
    this.endpoint = options?.endpoint === undefined
      ? undefined
      : checkHttpUrl(options.endpoint, "endpoint", "HttpBasic");
    this.username = requireString(options.username, "username", "HttpBasic");
    const password = requireString(options.password, "password", "HttpBasic");
    this.#header = `Basic ${base64(`${this.username}:${password}`)}`;
    this.#origins = Object.freeze(this.endpoint ? [new URL(this.endpoint).origin] : []);
    safeInspect(
      this,
      () => ({
        endpoint: this.endpoint && redactUrl(this.endpoint),
        username: this.username,
        password: "***",
      }),
    );
    this.#current = Object.freeze({
      headers: Object.freeze({ Authorization: this.#header }),
      trustedOrigins: this.#origins,
      endpoint: (): string | undefined => this.endpoint,
    });
  }

  readonly #current: CurrentCredentials;

  /**
   * The fixed headers, endpoint and trusted origins, unless a subclass or
   * the instance replaced a method they stand for (then `undefined`).
   */
  currentCredentials(): CurrentCredentials | undefined {
    const proto = HttpBasic.prototype;
    return this.getHeaders === proto.getHeaders && this.getEndpoint === proto.getEndpoint &&
        this.getTrustedOrigins === proto.getTrustedOrigins
      ? this.#current
      : undefined;
  }
  /** `{ Authorization: "Basic ..." }`. */
  getHeaders(): Promise<Record<string, string>> {
    return Promise.resolve({ Authorization: this.#header });
  }
  /** The endpoint; the filter is ignored. */
  getEndpoint(): Promise<string | undefined> {
    return Promise.resolve(this.endpoint);
  }
  /** The endpoint's origin (the same frozen list every time). */
  getTrustedOrigins(): Promise<string[]> {
    return Promise.resolve(this.#origins as string[]);
  }
  /** Nothing to invalidate: false. */
  invalidate(): boolean {
    return false;
  }
}

/**
 * `TokenEndpoint`: a fixed endpoint and token (keystoneauth1's
 * `token_endpoint.Token`, openstacksdk's `admin_token`).
 *
 * @module
 */
import { redactUrl, safeInspect } from "../util/secrets.ts";
import type { AuthPlugin, CurrentCredentials } from "../types.ts";
import { checkHttpUrl, requireString } from "../identity/base.ts";

/** Options of {@linkcode TokenEndpoint}. */
export interface TokenEndpointOptions {
  /** The endpoint every request goes to. (required) */
  endpoint: string;
  /** The token sent as X-Auth-Token. (required) */
  token: string;
}

/**
 * Always the same endpoint and token, whatever the endpoint filter says.
 *
 * @example
 * ```ts
 * import { Session, TokenEndpoint } from "jsr:@x/osauth";
 * const sess = new Session({
 *   auth: new TokenEndpoint({ endpoint: "http://127.0.0.1:8774/v2.1", token: "t" }),
 * });
 * ```
 */
export class TokenEndpoint implements AuthPlugin {
  /** The fixed endpoint. */
  readonly endpoint: string;
  #token: string;
  /** The endpoint's origin, frozen: a Session keeps its trusted set for the same list. */
  readonly #origins: readonly string[];

  /** Creates the plugin. */
  constructor(options: TokenEndpointOptions) {
    this.endpoint = checkHttpUrl(options?.endpoint, "endpoint", "TokenEndpoint");
    this.#token = requireString(options.token, "token", "TokenEndpoint");
    this.#origins = Object.freeze([new URL(this.endpoint).origin]);
    safeInspect(this, () => ({ endpoint: redactUrl(this.endpoint), token: "***" }));
    this.#current = Object.freeze({
      headers: Object.freeze({ "X-Auth-Token": this.#token }),
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
    const proto = TokenEndpoint.prototype;
    return this.getHeaders === proto.getHeaders && this.getEndpoint === proto.getEndpoint &&
        this.getTrustedOrigins === proto.getTrustedOrigins
      ? this.#current
      : undefined;
  }

  /** The token. */
  getToken(): Promise<string> {
    return Promise.resolve(this.#token);
  }

  /** `{ "X-Auth-Token": token }`. */
  getHeaders(): Promise<Record<string, string>> {
    return Promise.resolve({ "X-Auth-Token": this.#token });
  }

  /** The fixed endpoint; the filter is ignored. */
  getEndpoint(): Promise<string> {
    return Promise.resolve(this.endpoint);
  }

  /** The endpoint's origin (the same frozen list every time). */
  getTrustedOrigins(): Promise<string[]> {
    return Promise.resolve(this.#origins as string[]);
  }

  /** A fixed token cannot be renewed: false. */
  invalidate(): boolean {
    return false;
  }
}

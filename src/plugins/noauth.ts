/**
 * `NoAuth`: no credentials, for services run with `auth_strategy = noauth2`
 * (keystoneauth1's `noauth.NoAuth`: the token is the placeholder `notused`).
 *
 * @module
 */
import type { AuthPlugin, CurrentCredentials } from "../types.ts";
import { checkHttpUrl } from "../identity/base.ts";
import { redactUrl, safeInspect } from "../util/secrets.ts";

const NOTUSED: Readonly<Record<string, string>> = Object.freeze({ "X-Auth-Token": "notused" });

/** Options of {@linkcode NoAuth}. */
export interface NoAuthOptions {
  /** The endpoint every request goes to. */
  endpoint?: string;
}

/**
 * Sends no credentials, only keystoneauth1's placeholder token `notused`; the
 * endpoint (if given) is used for every filter. As `notused` is no secret,
 * requests go to any origin (other plugins' headers go only to origins they
 * trust).
 *
 * @example
 * ```ts
 * import { NoAuth, Session } from "jsr:@x/osauth";
 * const sess = new Session({ auth: new NoAuth({ endpoint: "http://127.0.0.1:6385" }) });
 * ```
 */
export class NoAuth implements AuthPlugin {
  /** The endpoint, if any. */
  readonly endpoint: string | undefined;
  /** Creates the plugin. */
  constructor(options: NoAuthOptions = {}) {
    this.endpoint = options.endpoint === undefined
      ? undefined
      : checkHttpUrl(options.endpoint, "endpoint", "NoAuth");
    safeInspect(this, () => ({ endpoint: this.endpoint && redactUrl(this.endpoint) }));
    this.#current = Object.freeze({
      headers: NOTUSED,
      endpoint: () => this.endpoint,
      noCredential: true,
    });
    this.#headersOnly = Object.freeze({ headers: NOTUSED, noCredential: true });
  }
  readonly #current: CurrentCredentials;
  readonly #headersOnly: CurrentCredentials;
  /**
   * `notused`, which is no credential (requests go to any origin), and the
   * endpoint, unless a subclass or the instance replaced `getHeaders` (then
   * `undefined`) or `getEndpoint` (then the endpoint is left to it).
   */
  currentCredentials(): CurrentCredentials | undefined {
    const proto = NoAuth.prototype;
    if (this.getHeaders !== proto.getHeaders) return undefined;
    return this.getEndpoint === proto.getEndpoint ? this.#current : this.#headersOnly;
  }
  /** keystoneauth1's placeholder token, `"notused"`: no-auth services ignore it. */
  getToken(): Promise<string> {
    return Promise.resolve("notused");
  }
  /** `{ "X-Auth-Token": "notused" }`, as keystoneauth1 sends. */
  getHeaders(): Promise<Record<string, string>> {
    return Promise.resolve({ "X-Auth-Token": "notused" });
  }
  /** The endpoint; the filter is ignored. */
  getEndpoint(): Promise<string | undefined> {
    return Promise.resolve(this.endpoint);
  }
  /** Nothing to invalidate: false. */
  invalidate(): boolean {
    return false;
  }
}

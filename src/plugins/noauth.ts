/**
 * `NoAuth`: no credentials, for services run with `auth_strategy = noauth2`
 * (keystoneauth1's `noauth.NoAuth`: the token is the placeholder `notused`).
 *
 * @module
 */
import type { AuthPlugin } from "../types.ts";
import { checkHttpUrl } from "../identity/base.ts";
import { NO_ORIGINS, registerFixedAuth, registerNoCredentials } from "../session/current_auth.ts";
import { redactUrl } from "../logging.ts";
import { safeInspect } from "../secret.ts";

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
    registerNoCredentials(this, NoAuth.prototype);
    registerFixedAuth(this, NoAuth.prototype, {
      headers: NOTUSED,
      trustedOrigins: NO_ORIGINS,
      endpoint: () => this.endpoint,
    });
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

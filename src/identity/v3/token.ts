/**
 * `v3.Token`: exchange an existing token for a new (e.g. re-scoped) one.
 *
 * @module
 */
import { requireString } from "../base.ts";
import { type AuthMethod, V3Auth, type V3Options } from "./base.ts";

/** Options of {@linkcode Token}. */
export interface TokenOptions extends V3Options {
  /** An existing token (checked when the plugin is created: `OptionError` when missing). */
  token?: string;
}

/** The `token` method. */
export function tokenMethod(o: { token?: string }, plugin: string): AuthMethod {
  const id = requireString(o.token, "token", plugin);
  return {
    name: "token",
    payload: () => ({ id }),
    cacheIdElements: () => ({ token_token: id }),
    headers: () => ({ "X-Auth-Token": id }),
  };
}

/**
 * Token authentication against Keystone v3.
 *
 * @example
 * ```ts
 * import { v3 } from "jsr:@x/osauth";
 * const auth = new v3.Token({
 *   authUrl: "http://127.0.0.1:5000/v3", token: "gAAAA...", projectId: "p1",
 * });
 * ```
 */
export class Token extends V3Auth {
  #method: AuthMethod;
  /** Creates the plugin. */
  constructor(options: TokenOptions) {
    super(options);
    this.#method = tokenMethod(options, "v3.Token");
  }
  /** `[token]`. */
  authMethods(): AuthMethod[] {
    return [this.#method];
  }
}

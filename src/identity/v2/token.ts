/**
 * `v2.Token`: exchange a token for a new one against Keystone v2.0.
 *
 * @module
 */
import { requireString } from "../base.ts";
import { V2Auth, type V2Options } from "./base.ts";
import type { CacheIdElements } from "../state.ts";

/** Options of {@linkcode Token}. */
export interface TokenOptions extends V2Options {
  /** The existing token (checked when the plugin is created: `OptionError` when missing). */
  token?: string;
}

/**
 * v2.0 token authentication.
 *
 * @example
 * ```ts
 * import { v2 } from "jsr:@x/osauth";
 * const auth = new v2.Token({ authUrl: "http://127.0.0.1:5000/v2.0", token: "t", tenantId: "p" });
 * ```
 */
export class Token extends V2Auth {
  #token: string;
  /** Creates the plugin. */
  constructor(options: TokenOptions) {
    super(options);
    this.#token = requireString(options.token, "token", "v2.Token");
  }
  protected override authHeaders(): Record<string, string> {
    return { "X-Auth-Token": this.#token };
  }
  protected credentials(): Record<string, unknown> {
    return { token: { id: this.#token } };
  }
  protected override credentialElements(): CacheIdElements {
    return { token: this.#token };
  }
}

/**
 * `v2.Password`: password authentication against Keystone v2.0.
 *
 * @module
 */
import { OptionError } from "../../errors.ts";
import { requireString } from "../base.ts";
import { V2Auth, type V2Options } from "./base.ts";
import type { CacheIdElements } from "../state.ts";

/** Options of {@linkcode Password}. */
export interface PasswordOptions extends V2Options {
  /** User name (or give userId). */
  username?: string;
  /** User id (or give username). */
  userId?: string;
  /** The password (checked when the plugin is created: `OptionError` when missing). */
  password?: string;
}

/**
 * v2.0 password authentication.
 *
 * @example
 * ```ts
 * import { v2 } from "jsr:@x/osauth";
 * const auth = new v2.Password({
 *   authUrl: "http://127.0.0.1:5000/v2.0", username: "u", password: "p", tenantName: "t",
 * });
 * ```
 */
export class Password extends V2Auth {
  #creds: Record<string, string>;
  #elements: CacheIdElements;
  /** Creates the plugin. */
  constructor(options: PasswordOptions) {
    super(options);
    const password = requireString(options.password, "password", "v2.Password");
    // keystoneauth1: `if self.username: ... elif self.user_id: ...`
    if (options.username) this.#creds = { username: options.username, password };
    else if (options.userId) this.#creds = { userId: options.userId, password };
    else throw new OptionError("v2.Password: username or userId is required");
    this.#elements = { username: options.username, user_id: options.userId, password };
  }
  protected override credentialElements(): CacheIdElements {
    return this.#elements;
  }
  protected credentials(): Record<string, unknown> {
    return { passwordCredentials: { ...this.#creds } };
  }
}

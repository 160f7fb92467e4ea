/**
 * `v3.Password`: authenticate with a user's password.
 *
 * @module
 */
import { requireString } from "../base.ts";
import {
  type AuthMethod,
  userCacheElements,
  type UserOptions,
  userRef,
  V3Auth,
  type V3Options,
} from "./base.ts";

/** Options of {@linkcode Password}. */
export interface PasswordOptions extends V3Options, UserOptions {
  /** The password (checked when the plugin is created: `OptionError` when missing). */
  password?: string;
}

/** The `password` method. */
export function passwordMethod(o: PasswordOptions, plugin: string): AuthMethod {
  const user = userRef(o, plugin);
  const password = requireString(o.password, "password", plugin);
  const elements = { ...userCacheElements("password", o), password_password: password };
  return {
    name: "password",
    payload: () => ({ user: { ...user, password } }),
    cacheIdElements: () => elements,
  };
}

/**
 * Password authentication against Keystone v3.
 *
 * @example
 * ```ts
 * import { Session, v3 } from "jsr:@x/osauth";
 * const auth = new v3.Password({
 *   authUrl: "http://127.0.0.1:5000/v3",
 *   username: "myuser", password: "mypassword", userDomainId: "default",
 *   projectName: "proj", projectDomainId: "default",
 * });
 * const sess = new Session({ auth });
 * ```
 */
export class Password extends V3Auth {
  #method: AuthMethod;
  /** Creates the plugin; throws `OptionError` on missing fields. */
  constructor(options: PasswordOptions) {
    super(options);
    this.#method = passwordMethod(options, "v3.Password");
  }
  /** `[password]`. */
  authMethods(): AuthMethod[] {
    return [this.#method];
  }
}

/**
 * `v3.Totp`: authenticate with a time-based one-time passcode.
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

/** Options of {@linkcode Totp}. */
export interface TotpOptions extends V3Options, UserOptions {
  /** The current passcode (checked when the plugin is created: `OptionError` when missing). */
  passcode?: string;
}

/** The `totp` method. */
export function totpMethod(o: TotpOptions, plugin: string): AuthMethod {
  const user = userRef(o, plugin);
  const passcode = requireString(o.passcode, "passcode", plugin);
  const elements = userCacheElements("totp", o);
  return {
    name: "totp",
    payload: () => ({ user: { ...user, passcode } }),
    // Not the passcode: it changes every 30 s (keystoneauth1 means to leave it out
    // too, but hashes it in; DIFFERENCES.md, D-cache-id-totp).
    cacheIdElements: () => elements,
  };
}

/**
 * TOTP authentication against Keystone v3.
 *
 * @example
 * ```ts
 * import { v3 } from "jsr:@x/osauth";
 * const auth = new v3.Totp({
 *   authUrl: "http://127.0.0.1:5000/v3", userId: "u1", passcode: "123456",
 * });
 * ```
 */
export class Totp extends V3Auth {
  #method: AuthMethod;
  /** Creates the plugin. */
  constructor(options: TotpOptions) {
    super(options);
    this.#method = totpMethod(options, "v3.Totp");
  }
  /** `[totp]`. */
  authMethods(): AuthMethod[] {
    return [this.#method];
  }
}

/**
 * Keystone v3 identity plugins, exported as the `v3` namespace.
 *
 * @example
 * ```ts
 * import { v3 } from "jsr:@x/osauth";
 * const auth = new v3.Password({
 *   authUrl: "http://127.0.0.1:5000/v3", userId: "u1", password: "pw", projectId: "p1",
 * });
 * ```
 *
 * @module
 */
export { Password, type PasswordOptions } from "./password.ts";
export { Token, type TokenOptions } from "./token.ts";
export {
  ApplicationCredential,
  type ApplicationCredentialOptions,
} from "./application_credential.ts";
export { Totp, type TotpOptions } from "./totp.ts";
export { MultiFactor, type MultiFactorOptions } from "./multi_factor.ts";
export {
  type AuthMethod,
  type ScopeOptions,
  type UserOptions,
  V3Auth,
  type V3Options,
} from "./base.ts";

/**
 * Keystone v2.0 identity plugins, exported as the `v2` namespace.
 *
 * @example
 * ```ts
 * import { v2 } from "jsr:@x/osauth";
 * const auth = new v2.Password({
 *   authUrl: "http://127.0.0.1:5000/v2.0", username: "u", password: "p", tenantName: "t",
 * });
 * ```
 *
 * @module
 */
export { Password, type PasswordOptions } from "./password.ts";
export { Token, type TokenOptions } from "./token.ts";
export { V2Auth, type V2Options } from "./base.ts";

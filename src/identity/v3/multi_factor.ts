/**
 * `v3.MultiFactor`: several v3 methods in one request (e.g. password + TOTP),
 * for users whose MFA rules require it.
 *
 * @module
 */
import { OptionError } from "../../errors.ts";
import { type AuthMethod, V3Auth, type V3Options } from "./base.ts";
import { passwordMethod } from "./password.ts";
import { tokenMethod } from "./token.ts";
import { totpMethod } from "./totp.ts";
import { applicationCredentialMethod } from "./application_credential.ts";
import type { UserOptions } from "./base.ts";

/** Options of {@linkcode MultiFactor}: the methods and each method's fields. */
export interface MultiFactorOptions extends V3Options, UserOptions {
  /**
   * Method names, e.g. `["password", "totp"]` (keystoneauth1's `v3password`,
   * `v3totp`, `v3token`, `v3applicationcredential` are accepted); checked when
   * the plugin is created (`OptionError` when missing or empty).
   */
  methods?: readonly string[];
  /** For the password method. */
  password?: string;
  /** For the totp method. */
  passcode?: string;
  /** For the token method. */
  token?: string;
  /** For the application credential method. */
  applicationCredentialId?: string;
  /** For the application credential method. */
  applicationCredentialName?: string;
  /** For the application credential method. */
  applicationCredentialSecret?: string;
}

const ALIASES: Readonly<Record<string, string>> = {
  password: "password",
  v3password: "password",
  totp: "totp",
  v3totp: "totp",
  token: "token",
  v3token: "token",
  application_credential: "application_credential",
  applicationcredential: "application_credential",
  v3applicationcredential: "application_credential",
};

/**
 * Multi-factor authentication: every listed method is sent in one request.
 *
 * @example
 * ```ts
 * import { v3 } from "jsr:@x/osauth";
 * const auth = new v3.MultiFactor({
 *   authUrl: "http://127.0.0.1:5000/v3", methods: ["password", "totp"],
 *   userId: "u1", password: "pw", passcode: "123456", projectId: "p1",
 * });
 * ```
 */
export class MultiFactor extends V3Auth {
  #methods: AuthMethod[];
  /** Creates the plugin; every method's fields must be present. */
  constructor(options: MultiFactorOptions) {
    super(options);
    const plugin = "v3.MultiFactor";
    if (!Array.isArray(options.methods) || options.methods.length === 0) {
      throw new OptionError(`${plugin}: methods must list at least one method`);
    }
    this.#methods = options.methods.map((name) => {
      const method = ALIASES[String(name).toLowerCase()];
      switch (method) {
        case "password":
          return passwordMethod(options, plugin);
        case "totp":
          return totpMethod(options, plugin);
        case "token":
          return tokenMethod(options, plugin);
        case "application_credential":
          return applicationCredentialMethod(options, plugin);
        default:
          throw new OptionError(
            `${plugin}: unknown method ${
              JSON.stringify(name)
            }; use password, totp, token or application_credential`,
          );
      }
    });
  }
  /** The configured methods. */
  authMethods(): AuthMethod[] {
    return this.#methods;
  }
}

/**
 * `v3.ApplicationCredential`: authenticate with an application credential.
 *
 * @module
 */
import { OptionError } from "../../errors.ts";
import { requireString } from "../base.ts";
import {
  type AuthMethod,
  userCacheElements,
  type UserOptions,
  userRef,
  V3Auth,
  type V3Options,
} from "./base.ts";

/** Options of {@linkcode ApplicationCredential}. */
export interface ApplicationCredentialOptions extends V3Options, UserOptions {
  /** The credential id (or give the name and the user). */
  applicationCredentialId?: string;
  /** The credential name; needs userId, or username + user domain. */
  applicationCredentialName?: string;
  /** The secret (checked when the plugin is created: `OptionError` when missing). */
  applicationCredentialSecret?: string;
}

/** The `application_credential` method. */
export function applicationCredentialMethod(
  o: ApplicationCredentialOptions,
  plugin: string,
): AuthMethod {
  const secret = requireString(
    o.applicationCredentialSecret,
    "applicationCredentialSecret",
    plugin,
  );
  let ident: Record<string, unknown>;
  if (o.applicationCredentialId) {
    ident = { id: o.applicationCredentialId };
  } else if (o.applicationCredentialName) {
    ident = { name: o.applicationCredentialName, user: userRef(o, plugin) };
  } else {
    throw new OptionError(
      `${plugin}: applicationCredentialId or applicationCredentialName is required`,
    );
  }
  const elements = {
    application_credential_application_credential_secret: secret,
    application_credential_application_credential_id: o.applicationCredentialId,
    application_credential_application_credential_name: o.applicationCredentialName,
    ...userCacheElements("application_credential", o),
  };
  return {
    name: "application_credential",
    payload: () => ({ ...ident, secret }),
    cacheIdElements: () => elements,
  };
}

/**
 * Application credential authentication (the token's scope is the
 * credential's project).
 *
 * @example
 * ```ts
 * import { v3 } from "jsr:@x/osauth";
 * const auth = new v3.ApplicationCredential({
 *   authUrl: "http://127.0.0.1:5000/v3",
 *   applicationCredentialId: "ac1", applicationCredentialSecret: "s3cr3t",
 * });
 * ```
 */
export class ApplicationCredential extends V3Auth {
  #method: AuthMethod;
  /** Creates the plugin. */
  constructor(options: ApplicationCredentialOptions) {
    // The scope is sent as given, as keystoneauth1 does (Keystone refuses a
    // scope other than the credential's own).
    super(options);
    this.#method = applicationCredentialMethod(options, "v3.ApplicationCredential");
  }
  /** `[application_credential]`. */
  authMethods(): AuthMethod[] {
    return [this.#method];
  }
}

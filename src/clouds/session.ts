/**
 * `sessionFromCloud`: the auth plugin and {@linkcode Session} a clouds.yaml
 * entry describes.
 *
 * @module
 */

import { CloudConfigError, OptionError } from "../errors.ts";
import * as generic from "../identity/generic.ts";
import * as v2 from "../identity/v2/mod.ts";
import * as v3 from "../identity/v3/mod.ts";
import { attachStateStore, BaseIdentityPlugin } from "../identity/base.ts";
import { defaultStateDir, FileStateStore } from "../stores/file.ts";
import { HttpBasic } from "../plugins/http_basic.ts";
import { NoAuth } from "../plugins/noauth.ts";
import { TokenEndpoint } from "../plugins/token_endpoint.ts";
import { Session, type SessionOptions } from "../session/session.ts";
import type { AuthPlugin } from "../types.ts";
import { authMethods, type AuthType, checkSecrets } from "./auth_type.ts";
import type { CloudConfig } from "./cloud_config.ts";
import { loadCloudConfig, type LoadCloudConfigOptions } from "./loader.ts";

/** Options of {@linkcode sessionFromCloud}: those of `loadCloudConfig`, plus Session options. */
export interface SessionFromCloudOptions extends LoadCloudConfigOptions {
  /**
   * Further Session options (logger, retries, `fetch`, ...). They win over
   * what the cloud entry says, except `auth`, which the entry always sets.
   */
  session?: Omit<SessionOptions, "auth">;
}

function s(auth: Readonly<Record<string, unknown>>, key: string): string | undefined {
  const v = auth[key];
  if (v === undefined || v === null || v === "") return undefined;
  return String(v);
}

function pick<T extends Record<string, unknown>>(o: T): T {
  for (const k of Object.keys(o)) if (o[k] === undefined) delete o[k];
  return o;
}

function scope(auth: Readonly<Record<string, unknown>>) {
  return {
    projectId: s(auth, "project_id"),
    projectName: s(auth, "project_name"),
    projectDomainId: s(auth, "project_domain_id"),
    projectDomainName: s(auth, "project_domain_name"),
    domainId: s(auth, "domain_id"),
    domainName: s(auth, "domain_name"),
    systemScope: s(auth, "system_scope"),
    trustId: s(auth, "trust_id"),
  };
}

function user(auth: Readonly<Record<string, unknown>>) {
  return {
    userId: s(auth, "user_id"),
    username: s(auth, "username"),
    userDomainId: s(auth, "user_domain_id"),
    userDomainName: s(auth, "user_domain_name"),
  };
}

function appCred(auth: Readonly<Record<string, unknown>>) {
  return {
    applicationCredentialId: s(auth, "application_credential_id"),
    applicationCredentialName: s(auth, "application_credential_name"),
    applicationCredentialSecret: s(auth, "application_credential_secret"),
  };
}

/** v3 options with keystoneauth1's generic default-domain rule applied. */
function v3Defaults<T extends Record<string, unknown>>(
  auth: Readonly<Record<string, unknown>>,
  o: T,
): T {
  const id = s(auth, "default_domain_id");
  const name = s(auth, "default_domain_name");
  const out: Record<string, unknown> = { ...o };
  if (out.username && !out.userDomainId && !out.userDomainName) {
    out.userDomainId = id;
    out.userDomainName = id ? undefined : name;
  }
  if (out.projectName && !out.projectDomainId && !out.projectDomainName) {
    out.projectDomainId = id;
    out.projectDomainName = id ? undefined : name;
  }
  return pick(out) as T;
}

/**
 * The auth plugin for a loaded cloud entry (`auth_type` mapped to osauth's
 * plugins; `password`/`token` use the version-discovering plugins unless
 * `identity_api_version` says 2 or 3).
 *
 * @throws {CloudConfigError} when a secret the plugin needs (password, token,
 * passcode, application credential secret) is missing; the field is named.
 */
export function authPluginFromCloud(cloud: CloudConfig): AuthPlugin {
  const auth = cloud.auth;
  const authType = cloud.authType as AuthType;
  checkSecrets(cloud.name, authType, auth);
  const authUrl = s(auth, "auth_url") as string;
  const major = cloud.identityApiVersion?.replace(/^v/, "").split(".")[0];
  const v2Scope = {
    tenantId: s(auth, "tenant_id") ?? s(auth, "project_id"),
    tenantName: s(auth, "tenant_name") ?? s(auth, "project_name"),
    trustId: s(auth, "trust_id"),
  };
  try {
    switch (authType) {
      case "password":
        if (major === "3") {
          return new v3.Password(v3Defaults(auth, {
            authUrl,
            ...user(auth),
            password: s(auth, "password"),
            ...scope(auth),
          }));
        }
        if (major === "2") {
          return new v2.Password(pick({
            authUrl,
            username: s(auth, "username"),
            userId: s(auth, "user_id"),
            password: s(auth, "password"),
            ...v2Scope,
          }));
        }
        return new generic.Password(pick({
          authUrl,
          ...user(auth),
          password: s(auth, "password"),
          ...scope(auth),
          defaultDomainId: s(auth, "default_domain_id"),
          defaultDomainName: s(auth, "default_domain_name"),
        }));
      case "token":
        if (major === "3") {
          return new v3.Token(
            v3Defaults(auth, { authUrl, token: s(auth, "token"), ...scope(auth) }),
          );
        }
        if (major === "2") {
          return new v2.Token(pick({ authUrl, token: s(auth, "token"), ...v2Scope }));
        }
        return new generic.Token(pick({
          authUrl,
          token: s(auth, "token"),
          ...scope(auth),
          defaultDomainId: s(auth, "default_domain_id"),
          defaultDomainName: s(auth, "default_domain_name"),
        }));
      case "v2password":
        return new v2.Password(pick({
          authUrl,
          username: s(auth, "username"),
          userId: s(auth, "user_id"),
          password: s(auth, "password"),
          ...v2Scope,
        }));
      case "v2token":
        return new v2.Token(pick({ authUrl, token: s(auth, "token"), ...v2Scope }));
      case "v3password":
        return new v3.Password(pick({
          authUrl,
          ...user(auth),
          password: s(auth, "password"),
          ...scope(auth),
        }));
      case "v3token":
        return new v3.Token(pick({ authUrl, token: s(auth, "token"), ...scope(auth) }));
      case "v3applicationcredential":
        return new v3.ApplicationCredential(pick({
          authUrl,
          ...user(auth),
          ...appCred(auth),
          ...scope(auth),
        }));
      case "v3totp":
        return new v3.Totp(pick({
          authUrl,
          ...user(auth),
          passcode: s(auth, "passcode"),
          ...scope(auth),
        }));
      case "v3multifactor":
        return new v3.MultiFactor(pick({
          authUrl,
          methods: authMethods({ auth: { ...auth } }),
          ...user(auth),
          password: s(auth, "password"),
          passcode: s(auth, "passcode"),
          token: s(auth, "token"),
          ...appCred(auth),
          ...scope(auth),
        }));
      case "admin_token":
        return new TokenEndpoint({
          endpoint: s(auth, "endpoint") as string,
          token: s(auth, "token") as string,
        });
      case "none":
        return new NoAuth(pick({ endpoint: s(auth, "endpoint") }));
      case "http_basic":
        return new HttpBasic(pick({
          endpoint: s(auth, "endpoint"),
          username: s(auth, "username") as string,
          password: s(auth, "password"),
        }));
    }
  } catch (err) {
    if (err instanceof CloudConfigError) throw err;
    // The plugin rejected an option (its message names the option, never a secret).
    throw new CloudConfigError(
      `cloud "${cloud.name}" (auth_type ${authType}): ${
        err instanceof Error ? err.message : String(err)
      }`,
      { cause: err },
    );
  }
  throw new CloudConfigError(`cloud "${cloud.name}": unsupported auth_type ${authType}`);
}

/** The Session options a loaded cloud entry describes (without `auth`). */
export function sessionOptionsFromCloud(cloud: CloudConfig): Omit<SessionOptions, "auth"> {
  const options: Omit<SessionOptions, "auth"> = {
    verify: cloud.verify,
    interface: cloud.interface,
  };
  if (cloud.cert) options.cert = cloud.key ? [cloud.cert, cloud.key] : cloud.cert;
  if (cloud.apiTimeout !== undefined) options.timeout = cloud.apiTimeout * 1000;
  if (cloud.regionName) options.regionName = cloud.regionName;
  if (Object.keys(cloud.endpointOverrides).length > 0) {
    options.endpointOverrides = { ...cloud.endpointOverrides };
  }
  if (Object.keys(cloud.apiVersions).length > 0) options.apiVersions = { ...cloud.apiVersions };
  return options;
}

/**
 * Loads a cloud entry (see `loadCloudConfig` for the search, precedence and
 * permissions) and returns a {@linkcode Session} with the auth plugin,
 * `verify`/`cacert`, `cert`/`key`, `api_timeout`, `region_name`,
 * `interface`, `*_endpoint_override` and `*_api_version` it describes.
 * With clouds.yaml's top-level `cache: {auth: true}`, the identity plugin
 * shares its token through a `FileStateStore` in `$XDG_CACHE_HOME/osauth`
 * or `~/.cache/osauth` (openstacksdk keeps it in a keyring); without it the
 * token stays in memory. No request is made.
 *
 * Permissions (Deno): those of `loadCloudConfig` (`--allow-env=OS_*,HOME,XDG_CONFIG_HOME`
 * unless `env` is given; `--allow-read` for the clouds.yaml search path unless
 * `files`/`yaml` is given); then, when requests are made, `--allow-net` for
 * the cloud's hosts and `--allow-read` for `cacert`/`cert`/`key`.
 *
 * @throws {CloudConfigError} as `loadCloudConfig` does, and when a secret
 * the auth type needs is missing (the field is named, never its value).
 *
 * @example
 * ```ts
 * import { sessionFromCloud } from "jsr:@x/osauth/clouds";
 * const session = await sessionFromCloud({
 *   yaml: `
 * clouds:
 *   dev:
 *     auth_type: v3applicationcredential
 *     auth:
 *       auth_url: https://keystone.example.com:5000/v3
 *       application_credential_id: 21dced0fd20347869b93710d2b98aae0
 *       application_credential_secret: secret
 *     region_name: RegionOne
 * `,
 *   env: {},
 * });
 * // const resp = await session.get("/servers", { endpointFilter: { serviceType: "compute" } });
 * ```
 */
export async function sessionFromCloud(options: SessionFromCloudOptions = {}): Promise<Session> {
  const { session: extra, ...loadOptions } = options;
  const cloud = await loadCloudConfig(loadOptions);
  const auth = authPluginFromCloud(cloud);
  try {
    if (cloud.cacheAuth && auth instanceof BaseIdentityPlugin) {
      // `cache: {auth: true}`: share the token with the other processes of this machine
      attachStateStore(auth, new FileStateStore({ dir: defaultStateDir(loadOptions.env) }));
    }
    return new Session({ ...sessionOptionsFromCloud(cloud), ...extra, auth });
  } catch (err) {
    // e.g. verify: false (or insecure: true), which Deno cannot apply per session
    if (err instanceof OptionError) {
      throw new CloudConfigError(`cloud "${cloud.name}": ${err.message}`, { cause: err });
    }
    throw err;
  }
}

/**
 * `sessionFromCloud`: the auth plugin and {@linkcode Session} a clouds.yaml
 * entry describes.
 *
 * @module
 */

import { CloudConfigError, OptionError } from "../errors.ts";
import { loadAuthPlugin } from "../loading/registry.ts";
import { attachStateStore, BaseIdentityPlugin } from "../identity/base.ts";
import { defaultStateDir, FileStateStore } from "../stores/file.ts";
import { Session, type SessionOptions } from "../session/session.ts";
import type { AuthPlugin } from "../types.ts";
import { isKnownServiceType } from "../catalog/service_types.ts";
import { checkSecrets } from "./auth_type.ts";
import { serviceSettings, serviceTypesWith } from "./service_config.ts";
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

/**
 * The auth plugin for a loaded cloud entry: `auth_type` and the `auth`
 * mapping through the auth type registry, as openstacksdk's
 * `loader.load_from_options(**config['auth'])` (`password` and `token` are
 * keystoneauth1's generic plugins, which discover v2.0/v3 at the auth URL
 * whatever `identity_api_version` says; a type added with
 * `registerAuthType` works too).
 *
 * @throws {CloudConfigError} when an option the plugin needs (password,
 * token, passcode, application credential secret) is missing, or the plugin
 * refuses an option; the field is named, never its value.
 */
export function authPluginFromCloud(cloud: CloudConfig): AuthPlugin {
  const authType = cloud.authType;
  checkSecrets(cloud.name, authType, cloud.auth);
  try {
    return loadAuthPlugin(authType, cloud.auth);
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
}

/** The Session options a loaded cloud entry describes (without `auth`). */
export function sessionOptionsFromCloud(cloud: CloudConfig): Omit<SessionOptions, "auth"> {
  const options: Record<string, unknown> = {};
  for (const row of CLOUD_SESSION_OPTIONS) {
    const value = row.from(cloud);
    if (value !== undefined) options[row.option] = value;
  }
  return options as Omit<SessionOptions, "auth">;
}

/** One row of {@linkcode CLOUD_SESSION_OPTIONS}. */
interface CloudSessionOption {
  /** The clouds.yaml keys the value comes from. */
  readonly keys: string;
  /** The Session option it sets. */
  readonly option: keyof Omit<SessionOptions, "auth">;
  /** The value, or undefined to leave the option unset. */
  readonly from: (cloud: CloudConfig) => unknown;
}

/** By official type, the official type's key first (openstacksdk's _get_config). */
function endpointOverrides(cloud: CloudConfig): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  const legacy = serviceTypesWith(cloud.raw, "endpoint").filter(isKnownServiceType);
  for (const type of new Set([...serviceTypesWith(cloud.raw, "endpoint_override"), ...legacy])) {
    const url = serviceSettings(cloud, type).endpointOverride;
    // (auth_type none's endpoint and identity's auth_url come from the plugin)
    if (url !== undefined && url !== cloud.auth.endpoint && url !== cloud.auth.auth_url) {
      out[type] = url;
    }
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

function apiVersions(cloud: CloudConfig): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  for (const type of serviceTypesWith(cloud.raw, "api_version")) {
    const found = serviceSettings(cloud, type).apiVersion ?? cloud.apiVersions[type];
    if (found !== undefined) out[type] = found;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/**
 * The one table from clouds.yaml keys to Session options (openstacksdk's
 * `CloudRegion.get_session` and the keystoneauth1 Session arguments it
 * passes). Per-service interface and region go to Adapters
 * (`adapterOptionsFromCloud`), as openstacksdk passes them to its proxies.
 */
const CLOUD_SESSION_OPTIONS: readonly CloudSessionOption[] = [
  { keys: "verify, cacert, insecure", option: "verify", from: (c) => c.verify },
  {
    keys: "cert, key",
    option: "cert",
    from: (c) => (c.cert ? (c.key ? [c.cert, c.key] : c.cert) : undefined),
  },
  {
    keys: "api_timeout (a <service>_timeout too, as openstacksdk's magic fixes)",
    option: "timeout",
    from: (c) => (c.apiTimeout === undefined ? undefined : c.apiTimeout * 1000),
  },
  { keys: "region_name, regions", option: "regionName", from: (c) => c.regionName || undefined },
  { keys: "interface, endpoint_type", option: "interface", from: (c) => c.interface },
  {
    keys: "<service>_endpoint_override, <service>_endpoint",
    option: "endpointOverrides",
    from: endpointOverrides,
  },
  { keys: "<service>_api_version", option: "apiVersions", from: apiVersions },
];

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

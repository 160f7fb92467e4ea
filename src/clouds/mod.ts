/**
 * clouds.yaml support: load a cloud entry exactly as openstacksdk does and
 * turn it into a ready {@linkcode Session}.
 *
 * Importing this module needs no permission. js-yaml is imported only when
 * YAML text is parsed.
 *
 * Permissions (Deno), per call:
 * - `loadCloudConfig` / `sessionFromCloud`: `--allow-env=OS_*,HOME,XDG_CONFIG_HOME`
 *   (macOS: `OS_*,HOME`; Windows: `OS_*,USERPROFILE,LOCALAPPDATA`) unless the
 *   `env` option is given; `--allow-read` for the clouds.yaml search path
 *   (current directory, `~/.config/openstack`, `/etc/openstack`, ...) unless
 *   `files` or `yaml` is given, in which case only the named files are read.
 *   Search-path locations not granted are skipped without a prompt.
 * - `sessionFromCloud` also reads `cacert`/`cert`/`key` when the Session
 *   makes a TLS connection, and needs `--allow-net` for the cloud's hosts.
 *
 * @example
 * ```ts
 * import { loadCloudConfig } from "jsr:@x/osauth/clouds";
 *
 * // Deno: deno run --allow-read --allow-env=OS_*,HOME,XDG_CONFIG_HOME app.ts
 * const cloud = await loadCloudConfig({
 *   yaml: "clouds: {dev: {auth: {auth_url: 'https://keystone:5000/v3', token: 'x'}, auth_type: v3token}}",
 *   env: {},
 * });
 * console.log(cloud.name, cloud.authType, cloud.auth.auth_url); // secrets print as ***
 * ```
 *
 * @module
 */

export { loadCloudConfig, type LoadCloudConfigOptions } from "./loader.ts";
export { CloudConfig, type CloudConfigInit } from "./cloud_config.ts";
export {
  authPluginFromCloud,
  sessionFromCloud,
  type SessionFromCloudOptions,
  sessionOptionsFromCloud,
} from "./session.ts";
export { AUTH_TYPES, type AuthType } from "./auth_type.ts";
export {
  adapterOptionsFromCloud,
  type ServiceSettings,
  serviceSettings,
} from "./service_config.ts";
export { OS_ENV_VARS } from "./env.ts";
export { CloudConfigError } from "../errors.ts";

/**
 * Environment variables the clouds loader reads, and reading them: from a
 * caller-supplied record, or from the runtime one name at a time (never the
 * whole environment), with Deno's permissions checked before anything is
 * read so that no prompt is ever shown.
 *
 * @module
 */

import { ALL_TYPES_BY_SERVICE_TYPE } from "../catalog/service_types_data.ts";
import { CloudConfigError } from "../errors.ts";

/** Environment variables given instead of the process environment. */
export type EnvRecord = Record<string, string | undefined>;

/** Operating systems the search path distinguishes. */
export type OsKind = "linux" | "darwin" | "windows";

/**
 * Per-service settings openstacksdk's CloudRegion reads as
 * `<service>_<suffix>` (`_get_config`, `_fix_backwards_api_timeout`), so as
 * `OS_<SERVICE>_<SUFFIX>` variables.
 */
const SERVICE_SUFFIXES = [
  "API_VERSION",
  "ENDPOINT_OVERRIDE",
  "ENDPOINT",
  "INTERFACE",
  "ENDPOINT_TYPE",
  "REGION_NAME",
  "TIMEOUT",
  "SERVICE_TYPE",
  "SERVICE_NAME",
  "DEFAULT_MICROVERSION",
  "CONNECT_RETRIES",
  "STATUS_CODE_RETRIES",
];

/** Every service type and alias of the registry, as the `<SERVICE>` of a variable name. */
const SERVICE_KEYS = [
  ...new Set(
    ALL_TYPES_BY_SERVICE_TYPE.flat().map((t) => t.toUpperCase().replaceAll("-", "_")),
  ),
];

/**
 * `OS_*` variables read from the runtime environment one by one when the
 * whole environment may not be (openstacksdk reads every `OS_*`; with full
 * env access osauth does too): the selectors, the auth and session options,
 * and `OS_<SERVICE>_<SETTING>` for every service type and alias of the
 * os-service-types registry.
 */
export const OS_ENV_VARS: readonly string[] = Object.freeze([
  // selectors
  "OS_CLOUD",
  "OS_CLOUD_NAME",
  "OS_CLIENT_CONFIG_FILE",
  "OS_CLIENT_SECURE_FILE",
  "OS_REGION_NAME",
  // auth
  "OS_AUTH_URL",
  "OS_AUTH_TYPE",
  "OS_AUTH_PLUGIN",
  "OS_USERNAME",
  "OS_USER_ID",
  "OS_PASSWORD",
  "OS_USER_DOMAIN_NAME",
  "OS_USER_DOMAIN_ID",
  "OS_PROJECT_NAME",
  "OS_PROJECT_ID",
  "OS_TENANT_NAME",
  "OS_TENANT_ID",
  "OS_PROJECT_DOMAIN_NAME",
  "OS_PROJECT_DOMAIN_ID",
  "OS_DOMAIN_NAME",
  "OS_DOMAIN_ID",
  "OS_DEFAULT_DOMAIN",
  "OS_DEFAULT_DOMAIN_ID",
  "OS_DEFAULT_DOMAIN_NAME",
  "OS_SYSTEM_SCOPE",
  "OS_TRUST_ID",
  "OS_TOKEN",
  "OS_AUTH_TOKEN",
  "OS_PASSCODE",
  "OS_APPLICATION_CREDENTIAL_ID",
  "OS_APPLICATION_CREDENTIAL_NAME",
  "OS_APPLICATION_CREDENTIAL_SECRET",
  "OS_AUTH_METHODS",
  "OS_ENDPOINT",
  "OS_URL",
  // session and adapter
  "OS_INTERFACE",
  "OS_ENDPOINT_TYPE",
  "OS_CACERT",
  "OS_CERT",
  "OS_KEY",
  "OS_INSECURE",
  "OS_VERIFY",
  "OS_API_TIMEOUT",
  "OS_CONNECT_RETRIES",
  "OS_STATUS_CODE_RETRIES",
  "OS_PREFER_IPV6",
  "OS_FORCE_IPV4",
  ...SERVICE_KEYS.flatMap((key) => SERVICE_SUFFIXES.map((suffix) => `OS_${key}_${suffix}`)),
]);

/**
 * Search-path variables read when they may be (openstacksdk: `XDG_CONFIG_DIRS`
 * for the site directories, `SNAP_REAL_HOME` for `~/.config` under snap);
 * not granted, they are left out without an error.
 */
const OPTIONAL_ENV_VARS: readonly string[] = ["XDG_CONFIG_DIRS", "SNAP_REAL_HOME"];

/** Variables that locate the home and user configuration directories, per OS. */
export function homeEnvVars(os: OsKind): string[] {
  if (os === "windows") return ["USERPROFILE", "LOCALAPPDATA"];
  if (os === "darwin") return ["HOME"];
  return ["HOME", "XDG_CONFIG_HOME"];
}

/** The `--allow-env` flag value that covers everything the loader reads on `os`. */
export function allowEnvFlag(os: OsKind): string {
  return ["OS_*", ...homeEnvVars(os)].join(",");
}

interface DenoPermissions {
  querySync?(desc: { name: string; variable?: string; path?: string }): { state: string };
}
interface DenoLike {
  env: { get(name: string): string | undefined; toObject?(): Record<string, string> };
  permissions?: DenoPermissions;
  build: { os: string };
  cwd(): string;
  readTextFile(path: string): Promise<string>;
  errors: Record<string, new (...args: never[]) => Error>;
}
interface ProcessLike {
  env: Record<string, string | undefined>;
  platform: string;
  cwd(): string;
}

/** The Deno namespace, when running on Deno. */
export function denoRuntime(): DenoLike | undefined {
  return (globalThis as { Deno?: DenoLike }).Deno;
}

/** Node's or Bun's `process`, when not running on Deno. */
export function nodeProcess(): ProcessLike | undefined {
  return (globalThis as { process?: ProcessLike }).process;
}

/** The operating system the runtime reports. */
export function runtimeOs(): OsKind {
  const deno = denoRuntime();
  const os = deno ? deno.build.os : nodeProcess()?.platform;
  if (os === "windows" || os === "win32") return "windows";
  if (os === "darwin") return "darwin";
  return "linux";
}

/** openstacksdk's `_get_os_environ` reads these (and every other `OS_*`). */
function wanted(name: string, os: OsKind): boolean {
  return name.startsWith("OS_") || homeEnvVars(os).includes(name) ||
    OPTIONAL_ENV_VARS.includes(name);
}

/**
 * Reads the variables the loader needs from the runtime environment. With
 * access to the whole environment (Deno's `--allow-env`, Node, Bun) every
 * `OS_*` variable is read, as openstacksdk does; with a partial
 * `--allow-env` (`OS_*,HOME,XDG_CONFIG_HOME`) the names of
 * {@linkcode OS_ENV_VARS} are read one at a time, and a name not granted is
 * an error naming the flag (checked before reading, so no permission prompt
 * appears).
 */
export function readRuntimeEnv(os: OsKind = runtimeOs()): EnvRecord {
  const out: EnvRecord = {};
  const deno = denoRuntime();
  if (deno) {
    const query = deno.permissions?.querySync?.bind(deno.permissions);
    const all = query ? query({ name: "env" }).state === "granted" : false;
    if (all && typeof deno.env.toObject === "function") {
      for (const [name, value] of Object.entries(deno.env.toObject())) {
        if (wanted(name, os)) out[name] = value;
      }
      return out;
    }
    const names = [...OS_ENV_VARS, ...homeEnvVars(os)];
    const notGranted = query
      ? names.filter((variable) => query({ name: "env", variable }).state !== "granted")
      : [];
    const fail = (missing: string[], cause?: unknown): never => {
      const shown = missing.slice(0, 4).join(", ") +
        (missing.length > 4 ? ` and ${missing.length - 4} more` : "");
      throw new CloudConfigError(
        `loading clouds.yaml reads OpenStack environment variables but access to ${shown} ` +
          `is not granted: run with --allow-env=${allowEnvFlag(os)} ` +
          "or pass the `env` option (a record used instead of the environment)",
        cause === undefined ? undefined : { cause },
      );
    };
    if (notGranted.length > 0) fail(notGranted);
    const optional = query
      ? OPTIONAL_ENV_VARS.filter((variable) => query({ name: "env", variable }).state === "granted")
      : [];
    for (const name of [...names, ...optional]) {
      try {
        const value = deno.env.get(name);
        if (value !== undefined) out[name] = value;
      } catch (err) {
        if (err instanceof Error && /NotCapable|PermissionDenied/.test(err.name)) {
          if (optional.includes(name)) continue;
          fail([name], err);
        }
        throw err;
      }
    }
    return out;
  }
  const env = nodeProcess()?.env ?? {};
  for (const [name, value] of Object.entries(env)) {
    if (value !== undefined && wanted(name, os)) out[name] = value;
  }
  return out;
}

/**
 * Environment variables the clouds loader reads, and reading them: from a
 * caller-supplied record, or from the runtime one name at a time (never the
 * whole environment), with Deno's permissions checked before anything is
 * read so that no prompt is ever shown.
 *
 * @module
 */

import { CloudConfigError } from "../errors.ts";

/** Environment variables given instead of the process environment. */
export type EnvRecord = Record<string, string | undefined>;

/** Operating systems the search path distinguishes. */
export type OsKind = "linux" | "darwin" | "windows";

/** Service keys (`OS_<KEY>_API_VERSION`, `OS_<KEY>_ENDPOINT_OVERRIDE`) read from the runtime. */
const SERVICE_KEYS = [
  "IDENTITY",
  "COMPUTE",
  "IMAGE",
  "VOLUME",
  "BLOCK_STORAGE",
  "NETWORK",
  "OBJECT_STORE",
  "PLACEMENT",
  "BAREMETAL",
  "ORCHESTRATION",
  "LOAD_BALANCER",
  "DNS",
  "KEY_MANAGER",
  "SHARED_FILE_SYSTEM",
];

/** `OS_*` variables read from the runtime environment (openstacksdk reads every `OS_*`). */
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
  ...SERVICE_KEYS.flatMap((s) => [`OS_${s}_API_VERSION`, `OS_${s}_ENDPOINT_OVERRIDE`]),
]);

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
  env: { get(name: string): string | undefined };
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

/**
 * Reads the variables the loader needs from the runtime environment, one name
 * at a time. On Deno, a name not granted by `--allow-env` is an error naming
 * the flag (checked before reading, so no permission prompt appears).
 */
export function readRuntimeEnv(os: OsKind = runtimeOs()): EnvRecord {
  const names = [...OS_ENV_VARS, ...homeEnvVars(os)];
  const out: EnvRecord = {};
  const deno = denoRuntime();
  if (deno) {
    const query = deno.permissions?.querySync?.bind(deno.permissions);
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
    for (const name of names) {
      try {
        const value = deno.env.get(name);
        if (value !== undefined) out[name] = value;
      } catch (err) {
        if (err instanceof Error && /NotCapable|PermissionDenied/.test(err.name)) {
          fail([name], err);
        }
        throw err;
      }
    }
    return out;
  }
  const env = nodeProcess()?.env ?? {};
  for (const name of names) {
    const value = env[name];
    if (value !== undefined) out[name] = value;
  }
  return out;
}

/**
 * clouds.yaml's side of the auth type registry (src/loading/registry.ts):
 * `auth_type` resolved there, the loader options of each type, and
 * openstacksdk's step that gathers those options into the `auth` mapping.
 *
 * @module
 */

import { CloudConfigError, OptionError } from "../errors.ts";
import {
  authMethodList,
  type AuthOption,
  authTypeAliases,
  authTypeNames,
  BUILTIN_AUTH_TYPES,
  getAuthTypeLoader,
  loaderOptions,
  type LoadOptions,
  resolveAuthTypeName,
} from "../loading/registry.ts";
import { isMapping, type Mapping } from "./merge.ts";
import { pyStr, pyTruthy } from "./pystr.ts";

/** An auth type after openstacksdk's aliases (`token_endpoint`, `None`) are resolved. */
export type AuthType =
  | "password"
  | "token"
  | "v2password"
  | "v2token"
  | "v3password"
  | "v3token"
  | "v3applicationcredential"
  | "v3totp"
  | "v3multifactor"
  | "admin_token"
  | "none"
  | "http_basic";

/**
 * The built-in auth types (`token_endpoint` is an alias of `admin_token`,
 * `noauth` of `none`); `registerAuthType` adds more.
 */
export const AUTH_TYPES: readonly AuthType[] = BUILTIN_AUTH_TYPES as readonly AuthType[];

/** A keystoneauth1 loader option, with `_` in names (openstacksdk's spelling). */
type Opt = AuthOption;

/**
 * The loader options of `authType` from the auth type registry
 * (src/loading/registry.ts; for `v3multifactor`, of its `methods` too).
 */
export function authOptions(authType: string, methods: string[] = []): Opt[] {
  const loader = getAuthTypeLoader(authType);
  if (loader === undefined) return [];
  return loaderOptions(loader, methods.length > 0 ? { auth_methods: methods } : {});
}

/**
 * openstacksdk's `_get_auth_loader` aliases: no auth type (or `None`) is
 * `none`, `token_endpoint` is `admin_token`; any other name must be in the
 * auth type registry (built in, or added with `registerAuthType`). An
 * unknown one is an error listing the registered ones.
 */
export function resolveAuthType(value: unknown, cloud: string): string {
  if (value === null || value === undefined || value === "None" || value === "") return "none";
  const resolved = typeof value === "string" ? resolveAuthTypeName(value) : undefined;
  if (resolved !== undefined) return resolved;
  throw new CloudConfigError(
    `cloud "${cloud}" has auth_type "${String(value)}", which osauth does not support; ` +
      `supported: ${authTypeNames().join(", ")}, ${Object.keys(authTypeAliases()).join(", ")} ` +
      "(registerAuthType adds one)",
  );
}

/** The `auth_methods` of a `v3multifactor` cloud, as a list. */
export function authMethods(config: Mapping): string[] {
  const auth = isMapping(config.auth) ? config.auth : {};
  return authMethodList(config.auth_methods ?? auth.auth_methods);
}

/**
 * openstacksdk's `_validate_auth`: each loader option found in `auth` (or
 * else at the top level of the cloud, under its name or a deprecated one)
 * ends up in `auth` under its name; empty values are dropped. Mutates
 * `config`.
 */
export function gatherAuthOptions(config: Mapping, options: Opt[]): void {
  const auth = config.auth as Mapping;
  const find = (o: Opt, from: Mapping): unknown => {
    if (Object.hasOwn(from, o.name)) return from[o.name];
    for (const d of o.deprecated ?? []) if (Object.hasOwn(from, d)) return from[d];
    return undefined;
  };
  for (const o of options) {
    let winner = find(o, auth);
    if (!pyTruthy(winner)) winner = find(o, config);
    for (const n of [o.name, ...(o.deprecated ?? [])]) {
      delete config[n];
      delete auth[n];
    }
    if (pyTruthy(winner)) auth[o.name] = winner;
  }
}

function missing(cloud: string, authType: string, field: string, hint = ""): CloudConfigError {
  return new CloudConfigError(
    `cloud "${cloud}" (auth_type ${authType}) is missing the required auth field ${field}${hint}`,
  );
}

function asLoadOptions(auth: Mapping): LoadOptions {
  const out: Record<string, string | readonly string[] | boolean> = {};
  for (const [k, v] of Object.entries(auth)) {
    if (v === undefined || v === null || v === "") continue;
    out[k] = Array.isArray(v) ? v.map(String) : typeof v === "boolean" ? v : pyStr(v);
  }
  return out;
}

/**
 * keystoneauth1's `load_from_options` checks (the registry entry's
 * `required` options and `check`): the error names the field.
 */
export function checkLoaderOptions(
  cloud: string,
  authType: string,
  auth: Mapping,
  options: Opt[],
): void {
  for (const o of options) {
    if (o.required && (auth[o.name] === undefined || auth[o.name] === null)) {
      const env = `OS_${o.name.toUpperCase()}`;
      throw missing(cloud, authType, o.name, ` (set auth.${o.name} or ${env})`);
    }
  }
  try {
    getAuthTypeLoader(authType)?.check?.(asLoadOptions(auth), authType);
  } catch (err) {
    if (err instanceof OptionError) {
      throw new CloudConfigError(`cloud "${cloud}" (auth_type ${authType}): ${err.message}`, {
        cause: err,
      });
    }
    throw err;
  }
}

/**
 * The options a plugin cannot work without (the registry entry's `needs`:
 * keystoneauth1 would prompt for them or fail at the server); checked
 * before a Session is made.
 */
export function checkSecrets(cloud: string, authType: string, auth: Mapping): void {
  const loader = getAuthTypeLoader(authType);
  for (const field of loader?.needs?.(asLoadOptions(auth)) ?? []) {
    if (!pyTruthy(auth[field])) throw missing(cloud, authType, field);
  }
}

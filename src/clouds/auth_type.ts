/**
 * The auth types the loader understands, the keystoneauth1 loader options of
 * each (names, deprecated names, required ones), and openstacksdk's step
 * that gathers those options into the `auth` mapping.
 *
 * @module
 */

import { CloudConfigError } from "../errors.ts";
import { isMapping, type Mapping } from "./merge.ts";
import { pyTruthy } from "./pystr.ts";

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

/** Every auth type the loader accepts (`token_endpoint` is an alias of `admin_token`). */
export const AUTH_TYPES: readonly AuthType[] = Object.freeze([
  "password",
  "token",
  "v2password",
  "v2token",
  "v3password",
  "v3token",
  "v3applicationcredential",
  "v3totp",
  "v3multifactor",
  "admin_token",
  "none",
  "http_basic",
]);

/** A keystoneauth1 loader option, with `_` in names (openstacksdk's spelling). */
interface Opt {
  name: string;
  deprecated?: string[];
  required?: boolean;
}

const opt = (name: string, deprecated?: string[], required?: boolean): Opt => ({
  name,
  deprecated,
  required,
});

const AUTH_URL = [opt("auth_url", undefined, true)];
const V3_SCOPE = [
  "system_scope",
  "domain_id",
  "domain_name",
  "project_id",
  "project_name",
  "project_domain_id",
  "project_domain_name",
  "trust_id",
].map((n) => opt(n));
const GENERIC_SCOPE = [
  opt("system_scope"),
  opt("domain_id"),
  opt("domain_name"),
  opt("project_id", ["tenant_id"]),
  opt("project_name", ["tenant_name"]),
  opt("project_domain_id"),
  opt("project_domain_name"),
  opt("trust_id"),
  opt("default_domain_id"),
  opt("default_domain_name"),
];
const USER = [
  opt("user_id"),
  opt("username", ["user_name"]),
  opt("user_domain_id"),
  opt(
    "user_domain_name",
  ),
];
const V2_BASE = [...AUTH_URL, opt("tenant_id"), opt("tenant_name"), opt("trust_id")];
const APP_CRED = [
  opt("application_credential_secret", undefined, true),
  opt("application_credential_id"),
  opt("application_credential_name"),
];

/** Options a method of `v3multifactor` adds (keystoneauth1's per-method loader options). */
const METHOD_OPTS: Record<string, Opt[]> = {
  v3password: [...USER, opt("password")],
  v3token: [opt("token")],
  v3totp: [...USER, opt("passcode")],
  v3applicationcredential: [...USER, ...APP_CRED],
};

/** The loader options of `authType` (for `v3multifactor`, of its `methods` too). */
export function authOptions(authType: AuthType, methods: string[] = []): Opt[] {
  switch (authType) {
    case "password":
      return [...AUTH_URL, ...GENERIC_SCOPE, ...USER, opt("password")];
    case "token":
      return [...AUTH_URL, ...GENERIC_SCOPE, opt("token")];
    case "v2password":
      return [...V2_BASE, opt("username", ["user_name"]), opt("user_id"), opt("password")];
    case "v2token":
      return [...V2_BASE, opt("token")];
    case "v3password":
      return [...AUTH_URL, ...V3_SCOPE, ...USER, opt("password")];
    case "v3token":
      return [...AUTH_URL, ...V3_SCOPE, opt("token")];
    case "v3applicationcredential":
      return [...AUTH_URL, ...V3_SCOPE, ...USER, ...APP_CRED];
    case "v3totp":
      return [...AUTH_URL, ...V3_SCOPE, ...USER, opt("passcode")];
    case "v3multifactor": {
      const out = [...AUTH_URL, ...V3_SCOPE, opt("auth_methods", undefined, true)];
      const seen = new Set(out.map((o) => o.name));
      for (const method of methods) {
        for (const o of METHOD_OPTS[method] ?? []) {
          if (!seen.has(o.name)) {
            seen.add(o.name);
            out.push(o);
          }
        }
      }
      return out;
    }
    case "admin_token":
      return [opt("endpoint", ["url"]), opt("token")];
    case "none":
      return [opt("endpoint")];
    case "http_basic":
      return [opt("username", ["user_name"]), opt("password"), opt("endpoint")];
  }
}

/**
 * openstacksdk's `_get_auth_loader` aliases: no auth type (or `None`) is
 * `none`, `token_endpoint` is `admin_token`. An auth type osauth has no
 * plugin for is an error listing the supported ones.
 */
export function resolveAuthType(value: unknown, cloud: string): AuthType {
  if (value === null || value === undefined || value === "None" || value === "") return "none";
  if (value === "token_endpoint") return "admin_token";
  if (typeof value === "string" && (AUTH_TYPES as readonly string[]).includes(value)) {
    return value as AuthType;
  }
  throw new CloudConfigError(
    `cloud "${cloud}" has auth_type "${String(value)}", which osauth does not support; ` +
      `supported: ${AUTH_TYPES.join(", ")}, token_endpoint`,
  );
}

/** The `auth_methods` of a `v3multifactor` cloud, as a list. */
export function authMethods(config: Mapping): string[] {
  const auth = isMapping(config.auth) ? config.auth : {};
  const value = config.auth_methods ?? auth.auth_methods;
  if (Array.isArray(value)) return value.map(String);
  if (typeof value === "string") return value.split(",");
  return [];
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

/**
 * keystoneauth1's `load_from_options` checks: required options are present
 * and a v3 username comes with a user domain. The error names the field.
 */
export function checkLoaderOptions(
  cloud: string,
  authType: AuthType,
  auth: Mapping,
  options: Opt[],
): void {
  for (const o of options) {
    if (o.required && (auth[o.name] === undefined || auth[o.name] === null)) {
      const env = `OS_${o.name.toUpperCase()}`;
      throw missing(cloud, authType, o.name, ` (set auth.${o.name} or ${env})`);
    }
  }
  const v3User = ["v3password", "v3totp", "v3applicationcredential", "v3multifactor"];
  if (
    v3User.includes(authType) && pyTruthy(auth.username) &&
    !(pyTruthy(auth.user_domain_name) || pyTruthy(auth.user_domain_id))
  ) {
    throw new CloudConfigError(
      `cloud "${cloud}" (auth_type ${authType}) gives a username but no user_domain_id or ` +
        "user_domain_name: in the v3 identity API a username is only unique within a domain",
    );
  }
  if (
    authType === "v3applicationcredential" && !pyTruthy(auth.application_credential_id) &&
    !pyTruthy(auth.application_credential_name)
  ) {
    throw missing(cloud, authType, "application_credential_id (or application_credential_name)");
  }
}

/**
 * The secrets a plugin cannot work without (keystoneauth1 would prompt for
 * them or fail at the server); checked before a Session is made.
 */
export function checkSecrets(cloud: string, authType: AuthType, auth: Mapping): void {
  const need = (field: string): void => {
    if (!pyTruthy(auth[field])) throw missing(cloud, authType, field);
  };
  switch (authType) {
    case "password":
    case "v2password":
    case "v3password":
      need("password");
      break;
    case "http_basic":
      need("username");
      need("password");
      break;
    case "token":
    case "v2token":
    case "v3token":
      need("token");
      break;
    case "admin_token":
      need("endpoint");
      need("token");
      break;
    case "v3totp":
      need("passcode");
      break;
    case "v3applicationcredential":
      need("application_credential_secret");
      break;
    case "v3multifactor": {
      const methods = authMethods({ auth });
      if (methods.includes("v3password")) need("password");
      if (methods.includes("v3totp")) need("passcode");
      if (methods.includes("v3token")) need("token");
      if (methods.includes("v3applicationcredential")) need("application_credential_secret");
      break;
    }
    case "none":
      break;
  }
}

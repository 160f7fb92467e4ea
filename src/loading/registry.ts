/**
 * The auth type registry: one entry per auth type (keystoneauth1's plugin
 * loaders: the name, the option names with their deprecated names, which are
 * required and which are secret, the checks of `load_from_options`, and how
 * the plugin is built). `loadAuthPlugin` and clouds.yaml's `auth_type` both
 * read it, so a plugin registered with `registerAuthType` works in both.
 *
 * Adding an auth type: one file with the plugin, one entry in `BUILTIN`
 * below (CONTRIBUTING.md, "Adding an auth type").
 *
 * @module
 */

import { OptionError } from "../errors.ts";
import * as generic from "../identity/generic.ts";
import * as v2 from "../identity/v2/mod.ts";
import * as v3 from "../identity/v3/mod.ts";
import { HttpBasic } from "../plugins/http_basic.ts";
import { NoAuth } from "../plugins/noauth.ts";
import { TokenEndpoint } from "../plugins/token_endpoint.ts";
import type { AuthPlugin } from "../types.ts";

/** One option of an auth type, spelt with `_` as keystoneauth1's `dest` (`auth_url`). */
export interface AuthOption {
  /** The option name (`auth_url`, `project_domain_id`, ...). */
  readonly name: string;
  /** Older names accepted for it (keystoneauth1's `deprecated`, e.g. `user_name`). */
  readonly deprecated?: readonly string[];
  /** keystoneauth1's `required`: loading fails when it is not given. */
  readonly required?: boolean;
  /** The value is a secret (never shown in errors, logs or `inspect` output). */
  readonly secret?: boolean;
}

/** The options as a loader receives them: `_`-spelt names, unset ones left out. */
export type LoadOptions = Readonly<Record<string, string | readonly string[] | boolean>>;

/**
 * How one auth type is loaded: keystoneauth1's `BaseLoader` (`get_options`,
 * `load_from_options`, `create_plugin`) as a plain object.
 *
 * @example
 * ```ts
 * import { registerAuthType, loadAuthPlugin, NoAuth } from "jsr:@x/osauth";
 * registerAuthType("my_gateway", {
 *   options: [{ name: "endpoint", required: true }],
 *   create: (o) => new NoAuth({ endpoint: String(o.endpoint) }),
 * });
 * const plugin = loadAuthPlugin("my_gateway", { endpoint: "https://gw.example.com" });
 * ```
 */
export interface AuthTypeLoader {
  /** The options the auth type takes (keystoneauth1's `get_options()`). */
  readonly options: readonly AuthOption[];
  /**
   * Options that depend on the values given (v3multifactor adds each of its
   * methods' options). Called with the options gathered so far.
   */
  readonly moreOptions?: (given: LoadOptions) => readonly AuthOption[];
  /**
   * Further option names the plugin takes that are not loader options
   * (keystoneauth1 passes every keyword to the plugin: `include_catalog`,
   * `reauthenticate`, `unscoped`).
   */
  readonly pluginOptions?: readonly string[];
  /**
   * keystoneauth1's `load_from_options` checks beyond `required` (a v3
   * username needs a user domain, ...): throw an `OptionError` naming the
   * option, never its value.
   */
  readonly check?: (options: LoadOptions, authType: string) => void;
  /** Options osauth needs before any request (a password for `password`, ...). */
  readonly needs?: (options: LoadOptions) => readonly string[];
  /** Builds the plugin (keystoneauth1's `create_plugin`). */
  readonly create: (options: LoadOptions) => AuthPlugin;
}

const o = (name: string, extra: Omit<AuthOption, "name"> = {}): AuthOption => ({ name, ...extra });

const AUTH_URL = o("auth_url", { required: true });
const V3_SCOPE = [
  "system_scope",
  "domain_id",
  "domain_name",
  "project_id",
  "project_name",
  "project_domain_id",
  "project_domain_name",
  "trust_id",
].map((n) => o(n));
const GENERIC_SCOPE = [
  o("system_scope"),
  o("domain_id"),
  o("domain_name"),
  o("project_id", { deprecated: ["tenant_id"] }),
  o("project_name", { deprecated: ["tenant_name"] }),
  o("project_domain_id"),
  o("project_domain_name"),
  o("trust_id"),
  o("default_domain_id"),
  o("default_domain_name"),
];
const USER = [
  o("user_id"),
  o("username", { deprecated: ["user_name"] }),
  o("user_domain_id"),
  o("user_domain_name"),
];
const V2_BASE = [AUTH_URL, o("tenant_id"), o("tenant_name"), o("trust_id")];
const PASSWORD = o("password", { secret: true });
const TOKEN = o("token", { secret: true });
const PASSCODE = o("passcode", { secret: true });
const APP_CRED = [
  o("application_credential_secret", { secret: true, required: true }),
  o("application_credential_id"),
  o("application_credential_name"),
];
const V3_PLUGIN = ["include_catalog", "reauthenticate", "unscoped"];
/** keystoneauth1's generic and v2 plugins take `reauthenticate` only. */
const BASE_PLUGIN = ["reauthenticate"];

/** `snake_case` option names to the camelCase ones osauth's plugins take. */
function camel(options: LoadOptions): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(options)) {
    out[k.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase())] = v;
  }
  return out;
}

const truthy = (v: unknown): boolean => v !== undefined && v !== "" && v !== false;

/** keystoneauth1's `BaseV3Loader.load_from_options`: a project name needs its domain. */
function checkV3Project(options: LoadOptions, authType: string): void {
  if (
    truthy(options.project_name) &&
    !(truthy(options.project_domain_name) || truthy(options.project_domain_id))
  ) {
    throw new OptionError(
      `${authType}: project_name is given without project_domain_id or project_domain_name ` +
        "(in the v3 identity API a project name is only unique within a domain)",
    );
  }
}

/** keystoneauth1's `_assert_identity_options`: a v3 username needs its domain. */
function checkV3User(options: LoadOptions, authType: string): void {
  if (
    truthy(options.username) &&
    !(truthy(options.user_domain_name) || truthy(options.user_domain_id))
  ) {
    throw new OptionError(
      `${authType}: gives a username but no user_domain_id or user_domain_name ` +
        "(in the v3 identity API a username is only unique within a domain)",
    );
  }
}

function checkV3(options: LoadOptions, authType: string): void {
  checkV3User(options, authType);
  checkV3Project(options, authType);
}

/** The `auth_methods` of a v3multifactor entry, as a list. */
export function authMethodList(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(String);
  if (typeof value === "string") return value === "" ? [] : value.split(",");
  return [];
}

/** Per-method options of v3multifactor (keystoneauth1's `get_plugin_options(method)`). */
const METHOD_OPTIONS: Readonly<Record<string, readonly AuthOption[]>> = {
  v3password: [...USER, PASSWORD],
  v3token: [TOKEN],
  v3totp: [...USER, PASSCODE],
  v3applicationcredential: [...USER, ...APP_CRED],
};

const SECRET_OF_METHOD: Readonly<Record<string, string>> = {
  v3password: "password",
  v3token: "token",
  v3totp: "passcode",
  v3applicationcredential: "application_credential_secret",
};

const BUILTIN: readonly (readonly [string, AuthTypeLoader])[] = [
  ["password", {
    options: [AUTH_URL, ...GENERIC_SCOPE, ...USER, PASSWORD],
    pluginOptions: BASE_PLUGIN,
    needs: () => ["password"],
    create: (x) => new generic.Password(camel(x) as unknown as generic.GenericPasswordOptions),
  }],
  ["token", {
    options: [AUTH_URL, ...GENERIC_SCOPE, TOKEN],
    pluginOptions: BASE_PLUGIN,
    needs: () => ["token"],
    create: (x) => new generic.Token(camel(x) as unknown as generic.GenericTokenOptions),
  }],
  ["v2password", {
    options: [...V2_BASE, o("username", { deprecated: ["user_name"] }), o("user_id"), PASSWORD],
    pluginOptions: BASE_PLUGIN,
    needs: () => ["password"],
    create: (x) => new v2.Password(camel(x) as unknown as v2.PasswordOptions),
  }],
  ["v2token", {
    options: [...V2_BASE, TOKEN],
    pluginOptions: BASE_PLUGIN,
    needs: () => ["token"],
    create: (x) => new v2.Token(camel(x) as unknown as v2.TokenOptions),
  }],
  ["v3password", {
    options: [AUTH_URL, ...V3_SCOPE, ...USER, PASSWORD],
    pluginOptions: V3_PLUGIN,
    check: checkV3,
    needs: () => ["password"],
    create: (x) => new v3.Password(camel(x) as unknown as v3.PasswordOptions),
  }],
  ["v3token", {
    options: [AUTH_URL, ...V3_SCOPE, TOKEN],
    pluginOptions: V3_PLUGIN,
    check: checkV3Project,
    needs: () => ["token"],
    create: (x) => new v3.Token(camel(x) as unknown as v3.TokenOptions),
  }],
  ["v3applicationcredential", {
    options: [AUTH_URL, ...V3_SCOPE, ...USER, ...APP_CRED],
    pluginOptions: V3_PLUGIN,
    check(x, authType) {
      checkV3(x, authType);
      if (!truthy(x.application_credential_id) && !truthy(x.application_credential_name)) {
        throw new OptionError(
          `${authType}: missing the required auth field application_credential_id ` +
            "(or application_credential_name)",
        );
      }
    },
    needs: () => ["application_credential_secret"],
    create: (x) =>
      new v3.ApplicationCredential(camel(x) as unknown as v3.ApplicationCredentialOptions),
  }],
  ["v3totp", {
    options: [AUTH_URL, ...V3_SCOPE, ...USER, PASSCODE],
    pluginOptions: V3_PLUGIN,
    check: checkV3,
    needs: () => ["passcode"],
    create: (x) => new v3.Totp(camel(x) as unknown as v3.TotpOptions),
  }],
  ["v3multifactor", {
    options: [AUTH_URL, ...V3_SCOPE, o("auth_methods", { required: true })],
    moreOptions(given) {
      const out: AuthOption[] = [];
      for (const m of authMethodList(given.auth_methods)) out.push(...(METHOD_OPTIONS[m] ?? []));
      return out;
    },
    pluginOptions: V3_PLUGIN,
    check: checkV3,
    needs: (x) =>
      authMethodList(x.auth_methods).map((m) => SECRET_OF_METHOD[m]).filter((s) =>
        s !== undefined
      ) as string[],
    create(x) {
      const { auth_methods: methods, ...rest } = x;
      return new v3.MultiFactor({
        ...(camel(rest) as unknown as v3.MultiFactorOptions),
        methods: authMethodList(methods),
      });
    },
  }],
  ["admin_token", {
    options: [o("endpoint", { deprecated: ["url"] }), TOKEN],
    needs: () => ["endpoint", "token"],
    create: (x) => new TokenEndpoint(camel(x) as unknown as { endpoint: string; token: string }),
  }],
  ["none", {
    options: [o("endpoint")],
    create: (x) => new NoAuth(camel(x)),
  }],
  ["http_basic", {
    options: [o("username", { deprecated: ["user_name"] }), PASSWORD, o("endpoint")],
    needs: () => ["username", "password"],
    create: (x) => new HttpBasic(camel(x)),
  }],
];

/** Names that stand for another auth type (openstacksdk's and osauth's aliases). */
/** The built-in auth types' names, in the order of their rows. */
export const BUILTIN_AUTH_TYPES: readonly string[] = Object.freeze(BUILTIN.map(([name]) => name));

const ALIASES: Readonly<Record<string, string>> = {
  token_endpoint: "admin_token",
  noauth: "none",
};

const REGISTRY = new Map<string, AuthTypeLoader>(BUILTIN.map(([n, l]) => [n, l]));

const NAME = /^[A-Za-z][A-Za-z0-9_.-]*$/;

/**
 * Registers an auth type under `name` (or replaces one), for
 * {@linkcode loadAuthPlugin} and clouds.yaml's `auth_type`. Option names
 * are `_`-spelt (`auth_url`); callers may also give them camelCase or with
 * dashes.
 *
 * @throws {OptionError} for a name that is not a word (letters, digits, `_`, `.`, `-`)
 * or a loader without `options` and `create`.
 *
 * @example
 * ```ts
 * import { loadAuthPlugin, registerAuthType, TokenEndpoint } from "jsr:@x/osauth";
 * registerAuthType("static_token", {
 *   options: [{ name: "endpoint", required: true }, { name: "token", required: true, secret: true }],
 *   create: (o) => new TokenEndpoint({ endpoint: String(o.endpoint), token: String(o.token) }),
 * });
 * const plugin = loadAuthPlugin("static_token", { endpoint: "https://api.example.com", token: "t" });
 * ```
 */
export function registerAuthType(name: string, loader: AuthTypeLoader): void {
  if (typeof name !== "string" || !NAME.test(name) || Object.hasOwn(ALIASES, name)) {
    throw new OptionError(
      `registerAuthType: ${JSON.stringify(String(name))} is not a valid auth type name ` +
        "(letters, digits, _, . and -; not an alias such as token_endpoint)",
    );
  }
  if (
    typeof loader !== "object" || loader === null || !Array.isArray(loader.options) ||
    typeof loader.create !== "function"
  ) {
    throw new OptionError(
      `registerAuthType(${name}): the loader needs an options list and a create function`,
    );
  }
  for (const opt of loader.options) {
    if (typeof opt?.name !== "string" || opt.name === "") {
      throw new OptionError(`registerAuthType(${name}): every option needs a name`);
    }
  }
  REGISTRY.set(name, loader);
}

/** The auth type a name stands for (after aliases), or undefined when none is registered. */
export function resolveAuthTypeName(name: string): string | undefined {
  const resolved = ALIASES[name] ?? name;
  return REGISTRY.has(resolved) ? resolved : undefined;
}

/** The registered loader of an auth type (after aliases). */
export function getAuthTypeLoader(name: string): AuthTypeLoader | undefined {
  const resolved = resolveAuthTypeName(name);
  return resolved === undefined ? undefined : REGISTRY.get(resolved);
}

/** Every registered auth type name, built-in ones first. */
export function authTypeNames(): string[] {
  return [...REGISTRY.keys()];
}

/** Every alias (`token_endpoint` -> `admin_token`, `noauth` -> `none`). */
export function authTypeAliases(): Readonly<Record<string, string>> {
  return ALIASES;
}

/** The options of `loader` for the values given (with `moreOptions`), without duplicates. */
export function loaderOptions(loader: AuthTypeLoader, given: LoadOptions = {}): AuthOption[] {
  const out: AuthOption[] = [];
  const seen = new Set<string>();
  for (const opt of [...loader.options, ...(loader.moreOptions?.(given) ?? [])]) {
    if (seen.has(opt.name)) continue;
    seen.add(opt.name);
    out.push(opt);
  }
  return out;
}

/** `authUrl`, `auth-url` and `auth_url` all as `auth_url`. */
export function optionKey(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`).replaceAll("-", "_");
}

function unknownType(authType: string): OptionError {
  return new OptionError(
    `no auth type named ${JSON.stringify(authType)}; known: ${
      [...authTypeNames(), ...Object.keys(ALIASES)].join(", ")
    } (registerAuthType adds one)`,
  );
}

/**
 * The options given, checked against the loader and spelt as its options:
 * deprecated names and camelCase/dashed spellings mapped, unset values
 * (`undefined`, `null`, `""`) left out. Unknown options and values of the
 * wrong type are an {@linkcode OptionError} (naming the option only).
 */
export function normalizeLoadOptions(
  authType: string,
  loader: AuthTypeLoader,
  options: Readonly<Record<string, unknown>>,
): Record<string, string | readonly string[] | boolean> {
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    throw new OptionError(`${authType}: options must be an object of option name -> value`);
  }
  const given: Record<string, unknown> = {};
  for (const [rawKey, value] of Object.entries(options)) {
    if (value === undefined || value === null || value === "") continue;
    given[optionKey(rawKey)] = value;
  }
  const methods = given.auth_methods;
  const all = loaderOptions(
    loader,
    methods === undefined ? {} : { auth_methods: authMethodList(methods) },
  );
  const byName = new Map<string, AuthOption>();
  for (const opt of all) {
    byName.set(opt.name, opt);
    for (const d of opt.deprecated ?? []) if (!byName.has(d)) byName.set(d, opt);
  }
  const plugin = new Set(loader.pluginOptions ?? []);
  const out: Record<string, string | readonly string[] | boolean> = {};
  for (const [key, value] of Object.entries(given)) {
    const opt = byName.get(key);
    if (opt === undefined && !plugin.has(key)) {
      throw new OptionError(
        `${authType}: unknown option ${key}; options: ${all.map((x) => x.name).join(", ")}`,
      );
    }
    const name = opt?.name ?? key;
    if (opt !== undefined && opt.name !== key && Object.hasOwn(given, opt.name)) continue;
    if (name === "auth_methods") {
      if (
        typeof value !== "string" &&
        !(Array.isArray(value) && value.every((m) => typeof m === "string"))
      ) {
        throw new OptionError(`${authType}: auth_methods must be a list of method names`);
      }
      out[name] = authMethodList(value);
    } else if (opt === undefined) {
      if (typeof value !== "boolean" && typeof value !== "string") {
        throw new OptionError(`${authType}: ${name} must be a boolean`);
      }
      out[name] = typeof value === "string" ? value.toLowerCase() === "true" : value;
    } else if (typeof value === "string") out[name] = value;
    else if (typeof value === "number" || typeof value === "bigint") out[name] = String(value);
    else throw new OptionError(`${authType}: ${name} must be a string`);
  }
  return out;
}

/**
 * keystoneauth1's `load_from_options` checks on normalised options:
 * required options, the loader's own checks, and the secrets osauth needs
 * before any request (`needs`).
 *
 * @throws {OptionError} naming the missing or conflicting option (never a value).
 */
export function checkLoadOptions(
  authType: string,
  loader: AuthTypeLoader,
  options: LoadOptions,
): void {
  const missing = loaderOptions(loader, options).filter((opt) =>
    opt.required && options[opt.name] === undefined
  ).map((opt) => opt.name);
  if (missing.length > 0) {
    throw new OptionError(`${authType}: missing required option(s) ${missing.join(", ")}`);
  }
  loader.check?.(options, authType);
  for (const need of loader.needs?.(options) ?? []) {
    if (options[need] === undefined) {
      throw new OptionError(`${authType}: the option ${need} is required`);
    }
  }
}

/**
 * An auth plugin from keystoneauth1's plugin name and loader options:
 * keystoneauth1's `loading.get_plugin_loader(authType).load_from_options(**options)`.
 *
 * Names: `password`, `token` (discovering v2/v3), `v2password`, `v2token`,
 * `v3password`, `v3token`, `v3applicationcredential`, `v3totp`,
 * `v3multifactor`, `admin_token` (alias `token_endpoint`), `none` (alias
 * `noauth`), `http_basic`, and any added with {@linkcode registerAuthType}.
 * Option names as keystoneauth1's (`auth_url`, `project_domain_id`, ...),
 * also camelCase (`authUrl`) or dashed (`auth-url`); unset values
 * (`undefined`, `null`, `""`) are left out.
 *
 * @throws {OptionError} for an unknown auth type or option, a value of the
 * wrong type, a missing required option or a check keystoneauth1 makes (a v3
 * username without its domain, ...); the message names the option, never a
 * secret's value.
 *
 * @example
 * ```ts
 * import { loadAuthPlugin, Session } from "jsr:@x/osauth";
 * const auth = loadAuthPlugin("v3password", {
 *   auth_url: "https://keystone.example.com:5000/v3",
 *   username: "demo", password: "secret", user_domain_id: "default",
 *   project_name: "demo", project_domain_id: "default",
 * });
 * const session = new Session({ auth });
 * ```
 */
export function loadAuthPlugin(
  authType: string,
  options: Readonly<Record<string, unknown>> = {},
): AuthPlugin {
  if (typeof authType !== "string") {
    throw new OptionError("loadAuthPlugin: authType must be a string");
  }
  const resolved = resolveAuthTypeName(authType);
  const loader = resolved === undefined ? undefined : REGISTRY.get(resolved);
  if (resolved === undefined || loader === undefined) throw unknownType(authType);
  const normalized = normalizeLoadOptions(resolved, loader, options);
  checkLoadOptions(resolved, loader, normalized);
  return loader.create(normalized);
}

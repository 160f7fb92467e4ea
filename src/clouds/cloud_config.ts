/**
 * {@linkcode CloudConfig}: one cloud entry of clouds.yaml after merging and
 * normalisation, with secrets kept out of `console.log` and `JSON.stringify`.
 *
 * @module
 */

import { authTypeNames, getAuthTypeLoader } from "../loading/registry.ts";
import { isSecretOptionKey as isSecretKey, REDACTED, redactUrl } from "../util/secrets.ts";

/** True when the value of `key` must never be shown (the one rule, in `util/secrets.ts`). */
export { isSecretKey };

/**
 * A deep copy of `value` with every secret replaced by `***`, and in URLs a
 * password (`user:password@`) and secret query parameters (`?token=`).
 */
export function redact(value: unknown): unknown {
  if (typeof value === "string") return value.includes("://") ? redactUrl(value) : value;
  if (typeof value === "bigint") return value.toString(); // JSON has no bigint
  if (Array.isArray(value)) return value.map(redact);
  if (typeof value === "object" && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] = isSecretKey(k) && v !== null && v !== undefined && v !== "" ? REDACTED : redact(v);
    }
    return out;
  }
  return value;
}

/**
 * The `auth` mapping for display: the values of options that no auth type
 * marks secret (`auth_url`, `username`, `project_id`, ...) as they are (URLs
 * redacted), every other value, a secret or a key no auth type knows (a
 * misspelt `pasword`), as `***`.
 */
function redactAuth(auth: unknown): unknown {
  if (typeof auth !== "object" || auth === null || Array.isArray(auth)) return redact(auth);
  const shown = shownAuthOptions();
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(auth)) {
    out[k] = shown.has(k) && !isSecretKey(k)
      ? redact(v)
      : v === null || v === undefined || v === ""
      ? v
      : REDACTED;
  }
  return out;
}

/** The option names (and deprecated names) of every registered auth type that are not secret. */
function shownAuthOptions(): Set<string> {
  const out = new Set<string>();
  for (const name of authTypeNames()) {
    const loader = getAuthTypeLoader(name);
    if (!loader) continue;
    const all = [
      ...loader.options,
      ...(loader.moreOptions?.({
        auth_methods: ["v3password", "v3token", "v3totp", "v3applicationcredential"],
      }) ?? []),
    ];
    for (const opt of all) {
      if (opt.secret) continue;
      out.add(opt.name);
      for (const d of opt.deprecated ?? []) out.add(d);
    }
  }
  return out; // computed each time: registerAuthType may add options
}

/** What a {@linkcode CloudConfig} is made from. */
export interface CloudConfigInit {
  /** Name of the cloud entry (`envvars` for the one made from `OS_*` variables). */
  name: string;
  /** The region selected (empty when the cloud names none). */
  regionName: string;
  /** All region names the cloud lists (`regions` or `region_name`). */
  regions: string[];
  /** The `auth` mapping handed to the auth plugin (keystoneauth1 option names). */
  auth: Record<string, unknown>;
  /** The auth type, after aliases (`token_endpoint` -> `admin_token`, none -> `none`). */
  authType: string;
  /** Default endpoint interface (`public` unless configured). */
  interface: string;
  /** `identity_api_version`, if set. */
  identityApiVersion?: string;
  /** TLS verification: `false`, `true`, or the CA bundle path. */
  verify: boolean | string;
  /** `cacert`, `~` expanded. */
  cacert?: string;
  /** `cert` (client certificate), `~` expanded. */
  cert?: string;
  /** `key` (client certificate key), `~` expanded. */
  key?: string;
  /** `api_timeout` in seconds. */
  apiTimeout?: number;
  /** `<service>_endpoint_override` values, by service type (`block_storage` -> `block-storage`). */
  endpointOverrides: Record<string, string>;
  /** `<service>_api_version` values, by service type. */
  apiVersions: Record<string, string>;
  /** The whole merged configuration, keys normalised as openstacksdk does. */
  raw: Record<string, unknown>;
  /** The clouds file the entry came from (`<yaml option>` for the `yaml` option), if any. */
  file?: string;
  /** The secure file merged in, if any. */
  secureFile?: string;
  /** clouds.yaml's top-level `cache: {auth: true}` (openstacksdk's auth cache switch). */
  cacheAuth?: boolean;
}

/**
 * One cloud (and region) of clouds.yaml, merged and normalised as
 * openstacksdk's `OpenStackConfig.get_one()` does. Printing it or
 * serialising it with `JSON.stringify` shows `***` in place of passwords,
 * tokens, secrets and passcodes; the `auth` property itself holds them.
 *
 * @example
 * ```ts
 * import { loadCloudConfig } from "jsr:@x/osauth/clouds";
 * const cloud = await loadCloudConfig({
 *   yaml: "clouds: {dev: {auth: {auth_url: 'https://k:5000/v3', token: 't'}, auth_type: v3token}}",
 *   env: {},
 * });
 * console.assert(!JSON.stringify(cloud).includes("'t'"));
 * ```
 */
export class CloudConfig {
  /** Name of the cloud entry (`envvars` for the one made from `OS_*` variables). */
  readonly name: string;
  /** The region selected (empty when the cloud names none). */
  readonly regionName: string;
  /** All region names the cloud lists (`regions` or `region_name`). */
  readonly regions: readonly string[];
  /** The `auth` mapping handed to the auth plugin (keystoneauth1 option names, `_` spelt). */
  readonly auth: Readonly<Record<string, unknown>>;
  /** The auth type, after aliases (`token_endpoint` -> `admin_token`, none -> `none`). */
  readonly authType: string;
  /** Default endpoint interface (`public` unless configured). */
  readonly interface: string;
  /** `identity_api_version`, if set. */
  readonly identityApiVersion: string | undefined;
  /** TLS verification: `false` (`verify: false` or `insecure: true`), `true`, or a CA bundle path (`cacert`). */
  readonly verify: boolean | string;
  /** `cacert`, `~` expanded. */
  readonly cacert: string | undefined;
  /** `cert` (client certificate), `~` expanded. */
  readonly cert: string | undefined;
  /** `key` (client certificate key), `~` expanded. */
  readonly key: string | undefined;
  /** `api_timeout` in seconds. */
  readonly apiTimeout: number | undefined;
  /** `<service>_endpoint_override` values, by service type. */
  readonly endpointOverrides: Readonly<Record<string, string>>;
  /** `<service>_api_version` values, by service type. */
  readonly apiVersions: Readonly<Record<string, string>>;
  /** The whole merged configuration, keys normalised as openstacksdk does. */
  readonly raw: Readonly<Record<string, unknown>>;
  /** The clouds file the entry came from (`<yaml option>` for the `yaml` option), if any. */
  readonly file: string | undefined;
  /** The secure file merged in, if any. */
  readonly secureFile: string | undefined;
  /**
   * Whether clouds.yaml's top-level `cache: {auth: true}` is set: then
   * `sessionFromCloud` shares the token through a `FileStateStore`
   * (openstacksdk keeps it in a keyring).
   */
  readonly cacheAuth: boolean;

  /** Creates the config (normally done by `loadCloudConfig`). */
  constructor(init: CloudConfigInit) {
    this.name = init.name;
    this.regionName = init.regionName;
    this.regions = Object.freeze([...init.regions]);
    this.auth = Object.freeze({ ...init.auth });
    this.authType = init.authType;
    this.interface = init.interface;
    this.identityApiVersion = init.identityApiVersion;
    this.verify = init.verify;
    this.cacert = init.cacert;
    this.cert = init.cert;
    this.key = init.key;
    this.apiTimeout = init.apiTimeout;
    this.endpointOverrides = Object.freeze({ ...init.endpointOverrides });
    this.apiVersions = Object.freeze({ ...init.apiVersions });
    this.raw = init.raw;
    this.file = init.file;
    this.secureFile = init.secureFile;
    this.cacheAuth = init.cacheAuth ?? false;
    const summary = (): Record<string, unknown> => this.#summary();
    const render = (inspect?: (v: unknown, o?: unknown) => string, opts?: unknown): string =>
      `CloudConfig ${inspect ? inspect(summary(), opts) : JSON.stringify(summary())}`;
    Object.defineProperties(this, {
      [Symbol.for("Deno.customInspect")]: {
        value: (inspect: (v: unknown, o?: unknown) => string, opts: unknown) =>
          render(inspect, opts),
        enumerable: false,
      },
      [Symbol.for("nodejs.util.inspect.custom")]: {
        value: (_depth: number, opts: unknown, inspect?: (v: unknown, o?: unknown) => string) =>
          render(inspect, opts),
        enumerable: false,
      },
    });
  }

  #summary(): Record<string, unknown> {
    return {
      name: this.name,
      regionName: this.regionName,
      regions: [...this.regions],
      authType: this.authType,
      auth: redactAuth(this.auth),
      interface: this.interface,
      identityApiVersion: this.identityApiVersion,
      verify: this.verify,
      cacert: this.cacert,
      cert: this.cert,
      key: this.key,
      apiTimeout: this.apiTimeout,
      endpointOverrides: redact(this.endpointOverrides),
      apiVersions: { ...this.apiVersions },
      raw: { ...(redact(this.raw) as Record<string, unknown>), auth: redactAuth(this.raw.auth) },
      file: this.file,
      secureFile: this.secureFile,
      cacheAuth: this.cacheAuth,
    };
  }

  /** The JSON form: every field, with secrets shown as `***`. */
  toJSON(): Record<string, unknown> {
    return this.#summary();
  }
}

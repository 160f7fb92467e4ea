/**
 * `loadCloudConfig`: openstacksdk's `OpenStackConfig(...).get_one(cloud)`
 * (openstack/config/loader.py) re-implemented: file search, secure.yaml
 * merge, `clouds-public.yaml` profiles, the `envvars` cloud, regions, the
 * backwards-compatibility fixes, key normalisation and the gathering of auth
 * plugin options.
 *
 * @module
 */

import { CloudConfigError } from "../errors.ts";
import {
  authMethods,
  authOptions,
  checkLoaderOptions,
  gatherAuthOptions,
  resolveAuthType,
} from "./auth_type.ts";
import { CloudConfig } from "./cloud_config.ts";
import { type EnvRecord, type OsKind, readRuntimeEnv, runtimeOs } from "./env.ts";
import {
  type Candidate,
  expandUser,
  type FileStem,
  type LoadedFile,
  loadFirst,
  parseConfigText,
  searchDirs,
  searchFiles,
} from "./files.ts";
import {
  authUpdate,
  deepCopy,
  isMapping,
  type Mapping,
  mergeClouds,
  normalizeKeys,
} from "./merge.ts";
import { FormatKeyError, pyFormat, pyStr, pyTruthy } from "./pystr.ts";
import { VENDOR_PROFILES } from "./vendors_data.ts";

/** Options of {@linkcode loadCloudConfig}. Explicit options win over `OS_*` variables, which win over files. */
export interface LoadCloudConfigOptions {
  /**
   * Name of the cloud entry. Default: `OS_CLOUD`, else the `envvars` cloud
   * when `OS_*` auth variables are set, else the only cloud defined.
   */
  cloud?: string;
  /** Region to select; must be one the cloud lists, if it lists any. Default: the first. */
  regionName?: string;
  /**
   * clouds.yaml/clouds.yml/clouds.json paths to read instead of the search
   * path (the first that exists is used). When given, secure.yaml and
   * clouds-public.yaml are not searched for either: name them with
   * `secureFiles`/`vendorFiles`. `OS_CLIENT_CONFIG_FILE` still comes first.
   */
  files?: string[];
  /** secure.yaml paths to read instead of the search path. */
  secureFiles?: string[];
  /** clouds-public.yaml paths (profiles) to read instead of the search path. */
  vendorFiles?: string[];
  /**
   * Environment variables to use instead of the process environment (then
   * no `--allow-env` is needed). `HOME` etc. are taken from here too.
   */
  env?: Record<string, string | undefined>;
  /**
   * clouds.yaml content to parse instead of reading any clouds file (then no
   * `--allow-read` is needed; secure.yaml and clouds-public.yaml are read
   * only when `secureFiles`/`vendorFiles` name them).
   */
  yaml?: string;
}

/** openstacksdk's defaults.json plus its Python-side defaults. */
const DEFAULTS: Readonly<Mapping> = Object.freeze({
  api_timeout: null,
  verify: true,
  cacert: null,
  cert: null,
  key: null,
  auth_type: "password",
  baremetal_status_code_retries: 5,
  baremetal_introspection_status_code_retries: 5,
  image_status_code_retries: 5,
  disable_vendor_agent: {},
  interface: "public",
  floating_ip_source: "neutron",
  image_api_use_tasks: false,
  image_format: "qcow2",
  message: "",
  network_api_version: "2",
  object_store_api_version: "1",
  secgroup_source: "neutron",
  status: "active",
});

function defaults(): Mapping {
  return deepCopy({ ...DEFAULTS });
}

/** `OS_*` variables that only select or locate a cloud: alone, they make no `envvars` cloud. */
const SELECTORS = new Set([
  "OS_CLOUD",
  "OS_REGION_NAME",
  "OS_CLIENT_CONFIG_FILE",
  "OS_CLIENT_SECURE_FILE",
  "OS_CLOUD_NAME",
]);

/** openstacksdk's `_get_os_environ`: the `envvars` cloud, or undefined. */
function envvarsCloud(env: EnvRecord): Mapping | undefined {
  const keys = Object.keys(env).filter((k) =>
    env[k] !== undefined && k.startsWith("OS_") && !k.startsWith("OS_TEST") &&
    !k.startsWith("OS_STD") && !k.startsWith("OS_LOG")
  );
  if (!keys.some((k) => !SELECTORS.has(k))) return undefined;
  const cloud = defaults();
  for (const k of keys) cloud[k.slice(3).toLowerCase()] = env[k];
  return cloud;
}

/** Python's `get_boolean`. */
function getBoolean(value: unknown): boolean {
  if (value === null || value === undefined) return false;
  if (typeof value === "boolean") return value;
  return String(value).toLowerCase() === "true";
}

interface Region {
  name: unknown;
  values: Mapping;
}

function expandRegions(regions: unknown[], cloud: string): Region[] {
  return regions.map((region) => {
    if (isMapping(region)) {
      const keys = Object.keys(region);
      if (!("name" in region) || keys.some((k) => k !== "name" && k !== "values")) {
        throw new CloudConfigError(
          `cloud "${cloud}" has an invalid region entry (keys ${keys.join(", ")}): ` +
            "an entry is a name, or a mapping with `name` and optional `values`",
        );
      }
      const values = region.values ?? {};
      if (!isMapping(values)) {
        throw new CloudConfigError(`cloud "${cloud}": the values of a region must be a mapping`);
      }
      return { name: region.name, values: deepCopy(values) };
    }
    return { name: region, values: {} };
  });
}

function fail(message: string): never {
  throw new CloudConfigError(message);
}

function dirsOf(paths: string[]): string[] {
  return [...new Set(paths.map((p) => p.replace(/[\\/][^\\/]*$/, "") || "."))];
}

function describeSearch(tried: string[], notPermitted: string[]): string {
  const readable = tried.filter((p) => !notPermitted.includes(p));
  let text = readable.length > 0 ? ` in ${dirsOf(readable).join(", ")}` : "";
  if (notPermitted.length > 0) {
    const dirs = dirsOf(notPermitted);
    text += `; not searched for lack of read permission: ${dirs.join(", ")} ` +
      `(run with --allow-read=${dirs.join(",")})`;
  }
  return text;
}

/** Applies openstacksdk's `magic_fixes` to a merged cloud (mutating it). */
function magicFixes(input: Mapping, name: string): Mapping {
  // _fix_backwards_api_timeout
  let config: Mapping = {};
  let serviceTimeout: unknown = undefined;
  for (const [k, v] of Object.entries(input)) {
    if (k.endsWith("timeout") && k !== "timeout" && k !== "api_timeout") serviceTimeout = v;
    else config[k] = v;
  }
  if (serviceTimeout !== undefined && serviceTimeout !== null) config.api_timeout = serviceTimeout;

  // _fix_backwards_auth_plugin: auth_type wins over auth_plugin
  let authType: unknown = null;
  for (const k of ["auth_plugin", "auth_type"]) {
    if (Object.hasOwn(config, k)) {
      authType = config[k];
      delete config[k];
    }
  }
  config.auth_type = authType;

  // _fix_backwards_auth: legacy and dashed spellings into auth; top level wins
  if (!isMapping(config.auth)) config.auth = {};
  const auth = config.auth as Mapping;
  const mappings: [string, string[]][] = [
    ["domain_id", ["domain_id", "domain-id"]],
    ["domain_name", ["domain_name", "domain-name"]],
    ["user_domain_id", ["user_domain_id", "user-domain-id"]],
    ["user_domain_name", ["user_domain_name", "user-domain-name"]],
    ["project_domain_id", ["project_domain_id", "project-domain-id"]],
    ["project_domain_name", ["project_domain_name", "project-domain-name"]],
    ["token", ["auth-token", "auth_token", "token"]],
    ["passcode", ["passcode"]],
  ];
  if (config.auth_type === "v2password") {
    mappings.push(["tenant_id", ["project_id", "project-id", "tenant_id", "tenant-id"]]);
    mappings.push(["tenant_name", ["project_name", "project-name", "tenant_name", "tenant-name"]]);
  } else {
    mappings.push(["project_id", ["tenant_id", "tenant-id", "project_id", "project-id"]]);
    mappings.push(["project_name", ["tenant_name", "tenant-name", "project_name", "project-name"]]);
  }
  for (const [target, keys] of mappings) {
    let value: string | undefined;
    for (const k of keys) {
      if (Object.hasOwn(auth, k)) {
        value = pyStr(auth[k]);
        delete auth[k];
      }
      if (Object.hasOwn(config, k)) {
        value = pyStr(config[k]);
        delete config[k];
      }
    }
    if (value) auth[target] = value;
  }

  // _fix_backwards_interface: *endpoint_type -> *interface
  const renamed: Mapping = {};
  for (const [k, v] of Object.entries(config)) {
    renamed[k.endsWith("endpoint_type") ? k.replaceAll("endpoint_type", "interface") : k] = v;
  }
  config = renamed;

  // _handle_domain_id: one domain for user and project
  const scoped = ["project_id", "project_name"].some((k) =>
    Object.hasOwn(config, k) || Object.hasOwn(auth, k)
  );
  for (
    const [target, possible] of [
      ["domain_id", ["user_domain_id", "project_domain_id"]],
      ["domain_name", ["user_domain_name", "project_domain_name"]],
    ] as const
  ) {
    if (!scoped) {
      if (Object.hasOwn(config, target) && !Object.hasOwn(auth, target)) {
        auth[target] = config[target];
        delete config[target];
      }
      continue;
    }
    for (const k of possible) {
      if (Object.hasOwn(auth, target) && !Object.hasOwn(auth, k)) auth[k] = auth[target];
    }
    delete config[target];
    delete auth[target];
  }

  // _handle_value_types
  for (const k of ["insecure", "cache"]) {
    if (Object.hasOwn(config, k) && typeof config[k] !== "boolean") {
      config[k] = getBoolean(config[k]);
    }
  }
  if (typeof config.auth_methods === "string") config.auth_methods = config.auth_methods.split(",");

  // auth_url may refer to other settings: "https://{region_name}.example.com:5000"
  if (typeof auth.auth_url === "string") {
    auth.auth_url = format(auth.auth_url, config, "auth_url", name);
  }
  return config;
}

function format(value: string, config: Mapping, key: string, cloud: string): string {
  try {
    return pyFormat(value, config);
  } catch (err) {
    if (err instanceof FormatKeyError) {
      fail(
        `cloud "${cloud}": the value of ${key} refers to {${err.key}}, which is not a setting ` +
          "of the cloud (write {{ and }} for literal braces)",
      );
    }
    fail(`cloud "${cloud}": the value of ${key} has an unmatched brace (write {{ or }})`);
  }
}

/**
 * openstacksdk's `vendors.get_profile` on the profiles it ships (generated
 * into vendors_data.ts): a nested `profile` replaces it when known,
 * `status: shutdown` is an error, `status`/`message` are dropped. A URL
 * profile (fetched from `/.well-known/openstack/api` by openstacksdk) is not
 * fetched (DIFFERENCES.md, D-remote-profile).
 */
function vendorProfile(name: string): Mapping | undefined {
  if (!Object.hasOwn(VENDOR_PROFILES, name)) return undefined;
  let data = deepCopy(VENDOR_PROFILES[name] as Mapping);
  const nested = data.profile;
  delete data.profile;
  if (typeof nested === "string" && Object.hasOwn(VENDOR_PROFILES, nested)) {
    data = deepCopy(VENDOR_PROFILES[nested] as Mapping);
  }
  const status = data.status ?? "active";
  const message = data.message ?? "";
  delete data.status;
  delete data.message;
  if (status === "shutdown") {
    fail(`${name} references a cloud that no longer exists: ${pyStr(message)}`);
  }
  return data;
}

/** Parsed config files, each loaded at most once. */
class Profiles {
  readonly #vendor: Candidate[];
  #vendorFile?: Promise<LoadedFile | undefined>;

  constructor(vendor: Candidate[]) {
    this.#vendor = vendor;
  }

  /** The `public-clouds` profile `name`, if a clouds-public file has it. */
  async profile(name: string): Promise<Mapping | undefined> {
    this.#vendorFile ??= loadFirst(this.#vendor).then((r) => r.file);
    const file = await this.#vendorFile;
    const data = file?.data;
    // an empty clouds-public file is nothing, as in openstacksdk
    if (file && data !== null && data !== undefined) {
      if (!isMapping(data)) {
        fail(`${file.path} is not a mapping (its top level is a list or a value)`);
      }
      const publicClouds = data["public-clouds"];
      if (isMapping(publicClouds) && Object.hasOwn(publicClouds, name)) {
        const profile = publicClouds[name];
        if (!isMapping(profile)) fail(`${file.path}: public-clouds.${name} is not a mapping`);
        return profile;
      }
    }
    return vendorProfile(name);
  }
}

/**
 * Loads one cloud entry of clouds.yaml, merged and normalised exactly as
 * openstacksdk's `OpenStackConfig().get_one(cloud)` does.
 *
 * Files: the first of `clouds.yaml`, `clouds.yml`, `clouds.json` found in the
 * current directory, the user configuration directory
 * (`$XDG_CONFIG_HOME/openstack` (a relative one from the current directory)
 * or `~/.config/openstack` on Linux, `~/Library/Application Support/openstack`
 * on macOS, `%LOCALAPPDATA%\OpenStack\openstack` on Windows),
 * `~/.config/openstack` (`$SNAP_REAL_HOME/.config/openstack` under snap), the
 * site directory (Linux: each `$XDG_CONFIG_DIRS` entry, default `/etc/xdg`,
 * plus `/openstack`, joined with `:` as openstacksdk does) and
 * `/etc/openstack`, with `OS_CLIENT_CONFIG_FILE` tried first; `secure.*`
 * likewise (`OS_CLIENT_SECURE_FILE`) deep-merged over it; `clouds-public.*`,
 * then openstacksdk's own vendor profiles, for `profile:`. An empty or
 * comment-only file counts as none (it still ends the search). Without a
 * clouds file, `OS_*` variables make the `envvars` cloud (named by
 * `OS_CLOUD_NAME`): with access to the whole environment every `OS_*`
 * variable, else the names of `OS_ENV_VARS`.
 *
 * Permissions (Deno): `--allow-env=OS_*,HOME,XDG_CONFIG_HOME` (macOS: `HOME`;
 * Windows: `USERPROFILE,LOCALAPPDATA`; `XDG_CONFIG_DIRS` and `SNAP_REAL_HOME`
 * are read when granted) unless `env` is given; `--allow-read`
 * for the files to be read: the search path above unless `files` or `yaml`
 * is given, else only the files named. A search-path location outside
 * `--allow-read` is skipped (never prompted for); a named file outside it is
 * an error naming the flag. Nothing else is asked for.
 *
 * @throws {CloudConfigError} for a malformed file (naming the file, and the
 * line for YAML), an unknown cloud (listing those defined), an invalid
 * region, an unsupported auth type or a missing required auth field.
 *
 * @example
 * ```ts
 * import { loadCloudConfig } from "jsr:@x/osauth/clouds";
 * const cloud = await loadCloudConfig({
 *   yaml: `
 * clouds:
 *   devstack:
 *     auth:
 *       auth_url: https://keystone.example.com:5000/v3
 *       username: demo
 *       password: secret
 *       project_name: demo
 *       user_domain_id: default
 *       project_domain_id: default
 *     region_name: RegionOne
 * `,
 *   env: {},
 * });
 * console.assert(cloud.regionName === "RegionOne" && cloud.authType === "password");
 * ```
 */
export async function loadCloudConfig(options: LoadCloudConfigOptions = {}): Promise<CloudConfig> {
  const os = runtimeOs();
  const env: EnvRecord = options.env ? { ...options.env } : readRuntimeEnv(os);
  let dirs: string[] | undefined;
  const search = (): string[] => (dirs ??= searchDirs(env, os));
  const searchAll = options.files === undefined && options.yaml === undefined;
  const listFor = (stem: FileStem, explicit: string[] | undefined, override?: string) => {
    const list: Candidate[] = explicit !== undefined
      ? explicit.map((path) => ({ path, explicit: true }))
      : searchAll
      ? searchFiles(search(), stem, os)
      : [];
    if (override) list.unshift({ path: override, explicit: true });
    return list;
  };

  // clouds.yaml
  let file: LoadedFile | undefined;
  let tried: string[] = [];
  let notPermitted: string[] = [];
  if (options.yaml !== undefined) {
    file = { path: "<yaml option>", data: await parseConfigText(options.yaml, "<yaml option>") };
  } else {
    const found = await loadFirst(listFor("clouds", options.files, env.OS_CLIENT_CONFIG_FILE));
    ({ file, tried, notPermitted } = found);
  }
  // An empty or comment-only file (YAML null) is read as nothing, as openstacksdk
  // does (`if not self.cloud_config`); it still ends the search.
  let cloudConfig: Mapping = {};
  if (file && file.data !== null && file.data !== undefined) {
    if (!isMapping(file.data)) {
      fail(`${file.path} is not a mapping (its top level is a list or a value)`);
    }
    cloudConfig = file.data;
  }

  // secure.yaml, deep-merged
  const secure = await loadFirst(
    listFor("secure", options.secureFiles, env.OS_CLIENT_SECURE_FILE),
  );
  if (secure.file && secure.file.data !== null && secure.file.data !== undefined) {
    if (!isMapping(secure.file.data)) {
      fail(`${secure.file.path} is not a mapping (its top level is a list or a value)`);
    }
    cloudConfig = mergeClouds(cloudConfig, secure.file.data);
  }
  // openstacksdk's top-level `cache: {auth: true}`
  const cache = cloudConfig.cache;
  if (cache !== undefined && cache !== null && !isMapping(cache)) fail('"cache" must be a mapping');
  const cacheAuth = isMapping(cache) && getBoolean(normalizeKeys(cache).auth);

  const clouds = cloudConfig.clouds ?? {};
  if (!isMapping(clouds)) fail(`${file?.path ?? secure.file?.path}: "clouds" must be a mapping`);
  const where = file ? ` in ${file.path}` : "";

  // the envvars cloud
  const envvarKey = env.OS_CLOUD_NAME ?? "envvars";
  if (Object.hasOwn(clouds, envvarKey)) {
    fail(
      `${file?.path ?? "the configuration"} defines a cloud named "${envvarKey}", which is ` +
        "the name of the cloud made from OS_* variables (OS_CLOUD_NAME): rename one of them",
    );
  }
  let defaultCloud = env.OS_CLOUD || undefined;
  const fromEnv = envvarsCloud(env);
  if (fromEnv) {
    clouds[envvarKey] = fromEnv;
    defaultCloud ??= envvarKey;
  }
  const names = Object.keys(clouds);
  if (!defaultCloud && names.length === 1) defaultCloud = names[0];
  if (names.length === 0) {
    fail(
      "no OpenStack cloud is configured: no OS_AUTH_URL (or other OS_*) variable is set and " +
        (file
          ? `${file.path} defines no clouds`
          : "no clouds.yaml, clouds.yml or clouds.json was found") +
        (file ? "" : describeSearch(tried, notPermitted)),
    );
  }

  const name = options.cloud || defaultCloud;
  if (!name) {
    fail(
      `several clouds are defined${where} (${names.join(", ")}): choose one with the ` +
        "`cloud` option or OS_CLOUD",
    );
  }
  if (!Object.hasOwn(clouds, name)) {
    fail(
      `cloud "${name}" was not found${where}; defined clouds: ${names.join(", ")}` +
        (file ? "" : describeSearch(tried, notPermitted)),
    );
  }
  const ourCloud = clouds[name];
  if (!isMapping(ourCloud)) fail(`cloud "${name}"${where} is not a mapping`);

  const profiles = new Profiles(listFor("clouds-public", options.vendorFiles));
  let unresolvedProfile: string | undefined;
  const expandProfile = async (target: Mapping): Promise<void> => {
    const profileName = ourCloud.profile ?? ourCloud.cloud;
    if (!pyTruthy(profileName) || profileName === envvarKey) return;
    const profile = await profiles.profile(String(profileName));
    if (profile) authUpdate(target, profile);
    else unresolvedProfile = String(profileName);
  };

  // _get_base_cloud_config
  let config = defaults();
  await expandProfile(config);
  if (!Object.hasOwn(config, "auth")) config.auth = {};
  authUpdate(config, ourCloud);
  if (ourCloud.auth !== undefined && !isMapping(ourCloud.auth)) {
    fail(`cloud "${name}"${where}: "auth" must be a mapping`);
  }
  delete config.cloud;

  // regions (_get_known_regions / _get_region)
  const normalized = normalizeKeys(ourCloud);
  let regions: Region[] = [];
  if (Object.hasOwn(normalized, "regions")) {
    const list = normalized.regions;
    if (!Array.isArray(list)) fail(`cloud "${name}"${where}: "regions" must be a list`);
    regions = expandRegions(list, name);
  } else if (
    Object.hasOwn(normalized, "region_name") && normalized.region_name !== null &&
    normalized.region_name !== undefined
  ) {
    // an empty `region_name:` (YAML null) is unset (openstacksdk: AttributeError;
    // DIFFERENCES.md, D-empty-region-name)
    const value = normalized.region_name;
    regions = expandRegions(Array.isArray(value) ? value : pyStr(value).split(","), name);
  } else {
    const fromProfile: Mapping = {};
    await expandProfile(fromProfile);
    if (Array.isArray(fromProfile.regions) && fromProfile.regions.length > 0) {
      regions = expandRegions(fromProfile.regions, name);
    } else if (pyTruthy(fromProfile.region_name)) {
      regions = [{ name: fromProfile.region_name, values: {} }];
    }
  }
  const wanted = options.regionName ?? "";
  let region: Region = { name: wanted, values: {} };
  if (regions.length > 0) {
    if (!wanted) region = regions[0]!;
    else {
      region = regions.find((r) => r.name === wanted) ??
        fail(
          `region "${wanted}" is not a valid region of cloud "${name}"; valid regions: ` +
            `${regions.map((r) => pyStr(r.name)).join(", ")} (region names are case sensitive)`,
        );
    }
  }
  delete config.regions;
  for (const [k, v] of Object.entries(region.values)) {
    if (v === null || v === undefined) continue;
    if (k === "auth" && isMapping(v) && isMapping(config.auth)) authUpdate(config.auth, v);
    else config[k] = v;
  }
  config.region_name = region.name;

  config = normalizeKeys(magicFixes(config, name));

  // the auth plugin's options (_get_auth_loader / _validate_auth)
  const authType = resolveAuthType(config.auth_type, name);
  config.auth_type = authType;
  // openstacksdk gathers the options of a fresh loader (`get_options()` before
  // `load_from_options` has seen `auth_methods`): a v3multifactor method's own
  // options count only inside `auth`; the check then knows the methods
  gatherAuthOptions(config, authOptions(authType));
  const pluginOptions = authOptions(authType, authMethods(config));
  const auth = config.auth as Mapping;
  try {
    checkLoaderOptions(name, authType, auth, pluginOptions);
  } catch (err) {
    if (unresolvedProfile && err instanceof CloudConfigError) {
      throw new CloudConfigError(
        `${err.message}; note: profile "${unresolvedProfile}" was not found in a ` +
          "clouds-public.yaml nor among openstacksdk's vendor profiles",
      );
    }
    throw err;
  }

  // settings may refer to other settings: "{region_name}"
  for (const [k, v] of Object.entries(config)) {
    if (typeof v === "string" && k !== "password") config[k] = format(v, config, k, name);
  }

  return toCloudConfig(name, config, regions, env, os, file?.path, secure.file?.path, cacheAuth);
}

function str(value: unknown): string | undefined {
  if (value === null || value === undefined || value === "") return undefined;
  return pyStr(value);
}

function toCloudConfig(
  name: string,
  config: Mapping,
  regions: Region[],
  env: EnvRecord,
  os: OsKind,
  file: string | undefined,
  secureFile: string | undefined,
  cacheAuth: boolean,
): CloudConfig {
  const expand = (v: unknown): string | undefined => {
    const s = str(v);
    return s === undefined ? undefined : expandUser(s, env, os);
  };
  // CloudRegion.get_requests_verify_args
  let verify: boolean | string;
  const rawVerify = config.verify;
  if (typeof rawVerify === "string") {
    const lower = rawVerify.toLowerCase();
    if (["false", "no", "off", "0"].includes(lower)) verify = false;
    else if (["true", "yes", "on", "1"].includes(lower)) verify = true;
    else verify = expandUser(rawVerify, env, os);
  } else verify = rawVerify === undefined || rawVerify === null ? true : pyTruthy(rawVerify);
  const cacert = expand(config.cacert);
  if (config.insecure === true) verify = false;
  if (verify !== false && cacert) verify = cacert;

  let apiTimeout: number | undefined;
  if (
    config.api_timeout !== null && config.api_timeout !== undefined && config.api_timeout !== ""
  ) {
    apiTimeout = Number(config.api_timeout);
    if (!Number.isFinite(apiTimeout) || apiTimeout < 0) {
      fail(`cloud "${name}": api_timeout must be a number of seconds`);
    }
  }

  const endpointOverrides: Record<string, string> = {};
  const apiVersions: Record<string, string> = {};
  for (const [k, v] of Object.entries(config)) {
    const value = str(v);
    if (value === undefined) continue;
    let m = /^(.+)_endpoint_override$/.exec(k);
    if (m) endpointOverrides[m[1]!.replaceAll("_", "-")] = value;
    m = /^(.+)_api_version$/.exec(k);
    if (m) apiVersions[m[1]!.replaceAll("_", "-")] = value;
  }

  return new CloudConfig({
    name,
    regionName: pyStr(config.region_name ?? ""),
    regions: regions.map((r) => pyStr(r.name)),
    auth: config.auth as Mapping,
    authType: String(config.auth_type),
    interface: str(config.interface) ?? "public",
    identityApiVersion: str(config.identity_api_version),
    verify,
    cacert,
    cert: expand(config.cert),
    key: expand(config.key),
    apiTimeout,
    endpointOverrides,
    apiVersions,
    raw: config,
    file,
    secureFile,
    cacheAuth,
  });
}

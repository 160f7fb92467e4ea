/**
 * Helpers for integration tests against the dev cloud of `scripts/openstack-dev.sh`
 * (a real Keystone 22 + Placement 8 on 127.0.0.1). Start it with
 * `bash scripts/openstack-dev.sh start`; it writes `$OSAUTH_OS_DIR/fixtures.json`
 * (default `<repo>/.openstack/fixtures.json`), typed here as {@link DevCloudFixtures}.
 *
 * @module
 */
import { type AccessInfo, v3 } from "../../mod.ts";

/** `{ id, url }` of one catalog endpoint. */
export interface FixtureEndpoint {
  id: string;
  url: string;
}

/** One user created by the script (passwords are dev-only). */
export interface FixtureUser {
  id: string;
  name: string;
  domain_id: string;
  password: string;
  default_project_id: string | null;
  /** base32 TOTP secret (users `totp` and `mfa`). */
  totp_secret?: string;
  /** MFA rules (user `mfa`). */
  mfa_rules?: string[][];
}

/** One project created by the script. */
export interface FixtureProject {
  id: string;
  name: string;
  domain_id: string;
}

/** One of the services besides Keystone and Placement (scripts/os_services.py). */
export interface FixtureService {
  /** Catalog type: image, compute, volumev3, baremetal, sharev2, network, orchestration, ... */
  type: string;
  /** Catalog service name (glance, nova, cinderv3, ...). */
  service_name: string;
  service_id: string;
  /** Its service user (admin on project `service`). */
  user: FixtureUser;
  /** `http://127.0.0.1:<port>` per interface (the version documents' root). */
  roots: { public: string; internal: string; admin: string };
  /** Path of the catalog URL below the root, templated (`/v3/%(project_id)s`). */
  catalog_path: string;
  ports: { public: number; internal: number; admin: number };
  /** region -> interface -> endpoint (templated URLs, as registered). */
  endpoints: Record<string, Record<string, FixtureEndpoint>>;
  /** The catalog URLs of a token scoped to project `admin`, per interface. */
  urls: { public: string; internal: string; admin: string };
  log: string;
}

/** Shape of `fixtures.json` (schema 1). */
export interface DevCloudFixtures {
  schema: 1;
  os_dir: string;
  /** `http://127.0.0.1:15000/v3` by default. */
  auth_url: string;
  region_name: "RegionOne";
  regions: string[];
  interface: "public";
  keystone: {
    url: string;
    auth_url: string;
    urls: { public: string; internal: string; admin: string };
    ports: { public: number; internal: number; admin: number };
    api_version: string;
    release: string;
    log: string;
  };
  placement: {
    url: string;
    urls: { public: string; internal: string; admin: string };
    region_two_url: string;
    ports: { public: number; internal: number; admin: number; region_two: number };
    min_version: string;
    max_version: string;
    release: string;
    log: string;
  };
  catalog: Record<
    "identity" | "placement",
    {
      service_id: string;
      name: string;
      /** region -> interface -> endpoint */
      endpoints: Record<string, Record<string, FixtureEndpoint>>;
    }
  >;
  domains: Record<"default" | "osauth", { id: string; name: string }>;
  roles: Record<"admin" | "member" | "reader", string>;
  projects: Record<"admin" | "service" | "demo" | "osauth", FixtureProject>;
  users: Record<"admin" | "demo" | "placement" | "totp" | "mfa" | "osauth", FixtureUser>;
  /** user key -> { projects: {project key: roles}, domains?: ..., system?: { all: roles } } */
  assignments: Record<string, Record<string, Record<string, string[]>>>;
  application_credentials: {
    admin: {
      id: string;
      name: string;
      secret: string;
      user_id: string;
      user_name: string;
      user_domain_id: string;
      project_id: string;
      roles: string[];
    };
  };
  files: { fixtures: string; openrc: string; clouds_yaml: string };
  /** Trust `admin_to_demo`: admin (trustor) to demo (trustee) on project admin. */
  trusts?: {
    admin_to_demo: {
      id: string;
      trustor_user_id: string;
      trustee_user_id: string;
      project_id: string;
      impersonation: boolean;
      roles: string[];
    };
  };
  /** OSAUTH_OS_PORT_BASE of the run that wrote the file. */
  port_base?: number;
  /** The services started besides Keystone and Placement, by name (glance, nova, ...). */
  services?: Record<string, FixtureService>;
}

/** Repository root (this file lives in `tests/integration/`). */
export const repoRoot: string = new URL("../../", import.meta.url).pathname.replace(/\/$/, "");

/** Path of `fixtures.json`: `$OSAUTH_OS_DIR/fixtures.json` or `<repo>/.openstack/fixtures.json`. */
export function fixturesPath(): string {
  const dir = Deno.env.get("OSAUTH_OS_DIR") || `${repoRoot}/.openstack`;
  return `${dir}/fixtures.json`;
}

/** Reads `fixtures.json`; throws with the command to run when the dev cloud was never started. */
export async function loadFixtures(): Promise<DevCloudFixtures> {
  const path = fixturesPath();
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) {
      throw new Error(`${path} not found: run "bash scripts/openstack-dev.sh start" first`);
    }
    throw err;
  }
  const fx = JSON.parse(text) as DevCloudFixtures;
  if (fx.schema !== 1) throw new Error(`${path}: unsupported fixtures schema ${fx.schema}`);
  return fx;
}

/** One scenario result of `scripts/ks_differential.py` (see the scenario list there). */
export interface ScenarioResult {
  ok: boolean;
  status?: number;
  endpoint?: string;
  error?: string;
  error_class?: string;
  http_status?: number;
  detail?: string;
  scope?: "project" | "domain" | "system" | "unscoped";
  user_id?: string;
  project_id?: string;
  domain_id?: string;
  system?: string;
  roles?: string[];
  catalog?: string[];
  [extra: string]: unknown;
}

/**
 * Runs `scripts/ks_differential.py` (python keystoneauth1, Debian's /usr/bin/python3) and
 * returns its `{ scenario: result }` object. `only` limits it to the named scenarios.
 */
export async function runKsDifferential(
  only?: string[],
): Promise<Record<string, ScenarioResult>> {
  const args = [`${repoRoot}/scripts/ks_differential.py`, fixturesPath()];
  if (only && only.length > 0) args.push("--only", only.join(","));
  const out = await new Deno.Command("/usr/bin/python3", { args, stdout: "piped", stderr: "piped" })
    .output();
  if (!out.success) {
    throw new Error(`ks_differential.py failed:\n${new TextDecoder().decode(out.stderr)}`);
  }
  return JSON.parse(new TextDecoder().decode(out.stdout)) as Record<string, ScenarioResult>;
}

/**
 * The fixtures when the dev cloud has written them, else `undefined` after a
 * warning naming `label` (tests then skip themselves with `ignore`).
 */
export async function loadFixturesOrWarn(label: string): Promise<DevCloudFixtures | undefined> {
  const fx = await Deno.stat(fixturesPath()).then(
    () => loadFixtures(),
    (err) => {
      if (err instanceof Deno.errors.NotFound) return undefined;
      throw err;
    },
  );
  if (!fx) {
    console.warn(
      `${label}: skipped, ${fixturesPath()} is absent ` +
        `(run "bash scripts/openstack-dev.sh start" first)`,
    );
  }
  return fx;
}

/** What a password login needs of a {@linkcode FixtureUser}. */
export type PasswordUser = Pick<FixtureUser, "name" | "password" | "domain_id">;

/** The `v3.Password` plugins tests build from the fixtures. */
export interface PasswordPlugins {
  /** `user` by name in its domain at the fixtures' auth URL; `extra` adds scope and options. */
  password(user: PasswordUser, extra?: Partial<v3.PasswordOptions>): v3.Password;
  /** The admin user scoped to project `admin` of domain `default`. */
  adminProject(): v3.Password;
}

/** {@linkcode PasswordPlugins} for the dev cloud `f` describes. */
export function passwordPlugins(f: DevCloudFixtures): PasswordPlugins {
  const password = (user: PasswordUser, extra: Partial<v3.PasswordOptions> = {}): v3.Password =>
    new v3.Password({
      authUrl: f.auth_url,
      username: user.name,
      password: user.password,
      userDomainId: user.domain_id,
      ...extra,
    });
  return {
    password,
    adminProject: () =>
      password(f.users.admin, { projectName: "admin", projectDomainId: "default" }),
  };
}

/** The kind of scope a token has. */
export function scopeKind(access: AccessInfo): "system" | "domain" | "project" | "unscoped" {
  return access.system
    ? "system"
    : access.domain
    ? "domain"
    : access.project
    ? "project"
    : "unscoped";
}

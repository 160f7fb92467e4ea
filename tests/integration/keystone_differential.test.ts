/**
 * Differential test: every scenario of `scripts/ks_differential.py` (python keystoneauth1
 * against the dev cloud of `scripts/openstack-dev.sh`) is run again through osauth's public API,
 * and the fields both sides produce are compared, one step per scenario.
 *
 * Needs `bash scripts/openstack-dev.sh start` (skipped when fixtures.json is absent) and
 * /usr/bin/python3 with keystoneauth1 (fails without them unless OSAUTH_SKIP_PYTHON=1, which
 * runs the osauth side alone and checks only that every scenario ran).
 */
import assert from "node:assert/strict";
import {
  type AccessInfo,
  type AuthPlugin,
  type EndpointFilter,
  HttpError,
  MissingAuthMethods,
  OsAuthError,
  Password,
  Session,
  v3,
} from "../../mod.ts";
import {
  type DevCloudFixtures,
  loadFixturesOrWarn,
  passwordPlugins,
  runKsDifferential,
  type ScenarioResult,
  scopeKind,
} from "./_devcloud.ts";
import { totpPasscode } from "./_totp.ts";

const fx: DevCloudFixtures | undefined = await loadFixturesOrWarn("keystone_differential");
const skipPython = Deno.env.get("OSAUTH_SKIP_PYTHON") === "1";
const PYTHON = "/usr/bin/python3";

type Result = ScenarioResult;
type Scenario = () => Promise<Result>;

/** Fields never compared: keystoneauth1's own class name has no osauth counterpart. */
const NOT_COMPARED = new Set(["error_class"]);

/**
 * Where osauth deliberately differs from keystoneauth1: `theirs` pins keystoneauth1's raw
 * values (so a change there is noticed), `ours` what osauth produces instead. The other fields
 * are compared as usual.
 */
const DIFFERENCES: Record<string, {
  why: string;
  theirs: Record<string, unknown>;
  ours: Record<string, unknown>;
}> = {
  // none at present: EmptyCatalog and MissingAuthMethods were the last two
};

function scopeOf(access: AccessInfo): Result {
  const scope = scopeKind(access);
  const out: Result = {
    ok: true,
    scope,
    user_id: access.userId,
    roles: [...access.roleNames].sort(),
  };
  if (scope === "project") out.project_id = access.projectId;
  if (scope === "domain") out.domain_id = access.domain?.id;
  if (scope === "system") out.system = access.system?.all === true ? "all" : String(access.system);
  out.catalog = [...new Set(access.catalog.endpoints.map((e) => e.serviceType))].sort();
  return out;
}

/** The server's message as the python script reads it (Keystone error.message, errors[0].title). */
function serverDetail(details: unknown): string | undefined {
  if (details === null || typeof details !== "object") return undefined;
  const body = details as Record<string, unknown>;
  const error = body.error as Record<string, unknown> | undefined;
  if (error && typeof error === "object" && typeof error.message === "string") {
    return error.message;
  }
  const errors = body.errors;
  if (Array.isArray(errors) && errors[0] && typeof errors[0] === "object") {
    const title = (errors[0] as Record<string, unknown>).title;
    return typeof title === "string" ? title : undefined;
  }
  return undefined;
}

function describeError(err: unknown): Result {
  if (!(err instanceof OsAuthError)) throw err; // not an osauth error: see runScenario
  const out: Result = { ok: false, error: err.name };
  if (err.constructor.name !== err.name) out.error_mismatch = err.constructor.name;
  if (err instanceof HttpError) {
    out.http_status = err.status;
    out.status = err.status;
    const detail = serverDetail(err.details);
    if (detail !== undefined) out.detail = detail;
  }
  return out;
}

async function drain(resp: Response): Promise<void> {
  await resp.body?.cancel();
}

function scenarios(f: DevCloudFixtures): Record<string, Scenario> {
  const authUrl = f.auth_url;
  const ksRoot = f.keystone.url;
  const admin = f.users.admin;
  const demo = f.users.demo;
  const ac = f.application_credentials.admin;
  const osauthUser = f.users.osauth;
  const totpUser = f.users.totp;
  const mfaUser = f.users.mfa;
  const demoProject = f.projects.demo.id;
  const pl: EndpointFilter = { serviceType: "placement" };
  const idt: EndpointFilter = { serviceType: "identity" };

  const { password, adminProject } = passwordPlugins(f);
  let adminSess: Session | undefined;
  const adminSession = (): Session => (adminSess ??= new Session({ auth: adminProject() }));

  const authProbe = async (plugin: AuthPlugin): Promise<Result> => {
    const sess = new Session({ auth: plugin });
    const access = await sess.getAccess();
    const resp = await sess.get(`${authUrl}/auth/projects`);
    await drain(resp);
    return { ...scopeOf(access), status: resp.status };
  };
  const endpoint = async (filter: EndpointFilter, plugin?: AuthPlugin): Promise<Result> => {
    const sess = new Session({ auth: plugin ?? adminProject() });
    return { ok: true, endpoint: await sess.getEndpoint(filter) };
  };
  const revoke = async (token: string): Promise<void> => {
    await drain(
      await adminSession().delete(`${authUrl}/auth/tokens`, {
        headers: { "X-Subject-Token": token },
      }),
    );
  };
  const unscopedAdminToken = (): Promise<string> =>
    new Session({ auth: password(admin) }).getToken();

  const s: Record<string, Scenario> = {};

  s["password.project.name"] = () => authProbe(adminProject());
  s["password.project.id"] = () =>
    authProbe(
      new v3.Password({
        authUrl,
        userId: admin.id,
        password: admin.password,
        projectId: f.projects.admin.id,
      }),
    );
  s["password.project.domain_name"] = () =>
    authProbe(
      new v3.Password({
        authUrl,
        username: osauthUser.name,
        password: osauthUser.password,
        userDomainName: f.domains.osauth.name,
        projectName: f.projects.osauth.name,
        projectDomainName: f.domains.osauth.name,
      }),
    );
  s["password.domain.id"] = () => authProbe(password(admin, { domainId: "default" }));
  s["password.domain.name"] = () =>
    authProbe(password(admin, { domainName: f.domains.default.name }));
  s["password.system"] = () => authProbe(password(admin, { systemScope: "all" }));
  s["password.unscoped"] = () => authProbe(password(admin));
  s["password.default_project"] = () => authProbe(password(demo));
  s["password.unscoped_forced"] = () => authProbe(password(demo, { unscoped: true }));
  s["password.wrong_password"] = () =>
    authProbe(
      new v3.Password({
        authUrl,
        username: "admin",
        password: "not-the-password",
        userDomainId: "default",
        projectName: "admin",
        projectDomainId: "default",
      }),
    );
  s["password.unknown_user"] = () =>
    authProbe(
      new v3.Password({
        authUrl,
        username: "no-such-user",
        password: "x",
        userDomainId: "default",
      }),
    );
  s["password.unknown_project"] = () =>
    authProbe(password(admin, { projectName: "no-such-project", projectDomainId: "default" }));
  s["password.no_role_on_project"] = () =>
    authProbe(password(demo, { projectName: "admin", projectDomainId: "default" }));

  s["token.project"] = async () =>
    authProbe(
      new v3.Token({
        authUrl,
        token: await unscopedAdminToken(),
        projectName: "admin",
        projectDomainId: "default",
      }),
    );
  s["token.domain"] = async () =>
    authProbe(new v3.Token({ authUrl, token: await unscopedAdminToken(), domainId: "default" }));
  s["token.system"] = async () =>
    authProbe(new v3.Token({ authUrl, token: await unscopedAdminToken(), systemScope: "all" }));
  s["token.invalid"] = () =>
    authProbe(
      new v3.Token({
        authUrl,
        token: "gAAAAAB-not-a-token",
        projectName: "admin",
        projectDomainId: "default",
      }),
    );

  s["appcred.id"] = () =>
    authProbe(
      new v3.ApplicationCredential({
        authUrl,
        applicationCredentialId: ac.id,
        applicationCredentialSecret: ac.secret,
      }),
    );
  s["appcred.name"] = () =>
    authProbe(
      new v3.ApplicationCredential({
        authUrl,
        applicationCredentialName: ac.name,
        username: ac.user_name,
        userDomainId: ac.user_domain_id,
        applicationCredentialSecret: ac.secret,
      }),
    );
  // NB: a *suffix* on the secret would still authenticate (bcrypt truncates to 72 bytes)
  s["appcred.wrong_secret"] = () =>
    authProbe(
      new v3.ApplicationCredential({
        authUrl,
        applicationCredentialId: ac.id,
        applicationCredentialSecret: `wrong-${ac.secret.slice(0, 20)}`,
      }),
    );

  s["totp.project"] = async () =>
    authProbe(
      new v3.Totp({
        authUrl,
        username: totpUser.name,
        userDomainId: totpUser.domain_id,
        passcode: await totpPasscode(totpUser.totp_secret!),
        projectId: demoProject,
      }),
    );

  // MissingAuthMethods on both sides, with the receipt and the methods parsed.
  s["mfa.password_only"] = async () => {
    try {
      await authProbe(password(mfaUser, { projectId: demoProject }));
    } catch (err) {
      const out = describeError(err);
      if (err instanceof MissingAuthMethods) {
        out.receipt = err.receipt !== "";
        out.required_methods = err.requiredAuthMethods.map((m) => [...m].sort()).sort();
        out.methods = [...err.methods].sort();
      }
      return out;
    }
    throw new Error("password-only auth of mfa-user succeeded");
  };
  s["mfa.password_totp"] = async () =>
    authProbe(
      new v3.MultiFactor({
        authUrl,
        methods: ["v3password", "v3totp"],
        username: mfaUser.name,
        userDomainId: mfaUser.domain_id,
        password: mfaUser.password,
        passcode: await totpPasscode(mfaUser.totp_secret!),
        projectId: demoProject,
      }),
    );

  s["catalog.identity.public"] = () => endpoint({ ...idt, interface: "public" });
  s["catalog.identity.internal"] = () => endpoint({ ...idt, interface: "internal" });
  s["catalog.identity.admin"] = () => endpoint({ ...idt, interface: "admin" });
  s["catalog.identity.interface_list"] = () =>
    endpoint({ ...idt, interface: ["internal", "public"] });
  s["catalog.identity.region_two"] = () => endpoint({ ...idt, regionName: "RegionTwo" });
  s["catalog.placement.default"] = () => endpoint(pl);
  s["catalog.placement.public"] = () =>
    endpoint({ ...pl, interface: "public", regionName: "RegionOne" });
  s["catalog.placement.internal"] = () => endpoint({ ...pl, interface: "internal" });
  s["catalog.placement.admin"] = () => endpoint({ ...pl, interface: "admin" });
  s["catalog.placement.publicURL"] = () => endpoint({ ...pl, interface: "publicURL" });
  s["catalog.placement.region_two"] = () => endpoint({ ...pl, regionName: "RegionTwo" });
  s["catalog.placement.region_two.interface_list"] = () =>
    endpoint({ ...pl, regionName: "RegionTwo", interface: ["internal", "public"] });
  s["catalog.placement.region_two.internal"] = () =>
    endpoint({ ...pl, regionName: "RegionTwo", interface: "internal" });
  s["catalog.placement.service_name"] = () => endpoint({ ...pl, serviceName: "placement" });
  s["catalog.placement.service_name_mismatch"] = () => endpoint({ ...pl, serviceName: "nova" });
  s["catalog.unknown_service"] = () => endpoint({ serviceType: "dns" });
  s["catalog.unknown_region"] = () => endpoint({ ...pl, regionName: "RegionNine" });
  s["catalog.unscoped"] = async () => {
    try {
      return await endpoint(pl, password(admin));
    } catch (err) {
      return { ...describeError(err), message_says_empty: /catalog is empty/.test(String(err)) };
    }
  };

  s["request.identity_root.unauthenticated"] = async () => {
    const resp = await adminSession().get(`${ksRoot}/`, { authenticated: false });
    await drain(resp);
    return { ok: true, status: resp.status };
  };
  s["request.identity_v3.unauthenticated"] = async () => {
    const resp = await adminSession().get(authUrl, { authenticated: false });
    const body = await resp.json() as { version: { id: string } };
    return { ok: true, status: resp.status, version: body.version.id };
  };
  s["request.identity.relative"] = async () => {
    const resp = await adminSession().get("/auth/projects", {
      endpointFilter: { serviceType: "identity", interface: "public" },
    });
    const body = await resp.json() as { projects: unknown[] };
    return { ok: true, status: resp.status, count: body.projects.length };
  };
  s["request.placement_root.unauthenticated"] = async () => {
    const resp = await adminSession().get("/", { endpointFilter: pl, authenticated: false });
    const v = (await resp.json() as { versions: { min_version: string; max_version: string }[] })
      .versions[0]!;
    return {
      ok: true,
      status: resp.status,
      min_version: v.min_version,
      max_version: v.max_version,
    };
  };
  s["request.placement.resource_providers"] = async () => {
    const resp = await adminSession().get("/resource_providers", { endpointFilter: pl });
    const body = await resp.json() as { resource_providers: unknown[] };
    return { ok: true, status: resp.status, count: body.resource_providers.length };
  };
  s["request.placement.unauthenticated"] = async () => {
    const resp = await adminSession().get("/resource_providers", {
      endpointFilter: pl,
      authenticated: false,
    });
    await drain(resp);
    return { ok: true, status: resp.status };
  };
  const microversion = (version: string): Scenario => async () => {
    const resp = await adminSession().get("/", { endpointFilter: pl, microversion: version });
    await drain(resp);
    return {
      ok: true,
      status: resp.status,
      version_header: resp.headers.get("OpenStack-API-Version") ?? undefined,
    };
  };
  s["request.placement.microversion"] = microversion("1.10");
  s["request.placement.microversion_too_high"] = microversion("1.99");
  const notFound = (raiseExc: boolean): Scenario => async () => {
    const resp = await adminSession().get(`/resource_providers/${crypto.randomUUID()}`, {
      endpointFilter: pl,
      raiseExc,
    });
    await drain(resp);
    return { ok: true, status: resp.status };
  };
  s["request.placement.not_found"] = notFound(true);
  s["request.placement.raise_exc_false"] = notFound(false);

  const revoked = (target: "placement" | "identity", allowReauth = true): Scenario => async () => {
    const sess = new Session({ auth: adminProject() });
    const before = await sess.getToken();
    await revoke(before);
    const resp = target === "placement"
      ? await sess.get("/resource_providers", { endpointFilter: pl, allowReauth })
      : await sess.get(`${authUrl}/auth/projects`, { allowReauth });
    await drain(resp);
    return { ok: true, status: resp.status, token_changed: (await sess.getToken()) !== before };
  };
  s["request.revoked_token.placement"] = revoked("placement");
  s["request.revoked_token.identity"] = revoked("identity");
  s["request.revoked_token.no_reauth"] = revoked("placement", false);

  const discovery = (serviceType: string): Scenario => async () => {
    const data = await adminSession().getEndpointData({ serviceType, interface: "public" });
    const out: Result = {
      ok: true,
      url: data.url,
      catalog_url: data.catalogUrl,
      api_version: data.apiVersion?.join("."),
    };
    if (data.minMicroversion !== undefined || data.maxMicroversion !== undefined) {
      out.min_microversion = data.minMicroversion;
      out.max_microversion = data.maxMicroversion;
    }
    return out;
  };
  s["discovery.identity"] = discovery("identity");
  s["discovery.placement"] = discovery("placement");

  const generic = (url: string): Scenario => () =>
    authProbe(
      new Password({
        authUrl: url,
        username: "admin",
        password: admin.password,
        userDomainId: "default",
        projectName: "admin",
        projectDomainId: "default",
      }),
    );
  s["generic.password.root_url"] = generic(ksRoot);
  s["generic.password.v3_url"] = generic(authUrl);
  return s;
}

async function runScenario(fn: Scenario): Promise<Result> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof OsAuthError) return describeError(err);
    // not an osauth error: a bug in osauth or in the scenario, reported by its step
    return {
      ok: false,
      error: "ScenarioFailed",
      error_class: String(err?.constructor?.name),
      detail: String(err),
    };
  }
}

/** Python's results, or a clear failure when python3 or keystoneauth1 is missing. */
async function pythonResults(): Promise<Record<string, Result>> {
  let probe: Deno.CommandOutput | undefined;
  try {
    probe = await new Deno.Command(PYTHON, {
      args: ["-c", "import keystoneauth1"],
      stdout: "null",
      stderr: "null",
    }).output();
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
  if (!probe?.success) {
    throw new Error(
      `${PYTHON} with keystoneauth1 is needed for the differential test ` +
        `(${probe ? "keystoneauth1 is not importable" : `${PYTHON} not found`}; ` +
        `Debian: apt-get install python3-keystoneauth1), or set OSAUTH_SKIP_PYTHON=1 ` +
        `to run the osauth side alone`,
    );
  }
  return await runKsDifferential();
}

function compare(name: string, ours: Result, theirs: Result): void {
  const missing = Object.keys(theirs).filter((k) => !NOT_COMPARED.has(k) && !(k in ours));
  assert.deepEqual(
    missing,
    [],
    `${name}: osauth produced no ${missing.join(", ")}; ` +
      `keystoneauth1: ${JSON.stringify(theirs)}; osauth: ${JSON.stringify(ours)}`,
  );
  const pick = (r: Result): Record<string, unknown> =>
    Object.fromEntries(
      Object.keys(theirs).filter((k) => !NOT_COMPARED.has(k)).sort().map((k) => [k, r[k]]),
    );
  assert.deepEqual(pick(ours), pick(theirs), `${name}: osauth and keystoneauth1 differ`);
  const diff = DIFFERENCES[name];
  for (const [k, v] of Object.entries(diff?.theirs ?? {})) {
    assert.deepEqual(theirs[k], v, `${name}: keystoneauth1 changed (${diff!.why}): ${k}`);
  }
}

Deno.test({
  name: "keystoneauth1 differential: the scenarios of scripts/ks_differential.py through osauth",
  ignore: !fx,
  async fn(t) {
    const f = fx!;
    const all = scenarios(f);
    // keystoneauth1 first, then osauth: run at the same time, the two sides' token
    // revocations and load on the dev Keystone (SQLite) made a python scenario fail once in CI.
    const theirs = skipPython ? undefined : await pythonResults();
    const ours: Record<string, Result> = {};
    for (const [name, fn] of Object.entries(all)) ours[name] = await runScenario(fn);
    if (skipPython) {
      console.warn("keystone_differential: OSAUTH_SKIP_PYTHON=1, keystoneauth1 not compared");
    }
    if (theirs) {
      const unknown = Object.keys(theirs).filter((n) => !(n in all));
      assert.deepEqual(unknown, [], "scenarios of ks_differential.py that osauth does not run");
    }
    for (const name of Object.keys(all)) {
      await t.step(name, () => {
        const mine = ours[name]!;
        assert.notEqual(mine.error, "ScenarioFailed", `${name}: ${mine.detail}`);
        assert.equal(mine.error_mismatch, undefined, `${name}: err.name differs from its class`);
        const diff = DIFFERENCES[name];
        for (const [k, v] of Object.entries(diff?.ours ?? {})) {
          assert.deepEqual(mine[k], v, `${name}: documented difference (${diff!.why}): ${k}`);
        }
        if (!theirs) return;
        const other = theirs[name];
        assert.ok(other, `${name}: ks_differential.py has no such scenario`);
        assert.notEqual(other.error, "ScenarioFailed", `${name}: the python scenario failed`);
        compare(name, mine, other);
      });
    }
  },
});

/**
 * osauth's public API against a REAL Keystone 22 and Placement 8 started by
 * `bash scripts/openstack-dev.sh start` (fixtures in `.openstack/fixtures.json`, or
 * `$OSAUTH_OS_DIR/fixtures.json`): auth plugins, scopes, TOTP/MFA, catalog resolution,
 * unauthenticated requests, per-request and shared plugins, 401 re-authentication after
 * revocation, concurrent first requests, and error messages.
 *
 * Skipped when fixtures.json is absent. Token requests are counted through the Session's
 * `fetch` option (a transport injection wrapping the global fetch, never a stub).
 */
import assert from "node:assert/strict";
import {
  type AccessInfo,
  EndpointNotFound,
  HttpError,
  MissingAuthMethods,
  OsAuthError,
  Password,
  Session,
  Unauthorized,
  v3,
} from "../../mod.ts";
import {
  type DevCloudFixtures,
  loadFixturesOrWarn,
  passwordPlugins,
  scopeKind,
} from "./_devcloud.ts";
import { totpPasscode } from "./_totp.ts";

const fx: DevCloudFixtures | undefined = await loadFixturesOrWarn("keystone");

const KEYSTONE_401 = "The request you have made requires authentication.";

/** One request seen by a {@linkcode Traffic} transport. */
interface Seen {
  method: string;
  url: string;
  status: number;
  /** Whether an X-Auth-Token header was sent. */
  token: boolean;
}

/** A `fetch` for Session's `fetch` option that records what goes through it. */
class Traffic {
  readonly seen: Seen[] = [];
  readonly fetch: typeof fetch = async (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    const method = (init?.method ?? (input instanceof Request ? input.method : "GET"))
      .toUpperCase();
    const token = new Headers(init?.headers).has("x-auth-token");
    const resp = await fetch(input, init);
    this.seen.push({ method, url, status: resp.status, token });
    return resp;
  };

  /** How many `POST .../v3/auth/tokens` were sent. */
  get tokenRequests(): number {
    return this.seen.filter((s) =>
      s.method === "POST" && new URL(s.url).pathname.replace(/\/+$/, "").endsWith("/auth/tokens")
    ).length;
  }

  /** `METHOD port/path status` lines, for readable assertions. */
  lines(): string[] {
    return this.seen.map((s) => {
      const u = new URL(s.url);
      return `${s.method} ${u.port}${u.pathname} ${s.status}`;
    });
  }
}

function portOf(url: string): string {
  return new URL(url).port;
}

Deno.test({
  name: "real Keystone: osauth public API",
  ignore: !fx,
  async fn(t) {
    const f = fx!;
    const authUrl = f.auth_url;
    const ksRoot = f.keystone.url;
    const admin = f.users.admin;
    const demo = f.users.demo;
    const ac = f.application_credentials.admin;
    const adminProjectId = f.projects.admin.id;
    const demoProjectId = f.projects.demo.id;
    const pl = { serviceType: "placement" } as const;

    const { password, adminProject } = passwordPlugins(f);
    const adminSess = new Session({ auth: adminProject() });
    const revoke = async (token: string): Promise<void> => {
      const resp = await adminSess.delete(`${authUrl}/auth/tokens`, {
        headers: { "X-Subject-Token": token },
      });
      assert.equal(resp.status, 204);
    };
    /** GET /v3/auth/projects with the session's token: the project ids it may scope to. */
    const myProjects = async (sess: Session, auth?: v3.V3Auth): Promise<string[]> => {
      const resp = await sess.get(`${authUrl}/auth/projects`, auth ? { auth } : {});
      return ((await resp.json()) as { projects: { id: string }[] }).projects.map((p) => p.id)
        .sort();
    };
    const catalogTypes = (a: AccessInfo): string[] =>
      [...new Set(a.catalog.endpoints.map((e) => e.serviceType))].sort();
    // What the dev cloud registered: Keystone drops the endpoints whose URL names the project
    // (cinder's %(project_id)s, heat's %(tenant_id)s) from domain- and system-scoped catalogs.
    const services = Object.values(f.services ?? {});
    const projectTypes = ["identity", "placement", ...services.map((s) => s.type)].sort();
    const otherScopeTypes = [
      "identity",
      "placement",
      ...services.filter((s) => !s.catalog_path.includes("%(")).map((s) => s.type),
    ].sort();

    await t.step("password auth by name and by id", async () => {
      for (
        const auth of [
          adminProject(),
          new v3.Password({
            authUrl,
            userId: admin.id,
            password: admin.password,
            projectId: adminProjectId,
          }),
        ]
      ) {
        const sess = new Session({ auth });
        const access = await sess.getAccess();
        assert.equal(access.userId, admin.id);
        assert.equal(access.projectId, adminProjectId);
        assert.deepEqual([...access.methods], ["password"]);
        assert.deepEqual([...access.roleNames].sort(), ["admin", "member", "reader"]);
        assert.deepEqual(catalogTypes(access), projectTypes);
        assert.deepEqual(await myProjects(sess), [adminProjectId]);
      }
    });

    await t.step("token auth: an unscoped token re-scoped to project, domain, system", async () => {
      const unscoped = await new Session({ auth: password(admin) }).getAccess();
      assert.equal(scopeKind(unscoped), "unscoped");
      const cases: [Partial<v3.TokenOptions>, string][] = [
        [{ projectName: "admin", projectDomainId: "default" }, "project"],
        [{ domainId: "default" }, "domain"],
        [{ systemScope: "all" }, "system"],
      ];
      for (const [scope, want] of cases) {
        const sess = new Session({
          auth: new v3.Token({ authUrl, token: unscoped.token, ...scope }),
        });
        const access = await sess.getAccess();
        assert.equal(scopeKind(access), want);
        assert.equal(access.userId, admin.id);
        assert.notEqual(access.token, unscoped.token, "a new token is issued");
        assert.deepEqual([...access.methods].sort(), ["password", "token"]);
        const resp = await sess.get(`${authUrl}/auth/projects`);
        assert.equal(resp.status, 200);
        await resp.body?.cancel();
      }
    });

    await t.step("application credential by id and by name + user", async () => {
      for (
        const auth of [
          new v3.ApplicationCredential({
            authUrl,
            applicationCredentialId: ac.id,
            applicationCredentialSecret: ac.secret,
          }),
          new v3.ApplicationCredential({
            authUrl,
            applicationCredentialName: ac.name,
            username: ac.user_name,
            userDomainId: ac.user_domain_id,
            applicationCredentialSecret: ac.secret,
          }),
        ]
      ) {
        const sess = new Session({ auth });
        const access = await sess.getAccess();
        assert.deepEqual([...access.methods], ["application_credential"]);
        assert.equal(access.userId, ac.user_id);
        assert.equal(access.projectId, ac.project_id);
        // the credential's roles plus the roles they imply (admin -> member -> reader)
        for (const role of ac.roles) assert.ok(access.roleNames.includes(role), role);
        const rps = await sess.get("/resource_providers", { endpointFilter: pl });
        assert.equal(rps.status, 200);
        await rps.body?.cancel();
        const shown = `${Deno.inspect(auth)} ${JSON.stringify(auth)}`;
        assert.ok(!shown.includes(ac.secret), "the secret is not shown by inspect or JSON");
      }
    });

    await t.step("scopes: project, domain, system, unscoped, default project", async () => {
      const cases: [v3.Password, string, Record<string, unknown>][] = [
        [adminProject(), "project", { projectId: adminProjectId }],
        [password(admin, { domainId: "default" }), "domain", { domainId: "default" }],
        [password(admin, { domainName: f.domains.default.name }), "domain", {
          domainId: "default",
        }],
        [password(admin, { systemScope: "all" }), "system", { system: { all: true } }],
        [password(admin), "unscoped", {}],
        [password(demo), "project", { projectId: demoProjectId }],
        [password(demo, { unscoped: true }), "unscoped", {}],
      ];
      for (const [auth, scope, want] of cases) {
        const access = await new Session({ auth }).getAccess();
        const label = JSON.stringify(auth.scope);
        assert.equal(scopeKind(access), scope, label);
        if (want.projectId) assert.equal(access.projectId, want.projectId, label);
        if (want.domainId) assert.equal(access.domain?.id, want.domainId, label);
        if (want.system) assert.deepEqual(access.system, want.system, label);
        if (scope === "unscoped") {
          assert.equal(access.scoped, false, label);
          assert.deepEqual(access.catalog.endpoints, [], label);
        } else {
          assert.deepEqual(
            catalogTypes(access),
            scope === "project" ? projectTypes : otherScopeTypes,
            label,
          );
        }
      }
    });

    await t.step("TOTP, and MultiFactor password + TOTP", async () => {
      const totpUser = f.users.totp;
      const passcode = await totpPasscode(totpUser.totp_secret!);
      const totp = new v3.Totp({
        authUrl,
        username: totpUser.name,
        userDomainId: totpUser.domain_id,
        passcode,
        projectId: demoProjectId,
      });
      const sess = new Session({ auth: totp });
      const access = await sess.getAccess();
      assert.deepEqual([...access.methods], ["totp"]);
      assert.equal(access.userId, totpUser.id);
      assert.equal(access.projectId, demoProjectId);
      assert.deepEqual(await myProjects(sess), [demoProjectId]);
      const shown = `${Deno.inspect(totp)} ${JSON.stringify(totp)}`;
      assert.ok(!shown.includes(passcode), "the passcode is not shown by inspect or JSON");

      const wrong = new v3.Totp({
        authUrl,
        username: totpUser.name,
        userDomainId: totpUser.domain_id,
        passcode: String((Number(passcode) + 500_000) % 1_000_000).padStart(6, "0"),
        projectId: demoProjectId,
      });
      await assert.rejects(new Session({ auth: wrong }).getAccess(), Unauthorized);

      const mfaUser = f.users.mfa;
      // the password alone: 401 with an auth receipt naming the missing method
      const err = await new Session({
        auth: password(mfaUser, { projectId: demoProjectId }),
      }).getAccess().then(() => undefined, (e: unknown) => e);
      assert.ok(err instanceof MissingAuthMethods, String(err));
      assert.ok(err instanceof Unauthorized);
      assert.equal(err.response?.headers.get("openstack-auth-receipt"), err.receipt);
      assert.deepEqual(err.requiredAuthMethods.map((m) => [...m].sort()), [["password", "totp"]]);
      assert.deepEqual(err.methods, ["password"]);
      assert.ok(err.expiresAt && err.expiresAt.getTime() > Date.now(), "receipt expiry parsed");
      assert.ok(!err.message.includes(mfaUser.password));
      assert.ok(!`${err.message} ${Deno.inspect(err)}`.includes(err.receipt));

      // continued with the missing method and the receipt (keystoneauth1's ReceiptMethod)
      const continued = new v3.Totp({
        authUrl,
        username: mfaUser.name,
        userDomainId: mfaUser.domain_id,
        passcode: await totpPasscode(mfaUser.totp_secret!),
        projectId: demoProjectId,
        receipt: err.receipt,
      });
      const continuedAccess = await new Session({ auth: continued }).getAccess();
      assert.deepEqual([...continuedAccess.methods].sort(), ["password", "totp"]);
      assert.equal(continuedAccess.userId, mfaUser.id);

      const mfa = new v3.MultiFactor({
        authUrl,
        methods: ["password", "totp"],
        username: mfaUser.name,
        userDomainId: mfaUser.domain_id,
        password: mfaUser.password,
        passcode: await totpPasscode(mfaUser.totp_secret!),
        projectId: demoProjectId,
      });
      const mfaSess = new Session({ auth: mfa });
      const mfaAccess = await mfaSess.getAccess();
      assert.deepEqual([...mfaAccess.methods].sort(), ["password", "totp"]);
      assert.equal(mfaAccess.userId, mfaUser.id);
      assert.equal(mfaAccess.projectId, demoProjectId);
      assert.deepEqual(await myProjects(mfaSess), [demoProjectId]);
      const mfaShown = `${Deno.inspect(mfa)} ${JSON.stringify(mfa)}`;
      assert.ok(!mfaShown.includes(mfaUser.password), "no password in inspect or JSON");
    });

    await t.step("catalog: interface lists and regions pick the right port", async () => {
      const p = f.placement.ports;
      const k = f.keystone.ports;
      const cases: [Record<string, unknown>, number][] = [
        [{ serviceType: "identity" }, k.public],
        [{ serviceType: "identity", interface: ["internal", "public"] }, k.internal],
        [{ serviceType: "identity", interface: ["admin", "internal"] }, k.admin],
        [{ ...pl }, p.public],
        [{ ...pl, interface: "internalURL" }, p.internal],
        [{ ...pl, interface: ["admin", "public"] }, p.admin],
        [{ ...pl, interface: ["nonsense", "internal"] }, p.internal],
        [{ ...pl, regionName: "RegionOne", interface: "admin" }, p.admin],
        [{ ...pl, regionName: "RegionTwo" }, p.region_two],
        [
          { ...pl, regionName: "RegionTwo", interface: ["internal", "admin", "public"] },
          p
            .region_two,
        ],
        [{ serviceType: "placement", serviceId: f.catalog.placement.service_id }, p.public],
        [{
          ...pl,
          interface: "admin",
          endpointId: f.catalog.placement.endpoints.RegionOne!.admin!.id,
        }, p.admin],
      ];
      for (const [filter, port] of cases) {
        assert.equal(
          portOf(await adminSess.getEndpoint(filter)),
          String(port),
          JSON.stringify(filter),
        );
      }
      // requests go where the filter points (seen by the transport)
      const traffic = new Traffic();
      const sess = new Session({ auth: adminProject(), fetch: traffic.fetch });
      for (const [iface, port] of [["internal", p.internal], ["admin", p.admin]] as const) {
        const resp = await sess.get("/resource_providers", {
          endpointFilter: { ...pl, interface: [iface, "public"] },
        });
        assert.equal(resp.status, 200);
        await resp.body?.cancel();
        assert.equal(traffic.lines().at(-1), `GET ${port}/resource_providers 200`);
      }
      // a session's default region and interface (clouds.yaml region_name/interface)
      const r2 = new Session({
        auth: adminProject(),
        regionName: "RegionTwo",
        fetch: traffic.fetch,
      });
      const resp = await r2.get("/resource_providers", { endpointFilter: pl });
      await resp.body?.cancel();
      assert.equal(traffic.lines().at(-1), `GET ${p.region_two}/resource_providers 200`);
      await assert.rejects(
        r2.getEndpoint({ ...pl, interface: "internal" }),
        EndpointNotFound,
      );
    });

    await t.step("authenticated: false sends no token and fetches none", async () => {
      const traffic = new Traffic();
      const sess = new Session({ auth: adminProject(), fetch: traffic.fetch });
      const root = await sess.get(`${ksRoot}/`, { authenticated: false });
      assert.equal(root.status, 300);
      const versions = (await root.json()) as { versions: { values: { id: string }[] } };
      assert.ok(versions.versions.values.some((v) => v.id.startsWith("v3.")));
      const v3doc = await sess.get(authUrl, { authenticated: false });
      assert.equal(v3doc.status, 200);
      assert.match(((await v3doc.json()) as { version: { id: string } }).version.id, /^v3\.\d+$/);
      assert.equal(traffic.tokenRequests, 0);
      assert.ok(traffic.seen.every((s) => !s.token), "no X-Auth-Token sent");
      // Placement refuses an unauthenticated request: 401, no re-auth attempted
      await assert.rejects(
        sess.get(`${f.placement.url}/resource_providers`, { authenticated: false }),
        (e: unknown) => e instanceof Unauthorized && e.message.includes(KEYSTONE_401),
      );
      assert.equal(traffic.tokenRequests, 0);
    });

    await t.step("per-request auth overrides the session's plugin", async () => {
      const traffic = new Traffic();
      const sessionAuth = adminProject();
      const sess = new Session({ auth: sessionAuth, fetch: traffic.fetch });
      const demoAuth = password(demo);
      assert.deepEqual(await myProjects(sess, demoAuth), [demoProjectId]);
      assert.equal(sessionAuth.cachedAccess, undefined, "the session's plugin was not used");
      assert.equal(traffic.tokenRequests, 1);
      assert.deepEqual(await myProjects(sess), [adminProjectId]);
      assert.equal(traffic.tokenRequests, 2);
      // the catalog of the per-request plugin resolves the endpoint (demo, a member, may not
      // list resource providers: the placement root instead)
      const resp = await sess.get("/", { endpointFilter: pl, auth: demoAuth });
      assert.equal(resp.status, 200);
      await resp.body?.cancel();
      assert.equal(traffic.tokenRequests, 2);
      assert.notEqual(await sess.getToken(demoAuth), await sess.getToken());
      // with authenticated: false the request's plugin still resolves the endpoint (its catalog,
      // as keystoneauth1), but no token is sent; a session without a plugin works the same way
      const bare = new Session({ fetch: traffic.fetch });
      const root = await bare.get("/", {
        endpointFilter: pl,
        auth: demoAuth,
        authenticated: false,
      });
      assert.equal(root.status, 200);
      await root.body?.cancel();
      assert.deepEqual(traffic.seen.at(-1), {
        method: "GET",
        url: `${f.placement.url}/`,
        status: 200,
        token: false,
      });
    });

    await t.step("a plugin shared by two sessions authenticates once", async () => {
      const traffic = new Traffic();
      const a = new Session({ auth: adminProject(), fetch: traffic.fetch });
      const b = new Session({ auth: a.auth, fetch: traffic.fetch, userAgent: "other/1" });
      assert.equal(b.auth, a.auth);
      const [ra, rb] = await Promise.all([
        a.get("/resource_providers", { endpointFilter: pl }),
        b.get(`${authUrl}/auth/projects`),
      ]);
      assert.equal(ra.status, 200);
      assert.equal(rb.status, 200);
      await ra.body?.cancel();
      await rb.body?.cancel();
      assert.deepEqual(await myProjects(b), [adminProjectId]);
      assert.equal(traffic.tokenRequests, 1);
      assert.equal(await a.getToken(), await b.getToken());
    });

    for (const target of ["Keystone", "Placement"] as const) {
      await t.step(`a revoked token: 401 from ${target}, re-auth once, retry`, async () => {
        const traffic = new Traffic();
        const sess = new Session({ auth: adminProject(), fetch: traffic.fetch });
        const get = (allowReauth = true) =>
          target === "Keystone"
            ? sess.get(`${authUrl}/auth/projects`, { allowReauth })
            : sess.get("/resource_providers", { endpointFilter: pl, allowReauth });
        const first = await get();
        assert.equal(first.status, 200);
        await first.body?.cancel();
        const before = await sess.getToken();
        await revoke(before);
        const again = await get();
        assert.equal(again.status, 200);
        await again.body?.cancel();
        const after = await sess.getToken();
        assert.notEqual(after, before);
        assert.equal(traffic.tokenRequests, 2);
        const path = target === "Keystone" ? "/v3/auth/projects" : "/resource_providers";
        const port = target === "Keystone" ? f.keystone.ports.public : f.placement.ports.public;
        assert.deepEqual(traffic.lines().slice(-3), [
          `GET ${port}${path} 401`,
          `POST ${f.keystone.ports.public}/v3/auth/tokens 201`,
          `GET ${port}${path} 200`,
        ]);
        // allowReauth: false gives the 401 to the caller
        await revoke(after);
        const err = await get(false).then(() => undefined, (e: unknown) => e);
        assert.ok(err instanceof Unauthorized, String(err));
        assert.equal(err.status, 401);
        assert.ok(err.message.includes(KEYSTONE_401), err.message);
        assert.equal(traffic.tokenRequests, 2);
      });
    }

    await t.step("50 concurrent first requests: one token request", async () => {
      const traffic = new Traffic();
      const sess = new Session({ auth: adminProject(), fetch: traffic.fetch });
      const responses = await Promise.all(
        Array.from(
          { length: 50 },
          (_, i) =>
            i % 2 === 0
              ? sess.get("/resource_providers", { endpointFilter: pl })
              : sess.get("/auth/projects", { endpointFilter: { serviceType: "identity" } }),
        ),
      );
      for (const r of responses) {
        assert.equal(r.status, 200);
        await r.body?.cancel();
      }
      assert.equal(traffic.tokenRequests, 1);
      assert.equal(traffic.seen.filter((s) => s.method === "GET" && s.token).length, 50);
    });

    await t.step("wrong password: Unauthorized with Keystone's message", async () => {
      const wrong = "not-the-password";
      const err = await new Session({
        auth: new v3.Password({
          authUrl,
          username: admin.name,
          password: wrong,
          userDomainId: "default",
          projectName: "admin",
          projectDomainId: "default",
        }),
      }).get(`${authUrl}/auth/projects`).then(() => undefined, (e: unknown) => e);
      assert.ok(err instanceof Unauthorized, String(err));
      assert.ok(err instanceof HttpError && err instanceof OsAuthError);
      assert.equal(err.name, "Unauthorized");
      assert.equal(err.status, 401);
      assert.equal(err.method, "POST");
      assert.equal(err.url, `${authUrl}/auth/tokens`);
      assert.ok(err.message.includes(KEYSTONE_401), err.message);
      assert.equal((err.details as { error: { message: string } }).error.message, KEYSTONE_401);
      assert.ok(err.requestId?.startsWith("req-"), "Keystone's request id is kept");
      assert.ok(!err.message.includes(wrong), "the password is not in the message");
    });

    await t.step("unknown service type: EndpointNotFound lists the catalog", async () => {
      for (
        const attempt of [
          () => adminSess.getEndpoint({ serviceType: "dns" }),
          () => adminSess.get("/zones", { endpointFilter: { serviceType: "dns" } }),
        ]
      ) {
        const err = await attempt().then(() => undefined, (e: unknown) => e);
        assert.ok(err instanceof EndpointNotFound, String(err));
        assert.equal(err.name, "EndpointNotFound");
        assert.match(err.message, /dns/);
        assert.match(err.message, /identity/);
        assert.match(err.message, /placement/);
      }
      // an unscoped token has no catalog at all
      const unscoped = new Session({ auth: password(admin) });
      await assert.rejects(unscoped.getEndpoint(pl), EndpointNotFound);
    });

    await t.step("generic Password from the unversioned root URL discovers v3", async () => {
      const traffic = new Traffic();
      const auth = new Password({
        authUrl: ksRoot,
        username: admin.name,
        password: admin.password,
        userDomainId: "default",
        projectName: "admin",
        projectDomainId: "default",
      });
      const sess = new Session({ auth, fetch: traffic.fetch });
      const access = await sess.getAccess();
      assert.equal(access.version, "v3");
      assert.equal(access.projectId, adminProjectId);
      assert.ok(auth.resolvedPlugin instanceof v3.Password);
      assert.equal(auth.resolvedPlugin.authUrl.replace(/\/+$/, ""), authUrl);
      assert.deepEqual(traffic.lines(), [
        `GET ${f.keystone.ports.public}/ 300`,
        `POST ${f.keystone.ports.public}/v3/auth/tokens 201`,
      ]);
      assert.deepEqual(await myProjects(sess), [adminProjectId]);
      const rps = await sess.get("/resource_providers", { endpointFilter: pl });
      assert.equal(rps.status, 200);
      await rps.body?.cancel();
      assert.equal(traffic.tokenRequests, 1);
    });
  },
});

/**
 * What osauth must do on Cloudflare Workers (workerd) and in browsers, run
 * there by tests/runtimes/worker.ts and tests/runtimes/page.ts against the
 * built package (scripts/build-npm.mjs rewrites the imports below to
 * `@x/osauth` and `@x/osauth/clouds`). The drivers (workerd.test.ts,
 * browser.test.ts) serve the clouds and read the results.
 *
 * `fakeCloudScenario` runs against a FakeCloud served by the driver (default
 * user admin / "secret", project p-admin; the driver injects a 302 on
 * `/compute/v2.1/p-admin/old`); `realCloudScenario` against the real Keystone
 * and Placement of scripts/openstack-dev.sh, through their CORS in a browser.
 *
 * @module
 */
import {
  Adapter,
  CloudConfigError,
  ConnectFailure,
  NotFound,
  OptionError,
  Session,
  v3,
  VERSION,
} from "../../mod.ts";
import { loadCloudConfig, sessionFromCloud } from "../../src/clouds/mod.ts";
import { check, rejects } from "../smoke/checks.ts";

/** One check's outcome. */
export interface Outcome {
  name: string;
  ok: boolean;
  error?: string;
}

/** Where a scenario runs. */
export type Where = "workerd" | "workerd-nodejs_compat" | "browser";

/** What the FakeCloud's echo answers (the part checked here). */
interface Echo {
  path: string;
  headers: Record<string, string>;
  microversion?: string;
  auth: { userId: string; projectId: string | null };
}

async function run(checks: [string, () => Promise<void>][]): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  for (const [name, fn] of checks) {
    try {
      await fn();
      outcomes.push({ name, ok: true });
    } catch (err) {
      outcomes.push({
        name,
        ok: false,
        error: err instanceof Error
          ? `${err.name}: ${err.message}\n${err.stack ?? ""}`
          : String(err),
      });
    }
  }
  return outcomes;
}

/** The checks against a FakeCloud at `authUrl` (`<origin>/v3`). */
export function fakeCloudScenario(authUrl: string, where: Where): Promise<Outcome[]> {
  const origin = new URL(authUrl).origin;
  const password = () =>
    new v3.Password({
      authUrl,
      username: "admin",
      password: "secret",
      userDomainId: "default",
      projectName: "admin",
      projectDomainId: "default",
    });
  const auth = password();
  const sess = new Session({ auth });
  const compute = { endpointFilter: { serviceType: "compute" } };
  const browser = where === "browser";
  return run([
    ["password authentication and the catalog", async () => {
      const token = await sess.getToken();
      check(token.length > 20, "a token (X-Subject-Token readable)");
      const endpoint = await sess.getEndpoint({ serviceType: "compute", interface: "public" });
      check(endpoint === `${origin}/compute/v2.1/p-admin`, `compute endpoint: ${endpoint}`);
    }],
    ["a request through the catalog", async () => {
      const echo = await (await sess.get("/servers", compute)).json() as Echo;
      check(echo.path === "/compute/v2.1/p-admin/servers", `path ${echo.path}`);
      check(echo.auth.projectId === "p-admin", "scoped token sent");
    }],
    [
      browser
        ? "User-Agent: osauth sets none in a browser, the browser's own is sent (D-user-agent)"
        : "User-Agent: osauth/<version> Cloudflare-Workers (detected as Workers, not Node)",
      async () => {
        const echo = await (await sess.get("/ua", compute)).json() as Echo;
        const ua = echo.headers["user-agent"] ?? "";
        if (browser) check(/^Mozilla\//.test(ua) && !ua.includes("osauth"), `sent ${ua}`);
        else check(ua === `osauth/${VERSION} Cloudflare-Workers`, `sent ${ua}`);
      },
    ],
    ["userAgent: '' sends none", async () => {
      const token = await sess.getToken();
      const url = `${origin}/compute/v2.1/p-admin/plain`;
      const plain = await (await fetch(url, { headers: { "X-Auth-Token": token } })).json() as Echo;
      const none = await (await new Session({ auth, userAgent: "" }).get("/none", compute))
        .json() as Echo;
      check(
        none.headers["user-agent"] === plain.headers["user-agent"] &&
          !(none.headers["user-agent"] ?? "").includes("osauth"),
        `userAgent "": ${none.headers["user-agent"]}; plain fetch: ${plain.headers["user-agent"]}`,
      );
    }],
    ["Adapter with a microversion", async () => {
      const adapter = new Adapter(sess, { serviceType: "compute", defaultMicroversion: "2.79" });
      const resp = await adapter.get("/flavors");
      const echo = await resp.json() as Echo;
      check(echo.microversion === "2.79", `negotiated ${echo.microversion}`);
      check(echo.headers["openstack-api-version"] === "compute 2.79", "OpenStack-API-Version sent");
      check(echo.headers["x-openstack-nova-api-version"] === "2.79", "legacy header sent");
      const answered = resp.headers.get("openstack-api-version");
      check(answered === "compute 2.79", `OpenStack-API-Version readable: ${answered}`);
    }],
    ["version discovery", async () => {
      const data = await new Adapter(sess, { serviceType: "compute" }).getEndpointData();
      check(data.apiVersion?.[0] === 2 && data.apiVersion[1] === 1, `version ${data.apiVersion}`);
      check(data.maxMicroversion === "2.95", `max ${data.maxMicroversion}`);
      const placement = await sess.getEndpointData({
        serviceType: "placement",
        minVersion: "1",
        maxVersion: "latest",
      });
      check(placement.serviceUrl === `${origin}/placement/`, `placement ${placement.serviceUrl}`);
    }],
    ["an error with its request id", async () => {
      const err = await rejects(
        // Keystone's token validation of a token it does not know: 404 "Could not find token."
        sess.get(`${authUrl}/auth/tokens`, { headers: { "X-Subject-Token": "no-such-token" } }),
        NotFound,
      );
      check(/^req-[0-9a-f-]{36}$/.test(err.requestId ?? ""), `request id ${err.requestId}`);
      check(err.message.includes(err.requestId!), err.message);
    }],
    [
      browser
        ? "a redirect: a clear error (the browser hides it: an opaque redirect, D-opaque-redirect)"
        : "a redirect is followed",
      async () => {
        if (browser) {
          const err = await rejects(sess.get("/old", compute), ConnectFailure);
          check(/opaque redirect/.test(err.message), err.message);
          check(err.message.includes("/compute/v2.1/p-admin/old"), err.message);
        } else {
          const echo = await (await sess.get("/old", compute)).json() as Echo;
          check(echo.path === "/compute/v2.1/p-admin/new", `followed to ${echo.path}`);
        }
      },
    ],
    ["clouds from the yaml option", async () => {
      const yaml = [
        "clouds:",
        "  fake:",
        "    auth:",
        `      auth_url: ${authUrl}`,
        "      username: admin",
        "      password: secret",
        "      project_name: admin",
        "      user_domain_id: default",
        "      project_domain_id: default",
        "    region_name: RegionOne",
        "    compute_api_version: '2.79'",
      ].join("\n");
      const cloudSess = await sessionFromCloud({ yaml, cloud: "fake", env: {} });
      const echo = await (await cloudSess.get("/servers", compute)).json() as Echo;
      check(echo.path === "/compute/v2.1/p-admin/servers", `path ${echo.path}`);
      const cfg = await loadCloudConfig({ yaml, cloud: "fake", env: {} });
      check(cfg.regionName === "RegionOne", `region ${cfg.regionName}`);
    }],
    ["clouds without a file system: a CloudConfigError naming the yaml option", async () => {
      const err = await rejects(loadCloudConfig({ cloud: "fake", env: {} }), CloudConfigError);
      // workerd's nodejs_compat has a node:fs (with no clouds.yaml in it): files are just missing.
      if (where !== "workerd-nodejs_compat") {
        check(/`yaml` option/.test(err.message) && /files/.test(err.message), err.message);
      }
    }],
    [`TLS options: advice for ${browser ? "browsers" : "Cloudflare Workers"}`, async () => {
      const err = await rejects(
        new Session({ verify: "/etc/ssl/private-ca.pem" }).get(authUrl),
        OptionError,
      );
      const want = browser ? /in a browser/ : /on Cloudflare Workers/;
      check(want.test(err.message) && !/NODE_EXTRA_CA_CERTS/.test(err.message), err.message);
    }],
  ]);
}

/** What the page needs to talk to the real dev cloud (from its fixtures.json). */
export interface RealCloud {
  authUrl: string;
  username: string;
  password: string;
  projectName: string;
  placementUrl: string;
}

/** The checks against the real Keystone and Placement, through their `[cors]`. */
export function realCloudScenario(cloud: RealCloud): Promise<Outcome[]> {
  const sess = new Session({
    auth: new v3.Password({
      authUrl: cloud.authUrl,
      username: cloud.username,
      password: cloud.password,
      userDomainId: "default",
      projectName: cloud.projectName,
      projectDomainId: "default",
    }),
  });
  const placement = new Adapter(sess, { serviceType: "placement", defaultMicroversion: "1.10" });
  return run([
    ["Keystone: password authentication and the catalog", async () => {
      const token = await sess.getToken();
      check(token.length > 20, "a token (X-Subject-Token exposed)");
      const url = await sess.getEndpoint({ serviceType: "placement", interface: "public" });
      check(url.replace(/\/$/, "") === cloud.placementUrl.replace(/\/$/, ""), `placement ${url}`);
    }],
    ["Placement: a request through the catalog", async () => {
      const resp = await sess.get("/resource_providers", {
        endpointFilter: { serviceType: "placement" },
      });
      const body = await resp.json() as { resource_providers?: unknown[] };
      check(Array.isArray(body.resource_providers), JSON.stringify(body));
    }],
    ["Placement: Adapter with a microversion", async () => {
      const resp = await placement.get("/resource_providers");
      await resp.body?.cancel();
      const answered = resp.headers.get("openstack-api-version");
      check(answered === "placement 1.10", `OpenStack-API-Version readable: ${answered}`);
    }],
    ["Placement: version discovery", async () => {
      const data = await placement.getEndpointData();
      check(data.apiVersion?.[0] === 1, `version ${data.apiVersion}`);
      check(data.maxMicroversion === "1.39", `max ${data.maxMicroversion}`);
    }],
    ["Placement: an error with its request id", async () => {
      const err = await rejects(
        placement.get(`/resource_providers/${crypto.randomUUID()}`),
        NotFound,
      );
      check(/^req-[0-9a-f-]{36}$/.test(err.requestId ?? ""), `request id ${err.requestId}`);
    }],
  ]);
}

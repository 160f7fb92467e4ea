// sessionFromCloud: auth_type -> plugin mapping, Session options from the
// cloud entry, and a token fetched from a FakeCloud served on 127.0.0.1.
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { CloudConfigError, loadCloudConfig, sessionFromCloud } from "../../src/clouds/mod.ts";
import { authPluginFromCloud } from "../../src/clouds/session.ts";
import * as generic from "../../src/identity/generic.ts";
import * as v2 from "../../src/identity/v2/mod.ts";
import * as v3 from "../../src/identity/v3/mod.ts";
import { HttpBasic } from "../../src/plugins/http_basic.ts";
import { NoAuth } from "../../src/plugins/noauth.ts";
import { TokenEndpoint } from "../../src/plugins/token_endpoint.ts";
import { FakeCloud } from "../../src/testing/mod.ts";

const FIXTURES = fileURLToPath(new URL("../fixtures/clouds/", import.meta.url));
const TYPES = `${FIXTURES}diff/types.yaml`;
const DEV = `${FIXTURES}dev_cloud.yaml`;

Deno.test("auth_type maps to osauth's plugins", async () => {
  const cases: [string, string, unknown][] = [
    [TYPES, "appcred", v3.ApplicationCredential],
    [TYPES, "appcred_name", v3.ApplicationCredential],
    [TYPES, "totp", v3.Totp],
    [TYPES, "token_endpoint", TokenEndpoint],
    [TYPES, "admin_token", TokenEndpoint],
    [TYPES, "none", NoAuth],
    [TYPES, "http_basic", HttpBasic],
    [TYPES, "v3token", v3.Token],
    [TYPES, "token", generic.Token],
    [TYPES, "v2", v2.Password],
    [TYPES, "system", generic.Password],
    // password + identity_api_version 3: openstacksdk's generic plugin, which discovers
    [DEV, "osauth-admin", generic.Password],
    [DEV, "osauth-system", generic.Password],
  ];
  for (const [file, cloud, cls] of cases) {
    const session = await sessionFromCloud({ files: [file], env: {}, cloud });
    assert.ok(
      session.auth instanceof (cls as new (...a: never[]) => unknown),
      `${cloud}: ${session.auth?.constructor.name}`,
    );
  }
  const mfa = await loadCloudConfig({
    env: {},
    yaml: `clouds: {m: {auth_type: v3multifactor, auth_methods: [v3password, v3totp],
      auth: {auth_url: 'https://k/v3', user_id: u, password: p, passcode: '1', project_id: x}}}`,
  });
  assert.ok(authPluginFromCloud(mfa) instanceof v3.MultiFactor);
  const v2token = await loadCloudConfig({
    env: {},
    yaml:
      "clouds: {t: {auth_type: token, identity_api_version: '2.0', auth: {auth_url: 'https://k/v2.0', token: t}}}",
  });
  assert.ok(authPluginFromCloud(v2token) instanceof generic.Token); // discovers, as openstacksdk
  const token = (await sessionFromCloud({ files: [TYPES], env: {}, cloud: "token_endpoint" }))
    .auth as TokenEndpoint;
  assert.equal(token.endpoint, "http://nova.example.com:8774/v2.1"); // from the deprecated `url`
});

Deno.test("Session options come from the cloud entry; explicit session options win", async () => {
  const session = await sessionFromCloud({
    env: { HOME: "/home/tester" },
    yaml: `
clouds:
  c:
    auth: {auth_url: 'https://k.example.com/v3', username: u, password: p, user_domain_id: default}
    region_name: RegionTwo
    interface: internal
    cacert: ~/ca.pem
    cert: /tls/client.pem
    key: /tls/client.key
    api_timeout: 7
    compute_endpoint_override: https://nova.example.com/v2.1
    block_storage_api_version: '3'
`,
  });
  assert.equal(session.verify, "/home/tester/ca.pem");
  assert.deepEqual(session.cert, ["/tls/client.pem", "/tls/client.key"]);
  assert.equal(session.timeout, 7000);
  assert.deepEqual(session.defaultFilter, { interface: "internal", regionName: "RegionTwo" });
  assert.equal(session.endpointOverrides.compute, "https://nova.example.com/v2.1");
  assert.equal(session.apiVersions["block-storage"], "3");
  assert.equal(session.apiVersions.network, "2"); // openstacksdk's defaults.json

  const overridden = await sessionFromCloud({
    files: [DEV],
    env: {},
    cloud: "osauth-demo",
    session: { timeout: 1234, regionName: "RegionTwo", userAgent: "probe/1" },
  });
  assert.equal(overridden.timeout, 1234);
  assert.equal(overridden.defaultFilter.regionName, "RegionTwo");
  assert.equal(overridden.userAgent, "probe/1");
});

Deno.test("missing secrets are named (never shown) before a Session is made", async () => {
  await assert.rejects(
    sessionFromCloud({
      files: [`${FIXTURES}diff/clouds_secure.yaml`],
      secureFiles: [],
      env: {},
      cloud: "split",
    }),
    (err: unknown) => {
      assert.ok(err instanceof CloudConfigError);
      assert.match(
        err.message,
        /cloud "split" \(auth_type password\) is missing the required auth field password/,
      );
      return true;
    },
  );
  for (
    const [yaml, field] of [
      ["{auth_type: v3token, auth: {auth_url: 'https://k/v3'}}", "token"],
      ["{auth_type: v3totp, auth: {auth_url: 'https://k/v3', user_id: u}}", "passcode"],
      ["{auth_type: admin_token, auth: {token: t}}", "endpoint"],
      ["{auth_type: http_basic, auth: {password: p}}", "username"],
    ]
  ) {
    await assert.rejects(
      sessionFromCloud({ yaml: `clouds: {c: ${yaml}}`, env: {} }),
      new RegExp(`missing the required auth field ${field}`),
    );
  }
});

const net = await Deno.permissions.query({ name: "net", host: "127.0.0.1" });

Deno.test({
  name: net.state === "granted"
    ? "a clouds.yaml cloud authenticates against a FakeCloud on 127.0.0.1"
    : "a clouds.yaml cloud authenticates against a FakeCloud on 127.0.0.1 (SKIPPED: needs --allow-net=127.0.0.1)",
  ignore: net.state !== "granted",
  async fn() {
    const cloud = new FakeCloud();
    const server = await cloud.serve();
    try {
      for (const authType of ["password", "v3password"]) {
        const session = await sessionFromCloud({
          env: {},
          yaml: `
clouds:
  fake:
    auth_type: ${authType}
    auth:
      auth_url: ${server.authUrl}
      username: admin
      password: secret
      project_name: admin
      user_domain_id: default
      project_domain_id: default
    region_name: RegionOne
`,
        });
        const token = await session.getToken();
        assert.ok(token.length > 10);
        const url = await session.getEndpoint({ serviceType: "compute" });
        assert.ok(url?.startsWith(server.url), url);
      }
    } finally {
      await server.close();
    }
  },
});

// loadCloudConfig: search path, precedence, secure.yaml, profiles, envvars,
// regions, errors and secret redaction. Fixtures: tests/fixtures/clouds/.
import assert from "node:assert/strict";
import { inspect } from "node:util";
import { fileURLToPath } from "node:url";
import { CloudConfigError, loadCloudConfig } from "../../src/clouds/mod.ts";
import { searchDirs } from "../../src/clouds/files.ts";

const FIXTURES = fileURLToPath(new URL("../fixtures/clouds/", import.meta.url));
const HOME = `${FIXTURES}home`;
const DEV = `${FIXTURES}dev_cloud.yaml`;

async function rejects(p: Promise<unknown>, re: RegExp): Promise<CloudConfigError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof CloudConfigError, `expected CloudConfigError, got ${err}`);
    assert.match(err.message, re);
    return err;
  }
  assert.fail(`expected a CloudConfigError matching ${re}`);
}

Deno.test(
  "no permission at all: the yaml and env options need neither --allow-read nor --allow-env",
  {
    permissions: "none",
  },
  async () => {
    const cloud = await loadCloudConfig({
      env: { OS_CLOUD: "prod" },
      yaml: `
defaults: &defaults
  auth_url: https://keystone.example.com:5000/v3
  user_domain_id: default
  project_domain_id: default
clouds:
  prod:
    auth:
      <<: *defaults
      username: ops
      password: ops-secret
      project_name: production
    verify: no
    regions: [RegionOne, RegionTwo]
  test:
    auth: {<<: *defaults, username: t, password: t}
`,
    });
    assert.equal(cloud.name, "prod");
    assert.equal(cloud.regionName, "RegionOne");
    assert.deepEqual(cloud.regions, ["RegionOne", "RegionTwo"]);
    assert.equal(cloud.verify, false);
    assert.equal(cloud.auth.auth_url, "https://keystone.example.com:5000/v3");
    assert.equal(cloud.auth.password, "ops-secret");
    assert.equal(cloud.file, "<yaml option>");
  },
);

Deno.test("the clouds.yaml the real-Keystone script writes loads as openstacksdk loads it", async () => {
  const admin = await loadCloudConfig({ files: [DEV], env: {}, cloud: "osauth-admin" });
  assert.equal(admin.authType, "password");
  assert.equal(admin.identityApiVersion, "3");
  assert.equal(admin.regionName, "RegionOne");
  assert.equal(admin.interface, "public");
  assert.deepEqual(admin.auth, {
    auth_url: "http://127.0.0.1:15000/v3",
    project_name: "admin",
    project_domain_id: "default",
    username: "admin",
    user_domain_id: "default",
    password: "admin-secret-pw",
  });
  const appcred = await loadCloudConfig({ files: [DEV], env: { OS_CLOUD: "osauth-appcred" } });
  assert.equal(appcred.authType, "v3applicationcredential");
  assert.equal(appcred.auth.application_credential_id, "6d1f8c1f2a8d4c1e9b1e0f6a3c5d7e90");
  const system = await loadCloudConfig({ files: [DEV], env: {}, cloud: "osauth-system" });
  assert.equal(system.auth.system_scope, "all");
});

Deno.test("search path: ~/.config/openstack with secure.yaml merged and a clouds-public.yaml profile", async () => {
  const cloud = await loadCloudConfig({ env: { HOME, OS_CLOUD: "home" } });
  assert.equal(cloud.file, `${HOME}/.config/openstack/clouds.yaml`);
  assert.equal(cloud.secureFile, `${HOME}/.config/openstack/secure.yaml`);
  assert.equal(cloud.auth.auth_url, "https://identity.example.net/v3"); // from the profile
  assert.equal(cloud.auth.password, "home-secret"); // from secure.yaml
  assert.equal(cloud.auth.username, "homer");
  assert.equal(cloud.identityApiVersion, "3");
  assert.deepEqual(cloud.endpointOverrides, { "block-storage": "https://volume.example.net/v3" });
  assert.equal(cloud.regionName, "HomeRegion");

  const second = await loadCloudConfig({ env: { HOME }, cloud: "second" });
  assert.equal(second.authType, "v3token");
  assert.equal(second.auth.token, "second-token");
});

Deno.test("search path: $XDG_CONFIG_HOME/openstack comes before ~/.config/openstack; clouds.yml is found", async () => {
  const cloud = await loadCloudConfig({
    env: { HOME, XDG_CONFIG_HOME: `${FIXTURES}xdg`, OS_CLOUD: "xdg" },
  });
  assert.equal(cloud.name, "xdg");
  assert.equal(cloud.file, `${FIXTURES}xdg/openstack/clouds.yml`);
  // secure.yaml is searched on its own: the one in ~/.config/openstack is merged in
  assert.equal(cloud.secureFile, `${HOME}/.config/openstack/secure.yaml`);
  assert.equal(cloud.authType, "none");
  assert.equal(cloud.auth.endpoint, "http://127.0.0.1:6385");
});

Deno.test("search directories per OS, as openstacksdk (platformdirs) has them", () => {
  assert.deepEqual(searchDirs({ HOME: "/home/u" }, "linux", "/work"), [
    "/work",
    "/home/u/.config/openstack",
    "/etc/xdg/openstack",
    "/etc/openstack",
  ]);
  assert.deepEqual(searchDirs({ HOME: "/home/u", XDG_CONFIG_HOME: "/x" }, "linux", "/w"), [
    "/w",
    "/x/openstack",
    "/home/u/.config/openstack",
    "/etc/xdg/openstack",
    "/etc/openstack",
  ]);
  assert.deepEqual(searchDirs({ HOME: "/Users/u" }, "darwin", "/w"), [
    "/w",
    "/Users/u/Library/Application Support/openstack",
    "/Users/u/.config/openstack",
    "/Library/Application Support/openstack",
    "/etc/openstack",
  ]);
  assert.deepEqual(
    searchDirs(
      { USERPROFILE: "C:\\Users\\u", LOCALAPPDATA: "C:\\Users\\u\\AppData\\Local" },
      "windows",
      "C:\\w",
    ),
    [
      "C:\\w",
      "C:\\Users\\u\\AppData\\Local\\OpenStack\\openstack",
      "C:\\Users\\u\\.config\\openstack",
      "/etc/openstack",
    ],
  );
  // no HOME: only the current and system directories
  assert.deepEqual(searchDirs({}, "linux", "/w"), ["/w", "/etc/xdg/openstack", "/etc/openstack"]);
});

Deno.test("OS_CLIENT_CONFIG_FILE is tried before the files given; OS_CLIENT_SECURE_FILE likewise", async () => {
  const cloud = await loadCloudConfig({
    files: [DEV],
    env: {
      OS_CLIENT_CONFIG_FILE: `${FIXTURES}diff/clouds_secure.yaml`,
      OS_CLIENT_SECURE_FILE: `${FIXTURES}diff/secure.yaml`,
      OS_CLOUD: "split",
      HOME: "/home/tester",
    },
  });
  assert.equal(cloud.file, `${FIXTURES}diff/clouds_secure.yaml`);
  assert.equal(cloud.auth.password, "judy-secret");
  assert.equal(cloud.cacert, "/home/tester/certs/ca.pem"); // ~ expanded with HOME
  assert.equal(cloud.verify, "/home/tester/certs/ca.pem");
  assert.equal(cloud.cert, "/home/tester/certs/client.pem");
  assert.equal(cloud.key, "/home/tester/certs/client.key");
});

Deno.test("precedence: the cloud option beats OS_CLOUD, which beats the single-cloud default", async () => {
  const env = { OS_CLOUD: "osauth-demo" };
  assert.equal((await loadCloudConfig({ files: [DEV], env })).name, "osauth-demo");
  assert.equal(
    (await loadCloudConfig({ files: [DEV], env, cloud: "osauth-admin" })).name,
    "osauth-admin",
  );
  const single = `${FIXTURES}diff/single.yaml`;
  assert.equal((await loadCloudConfig({ files: [single], env: {} })).name, "only");
});

Deno.test("regionName option picks a region and its values; OS_REGION_NAME only feeds the envvars cloud", async () => {
  const regions = `${FIXTURES}diff/regions.yaml`;
  const r2 = await loadCloudConfig({
    files: [regions],
    env: {},
    cloud: "multi",
    regionName: "RegionTwo",
  });
  assert.equal(r2.regionName, "RegionTwo");
  assert.equal(r2.interface, "internal");
  assert.equal(r2.auth.project_id, "r2project");
  assert.deepEqual(r2.endpointOverrides, { compute: "https://nova.r2.example.com/v2.1" });
  assert.deepEqual(r2.regions, ["RegionOne", "RegionTwo", "RegionThree"]);

  const err = await rejects(
    loadCloudConfig({ files: [regions], env: {}, cloud: "multi", regionName: "regiontwo" }),
    /region "regiontwo" is not a valid region of cloud "multi"; valid regions: RegionOne, RegionTwo, RegionThree/,
  );
  assert.doesNotMatch(err.message, /grace-pw/);

  const fmt = await loadCloudConfig({ files: [regions], env: {}, cloud: "formatted" });
  assert.equal(fmt.auth.auth_url, "https://keystone.eu1.example.com:5000/v3");
  assert.equal(fmt.endpointOverrides.image, "https://glance.eu1.example.com");

  const fileCloud = await loadCloudConfig({
    files: [DEV],
    env: { OS_CLOUD: "osauth-demo", OS_REGION_NAME: "RegionTwo" },
  });
  assert.equal(fileCloud.regionName, "RegionOne");
});

Deno.test("the envvars cloud: made from OS_* auth variables, not from selectors alone", async () => {
  const cloud = await loadCloudConfig({
    files: [],
    env: {
      OS_AUTH_URL: "https://keystone.example.com:5000/v3",
      OS_USERNAME: "wendy",
      OS_PASSWORD: "wendy-pw",
      OS_PROJECT_NAME: "p",
      OS_USER_DOMAIN_NAME: "Default",
      OS_PROJECT_DOMAIN_NAME: "Default",
      OS_REGION_NAME: "RegionOne",
      OS_INTERFACE: "internal",
      OS_IDENTITY_API_VERSION: "3",
      OS_COMPUTE_API_VERSION: "2.79",
      OS_INSECURE: "true",
      OS_API_TIMEOUT: "12.5",
      OS_TEST_TIMEOUT: "99", // CI variable openstacksdk ignores
    },
  });
  assert.equal(cloud.name, "envvars");
  assert.equal(cloud.regionName, "RegionOne");
  assert.equal(cloud.interface, "internal");
  assert.equal(cloud.identityApiVersion, "3");
  assert.equal(cloud.apiVersions.compute, "2.79");
  assert.equal(cloud.verify, false);
  assert.equal(cloud.apiTimeout, 12.5);
  assert.equal(cloud.auth.username, "wendy");

  // OS_CLOUD_NAME renames it; selectors alone make no envvars cloud
  const named = await loadCloudConfig({
    files: [DEV],
    env: {
      OS_CLOUD_NAME: "mine",
      OS_AUTH_URL: "https://k/v3",
      OS_TOKEN: "t",
      OS_AUTH_TYPE: "v3token",
    },
  });
  assert.equal(named.name, "mine");
  await rejects(
    loadCloudConfig({ files: [], env: { OS_REGION_NAME: "RegionOne", OS_CLOUD: "x" } }),
    /no OpenStack cloud is configured: no OS_AUTH_URL/,
  );
  await rejects(
    loadCloudConfig({
      files: [`${FIXTURES}diff/single.yaml`],
      env: { OS_CLOUD_NAME: "only", OS_AUTH_URL: "x" },
    }),
    /defines a cloud named "only", which is the name of the cloud made from OS_\* variables/,
  );
});

Deno.test("an unknown cloud lists the clouds that exist; several clouds without a choice is an error", async () => {
  await rejects(
    loadCloudConfig({ files: [DEV], env: {}, cloud: "prod" }),
    /cloud "prod" was not found in .*dev_cloud.yaml; defined clouds: osauth-admin, osauth-demo, osauth-appcred, osauth-system/,
  );
  await rejects(
    loadCloudConfig({ files: [DEV], env: {} }),
    /several clouds are defined .*\(osauth-admin, .*\): choose one with the `cloud` option or OS_CLOUD/,
  );
});

Deno.test("missing required auth fields are named", async () => {
  const errors = `${FIXTURES}diff/errors.yaml`;
  await rejects(
    loadCloudConfig({ files: [errors], env: {}, cloud: "no_auth_url" }),
    /cloud "no_auth_url" \(auth_type password\) is missing the required auth field auth_url \(set auth.auth_url or OS_AUTH_URL\)/,
  );
  await rejects(
    loadCloudConfig({ files: [errors], env: {}, cloud: "v3_no_domain" }),
    /gives a username but no user_domain_id or user_domain_name/,
  );
  await rejects(
    loadCloudConfig({ files: [errors], env: {}, cloud: "appcred_no_id" }),
    /missing the required auth field application_credential_id \(or application_credential_name\)/,
  );
  await rejects(
    loadCloudConfig({
      yaml: "clouds: {a: {auth_type: v3oidcpassword, auth: {auth_url: x}}}",
      env: {},
    }),
    /auth_type "v3oidcpassword", which osauth does not support; supported: password, token,/,
  );
  await rejects(
    loadCloudConfig({
      yaml: "clouds: {a: {profile: nowhere, auth: {username: u, password: p}}}",
      env: {},
      vendorFiles: [],
    }),
    /missing the required auth field auth_url .*profile "nowhere" was not found/,
  );
});

Deno.test("bad files: the error names the file and, for YAML, the line; no secret is quoted", async () => {
  const yamlErr = await rejects(
    loadCloudConfig({ files: [`${FIXTURES}broken_yaml.txt`], env: {} }),
    /invalid YAML in .*broken_yaml\.txt at line 6, column \d+: /,
  );
  assert.doesNotMatch(yamlErr.message, /hunter2/);
  assert.equal(yamlErr.cause, undefined);

  const jsonErr = await rejects(
    loadCloudConfig({ files: [`${FIXTURES}broken-json`], env: {} }),
    /invalid JSON in .*broken-json at line 5, column \d+$/,
  );
  assert.doesNotMatch(jsonErr.message, /hunter2/);

  await rejects(
    loadCloudConfig({ files: [`${FIXTURES}not_mapping.txt`], env: {} }),
    /not_mapping\.txt is not a mapping/,
  );
  await rejects(
    loadCloudConfig({ yaml: "clouds:\n  a: [1,\n", env: {} }),
    /invalid YAML in <yaml option> at line 3/,
  );
  // an empty file is nothing, as in openstacksdk (issue #11): here no cloud at all
  await rejects(loadCloudConfig({ yaml: "", env: {} }), /no OpenStack cloud is configured/);
  await rejects(
    loadCloudConfig({
      yaml: "clouds: {a: {regions: [{name: r, bogus: 1}], auth: {auth_url: x}}}",
      env: {},
    }),
    /invalid region entry \(keys name, bogus\)/,
  );
  await rejects(
    loadCloudConfig({
      yaml: "clouds: {a: {auth: {auth_url: 'https://{nope}/v3', token: t}}}",
      env: {},
    }),
    /the value of auth_url refers to \{nope\}, which is not a setting of the cloud/,
  );
});

Deno.test("missing files are skipped as openstacksdk does", async () => {
  const cloud = await loadCloudConfig({
    files: [`${FIXTURES}nope.yaml`, DEV],
    env: { OS_CLOUD: "osauth-demo" },
  });
  assert.equal(cloud.file, DEV);
});

Deno.test("console.log, util.inspect and JSON.stringify never show secrets", async () => {
  const cloud = await loadCloudConfig({
    env: {},
    yaml: `
clouds:
  mfa:
    auth_type: v3multifactor
    auth_methods: v3password,v3totp
    auth:
      auth_url: https://keystone.example.com:5000/v3
      user_id: u1
      password: pw-SECRET-1
      passcode: "SECRET-2"
      application_credential_secret: SECRET-3
      token: SECRET-4
      secret: SECRET-5
    token: SECRET-6
`,
  });
  assert.deepEqual(cloud.auth.auth_methods, ["v3password", "v3totp"]);
  assert.equal(cloud.auth.password, "pw-SECRET-1");
  for (
    const text of [
      Deno.inspect(cloud, { depth: 10 }),
      inspect(cloud, { depth: 10 }),
      JSON.stringify(cloud),
      String(Deno.inspect({ nested: cloud }, { depth: 10 })),
    ]
  ) {
    assert.doesNotMatch(text, /SECRET/, text);
    assert.match(text, /\*\*\*/);
    assert.match(text, /keystone\.example\.com/);
  }
});

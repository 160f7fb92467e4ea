/**
 * clouds.yaml `cache: {auth: true}` (openstacksdk's switch): sessionFromCloud
 * shares the token through a FileStateStore in ~/.cache/osauth (or
 * $XDG_CACHE_HOME/osauth); absent or false keeps it in memory. The switch is
 * read as openstacksdk reads it (checked against openstacksdk itself).
 */
import assert from "node:assert/strict";
import { CloudConfigError } from "../../mod.ts";
import { loadCloudConfig, sessionFromCloud } from "../../src/clouds/mod.ts";
import { FAKE_CLOUD_DEFAULTS as D } from "../../src/testing/mod.ts";
import { serveCloud } from "./_helpers.ts";
import { PYTHON, PYTHON_REQUIRED } from "./_stores.ts";

function yaml(authUrl: string, cache: string): string {
  return `${cache}
clouds:
  dev:
    auth_type: v3password
    auth:
      auth_url: ${authUrl}
      user_id: ${D.userId}
      password: ${D.password}
      project_id: ${D.projectId}
`;
}

const COMPUTE = { serviceType: "compute" } as const;

// D-cache-auth-file
Deno.test("cache: {auth: true} shares the token between sessions through ~/.cache/osauth", async () => {
  const served = await serveCloud();
  const home = await Deno.makeTempDir({ prefix: "osauth-home-" });
  try {
    const text = yaml(served.authUrl, "cache:\n  auth: true");
    for (let i = 0; i < 3; i++) {
      const session = await sessionFromCloud({ yaml: text, env: { HOME: home } });
      assert.equal((await session.get("/servers", { endpointFilter: COMPUTE })).status, 200);
    }
    assert.equal(served.cloud.stats.tokenRequests, 1);
    const dir = `${home}/.cache/osauth`;
    assert.equal(Deno.statSync(dir).mode! & 0o777, 0o700);
    const files = [...Deno.readDirSync(dir)].map((e) => e.name);
    assert.equal(files.length, 1);
    assert.match(files[0]!, /^osauth-[0-9a-f]{64}\.json$/);
    assert.equal(Deno.statSync(`${dir}/${files[0]}`).mode! & 0o777, 0o600);
    // XDG_CACHE_HOME wins over HOME
    const xdg = `${home}/xdg`;
    const s = await sessionFromCloud({ yaml: text, env: { HOME: home, XDG_CACHE_HOME: xdg } });
    await s.get("/servers", { endpointFilter: COMPUTE });
    assert.equal([...Deno.readDirSync(`${xdg}/osauth`)].length, 1);
    assert.equal(served.cloud.stats.tokenRequests, 2);
  } finally {
    await served.close();
    await Deno.remove(home, { recursive: true });
  }
});

Deno.test("without cache.auth (absent, false, other keys only) the token stays in memory", async () => {
  const served = await serveCloud();
  const home = await Deno.makeTempDir({ prefix: "osauth-home-" });
  try {
    for (const cache of ["", "cache:\n  auth: false", "cache:\n  expiration_time: 60"]) {
      const before = served.cloud.stats.tokenRequests;
      for (let i = 0; i < 2; i++) {
        const session = await sessionFromCloud({
          yaml: yaml(served.authUrl, cache),
          env: { HOME: home },
        });
        await session.get("/servers", { endpointFilter: COMPUTE });
      }
      assert.equal(served.cloud.stats.tokenRequests, before + 2, JSON.stringify(cache));
    }
    assert.throws(() => Deno.statSync(`${home}/.cache`), Deno.errors.NotFound);
    await assert.rejects(
      loadCloudConfig({ yaml: yaml(served.authUrl, "cache: 5"), env: {} }),
      CloudConfigError,
    );
    await assert.rejects(
      sessionFromCloud({ yaml: yaml(served.authUrl, "cache: {auth: true}"), env: {} }),
      (err: Error) => err instanceof CloudConfigError && /HOME/.test(err.message),
    );
  } finally {
    await served.close();
    await Deno.remove(home, { recursive: true });
  }
});

const CASES = [
  "",
  "cache: {auth: true}",
  "cache: {auth: false}",
  "cache: {auth: 'True'}",
  "cache: {auth: 'yes'}",
  "cache: {auth: 1}",
  "cache: {expiration_time: 5}",
  "cache: {}",
];

/** openstacksdk's `_cache_auth` for each clouds.yaml text (one python run). */
async function openstacksdkCacheAuth(texts: string[]): Promise<boolean[]> {
  const dir = await Deno.makeTempDir({ prefix: "osauth-sdk-" });
  try {
    const files = texts.map((text, i) => {
      Deno.writeTextFileSync(`${dir}/clouds${i}.yaml`, text);
      return `${dir}/clouds${i}.yaml`;
    });
    const out = await new Deno.Command(PYTHON, {
      args: [
        "-c",
        "import sys, json; from openstack.config import loader; print(json.dumps([" +
        "loader.OpenStackConfig(config_files=[f], vendor_files=[], secure_files=[])._cache_auth " +
        "for f in sys.argv[1:]]))",
        ...files,
      ],
      stdout: "piped",
      stderr: "piped",
      env: { HOME: dir, PATH: "/usr/bin:/bin" },
      clearEnv: true,
    }).output();
    if (!out.success) throw new Error(new TextDecoder().decode(out.stderr));
    return JSON.parse(new TextDecoder().decode(out.stdout));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function sdkMissing(): Promise<string | undefined> {
  try {
    const out = await new Deno.Command(PYTHON, {
      args: ["-c", "import openstack.config.loader"],
      stdout: "null",
      stderr: "null",
    }).output();
    return out.success ? undefined : "python3-openstacksdk is not installed";
  } catch {
    return `${PYTHON} is not available`;
  }
}
const missing = await sdkMissing();

Deno.test({
  name: "cache.auth is read as openstacksdk reads it",
  ignore: missing !== undefined && !PYTHON_REQUIRED,
  async fn() {
    if (missing) throw new Error(`OSAUTH_REQUIRE_PYTHON=1 but ${missing}`);
    const texts = CASES.map((cache) => yaml("http://127.0.0.1:5000/v3", cache));
    const theirs = await openstacksdkCacheAuth(texts);
    for (const [i, text] of texts.entries()) {
      const ours = (await loadCloudConfig({ yaml: text, env: {} })).cacheAuth;
      assert.equal(ours, theirs[i], CASES[i]);
    }
    assert.deepEqual(theirs.filter(Boolean).length, 2, "true and 'True'");
  },
});

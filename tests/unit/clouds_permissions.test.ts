// Permissions: what the loader reads is exactly what its documentation says,
// a denied permission is a clear CloudConfigError naming the flag, and no
// permission is ever prompted for.
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { CloudConfigError, loadCloudConfig, OS_ENV_VARS } from "../../src/clouds/mod.ts";
import { childEnv } from "./_helpers.ts";

const FIXTURES = fileURLToPath(new URL("../fixtures/clouds/", import.meta.url));
const HOME = `${FIXTURES}home`;
const DEV = `${FIXTURES}dev_cloud.yaml`;
const IMPORT_ONLY = fileURLToPath(new URL("../fixtures/clouds/import_only.ts", import.meta.url));

async function rejects(p: Promise<unknown>, re: RegExp): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof CloudConfigError, String(err));
    assert.match(err.message, re);
    return true;
  });
}

Deno.test("without --allow-env the error names the flag and the env option", {
  permissions: { read: true, env: false },
}, async () => {
  await rejects(
    loadCloudConfig({ files: [DEV] }),
    /access to OS_CLOUD, .* is not granted: run with --allow-env=OS_\*,HOME,XDG_CONFIG_HOME or pass the `env` option/,
  );
});

Deno.test("a partial --allow-env lists what is missing", {
  permissions: { read: true, env: ["OS_CLOUD", "HOME"] },
}, async () => {
  await rejects(
    loadCloudConfig({ files: [DEV] }),
    /access to OS_CLOUD_NAME, .* and \d+ more is not granted/,
  );
});

Deno.test("a named file outside --allow-read is an error naming the flag", {
  permissions: { read: false, env: false },
}, async () => {
  await rejects(
    loadCloudConfig({ files: [DEV], env: {} }),
    new RegExp(`cannot read ${DEV}: read access is not granted \\(run with --allow-read=${DEV}\\)`),
  );
});

Deno.test("search-path locations outside --allow-read are skipped, never prompted for", {
  permissions: { read: [HOME], env: false },
}, async () => {
  // the current directory and /etc/openstack are not readable: skipped
  const cloud = await loadCloudConfig({ env: { HOME }, cloud: "second" });
  assert.equal(cloud.file, `${HOME}/.config/openstack/clouds.yaml`);
  // with nothing readable, the error says where it could not look
  await rejects(
    loadCloudConfig({ env: { HOME: "/nonexistent-home" } }),
    /not searched for lack of read permission: .*\(run with --allow-read=/,
  );
});

Deno.test("the runtime environment is read name by name when --allow-env covers OS_* and HOME", async () => {
  const set: Record<string, string> = {
    OS_CLOUD_NAME: "osauth-env-test",
    OS_AUTH_URL: "https://keystone.example.com:5000/v3",
    OS_AUTH_TYPE: "v3token",
    OS_TOKEN: "env-token",
    OS_PROJECT_ID: "p-env",
  };
  const saved = Object.fromEntries(Object.keys(set).map((k) => [k, Deno.env.get(k)]));
  try {
    for (const [k, v] of Object.entries(set)) Deno.env.set(k, v);
    const cloud = await loadCloudConfig({ files: [], cloud: "osauth-env-test" });
    assert.equal(cloud.name, "osauth-env-test");
    assert.equal(cloud.authType, "v3token");
    assert.equal(cloud.auth.token, "env-token");
    assert.equal(cloud.auth.project_id, "p-env");
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) Deno.env.delete(k);
      else Deno.env.set(k, v);
    }
  }
  assert.ok(OS_ENV_VARS.includes("OS_AUTH_URL") && OS_ENV_VARS.every((n) => n.startsWith("OS_")));
});

Deno.test("importing jsr:@x/osauth/clouds and loading from the yaml/env options need no permission", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--no-prompt", IMPORT_ONLY],
    env: childEnv(),
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(out.stderr);
  assert.ok(out.success, stderr);
  assert.equal(new TextDecoder().decode(out.stdout).trim(), "ok v3token RegionOne");
});

/**
 * The clouds.yaml files people really have (issue #11), each against
 * openstacksdk 0.101 + keystoneauth1 on the same recording server: devstack's
 * (`auth_url: http://host/identity`, `identity_api_version: 3`), a
 * conoha-style v2 profile, `profile: citycloud` without an auth URL, an
 * empty clouds.yaml with OS_* variables, unquoted 20-digit values; then what
 * openstacksdk reads that has no python twin here: the real environment,
 * the search path, hostile files, the vendor data.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import {
  adapterOptionsFromCloud,
  CloudConfigError,
  loadCloudConfig,
  serviceSettings,
  sessionFromCloud,
  sessionOptionsFromCloud,
} from "../../src/clouds/mod.ts";
import { loadAuthPlugin, NoAuth, OptionError, registerAuthType } from "../../mod.ts";
import { searchDirs, searchFiles } from "../../src/clouds/files.ts";
import { VENDOR_PROFILES } from "../../src/clouds/vendors_data.ts";
import { keystoneauthTest, PYTHON, runPythonJson } from "./_differential.ts";
import { startRecorder } from "./_recorder.ts";
import { authenticate, compareOutcomes, type Outcome } from "./_request_diff.ts";
import { childEnv, denoArgs } from "./_helpers.ts";

interface Fixed {
  name: string;
  clouds: string;
  secure?: string;
  public?: string;
  env?: Record<string, string>;
  cloud?: string;
  region?: string;
  /** Compare the config only (the auth URL is a real cloud's). */
  noAuth?: boolean;
  /** What the token request must be (checked on both sides). */
  expectPost?: { path: string; body?: unknown };
}

function fixedCases(base: (id: number, kind?: "k-both" | "k-v3" | "k-v2" | "k-none") => string) {
  const cases: Fixed[] = [
    {
      name: "devstack's clouds.yaml: unversioned auth_url + identity_api_version 3",
      clouds: `clouds:
  devstack:
    auth:
      auth_url: ${base(0, "k-v3")}/identity
      username: demo
      password: secretsecret
      project_name: demo
      user_domain_id: default
      project_domain_id: default
    identity_api_version: 3
    region_name: RegionOne
    volume_api_version: 3
`,
      expectPost: { path: "/k-v3/identity/v3/auth/tokens" },
    },
    {
      name: "devstack-admin with system scope",
      clouds: `clouds:
  devstack-system-admin:
    auth:
      auth_url: ${base(1, "k-v3")}/identity
      username: admin
      password: secretsecret
      system_scope: all
      user_domain_id: default
    identity_api_version: 3
    region_name: RegionOne
`,
      expectPost: { path: "/k-v3/identity/v3/auth/tokens" },
    },
    {
      name: "a conoha-style v2 profile (clouds-public.yaml)",
      clouds: `clouds:
  mine:
    profile: conoha-like
    region_name: tyo1
    auth:
      username: u1
      password: p1
      project_name: t1
`,
      public: `public-clouds:
  conoha-like:
    auth:
      auth_url: ${base(2, "k-v2")}
    identity_api_version: '2'
    regions: [sin1, sjc1, tyo1]
`,
      expectPost: {
        path: "/k-v2/v2.0/tokens",
        body: {
          auth: { passwordCredentials: { username: "u1", password: "p1" }, tenantName: "t1" },
        },
      },
    },
    {
      name: "profile: citycloud needs no auth_url (openstacksdk's vendor data)",
      clouds: `clouds:
  city:
    profile: citycloud
    region_name: Kna1
    auth: {username: u, password: p, project_name: x, user_domain_name: d, project_domain_name: d}
`,
      noAuth: true,
    },
    {
      name: "profile: conoha (openstacksdk's vendor data, {region_name} in the auth URL)",
      clouds: `clouds:
  c:
    profile: conoha
    auth: {username: u, password: p, project_name: x}
`,
      region: "sjc1",
      noAuth: true,
    },
    {
      name: "an empty clouds.yaml and OS_* variables: the envvars cloud",
      clouds: "",
      env: {
        OS_AUTH_URL: `${base(5, "k-v3")}/v3`,
        OS_USERNAME: "envuser",
        OS_PASSWORD: "envpass",
        OS_PROJECT_NAME: "envproj",
        OS_USER_DOMAIN_NAME: "Default",
        OS_PROJECT_DOMAIN_NAME: "Default",
        OS_CONTAINER_INFRA_API_VERSION: "1",
        OS_VOLUMEV3_ENDPOINT_OVERRIDE: "http://127.0.0.1:9/v3/%(project_id)s",
        OS_COMPUTE_TIMEOUT: "17",
      },
      expectPost: { path: "/k-v3/v3/auth/tokens" },
    },
    {
      name: "a comment-only clouds.yaml and secure.yaml",
      clouds: "# nothing here yet\n",
      secure: "# nor here\n",
      env: { OS_AUTH_URL: `${base(6, "k-v3")}/v3/`, OS_TOKEN: "tok", OS_AUTH_TYPE: "v3token" },
      expectPost: { path: "/k-v3/v3/auth/tokens" },
    },
    {
      name: "unquoted 20-digit password and user id are sent as written",
      clouds: `clouds:
  big:
    auth_type: v3password
    auth:
      auth_url: ${base(7, "k-v3")}/identity
      user_id: 98765432109876543210
      password: 12345678901234567890
      project_id: 0x1fffffffffffffffff
`,
      expectPost: {
        path: "/k-v3/identity/v3/auth/tokens",
        body: {
          auth: {
            identity: {
              methods: ["password"],
              password: { user: { id: "98765432109876543210", password: "12345678901234567890" } },
            },
            scope: { project: { id: "590295810358705651711" } },
          },
        },
      },
    },
    {
      name: "per-service settings, the official type's key winning",
      clouds: `clouds:
  svc:
    auth_type: v3token
    auth: {auth_url: '${base(8, "k-v3")}/v3', token: t, project_id: p}
    volumev2_api_version: '2'
    block_storage_api_version: '3'
    volumev3_endpoint_override: http://127.0.0.1:9/v3a
    volume_endpoint: http://127.0.0.1:9/legacy
    compute_endpoint_type: internal
    image_region_name: RegionTwo
    container_infra_interface: admin
`,
      expectPost: { path: "/k-v3/v3/auth/tokens" },
    },
  ];
  return cases;
}

await keystoneauthTest(
  "real clouds.yaml files: same config and token request as openstacksdk 0.101",
  async () => {
    const rec = startRecorder();
    const dir = await Deno.makeTempDir({ prefix: "osauth-real-clouds-" });
    try {
      const cases = fixedCases(rec.base);
      const input = [];
      for (const [id, c] of cases.entries()) {
        const write = async (kind: string, text: string | undefined) => {
          if (text === undefined) return null;
          const path = `${dir}/${id}-${kind}.yaml`;
          await Deno.writeTextFile(path, text);
          return path;
        };
        input.push({
          id,
          kind: "cloud",
          clouds_path: await write("clouds", c.clouds),
          secure_path: await write("secure", c.secure),
          public_path: await write("public", c.public),
          env: { HOME: dir, ...c.env },
          cloud: c.cloud ?? null,
          region: c.region ?? null,
          services: ["compute", "block-storage", "volumev2", "image", "container-infra"],
          no_auth: c.noAuth ?? false,
        });
      }
      rec.take();
      const report = await runPythonJson("auth_request_differential.py", { cases: input }) as {
        results: { ok: boolean; error?: string; config?: Record<string, unknown> }[];
      };
      const py = rec.take();
      for (const [id, c] of cases.entries()) {
        const r = report.results[id]!;
        assert.ok(r.ok, `${c.name}: openstacksdk failed (${r.error})`);
        const i = input[id]!;
        const options = {
          files: [i.clouds_path!],
          secureFiles: i.secure_path ? [i.secure_path] : [],
          vendorFiles: i.public_path ? [i.public_path] : [],
          env: i.env,
          cloud: c.cloud,
          regionName: c.region,
        };
        const cloud = await loadCloudConfig(options);
        assert.deepEqual(cloud.auth, r.config!.auth, `${c.name}: auth`);
        assert.equal(cloud.authType, r.config!.auth_type, `${c.name}: auth_type`);
        assert.equal(cloud.regionName, r.config!.region_name, `${c.name}: region`);
        assert.equal(cloud.apiTimeout ?? null, r.config!.api_timeout, `${c.name}: timeout`);
        const services = r.config!.services as Record<string, Record<string, unknown>>;
        for (const [st, want] of Object.entries(services)) {
          const s = serviceSettings(cloud, st);
          assert.deepEqual(
            {
              interface: s.interface ?? null,
              region_name: s.regionName ?? null,
              endpoint_override: s.endpointOverride ?? null,
              api_version: s.apiVersion ?? null,
            },
            want,
            `${c.name}: ${st}`,
          );
        }
        if (c.noAuth) continue;
        const session = await sessionFromCloud(options);
        const mine: Outcome = { stage: "ok", requests: [] };
        await authenticate(session.auth, session, mine);
        mine.requests = rec.take().get(id) ?? [];
        const theirs: Outcome = { stage: "ok", requests: py.get(id) ?? [] };
        assert.equal(compareOutcomes(theirs, mine), undefined, c.name);
        const post = mine.requests.find((q) => q.method === "POST");
        assert.ok(post, `${c.name}: a token request`);
        assert.equal(post.path, c.expectPost!.path, c.name);
        if (c.expectPost!.body) assert.deepEqual(post.body, c.expectPost!.body, c.name);
      }
      // what the envvars case reads from OS_* (container-infra, volumev3, compute timeout)
      const env = await loadCloudConfig({ files: [input[5]!.clouds_path!], env: input[5]!.env });
      assert.equal(env.name, "envvars");
      assert.equal(env.apiVersions["container-infra"], "1");
      assert.equal(env.apiTimeout, 17);
      assert.equal(
        serviceSettings(env, "block-storage").endpointOverride,
        "http://127.0.0.1:9/v3/%(project_id)s",
      );
      const svc = await loadCloudConfig({ files: [input[8]!.clouds_path!], env: {} });
      assert.deepEqual(adapterOptionsFromCloud(svc, "volumev2"), {
        serviceType: "block-storage",
        interface: "public",
        endpointOverride: "http://127.0.0.1:9/v3a",
        version: "3",
      });
      const session = await sessionFromCloud({ files: [input[8]!.clouds_path!], env: {} });
      assert.equal(session.endpointOverrides["block-storage"], "http://127.0.0.1:9/v3a");
      assert.equal(session.apiVersions["block-storage"], "3");
    } finally {
      await rec.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
);

await keystoneauthTest("vendors_data.ts is openstacksdk's vendor profiles", async () => {
  const out = await new Deno.Command(PYTHON, {
    args: [
      "-c",
      "import json, copy\nfrom openstack.config import vendors\n" +
      "d = vendors._get_vendor_defaults()\nprint(json.dumps(d))",
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.ok(out.success, new TextDecoder().decode(out.stderr));
  assert.deepEqual(VENDOR_PROFILES, JSON.parse(new TextDecoder().decode(out.stdout)));
});

await keystoneauthTest(
  "the search path is openstacksdk's (XDG_CONFIG_DIRS, SNAP_REAL_HOME, XDG_CONFIG_HOME)",
  async () => {
    const envs: Record<string, string>[] = [
      { HOME: "/home/u" },
      { HOME: "/home/u", XDG_CONFIG_HOME: "/xdg/home" },
      { HOME: "/home/u", XDG_CONFIG_HOME: "relative/dir" },
      { HOME: "/home/u", XDG_CONFIG_HOME: "" },
      { HOME: "/home/u", XDG_CONFIG_DIRS: "/opt/xdg" },
      { HOME: "/home/u", XDG_CONFIG_DIRS: "/a:/b/" },
      { HOME: "/home/u", XDG_CONFIG_DIRS: "~/conf" },
      { HOME: "/home/u", XDG_CONFIG_DIRS: "" },
      { HOME: "/home/u", SNAP_REAL_HOME: "/home/real" },
      {
        HOME: "/home/u/",
        SNAP_REAL_HOME: "/home/real",
        XDG_CONFIG_HOME: "/x",
        XDG_CONFIG_DIRS: "/d",
      },
    ];
    const code = `
import importlib, json, os, sys
import openstack.config.loader as loader
out = []
for env in json.load(sys.stdin):
    os.environ.clear()
    os.environ.update(env)
    importlib.reload(loader)
    out.append([loader.CONFIG_FILES, loader.SECURE_FILES, loader.VENDOR_FILES])
print(json.dumps(out))
`;
    const child = new Deno.Command(PYTHON, {
      args: ["-c", code],
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
      cwd: "/tmp",
    }).spawn();
    const w = child.stdin.getWriter();
    await w.write(new TextEncoder().encode(JSON.stringify(envs)));
    await w.close();
    const out = await child.output();
    assert.ok(out.success, new TextDecoder().decode(out.stderr));
    const expected = JSON.parse(new TextDecoder().decode(out.stdout)) as string[][][];
    for (const [i, env] of envs.entries()) {
      const dirs = searchDirs(env, "linux", "/tmp");
      const ours = (["clouds", "secure", "clouds-public"] as const).map((stem) =>
        searchFiles(dirs, stem, "linux").map((c) => c.path)
      );
      // openstacksdk keeps duplicate directories (harmless: the first file found wins)
      const dedupe = (paths: string[]) => [...new Set(paths)];
      assert.deepEqual(ours, expected[i]!.map(dedupe), JSON.stringify(env));
    }
  },
);

Deno.test("search path: a relative XDG_CONFIG_HOME and XDG_CONFIG_DIRS are searched", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.mkdir(`${dir}/site/openstack`, { recursive: true });
    await Deno.writeTextFile(
      `${dir}/site/openstack/clouds.yaml`,
      "clouds: {site: {auth_type: none, auth: {endpoint: 'http://127.0.0.1:9/'}}}\n",
    );
    const cloud = await loadCloudConfig({
      env: { HOME: `${dir}/nohome`, XDG_CONFIG_DIRS: `${dir}/site` },
    });
    assert.equal(cloud.name, "site");
    assert.equal(cloud.file, `${dir}/site/openstack/clouds.yaml`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("clouds.json: integers beyond 2^53 keep every digit (Python's json is exact)", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const json = `${dir}/clouds.json`;
    await Deno.writeTextFile(
      json,
      '{"clouds": {"j": {"auth_type": "v3password", "auth": {"auth_url": "http://k/v3", ' +
        '"user_id": 98765432109876543210, "password": 12345678901234567890}, ' +
        '"api_timeout": 30, "regions": [123456789012345678901]}}}',
    );
    const cloud = await loadCloudConfig({ env: {}, files: [json] });
    assert.equal(cloud.auth.user_id, "98765432109876543210");
    assert.equal(cloud.auth.password, "12345678901234567890");
    assert.equal(cloud.regionName, "123456789012345678901");
    assert.equal(cloud.apiTimeout, 30);
    assert.doesNotThrow(() => JSON.stringify(cloud));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test('an empty region_name: is unset, not the region "None" (D-empty-region-name)', async () => {
  const cloud = await loadCloudConfig({
    env: {},
    yaml: "clouds: {c: {region_name:, auth_type: none, auth: {endpoint: 'http://127.0.0.1:9'}}}",
  });
  assert.equal(cloud.regionName, "");
  assert.equal(sessionOptionsFromCloud(cloud).regionName, undefined);
});

Deno.test("hostile files: alias bombs, wide alias fans and deep nesting are a CloudConfigError", async () => {
  const laughs = ["a: &a [x, x, x, x, x, x, x, x, x, x]"];
  for (let i = 1; i < 10; i++) {
    const prev = String.fromCharCode(96 + i);
    const cur = String.fromCharCode(97 + i);
    laughs.push(`${cur}: &${cur} [${Array(10).fill(`*${prev}`).join(", ")}]`);
  }
  const bomb = `${laughs.join("\n")}\nclouds: {c: {auth: {auth_url: *j}}}\n`;
  const deep = `clouds: ${"[".repeat(5000)}${"]".repeat(5000)}\n`;
  const wide = `x: &x ${JSON.stringify(Array(500).fill("y"))}\nclouds: {c: {l: [${
    Array(1000).fill("*x").join(",")
  }]}}\n`;
  for (const [name, yaml] of [["billion laughs", bomb], ["deep", deep], ["wide", wide]]) {
    await assert.rejects(loadCloudConfig({ env: {}, yaml: yaml! }), (err: unknown) => {
      assert.ok(err instanceof CloudConfigError, `${name}: ${err}`);
      assert.match(err.message, /too large|nested|invalid YAML/, name);
      return true;
    });
  }
  const dir = await Deno.makeTempDir();
  try {
    const json = `${dir}/clouds.json`;
    await Deno.writeTextFile(json, `{"clouds": ${"[".repeat(100000)}${"]".repeat(100000)}}`);
    await assert.rejects(loadCloudConfig({ env: {}, files: [json] }), CloudConfigError);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("with full env access every OS_* variable is read (OS_CONTAINER_INFRA_API_VERSION, OS_COMPUTE_TIMEOUT, an unknown one)", async () => {
  const set: Record<string, string> = {
    OS_CLOUD_NAME: "osauth-env-full",
    OS_AUTH_TYPE: "none",
    OS_ENDPOINT: "http://127.0.0.1:9/",
    OS_CONTAINER_INFRA_API_VERSION: "1.9",
    OS_VOLUMEV3_ENDPOINT_OVERRIDE: "http://127.0.0.1:9/v3",
    OS_COMPUTE_TIMEOUT: "17",
    OS_SOMETHING_NEW: "kept",
  };
  const saved = Object.fromEntries(Object.keys(set).map((k) => [k, Deno.env.get(k)]));
  try {
    for (const [k, v] of Object.entries(set)) Deno.env.set(k, v);
    const cloud = await loadCloudConfig({ files: [], cloud: "osauth-env-full" });
    assert.equal(cloud.apiVersions["container-infra"], "1.9");
    assert.equal(serviceSettings(cloud, "block-storage").endpointOverride, "http://127.0.0.1:9/v3");
    assert.equal(cloud.apiTimeout, 17);
    assert.equal(cloud.raw.something_new, "kept");
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) Deno.env.delete(k);
      else Deno.env.set(k, v);
    }
  }
});

Deno.test("with --allow-env=OS_*,HOME,XDG_CONFIG_HOME every registry type and alias is read, without an error", async () => {
  const script = fileURLToPath(new URL("../fixtures/clouds/env_child.ts", import.meta.url));
  const out = await new Deno.Command(Deno.execPath(), {
    args: denoArgs(["run", "--no-prompt", "--allow-env=OS_*,HOME,XDG_CONFIG_HOME", script]),
    env: childEnv({
      OS_CLOUD_NAME: "child",
      OS_AUTH_TYPE: "none",
      OS_ENDPOINT: "http://127.0.0.1:9/",
      OS_CONTAINER_INFRA_API_VERSION: "1",
      OS_VOLUMEV3_ENDPOINT_OVERRIDE: "http://127.0.0.1:9/v3",
      OS_COMPUTE_TIMEOUT: "17",
      OS_KEY_MANAGER_INTERFACE: "internal",
    }),
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(out.stderr);
  assert.ok(out.success, stderr);
  assert.deepEqual(JSON.parse(new TextDecoder().decode(out.stdout)), {
    container: "1",
    volume: "http://127.0.0.1:9/v3",
    timeout: 17,
    keyManager: "internal",
  });
});

Deno.test("a registered auth type works in loadAuthPlugin and clouds.yaml auth_type", async () => {
  registerAuthType("osauth_test_gateway", {
    options: [{ name: "endpoint", required: true }, { name: "gateway_key", secret: true }],
    create: (o) => new NoAuth({ endpoint: String(o.endpoint) }),
  });
  const direct = loadAuthPlugin("osauth_test_gateway", { endpoint: "http://127.0.0.1:9/gw" });
  assert.ok(direct instanceof NoAuth);
  const camel = loadAuthPlugin("osauth_test_gateway", { endpoint: "http://x/", gatewayKey: "k" });
  assert.ok(camel instanceof NoAuth);
  const session = await sessionFromCloud({
    env: {},
    yaml:
      "clouds: {g: {auth_type: osauth_test_gateway, auth: {endpoint: 'http://127.0.0.1:9/gw'}}}",
  });
  assert.ok(session.auth instanceof NoAuth);
  assert.throws(
    () => loadAuthPlugin("osauth_test_gateway", {}),
    /missing required option\(s\) endpoint/,
  );
  assert.throws(
    () => loadAuthPlugin("osauth_test_gateway", { endpoint: "http://x/", bogus: 1 }),
    /unknown option bogus/,
  );
  assert.throws(() => loadAuthPlugin("no-such-type", {}), OptionError);
  assert.throws(
    () => registerAuthType("token_endpoint", { options: [], create: () => direct }),
    OptionError,
  );
  // a secret is never in the message
  const err = (() => {
    try {
      loadAuthPlugin("v3password", { auth_url: "http://k/v3", username: "u", password: "hunter2" });
    } catch (e) {
      return e as Error;
    }
  })();
  assert.ok(err instanceof OptionError);
  assert.doesNotMatch(err.message, /hunter2/);
});

Deno.test("an auth key no auth type knows (a misspelt password) prints as *** (adversarial fuzz)", async () => {
  const cloud = await loadCloudConfig({
    env: {},
    yaml: "clouds: {c: {auth: {auth_url: 'http://k/v3', username: u, 'p{sword': hunter2secret, " +
      "password: other-secret, project_name: p}}}",
  });
  const shown = [JSON.stringify(cloud), Deno.inspect(cloud, { depth: 10 })];
  for (const text of shown) {
    assert.doesNotMatch(text, /hunter2secret|other-secret/);
    assert.match(text, /"?username"?: ?"u"/); // known, not secret: shown
  }
});

Deno.test("OS_ENV_VARS names every per-service setting of every registry type and alias", async () => {
  const { OS_ENV_VARS } = await import("../../src/clouds/mod.ts");
  const { ALL_TYPES_BY_SERVICE_TYPE } = await import("../../src/catalog/service_types_data.ts");
  const names = new Set(OS_ENV_VARS);
  for (const type of ALL_TYPES_BY_SERVICE_TYPE.flat()) {
    const key = type.toUpperCase().replaceAll("-", "_");
    for (
      const suffix of ["API_VERSION", "ENDPOINT_OVERRIDE", "ENDPOINT", "INTERFACE", "REGION_NAME"]
    ) {
      assert.ok(names.has(`OS_${key}_${suffix}`), `OS_${key}_${suffix}`);
    }
  }
  assert.ok(
    names.has("OS_CONTAINER_INFRA_API_VERSION") && names.has("OS_VOLUMEV3_ENDPOINT_OVERRIDE"),
  );
  assert.ok(names.has("OS_COMPUTE_TIMEOUT"));
});

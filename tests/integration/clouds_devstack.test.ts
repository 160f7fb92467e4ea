/**
 * devstack's clouds.yaml against the REAL Keystone of scripts/openstack-dev.sh,
 * osauth and openstacksdk 0.101 side by side: an unversioned `auth_url` (the
 * Keystone root) with `identity_api_version: 3`, the same with
 * `auth_type: v3password` (keystoneauth1's v3 plugins append `/v3`), the
 * root with a trailing slash, and the `/v3/` form. Both must authenticate,
 * to the same project, through the same token URL.
 */
import assert from "node:assert/strict";
import { GenericIdentityPlugin, v3 } from "../../mod.ts";
import { sessionFromCloud } from "../../src/clouds/mod.ts";
import { type DevCloudFixtures, loadFixturesOrWarn } from "./_devcloud.ts";

const fx: DevCloudFixtures | undefined = await loadFixturesOrWarn("clouds_devstack");

const PY = `
import json, sys, warnings, logging
warnings.simplefilter("ignore"); logging.disable(logging.CRITICAL)
from openstack.config import loader
out = {}
for name in json.load(sys.stdin)["clouds"]:
    region = loader.OpenStackConfig(config_files=[sys.argv[1]], secure_files=[], vendor_files=[]).get_one(name)
    session = region.get_session()
    access = session.auth.get_access(session)
    plugin = getattr(session.auth, "_plugin", None) or session.auth
    out[name] = {"project_id": access.project_id, "auth_url": plugin.auth_url,
                 "version": access.version}
print(json.dumps(out))
`;

Deno.test({
  name:
    "devstack's clouds.yaml (unversioned auth_url + identity_api_version 3) vs openstacksdk on real Keystone",
  ignore: !fx,
  async fn() {
    const f = fx!;
    const root = f.keystone.url.replace(/\/+$/, "");
    const admin = f.users.admin;
    const entry = (authUrl: string, extra = "") => `
    auth:
      auth_url: ${authUrl}
      username: ${admin.name}
      password: ${admin.password}
      project_name: admin
      user_domain_id: default
      project_domain_id: default
    identity_api_version: 3
    region_name: RegionOne${extra}`;
    const yaml = `clouds:
  devstack:${entry(root)}
  devstack-slash:${entry(`${root}/`)}
  devstack-v3-slash:${entry(`${root}/v3/`)}
  devstack-v3password:${entry(root, "\n    auth_type: v3password")}
`;
    const dir = await Deno.makeTempDir({ prefix: "osauth-devstack-" });
    try {
      const file = `${dir}/clouds.yaml`;
      await Deno.writeTextFile(file, yaml);
      const names = ["devstack", "devstack-slash", "devstack-v3-slash", "devstack-v3password"];
      const child = new Deno.Command("/usr/bin/python3", {
        args: ["-c", PY, file],
        stdin: "piped",
        stdout: "piped",
        stderr: "piped",
        env: { no_proxy: "*", NO_PROXY: "*", HOME: dir },
      }).spawn();
      const w = child.stdin.getWriter();
      await w.write(new TextEncoder().encode(JSON.stringify({ clouds: names })));
      await w.close();
      const out = await child.output();
      assert.ok(out.success, new TextDecoder().decode(out.stderr));
      const py = JSON.parse(new TextDecoder().decode(out.stdout)) as Record<
        string,
        { project_id: string; auth_url: string; version: string }
      >;
      for (const name of names) {
        const session = await sessionFromCloud({ files: [file], env: { HOME: dir }, cloud: name });
        const access = await session.getAccess();
        assert.equal(access.projectId, py[name]!.project_id, name);
        assert.equal(access.projectId, f.projects.admin.id, name);
        assert.equal(access.version, py[name]!.version, name);
        const auth = session.auth;
        const plugin = auth instanceof GenericIdentityPlugin ? auth.resolvedPlugin : auth;
        assert.ok(plugin instanceof v3.Password, name);
        // the URL the v3 plugin was given: discovered (generic) or as written (v3password)
        assert.equal(
          plugin.authUrl.replace(/\/+$/, ""),
          py[name]!.auth_url.replace(/\/+$/, ""),
          name,
        );
        const projects = await session.get("/auth/projects", {
          endpointFilter: { serviceType: "identity", interface: "public" },
        });
        assert.equal(projects.status, 200, name);
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

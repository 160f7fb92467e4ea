/**
 * getAllVersionData differential on the dev cloud's REAL services (Keystone, Placement in two
 * regions, Glance, Nova, Cinder, Ironic, Manila, Neutron, Heat, Barbican): every case of
 * `scripts/all_versions_differential.py` (keystoneauth1 5.0's `get_all_version_data` on a Session
 * and on Adapters) runs through osauth's `Session.getAllVersionData` / `Adapter.getAllVersionData`
 * with the same arguments, and the results must be equal (region -> interface -> service type ->
 * version data, every field).
 *
 * Needs `bash scripts/openstack-dev.sh start` (skipped without fixtures.json or without the
 * services) and /usr/bin/python3 with keystoneauth1.
 */
import assert from "node:assert/strict";
import { Adapter, type AllVersionData, type AllVersionDataFilter, Session } from "../../mod.ts";
import { fixturesPath, loadFixturesOrWarn, passwordPlugins, repoRoot } from "./_devcloud.ts";

const fx = await loadFixturesOrWarn("all_versions_real");
const hasServices = !!fx && Object.keys(fx.services ?? {}).length > 0;

/** The python cases' keyword arguments, as osauth filters. */
const CASES: Record<string, AllVersionDataFilter> = {
  default: {},
  all_interfaces: { interface: null },
  internal: { interface: "internal" },
  admin_then_public: { interface: ["admin", "public"] },
  region_one: { regionName: "RegionOne" },
  compute: { serviceType: "compute" },
  volumev3: { serviceType: "volumev3" },
  block_storage: { serviceType: "block-storage" },
  identity: { serviceType: "identity" },
};
const ADAPTERS = ["placement", "sharev2", "baremetal"];

Deno.test({
  name: "getAllVersionData equals keystoneauth1's get_all_version_data on the real services",
  ignore: !hasServices,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    const out = await new Deno.Command("/usr/bin/python3", {
      args: [`${repoRoot}/scripts/all_versions_differential.py`, fixturesPath()],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.ok(out.success, new TextDecoder().decode(out.stderr));
    const theirs = JSON.parse(new TextDecoder().decode(out.stdout)) as Record<
      string,
      AllVersionData
    >;
    assert.deepEqual(
      Object.keys(theirs).sort(),
      [...Object.keys(CASES), ...ADAPTERS.map((a) => `adapter.${a}`)].sort(),
    );
    const plugins = passwordPlugins(fx!);
    for (const [name, filter] of Object.entries(CASES)) {
      await t.step(name, async () => {
        // A new session each case, as the python side (its discovery cache is per session).
        const ours = await new Session({ auth: plugins.adminProject() }).getAllVersionData(filter);
        assert.deepEqual(ours, theirs[name]);
      });
    }
    for (const type of ADAPTERS) {
      await t.step(`adapter.${type}`, async () => {
        const adapter = new Adapter(new Session({ auth: plugins.adminProject() }), {
          serviceType: type,
        });
        assert.deepEqual(await adapter.getAllVersionData(), theirs[`adapter.${type}`]);
      });
    }
    // The default case covers what the issue asks: every service, at least one with
    // microversions, and the second region.
    const all = theirs.default!;
    assert.ok(all.RegionOne?.public?.compute?.some((v) => v.maxMicroversion !== null));
    assert.ok(all.RegionTwo?.public?.placement);
    assert.ok(Object.keys(all.RegionOne!.public!).length >= 10);
  },
});

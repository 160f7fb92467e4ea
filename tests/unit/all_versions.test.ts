/**
 * getAllVersionData on a FakeCloud (real HTTP on 127.0.0.1): keystoneauth1's shape, versions oldest
 * first with strings, the catalog's version when no document answers, the session's and the
 * adapter's interface and region as defaults (D-all-version-data-defaults), typed option errors.
 * The differential against keystoneauth1 on the real services is
 * tests/integration/all_versions_real.test.ts.
 */
import assert from "node:assert/strict";
import { Adapter, OptionError, Session } from "../../mod.ts";
import { adminPassword, serveCloud } from "./_helpers.ts";

Deno.test("getAllVersionData: region -> interface -> type -> versions, oldest first", async () => {
  const cloud = await serveCloud({
    regions: ["RegionOne", "RegionTwo"],
    services: [
      {
        type: "compute",
        catalogVersionPath: "v2.1/{project_id}",
        versions: [
          { id: "v2.1", status: "CURRENT", version: "2.93", minVersion: "2.1" },
          { id: "v2.0", status: "SUPPORTED" },
        ],
      },
      // No version document anywhere: the catalog URL's version, without the project id.
      { type: "volumev3", catalogVersionPath: "v3/{project_id}", versionsStatus: 500 },
    ],
  });
  try {
    const sess = new Session({ auth: adminPassword(cloud.authUrl) });
    const all = await sess.getAllVersionData();
    assert.deepEqual(Object.keys(all).sort(), ["RegionOne", "RegionTwo"]);
    const compute = all.RegionOne!.public!.compute!;
    assert.deepEqual(compute.map((v) => v.version), ["2.0", "2.1"]);
    assert.deepEqual(
      [compute[1]!.minMicroversion, compute[1]!.maxMicroversion, compute[1]!.status],
      ["2.1", "2.93", "CURRENT"],
    );
    const volume = all.RegionOne!.public!["block-storage"]!;
    assert.equal(volume.length, 1);
    assert.equal(volume[0]!.version, "3.0"); // keystoneauth1: version_to_string((3, 0))
    assert.match(volume[0]!.url, /\/v3\/$/);
    assert.equal(volume[0]!.status, null);
    assert.ok(all.RegionOne!.public!.identity);

    const internal = await sess.getAllVersionData({
      interface: "internal",
      serviceType: "compute",
    });
    assert.deepEqual(Object.keys(internal.RegionOne!), ["internal"]);
    assert.deepEqual(Object.keys(internal.RegionOne!.internal!), ["compute"]);
    const every = await sess.getAllVersionData({ interface: null, regionName: "RegionTwo" });
    assert.deepEqual(Object.keys(every), ["RegionTwo"]);
    assert.deepEqual(Object.keys(every.RegionTwo!).sort(), ["admin", "internal", "public"]);

    // Defaults: the session's region and interface, then an adapter's (its own type only).
    const regional = new Session({
      auth: adminPassword(cloud.authUrl),
      regionName: "RegionTwo",
      interface: "admin",
    });
    assert.deepEqual(Object.keys(await regional.getAllVersionData()), ["RegionTwo"]);
    assert.deepEqual(Object.keys((await regional.getAllVersionData()).RegionTwo!), ["admin"]);
    const adapter = new Adapter(sess, { serviceType: "compute", interface: "internal" });
    const mine = await adapter.getAllVersionData();
    assert.deepEqual(Object.keys(mine.RegionOne!), ["internal"]);
    assert.deepEqual(Object.keys(mine.RegionOne!.internal!), ["compute"]);
    assert.deepEqual(
      Object.keys((await adapter.getAllVersionData({ interface: "public" })).RegionOne!),
      ["public"],
    );

    for (const bad of [null, 3, { interface: 3 }, { regionName: 1 }, { serviceType: [] }]) {
      await assert.rejects(sess.getAllVersionData(bad as never), OptionError, String(bad));
    }
  } finally {
    await cloud.close();
  }
});

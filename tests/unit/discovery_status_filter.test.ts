import assert from "node:assert/strict";
import { Session, VersionNotAvailable } from "../../mod.ts";
import { adminPassword, serveCloud } from "./_helpers.ts";

Deno.test("Session.getEndpointData honours allowExperimental / allowDeprecated in the filter", async () => {
  const s = await serveCloud({
    services: [{
      type: "dns",
      name: "designate",
      versions: [
        { id: "v3", status: "EXPERIMENTAL" },
        { id: "v2", status: "DEPRECATED" },
      ],
    }],
  });
  try {
    const sess = new Session({ auth: adminPassword(s.authUrl) });
    await assert.rejects(
      sess.getEndpointData({ serviceType: "dns", minVersion: "3", maxVersion: "latest" }),
      VersionNotAvailable,
    );
    const experimental = await sess.getEndpointData({
      serviceType: "dns",
      minVersion: "3",
      maxVersion: "latest",
      allowExperimental: true,
    });
    assert.deepEqual(experimental.apiVersion, [3, 0]);
    const deprecated = await sess.getEndpointData({ serviceType: "dns", version: "2" });
    assert.deepEqual(deprecated.apiVersion, [2, 0]);
    await assert.rejects(
      sess.getEndpointData({ serviceType: "dns", version: "2", allowDeprecated: false }),
      VersionNotAvailable,
    );
  } finally {
    await s.close();
  }
});

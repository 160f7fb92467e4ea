import assert from "node:assert/strict";
import { Adapter, Session } from "../../mod.ts";
import { adminPassword, serveCloud } from "./_helpers.ts";

Deno.test("discovery through an endpointOverride on another origin may use the token there", async () => {
  // "dns" has no public version list: its root answers 401 without a token.
  const s = await serveCloud({ services: [{ type: "dns", name: "designate" }] });
  const other = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, s.cloud.handler);
  const overrideUrl = `http://127.0.0.1:${other.addr.port}/dns/`;
  try {
    const sess = new Session({ auth: adminPassword(s.authUrl) });
    const adapter = new Adapter(sess, { serviceType: "dns", endpointOverride: overrideUrl });
    const data = await adapter.getEndpointData();
    assert.equal(data.catalogUrl, overrideUrl);
    const discovery = s.cloud.stats.requests.filter((r) => r.path === "/dns/");
    assert.equal(discovery.length, 2, "unauthenticated, then with the token");
    assert.equal(discovery[1]?.headers["x-auth-token"], "<redacted>", "the token was sent");
  } finally {
    await other.shutdown();
    await s.close();
  }
});

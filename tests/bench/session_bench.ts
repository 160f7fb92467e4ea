/**
 * Benchmarks (`deno task bench`): per-request overhead of `Session.get`
 * against raw `fetch` on the same local server, catalog resolution on a
 * large catalog, and 1,000 concurrent first requests sharing one token
 * request. Everything runs on 127.0.0.1.
 *
 * `scripts/bench-compare.ts` prints the same measurements as ratios from one
 * run, next to python keystoneauth1.
 *
 * @module
 */
import { ServiceCatalog, Session } from "../../mod.ts";
import { FakeCloud } from "../../src/testing/mod.ts";
import { adminPassword, largeCatalogToken } from "./_setup.ts";

// --- one local server: a FakeCloud (token + compute echo) ---------------------
const cloud = new FakeCloud();
const server = await cloud.serve();
const password = () => adminPassword(server.authUrl);

const session = new Session({ auth: password() });
const filter = { endpointFilter: { serviceType: "compute", interface: "public" } };
const computeUrl = await session.getEndpoint(filter.endpointFilter);
const token = await session.getToken();
const target = `${computeUrl}/servers/detail`;
const bare = new Session();

Deno.bench("raw fetch (token header)", { group: "request", baseline: true }, async () => {
  const resp = await fetch(target, { headers: { "X-Auth-Token": token } });
  await resp.arrayBuffer();
});

Deno.bench("Session.get (endpointFilter, cached token)", { group: "request" }, async () => {
  const resp = await session.get("/servers/detail", filter);
  await resp.arrayBuffer();
});

Deno.bench("Session.get (absolute URL, no auth)", { group: "request" }, async () => {
  const resp = await bare.get(target, { headers: { "X-Auth-Token": token } });
  await resp.arrayBuffer();
});

// --- catalog resolution: 100 services x 3 interfaces x 10 regions -------------
const largeBody = largeCatalogToken();
const catalog = ServiceCatalog.fromToken(largeBody);
if (catalog.endpoints.length !== 3000) throw new Error("expected 3000 endpoints");
let i = 0;

Deno.bench("ServiceCatalog.urlFor (3,000 endpoints)", { group: "catalog" }, () => {
  const n = i++ % 100;
  catalog.urlFor({ serviceType: `service-${n}`, interface: "internal", regionName: "Region7" });
});

Deno.bench("ServiceCatalog.fromToken (3,000 endpoints)", { group: "catalog" }, () => {
  ServiceCatalog.fromToken(largeBody);
});

// --- 1,000 concurrent first requests -> 1 token request -----------------------
Deno.bench("1,000 concurrent first requests (fresh plugin)", { group: "burst" }, async () => {
  const before = cloud.stats.tokenRequests;
  const sess = new Session({ auth: password() });
  await Promise.all(
    Array.from({ length: 1000 }, async (_, n) => {
      const resp = await sess.get(`/servers/${n}`, filter);
      await resp.arrayBuffer();
    }),
  );
  const made = cloud.stats.tokenRequests - before;
  if (made !== 1) throw new Error(`expected 1 token request, got ${made}`);
});

globalThis.addEventListener("unload", () => {
  void server.close();
});

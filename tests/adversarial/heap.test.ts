/**
 * Heap probe: long runs must leave the heap flat after warm-up (run with
 * `--v8-flags=--expose-gc`; the runner does).
 *
 * 1. Caches under 200,000 requests with distinct URLs, paths, hosts, header
 *    names, endpoint filters (service types, regions), sessions and
 *    plugins, and version discovery of distinct URLs through one shared
 *    DiscoveryCache, on FakeCloud's in-process transport (the public
 *    `fetch` option: the caches are osauth's, the network would only add
 *    noise). Every cache in src/ (DiscoveryCache, the session's joined URLs,
 *    trusted bases and resolved filters, origins, header names, service
 *    types, catalog lookups) is exercised past its bound; the
 *    DiscoveryCache's size is counted directly, the rest by the heap.
 * 2. 30,000 requests over real HTTP to a FakeCloud on 127.0.0.1.
 * 3. 800 requests to the real Placement of the dev cloud, when it is up.
 *
 * Counted: heap-growth (runs whose heap grew more than the bound between
 * the warm-up and the end), unbounded-caches, untyped, unhandled-rejections.
 */
import {
  DiscoveryCache,
  EndpointNotFound,
  OsAuthError,
  Session,
  UntrustedOrigin,
} from "../../mod.ts";
import { FakeCloud } from "../../src/testing/mod.ts";
import { loadFixturesOrWarn, passwordPlugins } from "../integration/_devcloud.ts";
import { adminPassword } from "../unit/_helpers.ts";
import { describeError, info, report, sleep, trackUnhandled } from "./_kit.ts";

const AREA = "heap";
/** Most a run's heap may grow after its warm-up (bytes). */
const BOUND = 6 * 1024 * 1024;
const gc = (globalThis as { gc?: () => void }).gc;

/** The heap in use after garbage collection (the least of three readings). */
async function heapAfterGc(): Promise<number> {
  let least = Infinity;
  for (let i = 0; i < 3; i++) {
    gc?.();
    await sleep(5);
    least = Math.min(least, Deno.memoryUsage().heapUsed);
  }
  return least;
}

const fx = await loadFixturesOrWarn("adversarial heap (real Placement)");

Deno.test({
  name: "adversarial: heap probe (flat after warm-up; caches bounded under 200k requests)",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const counts = {
      "heap-growth": 0,
      "unbounded-caches": 0,
      untyped: 0,
      "unhandled-rejections": 0,
    };
    const unhandled = trackUnhandled();
    if (!gc) info(AREA, "no --v8-flags=--expose-gc: heap readings are without forced collection");
    const untyped = (err: unknown, label: string) => {
      if (err instanceof OsAuthError) return;
      counts.untyped++;
      if (counts.untyped <= 5) info(AREA, `untyped: ${label}: ${describeError(err)}`);
    };
    /**
     * Runs `n` iterations of `step`, measuring the heap after `warm` of them and at the end;
     * `forget` drops what the fake server keeps (its request log) before each reading and
     * every 1,000 iterations: only osauth's memory is measured.
     */
    const probe = async (
      label: string,
      n: number,
      warm: number,
      step: (i: number) => Promise<void>,
      forget: () => void = () => {},
    ) => {
      let start = 0;
      const t0 = performance.now();
      for (let i = 0; i < n; i++) {
        if (i % 1000 === 0) forget();
        if (i === warm) {
          forget();
          start = await heapAfterGc();
        }
        await step(i);
      }
      forget();
      const end = await heapAfterGc();
      const growth = end - start;
      info(
        AREA,
        `${label}: ${n} iterations in ${((performance.now() - t0) / 1000).toFixed(1)} s, heap ` +
          `${(start / 1048576).toFixed(1)} MiB after ${warm} -> ${
            (end / 1048576).toFixed(1)
          } MiB ` +
          `(growth ${(growth / 1024).toFixed(0)} KiB, bound ${BOUND / 1024} KiB)`,
      );
      if (growth > BOUND) counts["heap-growth"]++;
    };

    try {
      await t.step(
        "caches: 200,000 requests with distinct URLs, filters and sessions",
        async () => {
          const cloud = new FakeCloud({ baseUrl: "http://127.0.0.1:5000" });
          const version = (url: string) =>
            Response.json({
              versions: [{
                id: "v1.0",
                status: "CURRENT",
                min_version: "1.0",
                max_version: "1.39",
                links: [{ rel: "self", href: url }],
              }],
            });
          const transport: typeof fetch = (input, init) => {
            const url = String(input instanceof Request ? input.url : input);
            if (url.includes("/disc/")) return Promise.resolve(version(url));
            if (url.startsWith("http://h")) return Promise.resolve(new Response("{}"));
            return cloud.fetch(input, init);
          };
          const compute = await new Session({
            auth: adminPassword(cloud.authUrl),
            fetch: transport,
          }).getEndpoint({ serviceType: "compute" });
          const discovery = new DiscoveryCache({ maxEntries: 64 });
          let auth = adminPassword(cloud.authUrl);
          let sess = new Session({ auth, fetch: transport, discoveryCache: discovery });
          await probe(
            "200k distinct requests (in-process transport)",
            200_000,
            20_000,
            async (i) => {
              if (i % 1000 === 0) auth = adminPassword(cloud.authUrl); // a new plugin: a new token
              if (i % 100 === 0) {
                sess = new Session({ auth, fetch: transport, discoveryCache: discovery });
              }
              try {
                switch (i % 8) {
                  case 0: // a distinct path joined to the catalog URL, a distinct header name
                    await (await sess.get(`/servers/${i}`, {
                      endpointFilter: { serviceType: "compute", interface: "public" },
                      headers: { [`x-distinct-${i}`]: "1" },
                    })).arrayBuffer();
                    break;
                  case 1: // a distinct host: refused with the token, fetched without
                    if (i % 16 === 1) {
                      await sess.get(`http://h${i}.invalid:${i % 60000}/x`).then(
                        () => untyped(new Error("an untrusted origin got a token"), "origin"),
                        (e) => e instanceof UntrustedOrigin || untyped(e, "untrusted"),
                      );
                    } else {
                      await (await sess.get(`http://h${i}.invalid/x`, { authenticated: false }))
                        .arrayBuffer();
                    }
                    break;
                  case 2: // a distinct service type and region: not in the catalog
                    await sess.getEndpoint({ serviceType: `svc-${i}`, regionName: `R${i}` }).then(
                      () => {},
                      (e) => e instanceof EndpointNotFound || untyped(e, "endpoint"),
                    );
                    break;
                  case 3: // version discovery of a distinct URL, one cache shared by all sessions
                    if (i % 24 === 3) {
                      await sess.getEndpointData({
                        serviceType: "placement",
                        endpointOverride: `${compute}/disc/${i}/`,
                        minVersion: "1",
                        maxVersion: "latest",
                      });
                      if (discovery.size > discovery.maxEntries) counts["unbounded-caches"]++;
                    }
                    break;
                  case 4: // an endpoint override per request (a trusted set of its own)
                    await (await sess.get(`/o/${i}`, {
                      endpointOverride: `${compute}/override-${i % 5000}`,
                    })).arrayBuffer();
                    break;
                  default: // the same filter object again and again (the memoised path)
                    await (await sess.get("/servers", { endpointFilter: FILTER })).arrayBuffer();
                }
              } catch (err) {
                untyped(err, `request ${i}`);
              }
            },
            () => cloud.stats.reset(),
          );
          info(
            AREA,
            `DiscoveryCache: ${discovery.size} of at most ${discovery.maxEntries} entries`,
          );
        },
      );

      await t.step("30,000 requests over HTTP to a FakeCloud on 127.0.0.1", async () => {
        const cloud = new FakeCloud({ tokenTtlSeconds: 125 });
        const srv = await cloud.serve();
        try {
          const sess = new Session({ auth: adminPassword(srv.authUrl) });
          await probe("30k HTTP requests, 8 at a time", 30_000 / 8, 500, async () => {
            await Promise.all(Array.from({ length: 8 }, async (_, k) => {
              try {
                await (await sess.get(`/servers/${k}`, { endpointFilter: FILTER })).arrayBuffer();
              } catch (err) {
                untyped(err, "FakeCloud request");
              }
            }));
          }, () => cloud.stats.reset());
        } finally {
          await srv.close();
        }
      });

      await t.step({
        name: "800 requests to the real Placement",
        ignore: !fx,
        fn: async () => {
          const f = fx!;
          const sess = new Session({ auth: passwordPlugins(f).adminProject() });
          const filter = { serviceType: "placement" };
          await probe("800 Placement requests, 8 at a time", 800 / 8, 20, async () => {
            await Promise.all(Array.from({ length: 8 }, async () => {
              try {
                await (await sess.get("/resource_providers", { endpointFilter: filter }))
                  .arrayBuffer();
              } catch (err) {
                untyped(err, "Placement request");
              }
            }));
          });
        },
      });
    } finally {
      await sleep(50);
      counts["unhandled-rejections"] = unhandled.count();
      unhandled.stop();
      report(AREA, counts);
    }
  },
});

const FILTER = Object.freeze({ serviceType: "compute", interface: "public" });

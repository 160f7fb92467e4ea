/**
 * Pagination differential on the dev cloud's REAL services: `scripts/paginate_differential.py
 * --setup` makes sure at least 7 resources of each kind exist (Glance images, Nova flavors, Cinder
 * volume types, Neutron networks, Manila shares, Ironic nodes, Keystone users) and lists them with
 * openstacksdk 0.101 (page size 2); here `Adapter.paginate` lists the same resources with the same
 * page size through osauth's public API, and the items (ids) must be the same, in the same order,
 * over at least three pages (Keystone does not paginate: one page, and with a limit openstacksdk's
 * marker retry is an endless-loop error where osauth reads `links.next: null` as the end).
 * Manila of this release ignores the marker of the next links it builds: both sides must stop
 * with an endless-pagination error after the same first page.
 *
 * Needs `bash scripts/openstack-dev.sh start` with the services (skipped without them) and
 * /usr/bin/python3 with openstacksdk.
 */
import assert from "node:assert/strict";
import { Adapter, type AdapterOptions, PaginationError, Session } from "../../mod.ts";
import { fixturesPath, loadFixturesOrWarn, passwordPlugins, repoRoot } from "./_devcloud.ts";

const fx = await loadFixturesOrWarn("paginate_real");
const hasServices = !!fx && Object.keys(fx.services ?? {}).length > 0;
const LIMIT = 2;

interface SdkListing {
  ids: string[];
  requests: string[];
  error?: string;
}

async function sdkListings(): Promise<Record<string, SdkListing>> {
  const out = await new Deno.Command("/usr/bin/python3", {
    args: [
      `${repoRoot}/scripts/paginate_differential.py`,
      fixturesPath(),
      "--setup",
      "--limit",
      String(LIMIT),
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) {
    throw new Error(`paginate_differential.py failed:\n${new TextDecoder().decode(out.stderr)}`);
  }
  return JSON.parse(new TextDecoder().decode(out.stdout));
}

/** kind -> the adapter and path osauth lists it with (openstacksdk's proxies' equivalents). */
const KINDS: Record<string, { adapter: AdapterOptions; path: string }> = {
  images: { adapter: { serviceType: "image", version: "2" }, path: "images" },
  flavors: { adapter: { serviceType: "compute" }, path: "flavors/detail" },
  volume_types: { adapter: { serviceType: "volumev3" }, path: "types" },
  networks: { adapter: { serviceType: "network", version: "2" }, path: "networks" },
  // Ironic's next links add `fields`, which needs microversion 1.8 (openstacksdk sends 1.76).
  nodes: {
    adapter: { serviceType: "baremetal", version: "1", defaultMicroversion: "1.76" },
    path: "nodes",
  },
  shares: { adapter: { serviceType: "sharev2" }, path: "shares/detail" },
  users: { adapter: { serviceType: "identity" }, path: "users" },
};

Deno.test({
  name: "paginate: the real services' lists, as openstacksdk lists them",
  ignore: !hasServices,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    const sdk = await sdkListings();
    const plugins = passwordPlugins(fx!);
    const gets: string[] = [];
    // Transport injection (the public `fetch` option): each GET is recorded, then sent as is.
    const recording: typeof fetch = (input, init) => {
      if ((init?.method ?? "GET") === "GET") gets.push(String(input));
      return fetch(input, init);
    };
    const sess = new Session({
      auth: plugins.adminProject(),
      fetch: recording,
      regionName: fx!.region_name,
    });
    for (const [kind, { adapter, path }] of Object.entries(KINDS)) {
      await t.step(kind, async () => {
        const theirs = sdk[kind]!;
        const a = new Adapter(sess, adapter);
        await a.getEndpoint(); // discovery first: only the listing's own GETs are counted
        gets.length = 0;
        const ids: string[] = [];
        let error: unknown;
        try {
          for await (
            const item of a.paginate<{ id?: string; uuid?: string }>(path, { limit: LIMIT })
          ) {
            ids.push((item.id ?? item.uuid)!);
          }
        } catch (err) {
          error = err;
        }
        const note = `${kind}: osauth GETs ${JSON.stringify(gets)}; openstacksdk ${
          JSON.stringify(theirs.requests)
        }`;
        if (kind === "shares") {
          // Manila's next link (`/v2/shares?limit=2&marker=<last>`) gives the first page again.
          assert.match(theirs.error ?? "", /Endless pagination loop detected/, note);
          assert.ok(error instanceof PaginationError, `${note}: ${error}`);
          assert.match(error.message, /endless pagination/);
          assert.deepEqual(ids, theirs.ids, note);
          assert.equal(ids.length, 2 * LIMIT, note);
          return;
        }
        if (error) throw error;
        assert.equal(theirs.error, undefined, note);
        assert.ok(ids.length >= 7, note);
        assert.deepEqual(ids, theirs.ids, note);
        if (kind === "users") {
          // Keystone ignores limit and marker; links.next is null: one page.
          assert.equal(gets.length, 1, note);
          assert.match(sdk.users_with_limit!.error ?? "", /Endless pagination loop detected/);
        } else {
          assert.ok(gets.length >= 3, note);
          assert.match(gets[0]!, new RegExp(`[?&]limit=${LIMIT}(&|$)`), note);
        }
      });
    }
  },
});

/**
 * How many requests discovery costs, osauth against keystoneauth1 itself, on
 * the same workload: ten services modelled on the real ones (their version
 * documents and the catalog URL forms deployments register, from
 * openstack-notes.md: Nova `/v2.1`, Cinder `volumev3` `/v3/<project>`,
 * Manila `sharev2` `/v2`, Heat `/v1/<project>`, Glance, Ironic, Neutron,
 * Barbican and Placement unversioned, Keystone `/v3`), each served by a real
 * HTTP server on 127.0.0.1 that counts the GETs. Per service one session runs
 * the same sequence on both sides: endpoint data without bounds, with bounds,
 * with `latest`, getEndpoint with bounds, three requests with an endpoint
 * filter, and an Adapter's endpoint data, endpoint and request. osauth must
 * send no more requests than keystoneauth1 for every service (and get the
 * same URLs and statuses).
 */
import assert from "node:assert/strict";
import { Adapter, Session } from "../../mod.ts";
import {
  BodyPlugin,
  keystoneauthTest,
  osauthFilter,
  runPythonJson,
  tokenBody,
} from "./_differential.ts";

const PROJECT = "4f2a9c61d0b84c0e9a6d3b5e7f1c2a8d";

type Doc = (origin: string) => { status?: number; body: unknown; headers?: Record<string, string> };

interface Service {
  name: string;
  type: string;
  /** The type the workload asks for (the official one of an alias). */
  official: string;
  path: (origin: string) => string;
  /** Bounds the workload asks for. */
  min: string;
  max: string;
  /** Path -> document; other paths are the API (200). */
  docs: Record<string, Doc>;
  /** Paths (without the trailing slash) that redirect to the slash form, as Nova. */
  redirect?: string[];
}

const self = (href: string) => [{ rel: "self", href }];
const v = (id: string, status: string, href: string, extra: Record<string, string> = {}) => ({
  id,
  status,
  updated: "2013-07-23T11:33:21Z",
  links: self(href),
  ...extra,
});

const SERVICES: Service[] = [
  {
    name: "nova",
    type: "compute",
    official: "compute",
    path: (o) => `${o}/v2.1`,
    min: "2.1",
    max: "2.latest",
    redirect: ["/v2.1", "/v2"],
    docs: {
      "/": (o) => ({
        body: {
          versions: [
            v("v2.0", "SUPPORTED", `${o}/v2/`, { version: "", min_version: "" }),
            v("v2.1", "CURRENT", `${o}/v2.1/`, { version: "2.93", min_version: "2.1" }),
          ],
        },
      }),
      "/v2.1/": (o) => ({
        body: {
          version: v("v2.1", "CURRENT", `${o}/v2.1/`, { version: "2.93", min_version: "2.1" }),
        },
      }),
      "/v2/": (o) => ({
        body: { version: v("v2.0", "SUPPORTED", `${o}/v2/`, { version: "", min_version: "" }) },
      }),
    },
  },
  {
    name: "cinder",
    type: "volumev3",
    official: "block-storage",
    path: (o) => `${o}/v3/${PROJECT}`,
    min: "3.0",
    max: "3.latest",
    docs: {
      "/": (o) => ({
        status: 300,
        body: {
          versions: [v("v3.0", "CURRENT", `${o}/v3/`, { version: "3.70", min_version: "3.0" })],
        },
      }),
      "/v3/": (o) => ({
        body: {
          versions: [v("v3.0", "CURRENT", `${o}/v3/`, { version: "3.70", min_version: "3.0" })],
        },
      }),
    },
  },
  {
    name: "manila",
    type: "sharev2",
    official: "shared-file-system",
    path: (o) => `${o}/v2`,
    min: "2.0",
    max: "2.latest",
    docs: {
      "/": (o) => ({
        status: 300,
        body: {
          versions: [
            v("v1.0", "DEPRECATED", `${o}/v1/`, { version: "", min_version: "" }),
            v("v2.0", "CURRENT", `${o}/v2/`, { version: "2.73", min_version: "2.0" }),
          ],
        },
      }),
      "/v2/": (o) => ({
        body: {
          versions: [v("v2.0", "CURRENT", `${o}/v2/`, { version: "2.73", min_version: "2.0" })],
        },
      }),
    },
  },
  {
    name: "heat",
    type: "orchestration",
    official: "orchestration",
    path: (o) => `${o}/v1/${PROJECT}`,
    min: "1.0",
    max: "1.latest",
    docs: {
      "/": (o) => ({ status: 300, body: { versions: [v("v1.0", "CURRENT", `${o}/v1/`)] } }),
    },
  },
  {
    name: "glance",
    type: "image",
    official: "image",
    path: (o) => o,
    min: "2.0",
    max: "2.latest",
    docs: {
      "/": (o) => ({
        status: 300,
        body: {
          versions: [
            v("v2.9", "CURRENT", `${o}/v2/`),
            v("v2.8", "SUPPORTED", `${o}/v2/`),
            v("v2.0", "SUPPORTED", `${o}/v2/`),
          ],
        },
      }),
    },
  },
  {
    name: "ironic",
    type: "baremetal",
    official: "baremetal",
    path: (o) => o,
    min: "1.0",
    max: "1.latest",
    docs: {
      "/": (o) => ({
        body: {
          name: "OpenStack Ironic API",
          versions: [v("v1", "CURRENT", `${o}/v1/`, { version: "1.82", min_version: "1.1" })],
          default_version: v("v1", "CURRENT", `${o}/v1/`, { version: "1.82", min_version: "1.1" }),
        },
      }),
      "/v1/": (o) => ({
        body: { id: "v1", links: self(`${o}/v1/`), media_types: [] },
        headers: {
          "X-OpenStack-Ironic-API-Minimum-Version": "1.1",
          "X-OpenStack-Ironic-API-Maximum-Version": "1.82",
        },
      }),
    },
  },
  {
    name: "neutron",
    type: "network",
    official: "network",
    path: (o) => o,
    min: "2.0",
    max: "2.latest",
    docs: { "/": (o) => ({ body: { versions: [v("v2.0", "CURRENT", `${o}/v2.0/`)] } }) },
  },
  {
    name: "barbican",
    type: "key-manager",
    official: "key-manager",
    path: (o) => o,
    min: "1.0",
    max: "1.latest",
    docs: {
      "/": (o) => ({
        status: 300,
        body: { versions: { values: [v("v1", "stable", `${o}/v1/`)] } },
      }),
    },
  },
  {
    name: "placement",
    type: "placement",
    official: "placement",
    path: (o) => o,
    min: "1.0",
    max: "1.latest",
    docs: {
      "/": () => ({
        body: {
          versions: [v("v1.0", "CURRENT", "", { min_version: "1.0", max_version: "1.39" })],
        },
      }),
    },
  },
  {
    name: "keystone",
    type: "identity",
    official: "identity",
    path: (o) => `${o}/v3`,
    min: "3.0",
    max: "3.latest",
    docs: {
      "/": (o) => ({
        status: 300,
        body: { versions: { values: [v("v3.14", "stable", `${o}/v3/`)] } },
      }),
      "/v3/": (o) => ({ body: { version: v("v3.14", "stable", `${o}/v3/`) } }),
    },
  },
];

interface Call {
  mode: string;
  service_type: string;
  interface: string;
  min_version?: string;
  max_version?: string;
  path?: string;
}

/** The workload: the same calls, in the same order, on both sides. */
function workload(svc: Service): Call[] {
  const base = { service_type: svc.type, interface: "public" };
  const bounds = { ...base, min_version: svc.min, max_version: svc.max };
  const official = { service_type: svc.official, interface: "public" };
  return [
    { mode: "data", ...base },
    { mode: "data", ...bounds },
    { mode: "data", ...official, min_version: "latest" },
    { mode: "endpoint", ...bounds },
    { mode: "request", ...bounds, path: "/things" },
    { mode: "request", ...bounds, path: "/things/1" },
    { mode: "request", ...base, path: "/others" },
    { mode: "adapter-data", ...bounds },
    { mode: "adapter-endpoint", ...bounds },
    { mode: "adapter-request", ...bounds, path: "/things" },
  ];
}

function token(svc: Service, url: string) {
  const urls = { public: url, internal: url, admin: url };
  return tokenBody(PROJECT, [{ type: svc.type, name: svc.name, urls }]);
}

async function ourCall(sess: Session, call: Call): Promise<unknown> {
  const filter = osauthFilter(call);
  switch (call.mode) {
    case "data":
      return (await sess.getEndpointData(filter)).serviceUrl;
    case "endpoint":
      return await sess.getEndpoint(filter);
    case "request": {
      const resp = await sess.get(call.path!, { endpointFilter: filter });
      await resp.body?.cancel();
      return resp.status;
    }
  }
  const adapter = new Adapter(sess, filter);
  if (call.mode === "adapter-data") return (await adapter.getEndpointData()).serviceUrl;
  if (call.mode === "adapter-endpoint") return await adapter.getEndpoint();
  const resp = await adapter.get(call.path!);
  await resp.body?.cancel();
  return resp.status;
}

await keystoneauthTest(
  "discovery requests vs keystoneauth1: no more GETs on the same workload, per service",
  async () => {
    let side = "";
    const counts = new Map<string, string[]>();
    const servers = SERVICES.map((svc) => {
      const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) => {
        const url = new URL(req.url);
        const origin = url.origin;
        const key = `${side}:${svc.name}`;
        if (!counts.has(key)) counts.set(key, []);
        counts.get(key)!.push(`${req.method} ${url.pathname}`);
        if (svc.redirect?.includes(url.pathname)) {
          return new Response(null, {
            status: 302,
            headers: { location: `${origin}${url.pathname}/` },
          });
        }
        const doc = svc.docs[url.pathname];
        if (!doc) return Response.json({ things: [] });
        const { status, body, headers } = doc(origin);
        return Response.json(body, { status: status ?? 200, headers });
      });
      return server;
    });
    try {
      const origins = servers.map((s) => `http://127.0.0.1:${s.addr.port}`);
      const cases = SERVICES.map((svc, i) => ({
        id: i,
        token: token(svc, svc.path(origins[i]!)),
        calls: workload(svc),
      }));
      // The marker server is any of them: the python side GETs <marker>/<id>/py first.
      side = "py";
      const py = await runPythonJson("discovery_differential.py", {
        marker: `${origins[0]}/__marker`,
        cases,
      }) as { results: { calls: { result: unknown; error: string | null }[] }[] };
      side = "ts";
      const ours: unknown[][] = [];
      for (const c of cases) {
        const sess = new Session({ auth: new BodyPlugin(c.token) });
        const results: unknown[] = [];
        for (const call of c.calls) results.push(await ourCall(sess, call));
        ours.push(results);
      }
      const table: string[] = [];
      for (const [i, svc] of SERVICES.entries()) {
        const theirs = py.results[i]!.calls;
        for (const [j, call] of cases[i]!.calls.entries()) {
          assert.equal(
            theirs[j]!.error,
            null,
            `${svc.name} ${call.mode}: ${JSON.stringify(theirs[j])}`,
          );
          const r = theirs[j]!.result;
          const want = typeof r === "object" && r !== null ? (r as { url: string }).url : r;
          assert.deepEqual(ours[i]![j], want, `${svc.name} call ${j} ${call.mode}`);
        }
        const mark = (l: string) => !l.includes("/__marker/");
        const pyReqs = (counts.get(`py:${svc.name}`) ?? []).filter(mark);
        const tsReqs = counts.get(`ts:${svc.name}`) ?? [];
        table.push(`${svc.name}: keystoneauth1 ${pyReqs.length}, osauth ${tsReqs.length}`);
        assert.ok(
          tsReqs.length <= pyReqs.length,
          `${svc.name}: osauth sent ${tsReqs.length} requests, keystoneauth1 ${pyReqs.length}\n` +
            `  keystoneauth1: ${pyReqs.join(", ")}\n  osauth:        ${tsReqs.join(", ")}`,
        );
      }
      const total = (s: string) =>
        SERVICES.reduce(
          (n, svc) =>
            n +
            (counts.get(`${s}:${svc.name}`) ?? []).filter((l) => !l.includes("/__marker/")).length,
          0,
        );
      assert.ok(total("ts") <= total("py"), table.join("\n"));
    } finally {
      await Promise.all(servers.map((s) => s.shutdown()));
    }
  },
);

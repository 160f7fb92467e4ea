/**
 * Prints the per-request cost of `Session.get` next to raw `fetch` and
 * python keystoneauth1, all measured in ONE run against ONE local server (a
 * FakeCloud on 127.0.0.1), plus catalog resolution on a 100 services x 3
 * interfaces x 10 regions catalog and the token requests made by 1,000
 * concurrent first requests.
 *
 *   deno run --allow-net=127.0.0.1 --allow-run=/usr/bin/python3 scripts/bench-compare.ts
 *     [--rounds=150] [--block=100] [--python=/usr/bin/python3]
 *
 * Method: the variants run in interleaved blocks of `block` sequential GETs
 * (raw fetch, Session.get, ...) for `rounds` rounds after a warm-up, in a
 * rotating order. ms/request is the median of a variant's block means; the
 * Deno ratios are medians of per-round ratios to the raw fetch block of the
 * same round, so background load that comes and goes cancels out. Python
 * runs the same blocks (requests and keystoneauth1; at most 40 rounds) against the same server
 * in a subprocess; its ratios are of medians. The pipeline's CPU cost is
 * also measured without network (a transport that answers at once).
 *
 * @module
 */
import { Adapter, ServiceCatalog, Session } from "../mod.ts";
import { FakeCloud } from "../src/testing/mod.ts";
import { adminPassword, largeCatalogToken } from "../tests/bench/_setup.ts";

function arg(name: string, fallback: string): string {
  const hit = Deno.args.find((a) => a.startsWith(`--${name}=`));
  return hit ? hit.slice(name.length + 3) : fallback;
}
const ROUNDS = Number(arg("rounds", "150"));
const BLOCK = Number(arg("block", "100"));
const PYTHON = arg("python", "/usr/bin/python3");

/** The q-quantile (0..1) of xs, interpolated. */
function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  return (s[lo] ?? NaN) + ((s[lo + 1] ?? s[lo] ?? NaN) - (s[lo] ?? NaN)) * (pos - lo);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] ?? NaN : ((s[mid - 1] ?? NaN) + (s[mid] ?? NaN)) / 2;
}

const cloud = new FakeCloud();
const server = await cloud.serve();
const password = () => adminPassword(server.authUrl);

const session = new Session({ auth: password() });
const filter = { endpointFilter: { serviceType: "compute", interface: "public" } };
const token = await session.getToken();
const target = `${await session.getEndpoint(filter.endpointFilter)}/servers/detail`;
const bare = new Session();
const adapter = new Adapter(session, { serviceType: "compute", interface: "public" });

const variants: Record<string, () => Promise<unknown>> = {
  "raw fetch": async () =>
    await (await fetch(target, { headers: { "X-Auth-Token": token } })).arrayBuffer(),
  "Session.get (endpointFilter)": async () =>
    await (await session.get("/servers/detail", filter)).arrayBuffer(),
  "Adapter.get (compute)": async () => await (await adapter.get("/servers/detail")).arrayBuffer(),
  "Session.get (absolute URL, no auth)": async () =>
    await (await bare.get(target, { headers: { "X-Auth-Token": token } })).arrayBuffer(),
};

async function block(f: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  for (let i = 0; i < BLOCK; i++) await f();
  return (performance.now() - t) / BLOCK;
}

for (const f of Object.values(variants)) await block(f); // warm-up
const samples: Record<string, number[]> = Object.fromEntries(
  Object.keys(variants).map((k) => [k, []]),
);
const names = Object.keys(variants);
for (let r = 0; r < ROUNDS; r++) {
  // rotate the order each round so that no variant always runs first
  for (let k = 0; k < names.length; k++) {
    const name = names[(r + k) % names.length] ?? "";
    samples[name]?.push(await block(variants[name] ?? (() => Promise.resolve())));
  }
}
const ms: Record<string, number> = Object.fromEntries(
  Object.entries(samples).map(([k, v]) => [k, median(v)]),
);
// Ratios per round (variants of a round ran back to back), then their median:
// load that comes and goes during the run cancels out.
const rawSamples = samples["raw fetch"] ?? [];
const roundRatios: Record<string, number[]> = Object.fromEntries(
  Object.entries(samples).map(([k, v]) => [k, v.map((x, r) => x / (rawSamples[r] ?? NaN))]),
);
const pairedRatio: Record<string, number> = Object.fromEntries(
  Object.entries(roundRatios).map(([k, v]) => [k, median(v)]),
);

// The pipeline's own CPU cost: the same Session.get with a transport that
// answers at once, minus that transport alone (no network, little noise).
const instant = (): Promise<Response> => Promise.resolve(new Response(null));
const inMemory = new Session({ auth: session.auth, fetch: instant });
const cpuRuns: number[] = [];
for (let r = 0; r < 7; r++) {
  const n = 20_000;
  let t = performance.now();
  for (let i = 0; i < n; i++) await inMemory.get("/servers/detail", filter);
  const withSession = performance.now() - t;
  t = performance.now();
  for (let i = 0; i < n; i++) await instant();
  cpuRuns.push((withSession - (performance.now() - t)) * 1000 / n);
}
const pipelineUs = median(cpuRuns.slice(2));

// Catalog resolution, 100 x 3 x 10.
const body = largeCatalogToken();
const catalog = ServiceCatalog.fromToken(body);
const lookup = (i: number) =>
  catalog.urlFor({
    serviceType: `service-${i % 100}`,
    interface: "internal",
    regionName: "Region7",
  });
for (let i = 0; i < 20_000; i++) lookup(i);
const catalogRuns: number[] = [];
for (let r = 0; r < 5; r++) {
  const t = performance.now();
  for (let i = 0; i < 50_000; i++) lookup(i);
  catalogRuns.push((performance.now() - t) * 1e6 / 50_000);
}
const catalogNs = median(catalogRuns);

// 1,000 concurrent first requests through a fresh plugin.
const before = cloud.stats.tokenRequests;
const burstStart = performance.now();
const fresh = new Session({ auth: password() });
await Promise.all(
  Array.from({ length: 1000 }, async (_, n) => {
    await (await fresh.get(`/servers/${n}`, filter)).arrayBuffer();
  }),
);
const burstMs = performance.now() - burstStart;
const burstTokens = cloud.stats.tokenRequests - before;

// Python: the same blocks with requests and keystoneauth1, same server.
const PY = String.raw`
import json, statistics, sys, time
from concurrent.futures import ThreadPoolExecutor
cfg = json.load(sys.stdin)
try:
    import keystoneauth1
    from keystoneauth1 import access, session as ksa_session
    from keystoneauth1.identity import v3
except ImportError:
    print(json.dumps({"installed": False}))
    sys.exit(0)
import requests

def password():
    return v3.Password(auth_url=cfg["authUrl"], username="admin", password="secret",
                       user_domain_id="default", project_name="admin",
                       project_domain_id="default")

ef = {"service_type": "compute", "interface": "public"}
out = {"installed": True, "version": getattr(keystoneauth1, "__version__", "?")}
if cfg["mode"] == "seq":
    sess = ksa_session.Session(auth=password())
    token = sess.get_token()
    target = sess.get_endpoint(**ef) + "/servers/detail"
    raw = requests.Session()
    variants = {
        "requests": lambda: raw.get(target, headers={"X-Auth-Token": token}).content,
        "ksa": lambda: sess.get("/servers/detail", endpoint_filter=ef).content,
    }
    def block(f):
        t = time.perf_counter()
        for _ in range(cfg["block"]):
            f()
        return (time.perf_counter() - t) * 1000 / cfg["block"]
    for f in variants.values():
        block(f)
    samples = {k: [] for k in variants}
    for r in range(cfg["rounds"]):
        for k in (list(variants) if r % 2 == 0 else list(reversed(list(variants)))):
            samples[k].append(block(variants[k]))
    out["ms"] = {k: statistics.median(v) for k, v in samples.items()}
    cat = access.create(body=cfg["catalogBody"], auth_token="x").service_catalog
    look = lambda i: cat.url_for(service_type="service-%d" % (i % 100), interface="internal",
                                 region_name="Region7")
    look(0)
    runs = []
    for _ in range(3):
        t = time.perf_counter()
        for i in range(20):
            look(i)
        runs.append((time.perf_counter() - t) * 1e9 / 20)
    out["catalogNs"] = statistics.median(runs)
else:
    sess = ksa_session.Session(auth=password())
    t = time.perf_counter()
    with ThreadPoolExecutor(max_workers=100) as ex:
        list(ex.map(lambda n: sess.get("/servers/%d" % n, endpoint_filter=ef).content,
                    range(1000)))
    out["burstMs"] = (time.perf_counter() - t) * 1000
print(json.dumps(out))
`;

interface PyResult {
  installed: boolean;
  version?: string;
  ms?: Record<string, number>;
  catalogNs?: number;
  burstMs?: number;
}

async function python(mode: string): Promise<PyResult | string> {
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(PYTHON, {
      args: ["-c", PY],
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
  } catch (err) {
    return `cannot run ${PYTHON}: ${(err as Error).message}`;
  }
  const writer = child.stdin.getWriter();
  await writer.write(
    new TextEncoder().encode(JSON.stringify({
      mode,
      authUrl: server.authUrl,
      rounds: Math.min(ROUNDS, 40), // python is 5x slower: fewer rounds
      block: BLOCK,
      catalogBody: body,
    })),
  );
  await writer.close();
  const out = await child.output();
  if (!out.success) return `python failed: ${new TextDecoder().decode(out.stderr).trim()}`;
  return JSON.parse(new TextDecoder().decode(out.stdout)) as PyResult;
}

const py = await python("seq");
let pyBurst: PyResult | string = "not run";
let pyBurstTokens = 0;
if (typeof py !== "string" && py.installed) {
  const b = cloud.stats.tokenRequests;
  pyBurst = await python("burst");
  pyBurstTokens = cloud.stats.tokenRequests - b;
}
await server.close();

// Report.
/** The middle half of a variant's per-round ratios, as "+a%..+b%". */
function iqr(ratios: number[]): string {
  const pct = (r: number) => `${r >= 1 ? "+" : ""}${((r - 1) * 100).toFixed(1)}%`;
  return `${pct(quantile(ratios, 0.25))}..${pct(quantile(ratios, 0.75))}`;
}
const base = ms["raw fetch"] ?? NaN;
const rows: [string, number, string][] = Object.entries(ms).map(([k, v]) => {
  const ratio = pairedRatio[k] ?? NaN;
  return [
    `Deno ${Deno.version.deno}: ${k}`,
    v,
    `${ratio.toFixed(3)}x (${ratio >= 1 ? "+" : ""}${((ratio - 1) * 100).toFixed(1)}%)` +
    (k === "raw fetch" ? "" : `, IQR ${iqr(roundRatios[k] ?? [])}`),
  ];
});
let pyNote = "";
if (typeof py === "string") {
  pyNote = `python keystoneauth1: ${py}`;
} else if (!py.installed) {
  pyNote = "python keystoneauth1: not installed";
} else {
  const req = py.ms?.requests ?? NaN;
  const ksa = py.ms?.ksa ?? NaN;
  rows.push([`Python: requests.Session.get (raw)`, req, `${(req / base).toFixed(2)}x`]);
  rows.push([
    `Python: keystoneauth1 ${py.version} Session.get`,
    ksa,
    `${(ksa / base).toFixed(2)}x (${(ksa / req).toFixed(2)}x requests)`,
  ]);
}

const width = Math.max(...rows.map((r) => r[0].length));
console.log(
  `\nSequential GETs on one local FakeCloud (${ROUNDS} rounds x ${BLOCK} requests, medians)\n`,
);
console.log(`| ${"workload".padEnd(width)} | ms/request | vs raw fetch |`);
console.log(`| ${"-".repeat(width)} | ---------- | ------------ |`);
for (const [name, v, ratio] of rows) {
  console.log(`| ${name.padEnd(width)} | ${v.toFixed(4).padStart(10)} | ${ratio} |`);
}
if (pyNote) console.log(`\n${pyNote}`);
console.log(
  `\nSession.get pipeline CPU cost (in-memory transport): ${pipelineUs.toFixed(1)} us/request ` +
    `= ${(pipelineUs / 10 / base).toFixed(1)}% of a raw fetch on the local server`,
);

console.log(`\nCatalog resolution, 100 services x 3 interfaces x 10 regions (3,000 endpoints):`);
console.log(`  osauth ServiceCatalog.urlFor: ${catalogNs.toFixed(0)} ns/op`);
if (typeof py !== "string" && py.installed && py.catalogNs !== undefined) {
  console.log(
    `  keystoneauth1 service_catalog.url_for: ${py.catalogNs.toFixed(0)} ns/op ` +
      `(${(py.catalogNs / catalogNs).toFixed(0)}x)`,
  );
}

console.log(`\n1,000 concurrent first requests through a fresh plugin:`);
console.log(`  osauth: ${burstTokens} token request(s), ${burstMs.toFixed(0)} ms`);
if (typeof pyBurst !== "string" && pyBurst.burstMs !== undefined) {
  console.log(
    `  keystoneauth1 (100 threads): ${pyBurstTokens} token request(s), ` +
      `${pyBurst.burstMs.toFixed(0)} ms`,
  );
}
if (burstTokens !== 1) {
  console.error(`expected 1 token request, got ${burstTokens}`);
  Deno.exit(1);
}

/**
 * Prints the per-request cost of `Session.get` and `Adapter.get` next to raw
 * `fetch` on Deno, Node 24 and Bun, and python keystoneauth1, in ONE run:
 * each runtime runs scripts/bench-workload.ts (the same file) against its own
 * FakeCloud on 127.0.0.1 and its own raw fetch, one runtime after the other;
 * plus catalog resolution on a 100 services x 3 interfaces x 10 regions
 * catalog and the token requests made by 1,000 concurrent first requests.
 *
 *   deno run --allow-net=127.0.0.1 --allow-run --allow-read --allow-env --allow-sys=loadavg \
 *     scripts/bench-compare.ts
 *     [--rounds=150] [--block=100] [--python=/usr/bin/python3]
 *     [--runtimes=deno,node24,bun] [--node=<node 24>] [--bun=<bun>]
 *
 * Node and Bun come from `$OSAUTH_TOOLS` (default .tools: `node24/`, `bun/`,
 * as scripts/cross-runtime.sh installs them).
 *
 * Method: the variants (raw fetch as a user writes it and raw fetch of
 * exactly the request the Session sends, Session.get with a fresh filter
 * literal and with a reused filter, Adapter.get, an absolute URL without
 * auth) run
 * in interleaved blocks of `block` sequential GETs for `rounds` rounds after
 * a warm-up, in a rotating order. ms/request is the median of a variant's
 * block means; ratios are medians of per-round ratios to the raw fetch block
 * of the same round and runtime, so background load that comes and goes
 * cancels out; the IQR of those ratios is the spread. Every variant is
 * printed against both raw fetches: the first is what a user compares
 * with, the second the floor of what the Session sends (so the rest is
 * osauth's own code). Python runs the same
 * blocks (requests and keystoneauth1; at most 40 rounds) against the Deno
 * server in a subprocess; its ratios are of medians. The pipeline's CPU cost
 * is also measured without network (a transport that answers at once).
 *
 * @module
 */
import { ServiceCatalog, Session } from "../mod.ts";
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

/** The runtimes run, and how (each runs scripts/bench-workload.ts against its own raw fetch). */
const TOOLS = Deno.env.get("OSAUTH_TOOLS") ?? ".tools";
const RUNTIMES: Record<string, string[]> = {
  deno: [Deno.execPath(), "run", "--allow-net=127.0.0.1"],
  node24: [arg("node", `${TOOLS}/node24/node_modules/.bin/node`)],
  bun: [arg("bun", `${TOOLS}/bun/node_modules/.bin/bun`)],
};
const WANTED = arg("runtimes", "deno,node24,bun").split(",").filter((r) => r !== "");

interface WorkloadResult {
  runtime: string;
  samples: Record<string, number[]>;
  cpuUs: Record<string, number>;
}

async function workload(name: string): Promise<WorkloadResult | string> {
  const cmd = RUNTIMES[name];
  if (!cmd) return `unknown runtime ${name}`;
  let out: Deno.CommandOutput;
  try {
    out = await new Deno.Command(cmd[0]!, {
      args: [
        ...cmd.slice(1),
        "scripts/bench-workload.ts",
        `--rounds=${ROUNDS}`,
        `--block=${BLOCK}`,
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
  } catch (err) {
    return `cannot run ${cmd[0]}: ${(err as Error).message}`;
  }
  if (!out.success) return `failed: ${new TextDecoder().decode(out.stderr).trim().slice(0, 400)}`;
  const lines = new TextDecoder().decode(out.stdout).trim().split("\n");
  return JSON.parse(lines.at(-1) ?? "{}") as WorkloadResult;
}

function loadavg(): string {
  try {
    return Deno.loadavg().map((x) => x.toFixed(2)).join(" ");
  } catch {
    return "? (--allow-sys=loadavg)";
  }
}

const loadBefore = loadavg();
// One runtime at a time: they must not compete for the CPU with each other.
const results: [string, WorkloadResult | string][] = [];
for (const name of WANTED) results.push([name, await workload(name)]);
const loadAfter = loadavg();

const cloud = new FakeCloud();
const server = await cloud.serve();
const password = () => adminPassword(server.authUrl);
const session = new Session({ auth: password() });
const filter = { endpointFilter: { serviceType: "compute", interface: "public" } };
await session.getToken();

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
const MATCHED = "raw fetch (Session's request)";
const rows: [string, number, string, string][] = [];
const cpuLines: string[] = [];
let denoRaw = NaN;
/** "1.012x (+1.2%), IQR a..b" of `v`'s per-round ratios to `raw`'s. */
function versus(v: number[], raw: number[] | undefined): string {
  if (!raw || raw.length === 0) return "";
  const ratios = v.map((x, r) => x / (raw[r] ?? NaN));
  const ratio = median(ratios);
  return `${ratio.toFixed(3)}x (${ratio >= 1 ? "+" : ""}${((ratio - 1) * 100).toFixed(1)}%)` +
    (v === raw ? "" : `, IQR ${iqr(ratios)}`);
}
for (const [name, result] of results) {
  if (typeof result === "string") {
    rows.push([`${name}: ${result}`, NaN, "", ""]);
    continue;
  }
  const raw = result.samples["raw fetch"] ?? [];
  const matched = result.samples[MATCHED];
  const rawMs = median(raw);
  if (name === "deno") denoRaw = rawMs;
  for (const [k, v] of Object.entries(result.samples)) {
    // Ratios per round (variants of a round ran back to back), then their median:
    // load that comes and goes during the run cancels out.
    rows.push([`${result.runtime}: ${k}`, median(v), versus(v, raw), versus(v, matched)]);
  }
  cpuLines.push(
    `  ${result.runtime}: fresh filter ${result.cpuUs.fresh?.toFixed(2)} us, reused filter ` +
      `${result.cpuUs.reused?.toFixed(2)} us (${
        ((result.cpuUs.fresh ?? NaN) / 10 / rawMs).toFixed(1)
      }% / ${((result.cpuUs.reused ?? NaN) / 10 / rawMs).toFixed(1)}% of its raw fetch)`,
  );
}
const base = denoRaw;
let pyNote = "";
if (typeof py === "string") {
  pyNote = `python keystoneauth1: ${py}`;
} else if (!py.installed) {
  pyNote = "python keystoneauth1: not installed";
} else {
  const req = py.ms?.requests ?? NaN;
  const ksa = py.ms?.ksa ?? NaN;
  rows.push([
    `Python: requests.Session.get (raw)`,
    req,
    `${(req / base).toFixed(2)}x Deno raw`,
    "",
  ]);
  rows.push([
    `Python: keystoneauth1 ${py.version} Session.get`,
    ksa,
    `${(ksa / base).toFixed(2)}x Deno raw (${(ksa / req).toFixed(2)}x requests)`,
    "",
  ]);
}

const width = Math.max(...rows.map((r) => r[0].length));
console.log(
  `\nSequential GETs on one local FakeCloud per runtime (${ROUNDS} rounds x ${BLOCK} requests; ` +
    `ms/request: median of block means; ratio: median of per-round ratios to the same ` +
    `runtime's raw fetch; IQR: middle half of those ratios; "${MATCHED}": raw fetch of ` +
    `exactly the request the Session sends, the same headers (User-Agent too), ` +
    `redirect "manual" and URL string). Load average ${loadBefore} -> ${loadAfter}.\n`,
);
const w2 = Math.max(12, ...rows.map((r) => r[2].length));
console.log(
  `| ${"workload".padEnd(width)} | ms/request | ${"vs raw fetch".padEnd(w2)} | vs ${MATCHED} |`,
);
console.log(
  `| ${"-".repeat(width)} | ---------- | ${"-".repeat(w2)} | ${"-".repeat(MATCHED.length + 3)} |`,
);
for (const [name, v, ratio, floor] of rows) {
  console.log(
    `| ${name.padEnd(width)} | ${v.toFixed(4).padStart(10)} | ${ratio.padEnd(w2)} | ${floor} |`,
  );
}
if (pyNote) console.log(`\n${pyNote}`);
console.log(`\nSession.get pipeline CPU cost (in-memory transport, per request):`);
for (const line of cpuLines) console.log(line);

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

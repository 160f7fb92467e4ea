/**
 * Cross-runtime smoke test: the same file runs unmodified on Deno 2, Bun 1.x
 * and Node 22/24 (type stripping), through `scripts/cross-runtime.sh`:
 *
 *   deno run --allow-net=127.0.0.1 tests/smoke/smoke.ts
 *   bun tests/smoke/smoke.ts
 *   node tests/smoke/smoke.ts
 *
 * It serves a FakeCloud with `cloud.serve()` (the runtime's own HTTP server:
 * Deno.serve, Bun.serve or node:http) on 127.0.0.1 and exercises the Session
 * over real HTTP. Prints `N passed, N failed` and exits non-zero on a failure.
 *
 * scripts/cross-runtime.sh also runs it as plain JavaScript against the package
 * built as JSR's npm layer serves it (scripts/build-npm.mjs rewrites the two
 * imports below to `@x/osauth` and `@x/osauth/testing`).
 *
 * @module
 */
import { inspect } from "node:util";
import {
  ConnectFailure,
  ConnectTimeout,
  HttpError,
  NotFound,
  ServiceUnavailable,
  Session,
  v3,
  VERSION,
} from "../../mod.ts";
import { FakeCloud } from "../../src/testing/mod.ts";
import { check, rejects } from "./checks.ts";

/** The runtime globals used here, typed structurally (no runtime's types needed). */
interface Globals {
  Deno?: { version: { deno: string }; exit(code: number): never };
  Bun?: { version: string };
  process?: { versions: { node?: string }; exitCode?: number };
}
const g = globalThis as unknown as Globals;

function runtimeName(): string {
  if (g.Deno) return `Deno ${g.Deno.version.deno}`;
  if (g.Bun) return `Bun ${g.Bun.version}`;
  return `Node ${g.process?.versions.node ?? "?"}`;
}

/** The User-Agent tag osauth puts after its own name on this runtime. */
function runtimeTag(): string {
  if (g.Deno) return `Deno/${g.Deno.version.deno}`;
  if (g.Bun) return `Bun/${g.Bun.version}`;
  return `Node.js/${g.process?.versions.node}`;
}

// ---------------------------------------------------------------------------

interface Echo {
  method: string;
  path: string;
  headers: Record<string, string>;
  auth: { userId: string; projectId: string | null };
}

const PASSWORD = "sm0ke-Pa55word-7c1e";
const cloud = new FakeCloud({
  users: [{
    id: "u-smoke",
    name: "smoke",
    password: PASSWORD,
    projects: [{ id: "p-smoke", name: "smoke", roles: ["member"] }],
  }],
});
const server = await cloud.serve();
const authUrl = `${server.url}/v3`;
const plugin = () =>
  new v3.Password({
    authUrl,
    username: "smoke",
    password: PASSWORD,
    userDomainId: "default",
    projectName: "smoke",
    projectDomainId: "default",
  });
const auth = plugin();
const sess = new Session({ auth });
const compute = { endpointFilter: { serviceType: "compute", interface: "public" } };

const tests: [string, () => Promise<void>][] = [
  ["password auth and catalog endpoint", async () => {
    const token = await sess.getToken();
    check(token.length > 20, "a token");
    const endpoint = await sess.getEndpoint(compute.endpointFilter);
    check(endpoint === `${server.url}/compute/v2.1/p-smoke`, `compute endpoint: ${endpoint}`);
    check(cloud.stats.tokenRequests === 1, `token requests: ${cloud.stats.tokenRequests}`);
  }],
  ["request via endpointFilter", async () => {
    const resp = await sess.get("/servers", compute);
    check(resp instanceof Response && resp.status === 200, `status ${resp.status}`);
    const echo = await resp.json() as Echo;
    check(echo.path === "/compute/v2.1/p-smoke/servers", `path ${echo.path}`);
    check(echo.auth.userId === "u-smoke" && echo.auth.projectId === "p-smoke", "scope");
  }],
  ["json body on POST", async () => {
    const resp = await sess.post("/servers", { ...compute, json: { server: { name: "a" } } });
    const echo = await resp.json() as Echo & { body: unknown };
    check(echo.method === "POST", echo.method);
    check(JSON.stringify(echo.body) === '{"server":{"name":"a"}}', JSON.stringify(echo.body));
  }],
  ["50 concurrent first requests make 1 token request", async () => {
    const before = cloud.stats.tokenRequests;
    const fresh = new Session({ auth: plugin() });
    const paths = await Promise.all(
      Array.from({ length: 50 }, async (_, i) => {
        const resp = await fresh.get(`/servers/${i}`, compute);
        return (await resp.json() as Echo).path;
      }),
    );
    check(paths.every((p, i) => p.endsWith(`/servers/${i}`)), "every response");
    const made = cloud.stats.tokenRequests - before;
    check(made === 1, `token requests: ${made}`);
  }],
  ["401: re-authenticate once and retry", async () => {
    await sess.getToken();
    const before = cloud.stats.tokenRequests;
    cloud.revokeAll();
    const resp = await sess.get("/flavors", compute);
    check(resp.status === 200, `status ${resp.status}`);
    await resp.body?.cancel();
    check(cloud.stats.tokenRequests === before + 1, "one new token");
  }],
  ["404 is a NotFound HttpError", async () => {
    cloud.inject({ path: "/compute", status: 404 });
    const err = await rejects(sess.get("/missing", compute), NotFound);
    check(err instanceof HttpError && err.status === 404 && err.method === "GET", err.message);
    check(err.url.endsWith("/compute/v2.1/p-smoke/missing"), err.url);
  }],
  ["503 burst: statusCodeRetries", async () => {
    const before = cloud.stats.requests.length;
    cloud.inject({ path: "/compute", status: 503, headers: { "Retry-After": "0" }, times: 2 });
    const resp = await sess.get("/servers", { ...compute, statusCodeRetries: 2 });
    check(resp.status === 200, `status ${resp.status}`);
    await resp.body?.cancel();
    check(cloud.stats.requests.length - before === 3, "three attempts");
    cloud.inject({ path: "/compute", status: 503, times: 1 });
    await rejects(sess.get("/servers", compute), ServiceUnavailable);
  }],
  ["timeout: ConnectTimeout", async () => {
    cloud.inject({ path: "/compute", delayMs: 5_000 });
    try {
      await rejects(sess.get("/slow", { ...compute, timeout: 100 }), ConnectTimeout);
    } finally {
      cloud.clearFaults();
    }
  }],
  ["redirects: the session follows 3xx itself (fetch redirect: manual)", async () => {
    cloud.inject({
      path: "/compute/v2.1/p-smoke/old",
      status: 302,
      headers: { Location: `${server.url}/compute/v2.1/p-smoke/new` },
      times: 2,
    });
    const resp = await sess.get("/old", compute);
    const echo = await resp.json() as Echo;
    check(echo.path === "/compute/v2.1/p-smoke/new", `followed to ${echo.path}`);
    const raw = await sess.get("/old", { ...compute, redirect: false });
    check(raw.status === 302, `the 3xx itself with redirect: false, got ${raw.status}`);
    check(raw.headers.get("location")?.endsWith("/new") === true, "its Location");
    await raw.body?.cancel();
  }],
  ["connection refused: retried even for POST (nothing was sent)", async () => {
    const gone = await new FakeCloud().serve();
    await gone.close();
    const err = await rejects(
      new Session({ connectRetries: 2, retryDelay: 1 }).post(`${gone.url}/x`, { json: {} }),
      ConnectFailure,
    );
    check(/^POST \S+ failed after 3 attempts: /.test(err.message), err.message);
  }],
  ["User-Agent: osauth and the runtime by default; userAgent: '' adds none", async () => {
    const token = await sess.getToken();
    const url = `${server.url}/compute/v2.1/p-smoke/ua`;
    const plain = await (await fetch(url, { headers: { "X-Auth-Token": token } })).json() as Echo;
    const own = plain.headers["user-agent"];
    check(!own?.includes("osauth"), `plain fetch sends ${own}`);
    const none = await (await new Session({ auth, userAgent: "" }).get("/ua", compute))
      .json() as Echo;
    check(none.headers["user-agent"] === own, `userAgent "": ${none.headers["user-agent"]}`);
    const byDefault = await (await sess.get("/ua", compute)).json() as Echo;
    const want = `osauth/${VERSION} ${runtimeTag()}`;
    check(byDefault.headers["user-agent"] === want, `default: ${byDefault.headers["user-agent"]}`);
  }],
  ["secrets stay out of inspect and JSON.stringify", async () => {
    const token = await auth.getToken(sess);
    for (
      const [what, text] of [
        ["inspect(plugin)", inspect(auth, { depth: 10, showHidden: true })],
        ["JSON.stringify(plugin)", JSON.stringify(auth)],
        ["inspect(session)", inspect(sess, { depth: 10 })],
        ["JSON.stringify(session)", JSON.stringify(sess)],
        ["inspect(cloud)", inspect(cloud, { depth: 10 })],
      ] as const
    ) {
      check(!text.includes(PASSWORD), `${what} shows the password: ${text}`);
      check(!text.includes(token), `${what} shows the token`);
    }
    check(inspect(auth).includes(authUrl), "inspect still shows the auth URL");
  }],
];

let passed = 0;
let failed = 0;
const started = Date.now();
for (const [name, fn] of tests) {
  try {
    await fn();
    passed++;
    console.log(`ok   ${name}`);
  } catch (err) {
    failed++;
    console.log(`FAIL ${name}\n     ${err instanceof Error ? err.stack ?? err.message : err}`);
  }
}
await server.close();
console.log(
  `${runtimeName()}, osauth ${VERSION}: ${passed} passed, ${failed} failed ` +
    `(${Date.now() - started} ms)`,
);
if (failed > 0) {
  if (g.Deno) g.Deno.exit(1);
  if (g.process) g.process.exitCode = 1;
}

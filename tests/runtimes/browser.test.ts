/**
 * osauth in real browsers: headless Chromium and Firefox (Debian's `chromium`
 * and `firefox-esr`, driven by their own headless modes, no driver package)
 * load a page that imports the built package (scripts/build-npm.mjs) through an
 * import map and runs tests/runtimes/page.ts:
 *
 * - against a FakeCloud with `cors` on another origin (auth, catalog, Adapter
 *   with a microversion, discovery, an error with its request id, an opaque
 *   redirect, clouds from `yaml`, no User-Agent from osauth);
 * - against the real Keystone and Placement of scripts/openstack-dev.sh,
 *   through their oslo.middleware CORS configured with README's "In the
 *   browser" settings (the page is served from their `allowed_origin`).
 *
 * The browsers get a fresh profile, and every non-loopback connection goes to
 * a proxy on 127.0.0.1:9 (nothing listens there), so they reach nothing else.
 *
 * Needs build/consumer (scripts/cross-runtime.sh builds it) and the browsers
 * (`apt-get install chromium firefox-esr`); without them the test is skipped
 * unless OSAUTH_REQUIRE_RUNTIMES=1 (CI). The real-cloud part needs
 * `$OSAUTH_OS_DIR/fixtures.json` (default .openstack/) of a running dev cloud,
 * and is required when OSAUTH_REQUIRE_RUNTIMES=1 unless OSAUTH_SKIP_INTEGRATION=1.
 *
 *   deno test --allow-all tests/runtimes/browser.test.ts
 *
 * @module
 */
import assert from "node:assert/strict";
import { FakeCloud } from "../../src/testing/mod.ts";
import type { Outcome, RealCloud } from "./scenario.ts";
import { freePort, missingPrerequisites } from "./_tools.ts";

const repo = new URL("../../", import.meta.url).pathname;
const consumer = `${repo}build/consumer`;
const BROWSERS = {
  chromium: "/usr/bin/chromium",
  firefox: "/usr/bin/firefox-esr",
} as const;
type Browser = keyof typeof BROWSERS;
const required = Deno.env.get("OSAUTH_REQUIRE_RUNTIMES") === "1";
const missing = missingPrerequisites([
  `${consumer}/page.js`,
  `${consumer}/node_modules/@x/osauth/mod.js`,
  BROWSERS.chromium,
  BROWSERS.firefox,
]);
const PAGE_TIMEOUT_MS = 90_000;

/** The dev cloud's fixtures and its [cors] origin, or why there is none. */
interface DevCloud {
  cloud: RealCloud;
  origin: string;
  corsSections: string[];
}
function devCloud(): DevCloud | string {
  const dir = Deno.env.get("OSAUTH_OS_DIR") ?? `${repo}.openstack`;
  let fixtures;
  try {
    fixtures = JSON.parse(Deno.readTextFileSync(`${dir}/fixtures.json`));
  } catch {
    return `no dev cloud (${dir}/fixtures.json; bash scripts/openstack-dev.sh start)`;
  }
  const corsSections = ["keystone", "placement"].map((name) => {
    const conf = Deno.readTextFileSync(`${dir}/${name}/${name}.conf`);
    return /^\[cors\]\n(?:[^\n[]+\n?)*/m.exec(conf)?.[0].trim() ?? "";
  });
  const origin = /^allowed_origin = (\S+)$/m.exec(corsSections[0] ?? "")?.[1];
  if (!origin) return `the dev cloud's keystone.conf has no [cors] allowed_origin`;
  const admin = fixtures.users.admin;
  return {
    origin,
    corsSections,
    cloud: {
      authUrl: fixtures.auth_url,
      username: admin.name,
      password: admin.password,
      projectName: "admin",
      placementUrl: fixtures.placement.url,
    },
  };
}

const CONTENT_TYPES: Record<string, string> = {
  js: "text/javascript",
  mjs: "text/javascript",
  map: "application/json",
  json: "application/json",
};

function page(): string {
  const importMap = {
    imports: {
      "@x/osauth": "/pkg/mod.js",
      "@x/osauth/clouds": "/pkg/src/clouds/mod.js",
      "@x/osauth/testing": "/pkg/src/testing/mod.js",
      "js-yaml": "/js-yaml/dist/js-yaml.mjs",
    },
  };
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>osauth in a browser</title>
<script type="importmap">${JSON.stringify(importMap)}</script>
<script type="module">
import { main } from "/consumer/page.js";
main();
</script></head><body>osauth browser test</body></html>`;
}

/** Serves the page, the built package and the config on `port`; resolves the posted outcomes. */
function servePage(port: number, config: unknown) {
  let deliver!: (outcomes: Outcome[]) => void;
  const results = new Promise<Outcome[]>((resolve) => deliver = resolve);
  const roots: [string, string][] = [
    ["/pkg/", `${consumer}/node_modules/@x/osauth/`],
    ["/js-yaml/", `${consumer}/node_modules/js-yaml/`],
    ["/consumer/", `${consumer}/`],
  ];
  const server = Deno.serve({ hostname: "127.0.0.1", port, onListen() {} }, async (req) => {
    const path = new URL(req.url).pathname;
    if (path === "/") return new Response(page(), { headers: { "Content-Type": "text/html" } });
    if (path === "/config.json") return Response.json(config);
    if (path === "/results" && req.method === "POST") {
      deliver(JSON.parse(await req.text()));
      return new Response("thanks");
    }
    for (const [prefix, dir] of roots) {
      if (!path.startsWith(prefix) || path.includes("..")) continue;
      try {
        const body = await Deno.readFile(dir + path.slice(prefix.length));
        const type = CONTENT_TYPES[path.split(".").pop() ?? ""] ?? "text/plain";
        return new Response(body, { headers: { "Content-Type": type } });
      } catch {
        break;
      }
    }
    return new Response("not found", { status: 404 });
  });
  return { results, close: () => server.shutdown() };
}

const FIREFOX_PREFS: Record<string, string | number | boolean> = {
  // everything that is not loopback goes to a proxy where nothing listens
  "network.proxy.type": 1,
  "network.proxy.http": "127.0.0.1",
  "network.proxy.http_port": 9,
  "network.proxy.ssl": "127.0.0.1",
  "network.proxy.ssl_port": 9,
  "network.proxy.socks_remote_dns": true,
  "network.trr.mode": 5,
  "network.dns.disablePrefetch": true,
  "network.prefetch-next": false,
  "network.captive-portal-service.enabled": false,
  "network.connectivity-service.enabled": false,
  "browser.safebrowsing.malware.enabled": false,
  "browser.safebrowsing.phishing.enabled": false,
  "browser.safebrowsing.downloads.enabled": false,
  "browser.shell.checkDefaultBrowser": false,
  "browser.startup.homepage_override.mstone": "ignore",
  "browser.aboutwelcome.enabled": false,
  "datareporting.policy.dataSubmissionEnabled": false,
  "datareporting.healthreport.uploadEnabled": false,
  "toolkit.telemetry.enabled": false,
  "toolkit.telemetry.reportingpolicy.firstRun": false,
  "app.update.enabled": false,
  "app.normandy.enabled": false,
  "extensions.update.enabled": false,
  "extensions.getAddons.cache.enabled": false,
  "services.settings.server": "http://127.0.0.1:9/",
  "browser.region.network.url": "",
  "dom.push.enabled": false,
};

function browserArgs(browser: Browser, profile: string, url: string): string[] {
  if (browser === "chromium") {
    return [
      "--headless",
      "--no-sandbox", // CI runs as root
      "--disable-gpu",
      "--no-first-run",
      "--no-default-browser-check",
      `--user-data-dir=${profile}`,
      "--proxy-server=http://127.0.0.1:9",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--disable-extensions",
      "--disable-default-apps",
      "--disable-domain-reliability",
      "--disable-client-side-phishing-detection",
      "--no-pings",
      url,
    ];
  }
  const prefs = Object.entries(FIREFOX_PREFS)
    .map(([k, v]) => `user_pref(${JSON.stringify(k)}, ${JSON.stringify(v)});`).join("\n");
  Deno.writeTextFileSync(`${profile}/user.js`, prefs + "\n");
  return ["--headless", "--no-remote", "--profile", profile, url];
}

/** Opens `url` in `browser` until `results` settles (bounded), then ends the browser. */
async function inBrowser(
  browser: Browser,
  url: string,
  results: Promise<Outcome[]>,
): Promise<Outcome[]> {
  const profile = await Deno.makeTempDir({ prefix: `osauth-${browser}-` });
  // setsid: the browser leads its own process group, which is ended as a whole.
  const child = new Deno.Command("setsid", {
    args: [BROWSERS[browser], ...browserArgs(browser, profile, url)],
    env: { HOME: profile, MOZ_HEADLESS: "1" },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const output = child.output();
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const exited = output.then((o) => {
      throw new Error(
        `${browser} exited (${o.code}) before the page posted results: ` +
          new TextDecoder().decode(o.stderr).slice(-2000),
      );
    });
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`${browser}: no results after ${PAGE_TIMEOUT_MS} ms`)),
        PAGE_TIMEOUT_MS,
      );
    });
    return await Promise.race([results, exited, timeout]);
  } finally {
    clearTimeout(timer);
    for (const signal of ["SIGTERM", "SIGKILL"] as const) {
      try {
        Deno.kill(-child.pid, signal);
      } catch { /* gone */ }
      const ended = await Promise.race([
        output.then(() => true, () => true),
        new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 5_000)),
      ]);
      if (ended) break;
    }
    await Deno.remove(profile, { recursive: true }).catch(() => {});
  }
}

/** README's `[cors]` block (after `<!-- cors-settings -->`), with its origin. */
function readmeCors(): string {
  const readme = Deno.readTextFileSync(`${repo}README.md`);
  const block = /<!-- cors-settings -->\s*```ini\n([\s\S]*?)```/.exec(readme)?.[1];
  assert.ok(block, "README has the [cors] settings after <!-- cors-settings -->");
  return block.trim();
}

const skip = required ? undefined : missing;
for (const browser of Object.keys(BROWSERS) as Browser[]) {
  Deno.test({
    name: skip
      ? `${browser}: SKIPPED (${skip}; apt-get install chromium firefox-esr, scripts/cross-runtime.sh)`
      : `${browser}: the built package in a page, against a FakeCloud and the real Keystone`,
    ignore: skip !== undefined,
    sanitizeResources: false,
    sanitizeOps: false,
    async fn(t) {
      if (missing) throw new Error(`OSAUTH_REQUIRE_RUNTIMES=1 but ${missing}`);
      const dev = devCloud();
      const needReal = required && Deno.env.get("OSAUTH_SKIP_INTEGRATION") !== "1";
      if (typeof dev === "string") {
        if (needReal) throw new Error(`OSAUTH_REQUIRE_RUNTIMES=1 but ${dev}`);
        console.log(`real Keystone part skipped: ${dev}`);
      } else {
        // The settings checked here are README's.
        const readme = readmeCors().replace(/^allowed_origin = .*$/m, "");
        for (const section of dev.corsSections) {
          assert.equal(section.replace(/^allowed_origin = .*$/m, ""), readme);
        }
      }
      const origin = typeof dev === "string" ? `http://127.0.0.1:${freePort()}` : dev.origin;
      const cloud = new FakeCloud({ cors: { allowedOrigins: [origin] } });
      const fake = await cloud.serve();
      cloud.inject({
        path: "/compute/v2.1/p-admin/old",
        status: 302,
        headers: { Location: `${fake.url}/compute/v2.1/p-admin/new` },
        times: 10,
      });
      const config = {
        fakeAuthUrl: fake.authUrl,
        realCloud: typeof dev === "string" ? undefined : dev.cloud,
      };
      const served = servePage(Number(new URL(origin).port), config);
      try {
        const outcomes = await inBrowser(browser, `${origin}/`, served.results);
        assert.ok(outcomes.length >= 10, `${outcomes.length} checks ran`);
        for (const o of outcomes) {
          await t.step(o.name, () => {
            if (!o.ok) throw new Error(o.error);
          });
        }
        await t.step("the browser's preflights never asked for User-Agent", () => {
          const preflights = cloud.stats.requests.filter((r) => r.method === "OPTIONS");
          assert.ok(preflights.length > 0, "the page's requests were preflighted");
          for (const p of preflights) {
            const asked = p.headers["access-control-request-headers"] ?? "";
            assert.doesNotMatch(asked, /user-agent/i, `${p.path}: ${asked}`);
          }
        });
      } finally {
        await served.close();
        await fake.close();
      }
    },
  });
}

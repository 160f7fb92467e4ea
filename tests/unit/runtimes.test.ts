// What differs per runtime, checked where Deno can check it: the User-Agent a
// Session sends (none with userAgent: "", none by default in browsers), the TLS
// advice for Cloudflare Workers and browsers. The runtimes themselves are
// exercised by tests/runtimes/ (workerd, Chromium, Firefox) and
// scripts/cross-runtime.sh (Node, Bun).
import assert from "node:assert/strict";
import { OptionError, Session, VERSION } from "../../mod.ts";
import {
  createTransport,
  defaultUserAgent,
  detectRuntime,
  type Runtime,
  runtimeTag,
} from "../../src/net/transport.ts";
import { echoServer } from "./_helpers.ts";

Deno.test("userAgent: '' makes osauth send no User-Agent (what fetch adds itself is left)", async () => {
  const server = echoServer();
  try {
    // What this runtime's fetch sends when the caller sets none.
    await (await fetch(`${server.url}/plain`)).body?.cancel();
    const own = server.seen.at(-1)?.headers.get("user-agent") ?? null;
    assert.doesNotMatch(own ?? "", /osauth/);
    await (await new Session({ userAgent: "" }).get(`${server.url}/empty`)).body?.cancel();
    assert.equal(server.seen.at(-1)?.headers.get("user-agent") ?? null, own);
    const sess = new Session({ userAgent: "" });
    assert.equal(sess.userAgent, "");
    // additionalHeaders still sets one when asked to
    await (await new Session({ userAgent: "", additionalHeaders: { "User-Agent": "mine/2" } })
      .get(`${server.url}/mine`)).body?.cancel();
    assert.equal(server.seen.at(-1)?.headers.get("user-agent"), "mine/2");
    // the default names osauth and the runtime
    await (await new Session().get(`${server.url}/default`)).body?.cancel();
    assert.equal(
      server.seen.at(-1)?.headers.get("user-agent"),
      `osauth/${VERSION} Deno/${Deno.version.deno}`,
    );
  } finally {
    await server.close();
  }
});

Deno.test("default User-Agent per runtime (D-user-agent)", () => {
  assert.equal(detectRuntime(), "deno");
  const cases: [Runtime, string, string][] = [
    ["deno", "", `osauth/${VERSION} Deno/${Deno.version.deno}`],
    ["workerd", "", `osauth/${VERSION} Cloudflare-Workers`],
    ["workerd", "app/1 ", `app/1 osauth/${VERSION} Cloudflare-Workers`],
    ["browser", "", ""],
    ["browser", "app/1 ", `app/1 osauth/${VERSION}`],
    ["other", "", `osauth/${VERSION}`],
  ];
  for (const [runtime, app, want] of cases) {
    assert.equal(defaultUserAgent(app, runtime), want, `${runtime} ${JSON.stringify(app)}`);
  }
  assert.equal(runtimeTag("browser"), "");
  assert.equal(runtimeTag("workerd"), "Cloudflare-Workers");
});

function optionError(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof OptionError, String(err));
    return err.message;
  }
  throw new Error("no OptionError");
}

Deno.test("TLS options on Cloudflare Workers and in browsers: advice for that runtime", () => {
  const ca = optionError(() => createTransport({ verify: "/ca.pem", runtime: "workerd" }));
  assert.match(ca, /^verify: '<CA bundle path>' cannot be applied on Cloudflare Workers/);
  assert.doesNotMatch(ca, /NODE_EXTRA_CA_CERTS|undici/);
  const cert = optionError(() => createTransport({ cert: "/c.pem", runtime: "workerd" }));
  assert.match(cert, /mtls_certificates/);
  assert.match(cert, /env\.MY_CERT\.fetch/);
  const off = optionError(() => createTransport({ verify: false, runtime: "workerd" }));
  assert.match(off, /verify: false/);
  const browser = optionError(() => createTransport({ verify: "/ca.pem", runtime: "browser" }));
  assert.match(browser, /in a browser: the browser verifies TLS with its own trust store/);
  // The default TLS settings need nothing from any runtime.
  for (const runtime of ["workerd", "browser"] as const) {
    createTransport({ runtime }).close();
  }
});

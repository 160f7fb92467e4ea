/**
 * Regression tests from a security review: secrets that reached error
 * messages, cause chains, logs or object copies, and tokens sent where they
 * should not go.
 */
import assert from "node:assert/strict";
import { inspect } from "node:util";
import {
  type AuthPlugin,
  ConnectFailure,
  DiscoveryFailure,
  HttpError,
  type Logger,
  OsAuthError,
  Password,
  Session,
  Token,
  TokenEndpoint,
  UntrustedOrigin,
} from "../../mod.ts";
import { CloudConfigError, loadCloudConfig } from "../../src/clouds/mod.ts";
import { FAKE_CLOUD_DEFAULTS as D, FakeCloud } from "../../src/testing/mod.ts";

const SECRET = "Sec-R3view-9x";

/** Every way an error (and its cause chain) is commonly printed. */
function errorTexts(err: unknown): string[] {
  const texts = [Deno.inspect(err, { depth: 10 }), inspect(err, { depth: 10 }), String(err)];
  for (let e = err; e instanceof Error; e = e.cause) {
    texts.push(e.message, e.stack ?? "");
  }
  return texts;
}

function assertNoSecretIn(texts: string[], label: string): void {
  for (const text of texts) {
    assert.ok(!text.includes(SECRET), `${label} shows the secret: ${text}`);
  }
}

/** A 127.0.0.1 port nothing listens on. */
function closedPort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

Deno.test("generic Password/Token keep no secret in enumerable fields (spread, structuredClone)", () => {
  const authUrl = "http://127.0.0.1:1/";
  const plugins = [
    new Password({ authUrl, userId: "u", password: SECRET, projectId: "p" }),
    new Token({ authUrl, token: SECRET, projectId: "p" }),
  ];
  for (const plugin of plugins) {
    const copies: unknown[] = [
      { ...plugin },
      structuredClone(plugin),
      Object.entries(plugin),
      Object.values(plugin),
    ];
    for (const copy of copies) {
      assertNoSecretIn(
        [JSON.stringify(copy), Deno.inspect(copy, { depth: 10, showHidden: true })],
        `a copy of ${plugin.constructor.name}`,
      );
    }
    assertNoSecretIn(
      [inspect(plugin, { customInspect: false, showHidden: true, depth: 10 })],
      `${plugin.constructor.name} without custom inspection`,
    );
  }
});

Deno.test("a refused connection's error hides secret query parameters, also in its causes", async () => {
  const port = closedPort();
  const lines: string[] = [];
  const logger: Logger = { debug: (m: string) => void lines.push(m) };
  const sess = new Session({ logger, connectRetries: 1, retryDelay: 0 });
  for (
    const url of [
      `http://127.0.0.1:${port}?token=${SECRET}`,
      `http://127.0.0.1:${port}/a/../b?password=${SECRET}`,
      `HTTP://127.0.0.1:${port}/x?auth_token=${SECRET}#f`,
    ]
  ) {
    const err = await sess.get(url, { authenticated: false }).then(
      () => assert.fail("the request succeeded"),
      (e: unknown) => e,
    );
    assert.ok(err instanceof ConnectFailure, String(err));
    assertNoSecretIn(errorTexts(err), "ConnectFailure");
    assert.match(err.message, /\*\*\*/);
  }
  assertNoSecretIn(lines, "the retry log");
  assert.ok(lines.some((l) => l.startsWith("retrying")));
});

Deno.test("version discovery errors and logs hide a URL's password and secret query", async () => {
  const cloud = new FakeCloud();
  const server = await cloud.serve();
  const lines: string[] = [];
  const logger: Logger = {
    debug: (m: string) => void lines.push(m),
    warn: (m: string) => void lines.push(m),
  };
  try {
    const sess = new Session({ logger });
    const base = new URL(server.url);
    // An endpoint override with credentials in the URL, and no version document there.
    const override = `http://user:${SECRET}@${base.host}/nothing-here?token=${SECRET}`;
    const err = await sess.getEndpointData({
      serviceType: "placement",
      endpointOverride: override,
      version: "1.0",
    }).then(() => assert.fail("discovery succeeded"), (e: unknown) => e);
    assert.ok(err instanceof DiscoveryFailure, String(err));
    assertNoSecretIn(errorTexts(err), "DiscoveryFailure");
    assertNoSecretIn(lines, "the discovery log");
    assert.ok(lines.some((l) => l.startsWith("discovery:")));
  } finally {
    await server.close();
  }
});

Deno.test("errors osauth builds never quote a secret URL, whoever wrote the message", () => {
  const cause = new TypeError(`error sending request for url (http://h/?token=${SECRET})`);
  const err = new OsAuthError(`GET http://u:${SECRET}@h/x?password=${SECRET}: failed`, { cause });
  assertNoSecretIn(errorTexts(err), "OsAuthError");
  assert.match(err.message, /http:\/\/u:\*\*\*@h\/x\?password=\*\*\*: failed/);
  // The cause is still the original error, with the same class and the rest of its text.
  assert.ok(err.cause === cause && cause instanceof TypeError);
  assert.match(cause.message, /^error sending request for url \(http:\/\/h\/\?token=\*\*\*\)$/);
});

Deno.test("redirect Location headers are logged without secret query parameters", async () => {
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) => {
    const url = new URL(req.url);
    if (url.pathname === "/go") {
      return new Response(null, {
        status: 302,
        headers: { location: `/landed?token=${SECRET}` },
      });
    }
    return new Response("ok");
  });
  const lines: string[] = [];
  try {
    const sess = new Session({ logger: { debug: (m: string) => void lines.push(m) } });
    const resp = await sess.get(`http://127.0.0.1:${server.addr.port}/go`);
    assert.equal(await resp.text(), "ok");
    assert.ok(lines.some((l) => /location: \/landed\?token=\*\*\*/.test(l)), lines.join("\n"));
    assertNoSecretIn(lines, "the redirect log");
  } finally {
    await server.shutdown();
  }
});

Deno.test("clouds.yaml syntax errors do not quote a password read as a tag or alias", async () => {
  const cases = [
    // An unquoted password starting with "!" is a YAML tag, with "*" an alias.
    `clouds:\n  c:\n    auth:\n      auth_url: http://127.0.0.1:1\n      password: !${SECRET}\n`,
    `clouds:\n  c:\n    auth:\n      auth_url: http://127.0.0.1:1\n      password: *${SECRET}\n`,
    `clouds:\n  c:\n    auth:\n      password: !<tag:${SECRET}> x\n`,
    `clouds:\n  c:\n    auth:\n      password: !${SECRET}!x y\n`,
    `%TAG !a! ${SECRET}%%\n---\nclouds: {}\n`,
  ];
  for (const yaml of cases) {
    const err = await loadCloudConfig({ cloud: "c", yaml, env: {} }).then(
      () => assert.fail("the YAML was accepted"),
      (e: unknown) => e,
    );
    assert.ok(err instanceof CloudConfigError, String(err));
    assert.match(err.message, /invalid YAML in <yaml option> at line \d+, column \d+: \S/);
    assertNoSecretIn(errorTexts(err), "CloudConfigError");
  }
});

Deno.test("TokenEndpoint sessions also keep secrets out of a connection error's cause", async () => {
  const port = closedPort();
  const sess = new Session({
    auth: new TokenEndpoint({ endpoint: `http://127.0.0.1:${port}`, token: SECRET }),
  });
  const err = await sess.get(`http://127.0.0.1:${port}/v1?secret=${SECRET}`).then(
    () => assert.fail("the request succeeded"),
    (e: unknown) => e,
  );
  assert.ok(err instanceof ConnectFailure);
  assertNoSecretIn(errorTexts(err), "ConnectFailure");
});

Deno.test("a 401 retry checks the request's origin against the new token's origins", async () => {
  let hits = 0;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, () => {
    hits++;
    return Response.json({ error: { message: "expired" } }, { status: 401 });
  });
  const origin = `http://127.0.0.1:${server.addr.port}`;
  // Before re-authenticating the plugin trusts the server; its new token's catalog does not.
  let token = "old-token";
  const auth: AuthPlugin = {
    getHeaders: () => Promise.resolve({ "X-Auth-Token": token }),
    getEndpoint: () => Promise.resolve(origin),
    getTrustedOrigins: () =>
      Promise.resolve(token === "old-token" ? [origin] : ["http://127.0.0.1:1"]),
    invalidate: () => {
      token = SECRET;
      return true;
    },
  };
  try {
    const sess = new Session({ auth });
    await assert.rejects(sess.get(`${origin}/v1/things`), UntrustedOrigin);
    assert.equal(hits, 1, "the new token was sent to an origin it is not trusted with");
  } finally {
    await server.shutdown();
  }
});

Deno.test("generic discovery sends the password only to the auth URL's origin, over HTTPS", async (t) => {
  // A Keystone behind a TLS proxy that builds its links from the plain-HTTP
  // backend, or from another host: keystoneauth1 keeps the document's scheme
  // and host and takes only the version from such a link; so does osauth.
  for (
    const href of [
      "http://keystone.test:5000/v3/",
      "http://backend.internal:35357/v3/",
      "//backend.internal/v3/",
      "https://u:pw@evil.test/v3/",
    ]
  ) {
    await t.step(href, async () => {
      const cloud = new FakeCloud({ baseUrl: "https://keystone.test:5000" });
      cloud.inject({
        method: "GET",
        path: /^\/$/,
        status: 300,
        times: Infinity,
        body: {
          versions: { values: [{ id: "v3.14", status: "stable", links: [{ rel: "self", href }] }] },
        },
      });
      const auth = new Password({
        authUrl: "https://keystone.test:5000",
        userId: D.userId,
        password: D.password,
        projectId: D.projectId,
      });
      const sent: string[] = [];
      const sess = new Session({
        auth,
        fetch: (input, init) => {
          if (init?.method === "POST") sent.push(String(input));
          return cloud.fetch(input, init);
        },
      });
      await sess.getAccess();
      assert.deepEqual(sent, ["https://keystone.test:5000/v3/auth/tokens"]);
      assert.equal(cloud.stats.tokenRequests, 1);
    });
  }
});

Deno.test("printing an HttpError does not print its response (URL with secrets, Set-Cookie)", async () => {
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    () =>
      Response.json({ error: { message: "nope" } }, {
        status: 404,
        headers: { "set-cookie": `sid=${SECRET}` },
      }),
  );
  try {
    const err = await new Session().get(`http://127.0.0.1:${server.addr.port}/x?token=${SECRET}`)
      .then(() => assert.fail("no error"), (e: unknown) => e);
    assert.ok(err instanceof HttpError);
    assertNoSecretIn(errorTexts(err), "HttpError");
    // Still there for those who ask for it.
    assert.equal(err.response?.status, 404);
    assert.equal(err.response?.headers.get("set-cookie"), `sid=${SECRET}`);
  } finally {
    await server.shutdown();
  }
});

Deno.test("a custom plugin's credential headers are hashed in logs whatever their names", async () => {
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) => {
    const url = new URL(req.url);
    if (url.pathname === "/hop") {
      return new Response(null, { status: 307, headers: { location: "/end" } });
    }
    return new Response("ok");
  });
  const origin = `http://127.0.0.1:${server.addr.port}`;
  const auth: AuthPlugin = {
    getHeaders: () => Promise.resolve({ "X-Vendor-Credential": SECRET }),
    getEndpoint: () => Promise.resolve(origin),
    getTrustedOrigins: () => Promise.resolve([origin]),
    invalidate: () => false,
  };
  const lines: string[] = [];
  try {
    const sess = new Session({ auth, logger: { debug: (m: string) => void lines.push(m) } });
    assert.equal(await (await sess.get(`${origin}/hop`)).text(), "ok");
    assert.equal(lines.filter((l) => l.startsWith("REQ:")).length, 2);
    assert.equal(lines.filter((l) => /x-vendor-credential: \{SHA256\}/.test(l)).length, 2);
    assertNoSecretIn(lines, "the request log");
  } finally {
    await server.shutdown();
  }
});

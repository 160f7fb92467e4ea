/**
 * Hostile input: URL redaction in messages (a linear rewrite, diffed against
 * the regular expressions it replaces on seeded random text), control
 * characters escaped in messages and logs, size caps on the bodies osauth
 * reads itself, deeply nested JSON in logs and error bodies, and the bounded
 * DiscoveryCache. Speed is measured in scripts/bench-hostile.ts, not here.
 * Differences from keystoneauth1 allowed here: D-body-caps, D-escaped-messages,
 * D-log-depth, D-discovery-cache-bound (docs/DIFFERENCES.md).
 */
import assert from "node:assert/strict";
import {
  AuthorizationFailure,
  DiscoveryCache,
  DiscoveryFailure,
  HttpError,
  type Logger,
  OptionError,
  OsAuthError,
  Session,
  v3,
} from "../../mod.ts";
import { fetchVersionDocument } from "../../src/discovery/mod.ts";
import { logResponse } from "../../src/logging.ts";
import { TOKEN_BODY_LIMIT, VERSION_DOCUMENT_LIMIT } from "../../src/util/body.ts";
import { ERROR_BODY_LIMIT, MESSAGE_LIMIT } from "../../src/errors.ts";
import { V3Token } from "../../src/testing/mod.ts";
import { redactBody, redactUrl, redactUrlsIn, TOO_DEEP } from "../../src/util/secrets.ts";

const SEED = Number(Deno.env.get("OSAUTH_FUZZ_SEED") ?? Date.now() % 1_000_000);

/** mulberry32: a small seeded PRNG (the seed is printed by failing assertions). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The implementation redactUrlsIn replaced (quadratic on some inputs): the reference. */
function referenceRedactUrlsIn(text: string): string {
  if (!text.includes("://")) return text;
  return text.replace(/[a-z][a-z0-9+.-]*:\/\/[^\s"'<>()]+/gi, (match) => {
    const url = match.replace(/[.,;:!?]+$/, "");
    return redactUrl(url) + match.slice(url.length);
  });
}

/** The query redaction redactUrl had (searchParams.set per secret name): the reference. */
function referenceRedactUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return url;
  }
  let changed = false;
  if (u.password !== "") {
    u.password = "***";
    changed = true;
  }
  for (const name of new Set(u.searchParams.keys())) {
    if (
      /pass(word|wd|code|phrase)?|pswd|secret|token|private_?key|encryption_?key|fernet_?key|api_?key|auth_?key|ssl_?key|cephkey|keystonekey|configdrive|credentials?$/i
        .test(name)
    ) {
      u.searchParams.set(name, "***");
      changed = true;
    }
  }
  return changed ? u.toString() : url;
}

const PIECES = [
  "http",
  "https",
  "H",
  "x1",
  "+",
  ".",
  "-",
  "://",
  ":",
  "/",
  "//",
  " ",
  "\t",
  "\n",
  '"',
  "'",
  "<",
  ">",
  "(",
  ")",
  "?",
  "&",
  "=",
  "token=",
  "password=",
  "a=b",
  "u:pw@",
  "127.0.0.1",
  ":5000",
  "...",
  ",",
  ";",
  "!",
  "\u00a0",
  "é",
  "%",
  "#",
];

Deno.test(`redactUrlsIn: the same text as the regular expressions it replaces (seed ${SEED})`, () => {
  const random = rng(SEED);
  for (let i = 0; i < 3000; i++) {
    const n = 1 + Math.floor(random() * 30);
    let text = "";
    for (let k = 0; k < n; k++) text += PIECES[Math.floor(random() * PIECES.length)];
    assert.equal(
      redactUrlsIn(text),
      referenceRedactUrlsIn(text),
      `seed ${SEED}: ${JSON.stringify(text)}`,
    );
  }
  // the quadratic inputs of the old expressions still give the right answer
  const big = "://" + "a".repeat(100_000) + " http://u:pw@h/x?token=t" + ".;".repeat(50_000);
  const out = redactUrlsIn(big);
  assert.ok(!out.includes("pw@") && !out.includes("token=t"));
  assert.ok(out.endsWith(".;".repeat(10)));
});

Deno.test(`redactUrl: queries as before, in one pass over the parameters (seed ${SEED})`, () => {
  const random = rng(SEED + 1);
  const names = ["token", "a", "password", "X-Token", "id", "secret", "b", "token", "%74oken"];
  for (let i = 0; i < 2000; i++) {
    const params: string[] = [];
    const n = Math.floor(random() * 8);
    for (let k = 0; k < n; k++) {
      const name = names[Math.floor(random() * names.length)];
      params.push(random() < 0.2 ? `${name}` : `${name}=${Math.floor(random() * 100)}`);
    }
    const url = `http://${random() < 0.2 ? "u:pw@" : ""}127.0.0.1:5000/p?${params.join("&")}`;
    assert.equal(redactUrl(url), referenceRedactUrl(url), `seed ${SEED}: ${url}`);
  }
  const many = "http://h/?" + Array.from({ length: 20_000 }, (_, i) => `token${i}=s${i}`).join("&");
  const safe = redactUrl(many);
  assert.ok(!/=s\d/.test(safe) && safe.includes("token19999=***"));
});

Deno.test("errors: control characters in a message are escaped (no forged log lines)", () => {
  const err = new OsAuthError("bad value: a\r\nINFO forged line\x1b[31m\u2028x\u202e");
  for (const c of ["\r", "\n", "\x1b", "\u2028", "\u202e"]) assert.ok(!err.message.includes(c));
  assert.ok(err.message.includes("a\\r\\nINFO forged line\\u001b[31m\\u2028x\\u202e"));
  const opt = new OptionError(`trustedOrigins: not a URL: x\ny`);
  assert.equal(opt.message, "trustedOrigins: not a URL: x\\ny");
  const http = new HttpError({ status: 400, method: "GET", url: "http://h/", message: "m\nn" });
  assert.ok(!http.message.includes("\n"));
});

/** A server on 127.0.0.1 answering every request with `handler`'s response. */
function serve(handler: (req: Request) => Response | Promise<Response>) {
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, handler);
  return { url: `http://127.0.0.1:${server.addr.port}`, close: () => server.shutdown() };
}

/** A body of `size` bytes of `fill`, streamed (no Content-Length) or with one. */
function bigBody(size: number, fill: string, sized: boolean): Response {
  const chunk = new TextEncoder().encode(fill.repeat(64 * 1024 / fill.length));
  let sent = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(c) {
      if (sent >= size) return c.close();
      const part = chunk.subarray(0, Math.min(chunk.byteLength, size - sent));
      sent += part.byteLength;
      c.enqueue(part);
    },
  });
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (sized) headers["content-length"] = String(size);
  return new Response(stream, { status: 200, headers });
}

Deno.test("error bodies: only the start is read; the message is capped and escaped", async () => {
  const srv = serve((req) => {
    const path = new URL(req.url).pathname;
    if (path === "/huge") {
      const r = bigBody(50 * 1024 * 1024, "x", false);
      return new Response(r.body, { status: 500, headers: { "content-type": "text/plain" } });
    }
    if (path === "/long-json") {
      return Response.json({ error: { message: "m\r\n".repeat(5000) } }, { status: 409 });
    }
    if (path === "/deep") {
      const deep = "[".repeat(20_000) + "]".repeat(20_000);
      return new Response(deep, { status: 400, headers: { "content-type": "application/json" } });
    }
    return new Response("<h1>" + "<a".repeat(30_000) + "</h1>", { status: 404 });
  });
  try {
    const sess = new Session();
    for (const path of ["/huge", "/long-json", "/deep", "/tags"]) {
      const err = await sess.get(`${srv.url}${path}`).then(() => undefined, (e) => e);
      assert.ok(err instanceof HttpError, `${path}: ${err}`);
      // capped before escaping: an escaped character takes at most 6
      assert.ok(err.message.length < 6 * MESSAGE_LIMIT + 200, `${path}: ${err.message.length}`);
      assert.ok(!/[\r\n]/.test(err.message), path);
      if (typeof err.details === "string") {
        assert.ok(new TextEncoder().encode(err.details).byteLength <= ERROR_BODY_LIMIT, path);
      }
      // a deep body is kept as text: printing and serialising the error work
      assert.equal(typeof JSON.stringify(err), "string");
      assert.equal(typeof Deno.inspect(err), "string");
    }
  } finally {
    await srv.close();
  }
});

const OVER_TOKEN = TOKEN_BODY_LIMIT + 1024;

Deno.test("token responses over the cap: an AuthorizationFailure naming the cap and the URL", async () => {
  for (const sized of [true, false]) {
    const srv = serve(() => {
      const r = bigBody(OVER_TOKEN, " ", sized);
      return new Response(r.body, {
        status: 201,
        headers: { ...Object.fromEntries(r.headers), "x-subject-token": "tok-secret" },
      });
    });
    try {
      const authUrl = `${srv.url.replace("//", "//user:url-pw@")}/v3?token=q-secret`;
      const auth = new v3.Password({ authUrl, userId: "u", password: "pw-secret", projectId: "p" });
      const err = await new Session({ auth }).getToken().then(() => undefined, (e) => e);
      assert.ok(err instanceof AuthorizationFailure, `${err}`);
      assert.match(err.message, /larger than 16 MiB/);
      assert.match(err.message, /127\.0\.0\.1/);
      for (const secret of ["url-pw", "q-secret", "pw-secret", "tok-secret"]) {
        assert.ok(!err.message.includes(secret), err.message);
      }
    } finally {
      await srv.close();
    }
  }
});

Deno.test("version documents over the cap: a DiscoveryFailure naming the cap", async () => {
  const srv = serve(() => bigBody(VERSION_DOCUMENT_LIMIT + 1, " ", false));
  try {
    const err = await fetchVersionDocument(new Session(), `${srv.url}/`).then(
      () => undefined,
      (e) => e,
    );
    assert.ok(err instanceof DiscoveryFailure, `${err}`);
    assert.match(err.message, /larger than 4 MiB/);
  } finally {
    await srv.close();
  }
});

Deno.test("logging deeply nested JSON: no stack overflow, nothing below the depth limit shown", async () => {
  const lines: string[] = [];
  const logger: Logger = { debug: (m: string) => void lines.push(m) };
  for (const depth of [100, 200_000]) {
    const body = '{"a":['.repeat(depth) + '{"password":"deep-secret"}' + "]}".repeat(depth);
    const out = redactBody(body);
    assert.ok(out.includes(TOO_DEEP) && !out.includes("deep-secret"));
    const inString = JSON.stringify({ blob: body });
    assert.ok(!redactBody(inString).includes("deep-secret"));
    await logResponse(logger, {
      method: "GET",
      url: "http://h/",
      status: 200,
      headers: new Headers(),
      body,
      elapsedMs: 1,
    });
  }
  assert.ok(lines.every((l) => !l.includes("deep-secret")));
  // shallow JSON is unchanged
  assert.equal(redactBody('{"a":[[1]],"password":"p"}'), '{"a":[[1]],"password":"***"}');
});

Deno.test("logged response bodies: control characters escaped", async () => {
  const lines: string[] = [];
  await logResponse({ debug: (m: string) => void lines.push(m) }, {
    method: "GET",
    url: "http://h/",
    status: 500,
    headers: new Headers({ "content-type": "text/plain" }),
    body: "oops\r\n2024-01-01 INFO forged",
    elapsedMs: 1,
  });
  assert.ok(lines.every((l) => !/[\r\n]/.test(l)), lines.join("|"));
});

Deno.test("DiscoveryCache: LRU bounded by maxEntries", async () => {
  const cache = new DiscoveryCache({ maxEntries: 3 });
  assert.equal(new DiscoveryCache().maxEntries, 256);
  const loads: string[] = [];
  const load = (u: string) => () => {
    loads.push(u);
    return Promise.resolve({ u });
  };
  for (const u of ["a", "b", "c"]) await cache.get(`http://h/${u}`, load(u));
  await cache.get("http://h/a/", load("a2")); // a hit (trailing slash), now most recent
  await cache.get("http://h/d", load("d")); // evicts b, the least recently used
  assert.equal(cache.size, 3);
  assert.ok(cache.has("http://h/a") && !cache.has("http://h/b") && cache.has("http://h/d"));
  assert.deepEqual(loads, ["a", "b", "c", "d"]);
  // an evicted lookup still in flight resolves for its waiters
  let resolve!: (v: unknown) => void;
  const pending = cache.get("http://h/p", () => new Promise((r) => resolve = r));
  for (const u of ["x", "y", "z"]) await cache.get(`http://h/${u}`, load(u));
  assert.ok(!cache.has("http://h/p"));
  resolve({ ok: 1 });
  assert.deepEqual(await pending, { ok: 1 });
  // failures are not cached; many inner slashes are no problem
  await assert.rejects(cache.get("http://h/f", () => Promise.reject(new Error("x"))));
  assert.ok(!cache.has("http://h/f"));
  const slashes = "http://h/" + "/".repeat(100_000) + "x///";
  await cache.get(slashes, load("s"));
  assert.ok(cache.has(slashes.slice(0, -3)));
  for (let i = 0; i < 10_000; i++) await cache.get(`http://h/${i}`, load(String(i)));
  assert.equal(cache.size, 3);
  for (const bad of [0, -1, 1.5, "3", {}]) {
    assert.throws(() => new DiscoveryCache({ maxEntries: bad as number }), OptionError);
  }
  assert.throws(() => new DiscoveryCache(5 as never), OptionError);
});

Deno.test("a token body that fits the cap still works (the capped reader is the reader)", async () => {
  const token = new V3Token({ userId: "u", projectId: "p" });
  const srv = serve(() =>
    new Response(JSON.stringify(token.toJSON()), {
      status: 201,
      headers: { "content-type": "application/json", "x-subject-token": "tok" },
    })
  );
  try {
    const auth = new v3.Password({
      authUrl: `${srv.url}/v3`,
      userId: "u",
      password: "p",
      projectId: "p",
    });
    assert.equal(await new Session({ auth }).getToken(), "tok");
  } finally {
    await srv.close();
  }
});

/** A raw TCP server on 127.0.0.1 sending `head` and `partial`, then resetting or stalling. */
async function rawServer(
  head: string,
  partial: string,
  then: "reset" | "stall",
): Promise<{ url: string; close(): Promise<void> }> {
  const net = await import("node:net");
  const sockets = new Set<import("node:net").Socket>();
  const server = net.createServer((sock) => {
    sockets.add(sock);
    sock.on("error", () => {});
    sock.once("data", () => {
      sock.write(head + partial);
      if (then === "reset") setTimeout(() => sock.resetAndDestroy(), 20);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const port = (server.address() as import("node:net").AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

Deno.test("token bodies that fail or time out while read: ConnectFailure / ConnectTimeout", async () => {
  const head = "HTTP/1.1 201 Created\r\nContent-Type: application/json\r\n" +
    "X-Subject-Token: tok-secret\r\nContent-Length: 5000\r\n\r\n";
  for (
    const [then, cls, timeout] of [["reset", "ConnectFailure", undefined], [
      "stall",
      "ConnectTimeout",
      300,
    ]] as const
  ) {
    const srv = await rawServer(head, '{"token": {', then);
    try {
      const auth = new v3.Password({
        authUrl: `${srv.url}/v3`,
        userId: "u",
        password: "pw-secret",
        projectId: "p",
      });
      const err = await new Session({ auth, timeout }).getToken().then(() => undefined, (e) => e);
      assert.ok(err instanceof OsAuthError, `${then}: ${err}`);
      assert.equal(err.name, cls, `${then}: ${err}`);
      assert.match(err.message, /token response/);
      assert.ok(!err.message.includes("secret"));
    } finally {
      await srv.close();
    }
  }
});

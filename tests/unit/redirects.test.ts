import assert from "node:assert/strict";
import {
  type AuthPlugin,
  type Logger,
  Session,
  TokenEndpoint,
  TooManyRedirects,
  UntrustedOrigin,
} from "../../mod.ts";

interface Seen {
  method: string;
  path: string;
  headers: Headers;
  body: string;
}

interface Server {
  url: string;
  seen: Seen[];
  close(): Promise<void>;
}

/**
 * A server whose `/redirect?status=<s>&to=<location>` answers with that
 * redirect, and that records everything else.
 */
function server(): Server {
  const seen: Seen[] = [];
  const srv = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const url = new URL(req.url);
    const body = await req.text();
    seen.push({ method: req.method, path: url.pathname, headers: req.headers, body });
    if (url.pathname === "/redirect") {
      return new Response("moved", {
        status: Number(url.searchParams.get("status") ?? "302"),
        headers: { location: url.searchParams.get("to") ?? "/" },
      });
    }
    if (url.pathname === "/loop") {
      return new Response(null, { status: 302, headers: { location: "/loop" } });
    }
    return Response.json({ path: url.pathname, method: req.method });
  });
  return {
    url: `http://127.0.0.1:${srv.addr.port}`,
    seen,
    close: () => srv.shutdown(),
  };
}

function redirectTo(base: string, to: string, status = 302): string {
  return `${base}/redirect?status=${status}&to=${encodeURIComponent(to)}`;
}

Deno.test("redirects are followed by osauth with credential rules", async (t) => {
  const a = server();
  const b = server();
  const auth = new TokenEndpoint({ endpoint: a.url, token: "tok-a" });
  const sess = new Session({ auth, additionalHeaders: { Cookie: "c=1" } });
  try {
    await t.step("same origin: followed with the token", async () => {
      const resp = await sess.get(redirectTo(a.url, "/final"));
      assert.deepEqual(await resp.json(), { path: "/final", method: "GET" });
      assert.equal(a.seen.at(-1)?.headers.get("x-auth-token"), "tok-a");
      assert.equal(resp.url === "" || resp.url.endsWith("/final"), true);
    });

    await t.step("untrusted origin: followed without token, cookie or plugin headers", async () => {
      const resp = await sess.get(redirectTo(a.url, `${b.url}/landing`));
      assert.deepEqual(await resp.json(), { path: "/landing", method: "GET" });
      const h = b.seen.at(-1)!.headers;
      assert.equal(h.get("x-auth-token"), null);
      assert.equal(h.get("cookie"), null);
      assert.match(h.get("user-agent") ?? "", /osauth/);
    });

    await t.step("and not given back when redirected home again", async () => {
      const back = redirectTo(b.url, `${a.url}/home`, 307);
      await (await sess.get(redirectTo(a.url, back))).body?.cancel();
      assert.equal(a.seen.at(-1)?.path, "/home");
      assert.equal(a.seen.at(-1)?.headers.get("x-auth-token"), null);
    });

    await t.step("a trusted origin keeps the token", async () => {
      const trusting = new Session({ auth, trustedOrigins: [b.url] });
      await (await trusting.get(redirectTo(a.url, `${b.url}/trusted`))).body?.cancel();
      assert.equal(b.seen.at(-1)?.headers.get("x-auth-token"), "tok-a");
    });

    await t.step("custom plugin headers are dropped across origins", async () => {
      const custom: AuthPlugin = {
        getHeaders: () => Promise.resolve({ "X-Custom-Key": "custom-secret", Authorization: "x" }),
        getEndpoint: () => Promise.resolve(a.url),
        invalidate: () => false,
      };
      const s = new Session({ auth: custom });
      // Its headers go only to endpoints it gave (it has no getTrustedOrigins).
      assert.equal(await s.getEndpoint({ serviceType: "any" }), a.url);
      await (await s.get(redirectTo(a.url, "/same"))).body?.cancel();
      assert.equal(a.seen.at(-1)?.headers.get("x-custom-key"), "custom-secret");
      await (await s.get(redirectTo(a.url, `${b.url}/other`))).body?.cancel();
      assert.equal(b.seen.at(-1)?.headers.get("x-custom-key"), null);
      assert.equal(b.seen.at(-1)?.headers.get("authorization"), null);
    });

    await t.step("303, and 301/302 after POST, become GET without a body", async () => {
      for (const status of [301, 302, 303]) {
        const resp = await sess.post(redirectTo(a.url, "/after", status), { json: { x: 1 } });
        assert.deepEqual(await resp.json(), { path: "/after", method: "GET" });
        const last = a.seen.at(-1)!;
        assert.equal(last.body, "");
        assert.equal(last.headers.get("content-type"), null);
      }
    });

    await t.step("307 and 308 keep the method and body", async () => {
      for (const status of [307, 308]) {
        const resp = await sess.put(redirectTo(a.url, "/kept", status), { json: { x: status } });
        assert.deepEqual(await resp.json(), { path: "/kept", method: "PUT" });
        assert.equal(a.seen.at(-1)?.body, JSON.stringify({ x: status }));
      }
    });

    await t.step("redirect: false returns the redirect", async () => {
      const resp = await sess.get(redirectTo(a.url, "/x"), { redirect: false });
      assert.equal(resp.status, 302);
      assert.equal(resp.headers.get("location"), "/x");
      await resp.body?.cancel();
    });

    await t.step(
      "a limit of 30 redirects, as keystoneauth1; redirectLimit changes it",
      async () => {
        let before = a.seen.length;
        await assert.rejects(sess.get(`${a.url}/loop`), TooManyRedirects);
        assert.equal(a.seen.length - before, 31);
        const short = new Session({ auth, redirectLimit: 2 });
        before = a.seen.length;
        await assert.rejects(short.get(`${a.url}/loop`), (e: Error) => {
          assert.ok(e instanceof TooManyRedirects);
          assert.match(e.message, /more than 2 redirects/);
          return true;
        });
        assert.equal(a.seen.length - before, 3);
        assert.throws(() => new Session({ redirectLimit: -1 }), /redirectLimit/);
      },
    );

    await t.step("redirects to non-HTTP URLs are refused", async () => {
      await assert.rejects(sess.get(redirectTo(a.url, "file:///etc/passwd")), UntrustedOrigin);
      await assert.rejects(
        sess.get(redirectTo(a.url, "data:text/plain,hello"), { authenticated: false }),
        UntrustedOrigin,
      );
    });

    await t.step("a streamed body is not replayed: the redirect is returned", async () => {
      const body = new ReadableStream<Uint8Array>({
        start(c) {
          c.enqueue(new TextEncoder().encode("stream"));
          c.close();
        },
      });
      const resp = await sess.post(redirectTo(a.url, "/s", 307), { body });
      assert.equal(resp.status, 307);
      await resp.body?.cancel();
    });

    await t.step("every hop is logged, with the token hashed", async () => {
      const lines: string[] = [];
      const logger: Logger = { debug: (m: string) => void lines.push(m) };
      await (await sess.get(redirectTo(a.url, `${b.url}/logged`), { logger })).body?.cancel();
      assert.equal(lines.filter((l) => l.startsWith("REQ:")).length, 2);
      assert.match(lines.join("\n"), /RESP: \[302\] GET/);
      assert.ok(!lines.join("\n").includes("tok-a"));
    });
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
});

/**
 * collectTiming / getTimings / resetTimings against keystoneauth1's collect_timing on the same
 * 127.0.0.1 server (scripts/timings_differential.py): the same (method, URL) entries where
 * keystoneauth1 records them, and the entries it leaves out (an error it raises, a retried attempt)
 * pinned as D-timings-every-response. URLs are redacted; no timed assertions (elapsedMs is only
 * checked to be a number >= 0).
 */
import assert from "node:assert/strict";
import { type RequestTiming, Session, TIMINGS_LIMIT } from "../../mod.ts";
import { PYTHON } from "./_differential.ts";

const SCRIPT = new URL("../../scripts/timings_differential.py", import.meta.url).pathname;

function server() {
  const flaky = new Map<string, number>();
  const srv = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    await req.body?.cancel();
    const url = new URL(req.url);
    switch (url.pathname) {
      case "/ok":
        return Response.json({ ok: true });
      case "/redirect":
        return new Response(null, {
          status: 302,
          headers: { location: `${url.origin}/ok${url.search}` },
        });
      case "/missing":
        return Response.json({ error: { message: "nope" } }, { status: 404 });
      case "/flaky": {
        const key = `${url.search}|${req.headers.get("user-agent")}`;
        const n = (flaky.get(key) ?? 0) + 1;
        flaky.set(key, n);
        return n === 1 ? new Response("busy", { status: 503 }) : Response.json({ ok: true });
      }
    }
    return new Response("?", { status: 400 });
  });
  return { url: `http://127.0.0.1:${srv.addr.port}`, close: () => srv.shutdown() };
}

const CASES: Record<string, { method: string; path: string; options: Record<string, unknown> }> = {
  ok: { method: "GET", path: "/ok", options: {} },
  head: { method: "HEAD", path: "/ok", options: {} },
  post_redirect: { method: "POST", path: "/redirect", options: { json: { a: 1 } } },
  redirect: { method: "GET", path: "/redirect", options: {} },
  missing_no_raise: { method: "GET", path: "/missing", options: { raiseExc: false } },
  missing_raise: { method: "GET", path: "/missing", options: {} },
  flaky_retried: {
    method: "GET",
    path: "/flaky",
    options: { statusCodeRetries: 1, retryDelay: 1 },
  },
};

/** D-timings-every-response: what osauth records besides keystoneauth1's entries. */
const EXTRA: Record<string, (base: string) => [string, string][]> = {
  // keystoneauth1 records nothing for a request that raises.
  missing_raise: (b) => [["GET", `${b}/missing?case=missing_raise`]],
  // ... and only the last attempt of a retried one.
  flaky_retried: (b) => [["GET", `${b}/flaky?case=flaky_retried`]],
};

Deno.test("collectTiming: the entries keystoneauth1's collect_timing records, plus every response", async () => {
  const srv = server();
  try {
    const out = await new Deno.Command(PYTHON, {
      args: [SCRIPT, srv.url],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.ok(out.success, new TextDecoder().decode(out.stderr));
    const theirs = JSON.parse(new TextDecoder().decode(out.stdout)) as Record<
      string,
      [string, string][]
    >;
    assert.deepEqual(Object.keys(theirs).sort(), Object.keys(CASES).sort());
    for (const [name, c] of Object.entries(CASES)) {
      const sess = new Session({ collectTiming: true });
      try {
        const resp = await sess.request(`${srv.url}${c.path}?case=${name}`, {
          method: c.method,
          ...c.options,
        });
        await resp.body?.cancel();
      } catch {
        // missing_raise: NotFound
      }
      const timings = sess.getTimings();
      let expected = [...(EXTRA[name]?.(srv.url) ?? []), ...theirs[name]!];
      if (name === "post_redirect") {
        // D-redirect-method: keystoneauth1 sends the POST again to a 302's Location; osauth a GET.
        assert.deepEqual(theirs[name]!.map(([m]) => m), ["POST", "POST"]);
        expected = expected.map(([m, u], i) => [i === 0 ? m : "GET", u]);
      }
      assert.deepEqual(timings.map((t) => [t.method, t.url]), expected, name);
      for (const t of timings) assert.ok(typeof t.elapsedMs === "number" && t.elapsedMs >= 0);
      if (name === "redirect") assert.deepEqual(timings.map((t) => t.status), [302, 200]);
      if (name === "flaky_retried") assert.deepEqual(timings.map((t) => t.status), [503, 200]);
    }
  } finally {
    await srv.close();
  }
});

Deno.test("collectTiming: off by default, redacted URLs, resetTimings, copies", async () => {
  const srv = server();
  try {
    const off = new Session();
    await (await off.get(`${srv.url}/ok`)).body?.cancel();
    assert.deepEqual(off.getTimings(), []);
    const sess = new Session({ collectTiming: true });
    await (await sess.get(`http://user:pw-secret@${srv.url.slice(7)}/ok?token=tok-secret&a=1`))
      .body?.cancel();
    const [t] = sess.getTimings() as [RequestTiming];
    assert.ok(!t.url.includes("pw-secret") && !t.url.includes("tok-secret"), t.url);
    assert.match(t.url, /a=1/);
    assert.equal(t.status, 200);
    const copy = sess.getTimings();
    copy.length = 0;
    assert.equal(sess.getTimings().length, 1);
    sess.resetTimings();
    assert.deepEqual(sess.getTimings(), []);
    assert.ok(TIMINGS_LIMIT >= 1000);
  } finally {
    await srv.close();
  }
});

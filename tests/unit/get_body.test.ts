import assert from "node:assert/strict";
import { OptionError, Session } from "../../mod.ts";

// fetch refuses a GET or HEAD with a body (a TypeError): osauth says so up front instead of
// retrying it as a connection failure (docs/DIFFERENCES.md#D-get-body; adversarial fuzz seed
// 1366568428 found `{ connectRetries: 5, body: "5" }` retried with backoff for over 5 s).
Deno.test("a GET or HEAD with a body is an OptionError, nothing sent, not retried", async () => {
  let requests = 0;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, () => {
    requests++;
    return new Response("ok");
  });
  const url = `http://127.0.0.1:${server.addr.port}/r`;
  try {
    const sess = new Session({ connectRetries: 5 });
    for (const method of ["GET", "get", "HEAD"]) {
      for (const extra of [{ body: "5" }, { json: { a: 1 } }]) {
        const started = performance.now();
        await assert.rejects(
          sess.request(url, { method, ...extra }),
          (err: unknown) =>
            err instanceof OptionError && /cannot have a body/.test(err.message) &&
            err.message.includes(method.toUpperCase()),
        );
        assert.ok(performance.now() - started < 1000, "rejected at once, not after retries");
      }
    }
    await assert.rejects(sess.get(url, { body: "x" }), OptionError);
    assert.equal(requests, 0);
    // a body with POST, and GET without one, are sent
    assert.equal(await (await sess.post(url, { body: "5" })).text(), "ok");
    assert.equal(await (await sess.get(url, { body: null })).text(), "ok");
    assert.equal(requests, 2);
  } finally {
    await server.shutdown();
  }
});

/**
 * 429 Too Many Requests is retried like a 503 when status retries are enabled (the default
 * retriableStatusCodes are [503, 429]), after its Retry-After (seconds or an HTTP date, capped by
 * maxRetryDelay), else the backoff; not retried without statusCodeRetries or when the caller's
 * list leaves it out (D-retry-429).
 */
import assert from "node:assert/strict";
import { type Logger, Session, TokenEndpoint, TooManyRequests } from "../../mod.ts";

function server(plan: { status: number; retryAfter?: string }[]) {
  let n = 0;
  const srv = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, () => {
    const step = plan[n++];
    if (!step) return Response.json({ ok: true });
    return new Response(JSON.stringify({ message: "slow down" }), {
      status: step.status,
      headers: {
        "content-type": "application/json",
        ...(step.retryAfter !== undefined ? { "retry-after": step.retryAfter } : {}),
      },
    });
  });
  return { url: `http://127.0.0.1:${srv.addr.port}`, count: () => n, close: () => srv.shutdown() };
}

function retryLog(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    logger: { debug: (m: string) => void (m.startsWith("retrying ") && lines.push(m)) },
  };
}

const delays = (lines: string[]) => lines.map((l) => Number(/ in (\d+) ms /.exec(l)?.[1]));

Deno.test("429: retried like 503, honouring Retry-After seconds and HTTP dates, else backoff", async () => {
  const now = Date.parse("2026-01-01T00:00:00Z");
  const srv = server([
    { status: 429, retryAfter: "7" },
    { status: 429, retryAfter: new Date(now + 3000).toUTCString() },
    { status: 429 },
  ]);
  try {
    const { logger, lines } = retryLog();
    const sess = new Session({
      auth: new TokenEndpoint({ endpoint: srv.url, token: "t" }),
      statusCodeRetries: 3,
      retryDelay: 1,
      maxRetryDelay: 5,
      now: () => now,
      logger,
    });
    const resp = await sess.get(`${srv.url}/x`);
    assert.equal(resp.status, 200);
    await resp.body?.cancel();
    assert.equal(srv.count(), 4);
    // 7 s and 3 s (the date) capped by maxRetryDelay 5 ms; then retry 3's backoff, 2-4 ms.
    const [a, b, c] = delays(lines);
    assert.deepEqual([a, b], [5, 5]);
    assert.ok(c! >= 2 && c! <= 4, String(c));
    assert.match(lines[0]!, /HTTP 429 \(Retry-After: 7\)$/);
    assert.match(lines[2]!, /HTTP 429$/);
  } finally {
    await srv.close();
  }
});

Deno.test("429: not retried without statusCodeRetries, nor when retriableStatusCodes leaves it out", async () => {
  for (const options of [{}, { statusCodeRetries: 2, retriableStatusCodes: [503] }]) {
    const srv = server([{ status: 429, retryAfter: "0" }, { status: 429, retryAfter: "0" }]);
    try {
      const sess = new Session({
        auth: new TokenEndpoint({ endpoint: srv.url, token: "t" }),
        retryDelay: 1,
        ...options,
      });
      await assert.rejects(
        sess.get(`${srv.url}/x`),
        (err: Error) => err instanceof TooManyRequests && err.status === 429,
      );
      assert.equal(srv.count(), 1, JSON.stringify(options));
    } finally {
      await srv.close();
    }
  }
  assert.deepEqual(new Session().retriableStatusCodes, [503, 429]);
});

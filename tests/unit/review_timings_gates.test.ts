/**
 * Review: a timing's elapsedMs is "from sending the request to its response headers"
 * (keystoneauth1's RequestTiming takes requests' `elapsed`; its Adapter's rate semaphore is
 * outside it). Time spent queued for a concurrency slot or the rate limit is not part of it.
 * No timed assertion: causal bound only. Request B waits for A's slot; the server answers A at
 * `aAnswered` (monotonic clock of this process), so B cannot have been sent before then, and B's
 * elapsed time is at most `bDone - aAnswered`.
 */
import assert from "node:assert/strict";
import { Adapter, Session } from "../../mod.ts";

Deno.test("review: timings leave out the wait for a concurrency slot", async (t) => {
  let releaseA!: () => void;
  let holdA!: Promise<void>;
  let aAnswered = 0;
  let seenA!: () => void;
  let arrivedA!: Promise<void>;
  const srv = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    await req.body?.cancel();
    if (new URL(req.url).pathname === "/a") {
      seenA();
      await holdA;
      aAnswered = performance.now();
    }
    return Response.json({ ok: true });
  });
  const base = `http://127.0.0.1:${srv.addr.port}`;
  try {
    for (const kind of ["session maxConcurrency", "adapter maxConcurrency"] as const) {
      await t.step(kind, async () => {
        holdA = new Promise<void>((r) => (releaseA = r));
        arrivedA = new Promise<void>((r) => (seenA = r));
        const session = new Session({
          collectTiming: true,
          ...(kind === "session maxConcurrency" ? { maxConcurrency: 1 } : {}),
        });
        const client = kind === "session maxConcurrency"
          ? session
          : new Adapter(session, { maxConcurrency: 1 });
        const a = client.get(`${base}/a`, { authenticated: false });
        await arrivedA;
        const b = client.get(`${base}/b`, { authenticated: false }).then((r) => {
          const done = performance.now();
          return r.body?.cancel().then(() => done);
        });
        // B is queued behind A now (A holds the only slot until its response arrives).
        await new Promise((r) => setTimeout(r, 20));
        releaseA();
        await (await a).body?.cancel();
        const bDone = (await b)!;
        const timings = session.getTimings();
        const tb = timings.find((x) => x.url.endsWith("/b"));
        assert.ok(tb, JSON.stringify(timings));
        assert.ok(
          tb.elapsedMs <= bDone - aAnswered,
          `B's timing (${tb.elapsedMs} ms) counts the wait for A's slot (B was answered ` +
            `${bDone - aAnswered} ms after A)`,
        );
      });
    }
  } finally {
    await srv.shutdown();
  }
});

/**
 * rateLimit (Session and Adapter) and an Adapter's maxConcurrency, keystoneauth1's Adapter
 * rate_limit / concurrency: each attempt (retries too) gets the next start time, one interval
 * after the previous, in call order (the waits are computed on the session's clock: frozen here, so
 * they are exact, and the debug log names them); an adapter's slots bound its requests in flight;
 * bad values are OptionErrors. No timed assertions.
 */
import assert from "node:assert/strict";
import { Adapter, OptionError, Session, TokenEndpoint } from "../../mod.ts";

function recorder(statuses: number[] = []) {
  const order: string[] = [];
  const srv = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) => {
    order.push(new URL(req.url).pathname);
    const status = statuses.shift() ?? 200;
    return new Response(status === 200 ? "{}" : "busy", { status });
  });
  return { url: `http://127.0.0.1:${srv.addr.port}`, order, close: () => srv.shutdown() };
}

function waitLog() {
  const waits: number[] = [];
  return {
    waits,
    logger: {
      debug(m: string) {
        const w = /^rate limit: .* waited (\d+) ms$/.exec(m);
        if (w) waits.push(Number(w[1]));
      },
    },
  };
}

Deno.test("rateLimit: attempts start one interval apart, in call order", async () => {
  const srv = recorder();
  try {
    const { waits, logger } = waitLog();
    const sess = new Session({
      auth: new TokenEndpoint({ endpoint: srv.url, token: "t" }),
      rateLimit: 200, // 5 ms apart
      now: () => 1_000_000, // frozen: the waits are exactly the schedule
      logger,
    });
    const a = new Adapter(sess, { serviceType: "compute" });
    const responses = await Promise.all([0, 1, 2, 3].map((i) => a.get(`/r${i}`)));
    for (const r of responses) await r.body?.cancel();
    assert.deepEqual(waits, [5, 10, 15]);
    // Without a logger (whose first line hashes the token before the request reaches the limiter)
    // and one slot at a time, the server sees the requests in the order of the calls.
    const quiet = new Session({
      auth: new TokenEndpoint({ endpoint: srv.url, token: "t" }),
      rateLimit: 200,
      now: () => 1_000_000,
    });
    const one = new Adapter(quiet, { serviceType: "compute", maxConcurrency: 1 });
    srv.order.length = 0;
    const again = await Promise.all([0, 1, 2, 3].map((i) => one.get(`/q${i}`)));
    for (const r of again) await r.body?.cancel();
    assert.deepEqual(srv.order, ["/q0", "/q1", "/q2", "/q3"]);
  } finally {
    await srv.close();
  }
});

Deno.test("rateLimit: an Adapter's and the Session's both apply; retries take a slot each", async () => {
  const srv = recorder([503]);
  try {
    const { waits, logger } = waitLog();
    const sess = new Session({
      auth: new TokenEndpoint({ endpoint: srv.url, token: "t" }),
      now: () => 0,
      logger,
      statusCodeRetries: 1,
      retryDelay: 0,
    });
    const a = new Adapter(sess, { serviceType: "compute", rateLimit: 100 }); // 10 ms
    // The 503 and its retry: two attempts, the second 10 ms after the first.
    const resp = await a.get("/x");
    assert.equal(resp.status, 200);
    await resp.body?.cancel();
    assert.deepEqual(waits, [10]);
    assert.deepEqual(srv.order, ["/x", "/x"]);
    // Requests of the session alone are not the adapter's: no wait.
    await (await sess.get(`${srv.url}/y`)).body?.cancel();
    assert.deepEqual(waits, [10]);
    const both = new Session({
      auth: new TokenEndpoint({ endpoint: srv.url, token: "t" }),
      now: () => 0,
      logger,
      rateLimit: 50, // 20 ms
    });
    const b = new Adapter(both, { serviceType: "compute", rateLimit: 100 });
    await Promise.all([b.get("/1"), b.get("/2")].map(async (p) => (await p).body?.cancel()));
    // The second waits 10 ms for the adapter, then 20 ms for the session.
    assert.deepEqual(waits.slice(1), [10, 20]);
  } finally {
    await srv.close();
  }
});

Deno.test("Adapter maxConcurrency: at most that many of its requests in flight", async () => {
  let inFlight = 0;
  let most = 0;
  const gates: (() => void)[] = [];
  const srv = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async () => {
    inFlight++;
    most = Math.max(most, inFlight);
    await new Promise<void>((resolve) => gates.push(resolve));
    inFlight--;
    return new Response("{}");
  });
  const url = `http://127.0.0.1:${srv.addr.port}`;
  try {
    for (const limit of [2, undefined]) {
      most = 0;
      const sess = new Session({ auth: new TokenEndpoint({ endpoint: url, token: "t" }) });
      const a = new Adapter(sess, { serviceType: "compute", maxConcurrency: limit });
      const all = Promise.all(
        [0, 1, 2, 3, 4].map(async (i) => (await a.get(`/c${i}`)).body?.cancel()),
      );
      // Release one request each time as many as may be in flight have arrived (bounded).
      for (let released = 0, spins = 0; released < 5 && spins < 10_000; spins++) {
        const expected = Math.min(limit ?? 5, 5 - released);
        if (gates.length >= expected) {
          gates.shift()!();
          released++;
        } else {
          await new Promise((r) => setTimeout(r, 1));
        }
      }
      await all;
      assert.equal(most, limit ?? 5);
    }
  } finally {
    await srv.shutdown();
  }
});

Deno.test("rateLimit and maxConcurrency: bad values are OptionErrors", () => {
  const sess = new Session();
  for (const bad of [0, -1, NaN, Infinity, "2"]) {
    assert.throws(() => new Session({ rateLimit: bad as never }), OptionError, String(bad));
    assert.throws(() => new Adapter(sess, { rateLimit: bad as never }), OptionError, String(bad));
  }
  for (const bad of [0, 1.5, -2, "1"]) {
    assert.throws(() => new Adapter(sess, { maxConcurrency: bad as never }), OptionError);
  }
});

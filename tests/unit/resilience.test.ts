/**
 * Fault tests: retries, timeouts, abort signals and the concurrency limit
 * against real servers on 127.0.0.1 that drop connections, stall, refuse
 * connections and answer 503 bursts. Attempts are counted on the server side;
 * no assertion depends on wall time.
 */
import assert from "node:assert/strict";
import {
  ConnectFailure,
  ConnectTimeout,
  OptionError,
  ServiceUnavailable,
  Session,
} from "../../mod.ts";
import type { Logger } from "../../mod.ts";
import { backoffDelay, isConnectionRefused, isIdempotent, sleep } from "../../src/session/retry.ts";
import { Semaphore } from "../../src/session/semaphore.ts";
import { parseRetryAfter } from "../../src/errors.ts";
import { adminPassword, serveCloud } from "./_helpers.ts";

type Mode = "drop" | "stall" | "ok";

/**
 * A raw TCP server. For the n-th connection (0-based) `mode(n)` decides:
 * `drop` reads the request head and closes the socket without answering,
 * `stall` reads it and never answers (until the client gives up or the server
 * closes), `ok` answers 200 and closes. `requests` holds the request lines
 * that reached the server.
 */
function tcpServer(mode: (n: number) => Mode): {
  url: string;
  requests: string[];
  close(): Promise<void>;
} {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const requests: string[] = [];
  const open = new Set<Deno.Conn>();
  const handlers = new Set<Promise<void>>();
  let connections = 0;
  const handle = async (conn: Deno.Conn, n: number): Promise<void> => {
    open.add(conn);
    try {
      const buf = new Uint8Array(64 * 1024);
      let head = "";
      while (!head.includes("\r\n\r\n")) {
        const read = await conn.read(buf);
        if (read === null) return;
        head += new TextDecoder().decode(buf.subarray(0, read));
      }
      requests.push(head.split("\r\n")[0] ?? "");
      const m = mode(n);
      if (m === "ok") {
        await conn.write(
          new TextEncoder().encode(
            "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 2\r\n" +
              "connection: close\r\n\r\nok",
          ),
        );
      } else if (m === "stall") {
        while (await conn.read(buf) !== null) { /* hold the request until the client leaves */ }
      }
    } catch {
      // the peer or close() ended the connection
    } finally {
      open.delete(conn);
      try {
        conn.close();
      } catch {
        // already closed
      }
    }
  };
  const accepting = (async () => {
    try {
      for await (const conn of listener) {
        const p = handle(conn, connections++);
        handlers.add(p);
        p.finally(() => handlers.delete(p));
      }
    } catch {
      // listener closed
    }
  })();
  const addr = listener.addr as Deno.NetAddr;
  return {
    url: `http://127.0.0.1:${addr.port}`,
    requests,
    async close() {
      listener.close();
      for (const c of open) {
        try {
          c.close();
        } catch {
          // already closed
        }
      }
      await accepting;
      await Promise.all([...handlers]);
    },
  };
}

/** A port nothing listens on (connections are refused). */
async function refusedPort(): Promise<number> {
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    () => new Response(),
  );
  const port = server.addr.port;
  await server.shutdown();
  return port;
}

/** Collects the `retrying ...` debug lines a Session logs. */
function retryLog(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    logger: { debug: (msg: string) => void (msg.startsWith("retrying ") && lines.push(msg)) },
  };
}

/** Delays (ms) named by `retrying ... in N ms` lines. */
function delaysOf(lines: string[]): number[] {
  return lines.map((l) => Number(/ in (\d+) ms /.exec(l)?.[1]));
}

// ---------------------------------------------------------------------------
// Dropped connections
// ---------------------------------------------------------------------------

Deno.test("dropped connections: GET retried connectRetries times, then a clear error", async () => {
  const srv = tcpServer(() => "drop");
  try {
    const sess = new Session({ connectRetries: 2, retryDelay: 1 });
    await assert.rejects(sess.get(`${srv.url}/drop`), (e: unknown) => {
      assert.ok(e instanceof ConnectFailure);
      assert.ok(!(e instanceof ConnectTimeout));
      assert.match(e.message, new RegExp(`^GET ${srv.url}/drop failed after 3 attempts: `));
      return true;
    });
    assert.deepEqual(srv.requests, Array(3).fill("GET /drop HTTP/1.1"));
  } finally {
    await srv.close();
  }
});

Deno.test("dropped connections: a GET that gets through on the third attempt succeeds", async () => {
  const srv = tcpServer((n) => n < 2 ? "drop" : "ok");
  try {
    const { logger, lines } = retryLog();
    const sess = new Session({ connectRetries: 5, retryDelay: 1, logger });
    const resp = await sess.get(`${srv.url}/flaky`);
    assert.equal(await resp.text(), "ok");
    assert.equal(srv.requests.length, 3, "two drops, one success, nothing more");
    assert.equal(lines.length, 2);
    assert.match(
      lines[0] ?? "",
      /^retrying GET http:\/\/127\.0\.0\.1:\d+\/flaky in \d+ ms \(retry 1 of 5\)/,
    );
  } finally {
    await srv.close();
  }
});

Deno.test("dropped connection: POST is not sent twice (no duplicated side effects)", async () => {
  const srv = tcpServer(() => "drop");
  try {
    const sess = new Session({ connectRetries: 3, retryDelay: 1 });
    for (const method of ["POST", "PATCH"]) {
      const before = srv.requests.length;
      await assert.rejects(
        sess.request(`${srv.url}/create`, { method, json: { name: "vm" } }),
        (e: unknown) => {
          assert.ok(e instanceof ConnectFailure);
          assert.match(e.message, new RegExp(`^${method} ${srv.url}/create failed: `));
          assert.match(e.message, /not retried: \w+ is not idempotent.*retryNonIdempotent/);
          return true;
        },
      );
      assert.equal(srv.requests.length - before, 1, `${method} reached the server once`);
    }
    // PUT and DELETE are idempotent: retried.
    await assert.rejects(sess.put(`${srv.url}/x`, { json: {} }), ConnectFailure);
    await assert.rejects(sess.delete(`${srv.url}/x`), ConnectFailure);
    assert.equal(srv.requests.filter((r) => r.startsWith("PUT ")).length, 4);
    assert.equal(srv.requests.filter((r) => r.startsWith("DELETE ")).length, 4);
  } finally {
    await srv.close();
  }
});

Deno.test("dropped connection: POST is retried with retryNonIdempotent", async () => {
  const srv = tcpServer((n) => n < 2 ? "drop" : "ok");
  try {
    const sess = new Session({ connectRetries: 3, retryDelay: 1, retryNonIdempotent: true });
    const resp = await sess.post(`${srv.url}/create`, { json: { a: 1 } });
    assert.equal(await resp.text(), "ok");
    assert.deepEqual(srv.requests, Array(3).fill("POST /create HTTP/1.1"));
  } finally {
    await srv.close();
  }
  const drops = tcpServer(() => "drop");
  try {
    const sess = new Session({ connectRetries: 1, retryDelay: 1, retryNonIdempotent: true });
    await assert.rejects(
      sess.post(`${drops.url}/a`, { retryNonIdempotent: false, body: "x" }),
      /^ConnectFailure: POST \S+ failed: .*not retried/,
    );
    assert.equal(drops.requests.length, 1, "per-request false wins");
    await assert.rejects(
      new Session({ connectRetries: 1, retryDelay: 1 }).post(`${drops.url}/b`, {
        retryNonIdempotent: true,
        body: "x",
      }),
      /^ConnectFailure: POST \S+ failed after 2 attempts: /,
    );
    assert.equal(drops.requests.length, 3, "per-request true wins");
  } finally {
    await drops.close();
  }
});

Deno.test("a streamed body is never sent twice", async () => {
  const srv = tcpServer(() => "drop");
  try {
    const sess = new Session({ connectRetries: 3, retryDelay: 1, retryNonIdempotent: true });
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(new TextEncoder().encode("data"));
        c.close();
      },
    });
    await assert.rejects(sess.put(`${srv.url}/upload`, { body }), (e: unknown) => {
      assert.ok(e instanceof ConnectFailure);
      assert.match(e.message, /not retried: the body is a stream/);
      return true;
    });
    assert.equal(srv.requests.length, 1);
  } finally {
    await srv.close();
  }
});

// ---------------------------------------------------------------------------
// Refused connections
// ---------------------------------------------------------------------------

Deno.test("connection refused is retried even for POST (nothing was sent)", async () => {
  const port = await refusedPort();
  let calls = 0;
  // Counts attempts; the real global fetch does the work.
  const counting: typeof fetch = (input, init) => {
    calls++;
    return fetch(input, init);
  };
  const sess = new Session({ connectRetries: 2, retryDelay: 1, fetch: counting });
  await assert.rejects(
    sess.post(`http://127.0.0.1:${port}/create`, { json: { a: 1 } }),
    (e: unknown) => {
      assert.ok(e instanceof ConnectFailure);
      assert.match(
        e.message,
        new RegExp(`^POST http://127.0.0.1:${port}/create failed after 3 attempts: `),
      );
      assert.ok(isConnectionRefused(e.cause), `refused: ${e.message}`);
      assert.doesNotMatch(e.message, /not retried/);
      return true;
    },
  );
  assert.equal(calls, 3);
  calls = 0;
  await assert.rejects(
    new Session({ fetch: counting }).get(`http://127.0.0.1:${port}/`),
    (e: unknown) => e instanceof ConnectFailure && /^GET \S+ failed: /.test(e.message),
  );
  assert.equal(calls, 1, "no retries by default");
});

// ---------------------------------------------------------------------------
// Stalls and timeouts
// ---------------------------------------------------------------------------

Deno.test("stalled server: timeout gives ConnectTimeout; GET retried, POST not", async () => {
  const srv = tcpServer(() => "stall");
  try {
    const sess = new Session({ timeout: 100, connectRetries: 2, retryDelay: 1 });
    await assert.rejects(sess.get(`${srv.url}/slow`), (e: unknown) => {
      assert.ok(e instanceof ConnectTimeout);
      assert.equal(e.message, `GET ${srv.url}/slow timed out after 100 ms (3 attempts)`);
      return true;
    });
    assert.equal(srv.requests.length, 3);
    await assert.rejects(sess.post(`${srv.url}/slow`, { json: {} }), (e: unknown) => {
      assert.ok(e instanceof ConnectTimeout);
      assert.match(
        e.message,
        /^POST \S+ timed out after 100 ms; not retried: POST is not idempotent/,
      );
      return true;
    });
    assert.equal(srv.requests.length, 4, "the POST reached the server once");
    // per-request timeout and retries override the session's
    await assert.rejects(
      sess.get(`${srv.url}/slow`, { timeout: 50, connectRetries: 0 }),
      (e: unknown) => e instanceof ConnectTimeout && /timed out after 50 ms$/.test(e.message),
    );
    assert.equal(srv.requests.length, 5);
  } finally {
    await srv.close();
  }
});

Deno.test("caller's AbortSignal: its reason, no retries", async (t) => {
  const srv = tcpServer(() => "stall");
  const s = await serveCloud();
  try {
    const sess = new Session({ connectRetries: 3, statusCodeRetries: 3, retryDelay: 1 });
    await t.step("abort while the server stalls", async () => {
      const ctl = new AbortController();
      const pending = sess.get(`${srv.url}/stall`, { signal: ctl.signal });
      while (srv.requests.length === 0) await sleep(5);
      ctl.abort();
      await assert.rejects(pending, (e: unknown) => {
        assert.equal(e, ctl.signal.reason);
        assert.equal((e as Error).name, "AbortError");
        return true;
      });
      assert.equal(srv.requests.length, 1);
    });
    await t.step("a custom reason is passed through", async () => {
      const ctl = new AbortController();
      const reason = new Error("user gave up");
      const pending = sess.get(`${srv.url}/stall2`, { signal: ctl.signal, timeout: 60_000 });
      while (srv.requests.length < 2) await sleep(5);
      ctl.abort(reason);
      await assert.rejects(pending, (e: unknown) => e === reason);
      assert.equal(srv.requests.length, 2);
    });
    await t.step("already aborted: nothing is sent", async () => {
      await assert.rejects(
        sess.get(`${srv.url}/never`, { signal: AbortSignal.abort() }),
        (e: unknown) => (e as Error).name === "AbortError",
      );
      assert.equal(srv.requests.length, 2);
    });
    await t.step("abort during the wait before a retry", async () => {
      const auth = adminPassword(s.authUrl);
      const cloudSess = new Session({ auth, statusCodeRetries: 5, retryDelay: 1 });
      await cloudSess.getToken();
      s.cloud.inject({ path: "/compute", status: 503, headers: { "Retry-After": "30" }, times: 9 });
      const ctl = new AbortController();
      const pending = cloudSess.get("/servers", {
        endpointFilter: { serviceType: "compute" },
        signal: ctl.signal,
      });
      const count = () =>
        s.cloud.stats.requests.filter((r) => r.path.startsWith("/compute")).length;
      while (count() === 0) await sleep(5);
      ctl.abort();
      await assert.rejects(pending, (e: unknown) => (e as Error).name === "AbortError");
      assert.equal(count(), 1, "aborted during the Retry-After wait: no second attempt");
      s.cloud.clearFaults();
    });
  } finally {
    await s.close();
    await srv.close();
  }
});

// ---------------------------------------------------------------------------
// 503 bursts (FakeCloud fault injection)
// ---------------------------------------------------------------------------

Deno.test("503 burst: statusCodeRetries, Retry-After seconds, then success", async () => {
  const s = await serveCloud();
  try {
    const { logger, lines } = retryLog();
    const sess = new Session({
      auth: adminPassword(s.authUrl),
      statusCodeRetries: 3,
      retryDelay: 1,
      maxRetryDelay: 40,
      logger,
    });
    const filter = { endpointFilter: { serviceType: "compute" } };
    await sess.getToken();
    const burst = s.cloud.inject({
      path: "/compute",
      status: 503,
      headers: { "Retry-After": "1" },
      times: 2,
    });
    const resp = await sess.get("/servers", filter);
    assert.equal(resp.status, 200);
    await resp.body?.cancel();
    assert.equal(burst.hits, 2);
    assert.equal(s.cloud.stats.requests.filter((r) => r.path.endsWith("/servers")).length, 3);
    assert.equal(s.cloud.stats.tokenRequests, 1);
    // Retry-After: 1 (1000 ms) capped by maxRetryDelay 40, not the 1 ms backoff
    assert.deepEqual(delaysOf(lines), [40, 40]);
    assert.match(lines[0] ?? "", /\(retry 1 of 3\) after: HTTP 503 \(Retry-After: 1\)$/);
  } finally {
    await s.close();
  }
});

Deno.test("503 burst longer than the retries: ServiceUnavailable naming the attempts", async () => {
  const s = await serveCloud();
  try {
    const sess = new Session({
      auth: adminPassword(s.authUrl),
      statusCodeRetries: 2,
      retryDelay: 1,
    });
    await sess.getToken();
    s.cloud.inject({ path: "/compute", status: 503, headers: { "Retry-After": "0" }, times: 10 });
    await assert.rejects(
      sess.get("/servers", { endpointFilter: { serviceType: "compute" } }),
      (e: unknown) => {
        assert.ok(e instanceof ServiceUnavailable);
        assert.equal(e.attempts, 3);
        assert.equal(e.method, "GET");
        assert.match(
          e.message,
          /\(HTTP 503\).* GET http:\/\/127\.0\.0\.1:\d+\/compute\/v2\.1\/p-admin\/servers after 3 attempts$/,
        );
        assert.equal(e.retryAfter, 0);
        return true;
      },
    );
    assert.equal(s.cloud.stats.requests.filter((r) => r.path.endsWith("/servers")).length, 3);
    s.cloud.clearFaults();
  } finally {
    await s.close();
  }
});

Deno.test("503 on POST: not retried unless retryNonIdempotent", async () => {
  const s = await serveCloud();
  try {
    const auth = adminPassword(s.authUrl);
    const filter = { endpointFilter: { serviceType: "compute" } };
    const sess = new Session({ auth, statusCodeRetries: 3, retryDelay: 1 });
    await sess.getToken();
    const posts = () =>
      s.cloud.stats.requests.filter((r) => r.method === "POST" && r.path.endsWith("/servers"))
        .length;
    s.cloud.inject({ path: "/compute", status: 503, times: 2, headers: { "Retry-After": "0" } });
    await assert.rejects(sess.post("/servers", { ...filter, json: {} }), (e: unknown) => {
      assert.ok(e instanceof ServiceUnavailable);
      assert.equal(e.attempts, 1);
      assert.doesNotMatch(e.message, /attempts/);
      return true;
    });
    assert.equal(posts(), 1);
    const retrying = new Session({
      auth,
      statusCodeRetries: 3,
      retryDelay: 1,
      retryNonIdempotent: true,
    });
    const resp = await retrying.post("/servers", { ...filter, json: { n: 1 } });
    assert.equal(resp.status, 200);
    const echo = await resp.json() as { body: unknown };
    assert.deepEqual(echo.body, { n: 1 }, "the body is sent again intact");
    assert.equal(posts(), 3, "one 503 left from the burst, then success");
  } finally {
    await s.close();
  }
});

Deno.test("Retry-After as an HTTP date, relative to the session's clock", async () => {
  const s = await serveCloud();
  try {
    const date = new Date(Math.ceil(Date.now() / 1000) * 1000 + 60_000);
    const httpDate = date.toUTCString();
    // The session's clock says the date is 40 ms away.
    const now = () => date.getTime() - 40;
    const { logger, lines } = retryLog();
    const sess = new Session({
      auth: adminPassword(s.authUrl),
      statusCodeRetries: 1,
      retryDelay: 10_000,
      now,
      logger,
    });
    await sess.getToken();
    s.cloud.inject({ path: "/compute", status: 503, headers: { "Retry-After": httpDate } });
    const resp = await sess.get("/x", { endpointFilter: { serviceType: "compute" } });
    assert.equal(resp.status, 200);
    await resp.body?.cancel();
    assert.deepEqual(delaysOf(lines), [40]);
    assert.ok(lines[0]?.endsWith(`(Retry-After: ${httpDate})`));
  } finally {
    await s.close();
  }
});

Deno.test("retriableStatusCodes: only the listed statuses are retried", async () => {
  const s = await serveCloud();
  try {
    const filter = { endpointFilter: { serviceType: "compute" } };
    const sess = new Session({
      auth: adminPassword(s.authUrl),
      statusCodeRetries: 2,
      retryDelay: 1,
      retriableStatusCodes: [502, 429],
    });
    await sess.getToken();
    const count = () => s.cloud.stats.requests.filter((r) => r.path.startsWith("/compute")).length;
    s.cloud.inject({ path: "/compute", status: 503 });
    await assert.rejects(sess.get("/a", filter), ServiceUnavailable);
    assert.equal(count(), 1, "503 is not in the list");
    s.cloud.inject({ path: "/compute", status: 429, headers: { "Retry-After": "0" } });
    s.cloud.inject({ path: "/compute", status: 502 });
    await (await sess.get("/b", filter)).body?.cancel();
    assert.equal(count(), 4);
    // per request
    s.cloud.inject({ path: "/compute", status: 500 });
    await (await sess.get("/c", { ...filter, retriableStatusCodes: [500] })).body?.cancel();
    assert.equal(count(), 6);
    s.cloud.inject({ path: "/compute", status: 502 });
    const resp = await sess.get("/d", { ...filter, statusCodeRetries: 0, raiseExc: false });
    assert.equal(resp.status, 502);
    await resp.body?.cancel();
    assert.equal(count(), 7);
  } finally {
    await s.close();
  }
});

Deno.test("no retries by default: one 503, one attempt", async () => {
  const s = await serveCloud();
  try {
    const sess = new Session({ auth: adminPassword(s.authUrl) });
    await sess.getToken();
    s.cloud.inject({ path: "/compute", status: 503, headers: { "Retry-After": "0" } });
    await assert.rejects(
      sess.get("/x", { endpointFilter: { serviceType: "compute" } }),
      (e: unknown) => e instanceof ServiceUnavailable && e.attempts === 1,
    );
    assert.equal(s.cloud.stats.requests.filter((r) => r.path.startsWith("/compute")).length, 1);
  } finally {
    await s.close();
  }
});

Deno.test("a fetch that throws instead of rejecting: a ConnectFailure, as a rejected fetch gives", async (t) => {
  // One plain attempt (no retries, timeout or limits) and the retry loop (connectRetries, a
  // timeout): the same error, never a synchronous throw from get().
  let calls = 0;
  const fetch = (): Promise<Response> => {
    calls++;
    throw new TypeError("boom: the socket is gone");
  };
  for (
    const [label, options, attempts] of [
      ["one plain attempt", {}, 1],
      ["connectRetries: 1", { connectRetries: 1, retryDelay: 0 }, 2],
      ["a timeout", { timeout: 5_000 }, 1],
    ] as const
  ) {
    await t.step(label, async () => {
      calls = 0;
      const sess = new Session({ fetch, ...options });
      let pending: Promise<Response> | undefined;
      assert.doesNotThrow(() => {
        pending = sess.get("http://127.0.0.1:9/x");
      });
      await assert.rejects(pending!, (e: unknown) => {
        assert.ok(e instanceof ConnectFailure, String(e));
        assert.match(e.message, /boom: the socket is gone/);
        return true;
      });
      assert.equal(calls, attempts);
    });
  }
});

// ---------------------------------------------------------------------------
// Backoff
// ---------------------------------------------------------------------------

Deno.test("backoff: exponential, capped, with jitter (computed delays, not wall time)", async () => {
  assert.equal(backoffDelay(0, { random: () => 0 }), 250, "keystoneauth1's 0.5 s base, half of it");
  assert.equal(backoffDelay(0, { random: () => 0.999999 }) <= 500, true);
  assert.deepEqual(
    [0, 1, 2, 3, 4, 5].map((n) => backoffDelay(n, { baseMs: 100, maxMs: 1000, random: () => 0 })),
    [50, 100, 200, 400, 500, 500],
  );
  assert.deepEqual(
    [0, 1, 2, 3].map((n) => backoffDelay(n, { baseMs: 100, maxMs: 1000, random: () => 0.5 })),
    [75, 150, 300, 600],
  );
  assert.equal(backoffDelay(40, { random: () => 1 }), 60_000, "capped at 60 s by default");

  // Through a Session: the logged delays follow the schedule.
  const srv = tcpServer(() => "drop");
  try {
    const { logger, lines } = retryLog();
    const sess = new Session({ connectRetries: 5, retryDelay: 4, maxRetryDelay: 16, logger });
    await assert.rejects(sess.get(`${srv.url}/x`), ConnectFailure);
    assert.equal(srv.requests.length, 6);
    const delays = delaysOf(lines);
    assert.equal(delays.length, 5);
    [4, 8, 16, 16, 16].forEach((full, i) => {
      const d = delays[i] ?? -1;
      assert.ok(d >= Math.floor(full / 2) && d <= full, `retry ${i + 1}: ${d} ms of ${full}`);
    });
    assert.deepEqual(lines.map((l) => /\(retry (\d) of 5\)/.exec(l)?.[1]), [
      "1",
      "2",
      "3",
      "4",
      "5",
    ]);
  } finally {
    await srv.close();
  }
});

Deno.test("retry helpers: idempotency, Retry-After parsing, refused detection, sleep", async () => {
  for (const m of ["GET", "head", "PUT", "DELETE", "OPTIONS"]) assert.ok(isIdempotent(m), m);
  for (const m of ["POST", "PATCH", "CONNECT"]) assert.ok(!isIdempotent(m), m);
  const now = Date.parse("2026-11-23T12:00:00Z");
  assert.equal(parseRetryAfter("120", now), 120);
  assert.equal(parseRetryAfter(" 0 ", now), 0);
  assert.equal(parseRetryAfter("Mon, 23 Nov 2026 12:00:30 GMT", now), 30);
  assert.equal(parseRetryAfter("Mon, 23 Nov 2026 11:00:00 GMT", now), 0, "past dates: now");
  assert.equal(parseRetryAfter("-1", now), undefined);
  assert.equal(parseRetryAfter("soon", now), undefined);
  assert.equal(parseRetryAfter(null, now), undefined);
  assert.ok(isConnectionRefused({ cause: { code: "ECONNREFUSED" } }), "Node");
  assert.ok(isConnectionRefused({ code: "ConnectionRefused" }), "Bun");
  assert.ok(isConnectionRefused(new TypeError("tcp connect error: Connection refused")), "Deno");
  assert.ok(!isConnectionRefused(new TypeError("connection closed before message completed")));
  const ctl = new AbortController();
  const pending = sleep(60_000, ctl.signal);
  ctl.abort(new Error("stop"));
  await assert.rejects(pending, /stop/);
  await sleep(0);
});

// ---------------------------------------------------------------------------
// maxConcurrency
// ---------------------------------------------------------------------------

/** A server that holds each request until `hold` are in flight (or 300 ms pass) and counts. */
function concurrencyServer(hold: number) {
  let inFlight = 0;
  let maxInFlight = 0;
  let served = 0;
  let wake: (() => void)[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async () => {
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    if (inFlight >= hold) {
      for (const w of wake) w();
      wake = [];
    } else {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 300);
        wake.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    inFlight--;
    served++;
    return new Response("ok");
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    get max() {
      return maxInFlight;
    },
    get served() {
      return served;
    },
    close: () => server.shutdown(),
  };
}

Deno.test("maxConcurrency: the server never sees more than the limit in flight", async () => {
  const srv = concurrencyServer(4);
  try {
    const sess = new Session({ maxConcurrency: 4 });
    const bodies = await Promise.all(
      Array.from({ length: 24 }, (_, i) => sess.get(`${srv.url}/${i}`).then((r) => r.text())),
    );
    assert.equal(bodies.length, 24);
    assert.equal(srv.served, 24);
    assert.equal(srv.max, 4, "limit reached and never exceeded");
  } finally {
    await srv.close();
  }
  // Without a limit the same burst overlaps more (the limit is what held it).
  const free = concurrencyServer(8);
  try {
    const sess = new Session();
    await Promise.all(Array.from({ length: 16 }, () => sess.get(free.url).then((r) => r.text())));
    assert.ok(free.max >= 8, `unlimited: ${free.max} in flight`);
  } finally {
    await free.close();
  }
});

Deno.test("maxConcurrency: waiting for a slot is not part of the timeout; abort leaves the queue", async () => {
  let release: (() => void) | undefined;
  const gate = new Promise<void>((r) => release = r);
  let seen = 0;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    seen++;
    if (new URL(req.url).pathname === "/first") await gate;
    return new Response("ok");
  });
  const url = `http://127.0.0.1:${server.addr.port}`;
  try {
    const sess = new Session({ maxConcurrency: 1, timeout: 5_000 });
    const first = sess.get(`${url}/first`);
    while (seen === 0) await sleep(5);
    // queued behind /first: its short timeout only starts once it has the slot
    const queued = sess.get(`${url}/queued`, { timeout: 200 });
    const ctl = new AbortController();
    const abandoned = sess.get(`${url}/abandoned`, { signal: ctl.signal });
    ctl.abort();
    await assert.rejects(abandoned, (e: unknown) => (e as Error).name === "AbortError");
    await sleep(400);
    release?.();
    assert.equal(await (await first).text(), "ok");
    assert.equal(await (await queued).text(), "ok", "not timed out while queued");
    assert.equal(seen, 2, "the aborted request was never sent");
  } finally {
    release?.();
    await server.shutdown();
  }
});

Deno.test("Semaphore: FIFO hand-off, abort while waiting, idempotent release", async () => {
  const sem = new Semaphore(2);
  const r1 = await sem.acquire();
  const r2 = await sem.acquire();
  assert.equal(sem.active, 2);
  const order: number[] = [];
  const w3 = sem.acquire().then((r) => (order.push(3), r));
  const ctl = new AbortController();
  const w4 = sem.acquire(ctl.signal);
  const w5 = sem.acquire().then((r) => (order.push(5), r));
  ctl.abort(new Error("gone"));
  await assert.rejects(w4, /gone/);
  r1();
  r1(); // a second release is ignored
  const r3 = await w3;
  assert.equal(sem.active, 2);
  r2();
  const r5 = await w5;
  assert.deepEqual(order, [3, 5]);
  r3();
  r5();
  assert.equal(sem.active, 0);
});

Deno.test("retry options are validated", () => {
  assert.throws(() => new Session({ connectRetries: -1 }), OptionError);
  assert.throws(() => new Session({ statusCodeRetries: 1.5 }), OptionError);
  assert.throws(() => new Session({ maxConcurrency: 0 }), OptionError);
  assert.throws(() => new Session({ timeout: 0 }), OptionError);
  assert.throws(() => new Session({ retryDelay: -5 }), OptionError);
  assert.throws(() => new Session({ maxRetryDelay: Number.NaN }), OptionError);
  new Session({ retryDelay: 0, maxRetryDelay: 0 });
});

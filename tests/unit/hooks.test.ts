/**
 * Hooks on Session, Adapter and each request (ky's semantics) on real 127.0.0.1 servers: order
 * (session, adapter, request) and async hooks; beforeRequest changes the headers sent or answers
 * instead of the server; afterResponse reads a copy and may replace the response (before an
 * HttpError is decided); beforeRetry hears of each retry; beforeError replaces the error; no hook
 * sees a credential (token, password, X-Subject-Token), and token requests run no hooks.
 */
import assert from "node:assert/strict";
import {
  Adapter,
  ConnectFailure,
  type HookRequest,
  type Hooks,
  NotFound,
  OptionError,
  OsAuthError,
  ServiceUnavailable,
  Session,
  TokenEndpoint,
} from "../../mod.ts";
import { adminPassword, serveCloud } from "./_helpers.ts";

const TOKEN = "tok-hooks-0123456789abcdef";

function server(statuses: number[] = []) {
  const seen: { path: string; headers: Headers }[] = [];
  const srv = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) => {
    const url = new URL(req.url);
    seen.push({ path: url.pathname + url.search, headers: req.headers });
    if (url.pathname === "/missing") {
      return Response.json({ itemNotFound: { message: "gone", code: 404 } }, { status: 404 });
    }
    const status = statuses.shift() ?? 200;
    return new Response(JSON.stringify({ path: url.pathname }), {
      status,
      headers: { "content-type": "application/json", "x-subject-token": "subject-secret-token" },
    });
  });
  return { url: `http://127.0.0.1:${srv.addr.port}`, seen, close: () => srv.shutdown() };
}

Deno.test("hooks: session, adapter, request, in that order; async ones awaited", async () => {
  const srv = server();
  try {
    const calls: string[] = [];
    const hook = (name: string): Hooks => ({
      beforeRequest: [async () => {
        await new Promise((r) => setTimeout(r, 1));
        calls.push(`${name}:before`);
      }],
      afterResponse: [() => void calls.push(`${name}:after`)],
    });
    const sess = new Session({
      auth: new TokenEndpoint({ endpoint: srv.url, token: TOKEN }),
      hooks: hook("session"),
    });
    const a = new Adapter(sess, { serviceType: "compute", hooks: hook("adapter") });
    await (await a.get("/x", { hooks: hook("request") })).body?.cancel();
    assert.deepEqual(calls, [
      "session:before",
      "adapter:before",
      "request:before",
      "session:after",
      "adapter:after",
      "request:after",
    ]);
  } finally {
    await srv.close();
  }
});

Deno.test("beforeRequest: no credentials shown, headers it sets are sent, a Response answers", async () => {
  const srv = server();
  try {
    const views: HookRequest[] = [];
    const sess = new Session({
      auth: new TokenEndpoint({ endpoint: srv.url, token: TOKEN }),
      hooks: {
        beforeRequest: [(req) => {
          views.push(req);
          req.headers.set("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
          req.headers.delete("x-drop-me");
        }],
      },
    });
    await (await sess.get(`${srv.url}/x?token=query-secret&a=1`, {
      headers: { "X-Drop-Me": "1", "X-Keep": "2" },
    })).body?.cancel();
    const sent = srv.seen[0]!.headers;
    assert.equal(sent.get("traceparent")?.slice(0, 2), "00");
    assert.equal(sent.get("x-drop-me"), null);
    assert.equal(sent.get("x-keep"), "2");
    assert.equal(sent.get("x-auth-token"), TOKEN);
    const view = views[0]!;
    assert.equal(view.method, "GET");
    assert.ok(!view.url.includes("query-secret") && view.url.includes("a=1"), view.url);
    assert.equal(view.headers.get("x-auth-token"), null);
    assert.ok(![...view.headers].some(([, v]) => v.includes(TOKEN)));

    // A credential header cannot be set from a hook.
    await assert.rejects(
      sess.get(`${srv.url}/x`, {
        hooks: { beforeRequest: [(req) => req.headers.set("X-Auth-Token", "forged")] },
      }),
      OptionError,
    );
    // A Response answers: nothing is sent; afterResponse still runs; its status counts.
    srv.seen.length = 0;
    const cached = await sess.get(`${srv.url}/x`, {
      hooks: {
        beforeRequest: [() => Response.json({ cached: true })],
        afterResponse: [(_req, res) => assert.equal(res.status, 200)],
      },
    });
    assert.deepEqual(await cached.json(), { cached: true });
    assert.equal(srv.seen.length, 0);
    await assert.rejects(
      sess.get(`${srv.url}/x`, {
        hooks: { beforeRequest: [() => new Response("no", { status: 404 })] },
      }),
      NotFound,
    );
  } finally {
    await srv.close();
  }
});

Deno.test("afterResponse: a copy without secret headers; a returned Response replaces it", async () => {
  const srv = server();
  try {
    const sess = new Session({ auth: new TokenEndpoint({ endpoint: srv.url, token: TOKEN }) });
    let shownBody: unknown;
    let shownSubject: string | null = "unset";
    const resp = await sess.get(`${srv.url}/x`, {
      hooks: {
        afterResponse: [async (_req, res) => {
          shownBody = await res.json(); // the caller still gets the body
          shownSubject = res.headers.get("x-subject-token");
          return res; // the copy returned as it is: no change
        }],
      },
    });
    assert.deepEqual(shownBody, { path: "/x" });
    assert.equal(shownSubject, null);
    assert.equal(resp.headers.get("x-subject-token"), "subject-secret-token");
    assert.deepEqual(await resp.json(), { path: "/x" });
    assert.equal(resp.url, `${srv.url}/x`);

    // Replacing a 404 with a 200: no HttpError; replacing a 200 with a 503: ServiceUnavailable.
    const fixed = await sess.get(`${srv.url}/missing`, {
      hooks: {
        afterResponse: [
          (_r, res) => res.status === 404 ? Response.json({ empty: true }) : undefined,
        ],
      },
    });
    assert.deepEqual(await fixed.json(), { empty: true });
    await assert.rejects(
      sess.get(`${srv.url}/x`, {
        hooks: { afterResponse: [() => new Response("down", { status: 503 })] },
      }),
      ServiceUnavailable,
    );
  } finally {
    await srv.close();
  }
});

Deno.test("beforeRetry and beforeError", async () => {
  const srv = server([503]);
  try {
    const retries: { retryCount: number; status?: number; url: string }[] = [];
    class Wrapped extends OsAuthError {}
    const seenErrors: string[] = [];
    const sess = new Session({
      auth: new TokenEndpoint({ endpoint: srv.url, token: TOKEN }),
      statusCodeRetries: 1,
      connectRetries: 1,
      retryDelay: 0,
      hooks: {
        beforeRetry: [
          (s) =>
            void retries.push({ retryCount: s.retryCount, status: s.status, url: s.request.url }),
        ],
        beforeError: [(err) => {
          seenErrors.push(err.constructor.name);
          return new Wrapped(`wrapped: ${err.message}`, { cause: err });
        }],
      },
    });
    await (await sess.get(`${srv.url}/x`)).body?.cancel();
    assert.deepEqual(retries, [{ retryCount: 1, status: 503, url: `${srv.url}/x` }]);
    await assert.rejects(
      sess.get(`${srv.url}/missing`),
      (err: Error) => err instanceof Wrapped && err.cause instanceof NotFound,
    );
    // A connection failure: retried once (beforeRetry with the error), then beforeError.
    retries.length = 0;
    const closed = "http://127.0.0.1:9";
    const other = new Session({
      connectRetries: 1,
      retryDelay: 0,
      hooks: {
        beforeRetry: [(s) => void assert.ok(s.error instanceof ConnectFailure)],
        beforeError: [(err) => {
          seenErrors.push(err.constructor.name);
          return err;
        }],
      },
    });
    await assert.rejects(other.get(`${closed}/x`), ConnectFailure);
    assert.deepEqual(seenErrors, ["NotFound", "ConnectFailure"]);
  } finally {
    await srv.close();
  }
});

Deno.test("hooks: no hook sees a credential; token requests run none", async () => {
  const cloud = await serveCloud();
  try {
    const shown: string[] = [];
    const record = (req: HookRequest): void => {
      shown.push(JSON.stringify([req.method, req.url, [...req.headers]]));
    };
    const auth = adminPassword(cloud.authUrl);
    const sess = new Session({
      auth,
      hooks: {
        beforeRequest: [record],
        afterResponse: [async (req, res) => {
          record(req);
          shown.push(JSON.stringify([...res.headers]), await res.text());
        }],
        beforeRetry: [(s) => record(s.request)],
      },
    });
    const resp = await sess.get("/servers", { endpointFilter: { serviceType: "compute" } });
    await resp.body?.cancel();
    const token = await sess.getToken();
    const text = shown.join("\n");
    assert.ok(shown.length >= 3, text);
    assert.ok(!text.includes(token), "the token is never shown");
    assert.ok(!text.includes("secret"), "the password is never shown"); // adminPassword's
    assert.ok(!text.includes("/auth/tokens"), "token requests run no hooks");
  } finally {
    await cloud.close();
  }
});

Deno.test("hooks: bad hooks are OptionErrors", async () => {
  const sess = new Session();
  for (
    const bad of [null, [], 3, { before: [] }, { beforeRequest: () => {} }, {
      afterResponse: [1],
    }]
  ) {
    assert.throws(() => new Session({ hooks: bad as never }), OptionError, JSON.stringify(bad));
    assert.throws(() => new Adapter(sess, { hooks: bad as never }), OptionError);
    await assert.rejects(sess.get("http://127.0.0.1:9/", { hooks: bad as never }), OptionError);
  }
});

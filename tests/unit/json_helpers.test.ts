/**
 * requestJson / getJson on Session and Adapter: the parsed body in one call, sent on the one
 * request path (the same request as `request`), with the same errors; bodies that are not JSON
 * are InvalidResponse errors that never quote the body.
 */
import assert from "node:assert/strict";
import {
  Adapter,
  BadRequest,
  type HttpError,
  InvalidResponse,
  NotFound,
  OptionError,
  Session,
  TokenEndpoint,
} from "../../mod.ts";

const TOKEN = "tok-json-0123456789abcdef";

function server() {
  const seen: { method: string; path: string; token: string | null; body: string }[] = [];
  const srv = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const url = new URL(req.url);
    seen.push({
      method: req.method,
      path: url.pathname + url.search,
      token: req.headers.get("x-auth-token"),
      body: await req.text(),
    });
    const json = (body: unknown, status = 200) =>
      new Response(JSON.stringify(body), {
        status,
        headers: { "content-type": "application/json", "x-openstack-request-id": "req-j" },
      });
    switch (url.pathname) {
      case "/v2.1/servers":
        return json({ servers: [{ id: "s1", name: "one" }] });
      case "/v2.1/echo":
        return json({ method: req.method, body: seen[seen.length - 1]!.body });
      case "/v2.1/missing":
        return json({ itemNotFound: { message: "Server x could not be found.", code: 404 } }, 404);
      case "/v2.1/bad":
        return json({ badRequest: { message: "Invalid input.", code: 400 } }, 400);
      case "/v2.1/html":
        return new Response("<p>token=abc password=hunter2</p>", {
          headers: { "content-type": "text/html" },
        });
      case "/v2.1/empty":
        return new Response(null, { status: 204 });
      case "/v2.1/blank":
        return new Response("  ", { headers: { "content-type": "application/json" } });
    }
    return json({ error: "no route" }, 400);
  });
  return { url: `http://127.0.0.1:${srv.addr.port}`, seen, close: () => srv.shutdown() };
}

interface Servers {
  servers: { id: string; name: string }[];
}

Deno.test("getJson / requestJson: typed bodies, the request as request() sends it", async () => {
  const srv = server();
  try {
    const sess = new Session({ auth: new TokenEndpoint({ endpoint: srv.url, token: TOKEN }) });
    const body = await sess.getJson<Servers>(`${srv.url}/v2.1/servers?all_tenants=1`);
    assert.equal(body.servers[0]!.name, "one");
    const echoed = await sess.requestJson<{ method: string; body: string }>(
      `${srv.url}/v2.1/echo`,
      { method: "POST", json: { server: { name: "x" } } },
    );
    assert.deepEqual(echoed, { method: "POST", body: '{"server":{"name":"x"}}' });
    // The same requests request() sends (method, path, token).
    await sess.get(`${srv.url}/v2.1/servers?all_tenants=1`);
    assert.deepEqual(srv.seen[2], srv.seen[0]);
    assert.equal(srv.seen[0]!.token, TOKEN);

    const compute = new Adapter(sess, { serviceType: "compute" });
    const viaAdapter = await compute.getJson<Servers>("/v2.1/servers");
    assert.equal(viaAdapter.servers[0]!.id, "s1");
    const posted = await compute.requestJson<{ method: string }>("/v2.1/echo", {
      method: "PUT",
      json: {},
    });
    assert.equal(posted.method, "PUT");
    // getJson is a GET whatever method the options name.
    assert.equal(
      (await compute.getJson<{ method: string }>("/v2.1/echo", { method: "DELETE" })).method,
      "GET",
    );
  } finally {
    await srv.close();
  }
});

Deno.test("getJson / requestJson: the same errors as request; InvalidResponse for non-JSON", async () => {
  const srv = server();
  try {
    const sess = new Session({ auth: new TokenEndpoint({ endpoint: srv.url, token: TOKEN }) });
    const compute = new Adapter(sess, { serviceType: "compute" });
    for (const client of [sess, compute]) {
      const base = client === sess ? srv.url : "";
      await assert.rejects(
        client.getJson(`${base}/v2.1/missing`),
        (err: Error) =>
          err instanceof NotFound && err.status === 404 &&
          /could not be found/.test(err.message) && (err as HttpError).requestId === "req-j",
      );
      await assert.rejects(client.requestJson(`${base}/v2.1/bad`, { method: "POST" }), BadRequest);
      // raiseExc: false: the error body, parsed.
      assert.deepEqual(await client.getJson(`${base}/v2.1/bad`, { raiseExc: false }), {
        badRequest: { message: "Invalid input.", code: 400 },
      });
      await assert.rejects(
        client.getJson(`${base}/v2.1/html`),
        (err: Error) =>
          err instanceof InvalidResponse &&
          /not JSON \(Content-Type: text\/html/.test(err.message) &&
          !err.message.includes("hunter2") && !err.message.includes("abc"),
      );
      await assert.rejects(
        client.getJson(`${base}/v2.1/empty`),
        (err: Error) => err instanceof InvalidResponse && /HTTP 204 has no body/.test(err.message),
      );
      await assert.rejects(
        client.requestJson(`${base}/v2.1/servers`, { method: "HEAD" }),
        InvalidResponse,
      );
      await assert.rejects(
        client.getJson(`${base}/v2.1/blank`),
        (err: Error) => err instanceof InvalidResponse && /empty body/.test(err.message),
      );
      await assert.rejects(client.getJson(`${base}/v2.1/servers`, null as never), OptionError);
    }
  } finally {
    await srv.close();
  }
});

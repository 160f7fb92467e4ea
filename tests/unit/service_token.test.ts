/**
 * ServiceTokenAuth (keystoneauth1's ServiceTokenAuthWrapper): the requests it sends, as a
 * 127.0.0.1 recorder receives them, against keystoneauth1's wrapper sending the same seeded
 * random cases (scripts/service_token_differential.py); each token only to origins its plugin
 * trusts; both hashed in logs; invalidate and the user's identity methods.
 */
import assert from "node:assert/strict";
import {
  type AuthPlugin,
  OptionError,
  ServiceTokenAuth,
  Session,
  TokenEndpoint,
  UntrustedOrigin,
} from "../../mod.ts";
import { diffSeed, PYTHON, Rng } from "./_differential.ts";
import { adminPassword, serveCloud } from "./_helpers.ts";

const SCRIPT = new URL("../../scripts/service_token_differential.py", import.meta.url).pathname;

interface Received {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
}

/** The headers compared: what the auth plugins and the body decide (not the transport's own). */
const COMPARED = ["x-auth-token", "x-service-token", "content-type"];

function recorder() {
  const seen: Received[] = [];
  const srv = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const url = new URL(req.url);
    const headers: Record<string, string> = {};
    for (const name of COMPARED) {
      const v = req.headers.get(name);
      if (v !== null) headers[name] = v;
    }
    seen.push({
      method: req.method,
      path: url.pathname + url.search,
      headers,
      body: await req.text(),
    });
    return Response.json({ ok: true });
  });
  return { url: `http://127.0.0.1:${srv.addr.port}`, seen, close: () => srv.shutdown() };
}

function token(rng: Rng): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  return Array.from({ length: rng.int(16, 180) }, () => rng.pick([...alphabet])).join("");
}

Deno.test("ServiceTokenAuth: the requests sent equal keystoneauth1's ServiceTokenAuthWrapper's (seeded)", async () => {
  const seed = diffSeed();
  const rng = new Rng(seed);
  const rec = recorder();
  try {
    const cases = Array.from({ length: 12 }, (_, i) => {
      const method = rng.pick(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"]);
      return {
        endpoint: `${rec.url}/v2.1`,
        url: `${rec.url}/v2.1/${rng.pick(["servers", "flavors", "os-volumes"])}/${i}` +
          (rng.chance(0.5) ? `?q=${rng.int(0, 99)}` : ""),
        method,
        user_token: token(rng),
        service_token: token(rng),
        json: method === "POST" || method === "PUT" || method === "PATCH"
          ? { server: { name: `n${rng.int(0, 999)}` } }
          : null,
      };
    });
    const out = await new Deno.Command(PYTHON, {
      args: [SCRIPT],
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const writer = out.stdin.getWriter();
    await writer.write(new TextEncoder().encode(JSON.stringify(cases)));
    await writer.close();
    const result = await out.output();
    assert.ok(result.success, new TextDecoder().decode(result.stderr));
    const theirs = JSON.parse(new TextDecoder().decode(result.stdout)) as {
      status: number;
      get_token: string;
      headers_sent: Record<string, string>;
    }[];
    const theirRequests = rec.seen.splice(0);
    assert.equal(theirRequests.length, cases.length);
    for (const [i, c] of cases.entries()) {
      const auth = new ServiceTokenAuth({
        user: new TokenEndpoint({ endpoint: c.endpoint, token: c.user_token }),
        service: new TokenEndpoint({ endpoint: c.endpoint, token: c.service_token }),
      });
      const sess = new Session({ auth });
      const resp = await sess.request(c.url, {
        method: c.method,
        ...(c.json ? { json: c.json } : {}),
      });
      await resp.body?.cancel();
      const note = `seed ${seed} case ${i} (OSAUTH_DIFF_SEED=${seed} reruns it)`;
      assert.equal(resp.status, theirs[i]!.status, note);
      // Bodies as parsed: keystoneauth1 writes `json` with ", " separators (D-json-body-text).
      const parsed = (r: Received) => ({ ...r, body: r.body ? JSON.parse(r.body) : r.body });
      assert.deepEqual(parsed(rec.seen[i]!), parsed(theirRequests[i]!), note);
      // What keystoneauth1 handed to requests has the same two tokens.
      assert.equal(theirs[i]!.headers_sent["x-auth-token"], c.user_token, note);
      assert.equal(theirs[i]!.headers_sent["x-service-token"], c.service_token, note);
      assert.equal(await sess.getToken(), theirs[i]!.get_token, note);
    }
  } finally {
    await rec.close();
  }
});

Deno.test("ServiceTokenAuth: each token only to origins both plugins trust", async () => {
  const rec = recorder();
  const other = recorder();
  try {
    // The service plugin trusts another origin only: nothing goes to the user's endpoint.
    const split = new Session({
      auth: new ServiceTokenAuth({
        user: new TokenEndpoint({ endpoint: rec.url, token: "user-tok-1234567890" }),
        service: new TokenEndpoint({ endpoint: other.url, token: "svc-tok-1234567890" }),
      }),
    });
    for (const url of [`${rec.url}/x`, `${other.url}/x`]) {
      await assert.rejects(
        split.get(url),
        (err: Error) => err instanceof UntrustedOrigin && !err.message.includes("tok-1234567890"),
      );
    }
    assert.equal(rec.seen.length + other.seen.length, 0);
    // Catalog-backed identity plugins of one cloud: its origins, not the recorder's.
    const cloud = await serveCloud();
    try {
      const sess = new Session({
        auth: new ServiceTokenAuth({
          user: adminPassword(cloud.authUrl),
          service: adminPassword(cloud.authUrl),
        }),
      });
      const resp = await sess.get("/servers", { endpointFilter: { serviceType: "compute" } });
      const echo = await resp.json() as { headers: Record<string, string> };
      assert.ok(echo.headers["x-service-token"], "the service token reached the cloud's compute");
      await assert.rejects(sess.get(`${rec.url}/steal`), UntrustedOrigin);
      assert.equal(rec.seen.length, 0);
      // Both are (re)fetched: a token request per plugin, and invalidate() reaches both.
      assert.equal(await sess.invalidate(), true);
      assert.ok(await sess.getToken());
      assert.equal((await sess.getAccess()).user?.name, "admin");
      assert.ok(await sess.getProjectId());
    } finally {
      await cloud.close();
    }
  } finally {
    await rec.close();
    await other.close();
  }
});

Deno.test("ServiceTokenAuth: a user plugin without getTrustedOrigins: only the endpoints it gave", async () => {
  const rec = recorder();
  const other = recorder();
  try {
    const user: AuthPlugin = {
      getHeaders: () => Promise.resolve({ "X-Auth-Token": "user-tok-abcdef0123" }),
      getEndpoint: () => Promise.resolve(`${rec.url}/v1`),
      invalidate: () => false,
    };
    // The service trusts both origins; the user plugin gave only rec's endpoint.
    const service = {
      getHeaders: () => Promise.resolve({ "X-Auth-Token": "svc-tok-abcdef0123" }),
      getEndpoint: () => Promise.resolve(undefined),
      getTrustedOrigins: () => Promise.resolve([rec.url, other.url]),
      invalidate: () => false,
    };
    const sess = new Session({ auth: new ServiceTokenAuth({ user, service }) });
    await assert.rejects(sess.get(`${rec.url}/v1/x`), UntrustedOrigin); // no endpoint given yet
    await (await sess.get("x", { endpointFilter: { serviceType: "compute" } })).body?.cancel();
    assert.deepEqual(rec.seen.map((r) => r.headers["x-service-token"]), ["svc-tok-abcdef0123"]);
    await assert.rejects(sess.get(`${other.url}/x`), UntrustedOrigin);
    assert.equal(other.seen.length, 0);
  } finally {
    await rec.close();
    await other.close();
  }
});

Deno.test("ServiceTokenAuth: both tokens are hashed in logs, absent from inspect and JSON", async () => {
  const rec = recorder();
  try {
    const lines: string[] = [];
    const logger = { debug: (m: string) => lines.push(m) };
    const auth = new ServiceTokenAuth({
      user: new TokenEndpoint({ endpoint: rec.url, token: "user-secret-token-abcdef" }),
      service: new TokenEndpoint({ endpoint: rec.url, token: "service-secret-token-abcdef" }),
    });
    const sess = new Session({ auth, logger });
    await (await sess.get(`${rec.url}/x`)).body?.cancel();
    const text = lines.join("\n");
    assert.match(text, /X-Service-Token: \{SHA256\}[0-9a-f]{64}/i);
    assert.match(text, /X-Auth-Token: \{SHA256\}[0-9a-f]{64}/i);
    for (const shown of [text, Deno.inspect(auth, { depth: 5 }), JSON.stringify(auth)]) {
      assert.ok(!shown.includes("secret-token"), shown);
    }
  } finally {
    await rec.close();
  }
});

Deno.test("ServiceTokenAuth: invalidate both; bad options are OptionErrors", async () => {
  const calls: string[] = [];
  const plugin = (name: string, result: boolean): AuthPlugin => ({
    getHeaders: () => Promise.resolve({ "X-Auth-Token": name }),
    getEndpoint: () => Promise.resolve(undefined),
    getTrustedOrigins: () => Promise.resolve([]),
    invalidate: () => {
      calls.push(name);
      return result;
    },
  });
  assert.equal(
    await new ServiceTokenAuth({ user: plugin("u", false), service: plugin("s", true) })
      .invalidate(),
    true,
  );
  assert.deepEqual(calls, ["u", "s"]);
  assert.equal(
    await new ServiceTokenAuth({ user: plugin("u", false), service: plugin("s", false) })
      .invalidate(),
    false,
  );
  const noOrigins: AuthPlugin = {
    getHeaders: () => Promise.resolve({ "X-Auth-Token": "x" }),
    getEndpoint: () => Promise.resolve(undefined),
    invalidate: () => false,
  };
  for (
    const bad of [undefined, null, {}, { user: plugin("u", true) }, {
      user: {},
      service: plugin("s", true),
    }, { user: plugin("u", true), service: noOrigins }]
  ) {
    assert.throws(() => new ServiceTokenAuth(bad as never), OptionError);
  }
});

import assert from "node:assert/strict";
import { type AuthPlugin, NoAuth, Session, TokenEndpoint, UntrustedOrigin, v3 } from "../../mod.ts";
import { V3Token } from "../../src/testing/mod.ts";

interface Recorder {
  url: string;
  origin: string;
  seen: { path: string; token: string | null }[];
  close(): Promise<void>;
}

/** An HTTP server on 127.0.0.1 that records the X-Auth-Token of each request. */
function recorder(): Recorder {
  const seen: { path: string; token: string | null }[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) => {
    const url = new URL(req.url);
    seen.push({ path: url.pathname, token: req.headers.get("x-auth-token") });
    return Response.json({ ok: true });
  });
  const url = `http://127.0.0.1:${server.addr.port}`;
  return { url, origin: url, seen, close: () => server.shutdown() };
}

/**
 * A tiny Keystone whose catalog puts compute on another origin: the auth URL
 * is on this server, the compute endpoint on `computeUrl`.
 */
function keystone(computeUrl: string): Recorder & { authUrl: string } {
  const seen: { path: string; token: string | null }[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) => {
    const url = new URL(req.url);
    seen.push({ path: url.pathname, token: req.headers.get("x-auth-token") });
    if (req.method === "POST" && url.pathname === "/v3/auth/tokens") {
      const token = new V3Token({ projectId: "p1", projectName: "demo", userId: "u1" });
      token.addService("compute").addStandardEndpoints({ public: `${computeUrl}/v2.1` });
      return Response.json(token.toJSON(), {
        status: 201,
        headers: { "X-Subject-Token": "tok-from-keystone" },
      });
    }
    return Response.json({ ok: true });
  });
  const url = `http://127.0.0.1:${server.addr.port}`;
  return {
    url,
    origin: url,
    authUrl: `${url}/v3`,
    seen,
    close: () => server.shutdown(),
  };
}

function password(authUrl: string): v3.Password {
  return new v3.Password({
    authUrl,
    username: "u",
    password: "pw",
    userDomainId: "default",
    projectId: "p1",
  });
}

Deno.test("trusted origins: auth URL, catalog, overrides, trustedOrigins", async (t) => {
  const compute = recorder();
  const other = recorder();
  const ks = keystone(compute.url);
  try {
    await t.step("the auth URL's origin and catalog origins are trusted", async () => {
      const sess = new Session({ auth: password(ks.authUrl) });
      await (await sess.get("/servers", { endpointFilter: { serviceType: "compute" } })).body
        ?.cancel();
      assert.deepEqual(compute.seen.at(-1), {
        path: "/v2.1/servers",
        token: "tok-from-keystone",
      });
      await (await sess.get(`${ks.url}/v3/users`)).body?.cancel();
      assert.equal(ks.seen.at(-1)?.token, "tok-from-keystone");
    });

    await t.step("any other origin throws before anything is sent to it", async () => {
      const sess = new Session({ auth: password(ks.authUrl) });
      const before = other.seen.length;
      const err = await sess.get(`${other.url}/steal`).then(() => undefined, (e) => e);
      assert.ok(err instanceof UntrustedOrigin);
      assert.ok(err.message.includes(other.origin), err.message);
      assert.ok(!err.message.includes("tok-from-keystone"));
      assert.equal(other.seen.length, before);
      // same host, other scheme or port: other origins
      await assert.rejects(sess.get(ks.url.replace("http:", "https:")), UntrustedOrigin);
      await assert.rejects(sess.get(`http://localhost:${new URL(ks.url).port}/`), UntrustedOrigin);
    });

    await t.step("an unauthenticated request may go anywhere, without the token", async () => {
      const sess = new Session({ auth: password(ks.authUrl) });
      await (await sess.get(`${other.url}/public`, { authenticated: false })).body?.cancel();
      assert.deepEqual(other.seen.at(-1), { path: "/public", token: null });
    });

    await t.step("per-request endpointOverride is trusted for that request", async () => {
      const sess = new Session({ auth: password(ks.authUrl) });
      await (await sess.get("/a", { endpointOverride: `${other.url}/v1` })).body?.cancel();
      assert.deepEqual(other.seen.at(-1), { path: "/v1/a", token: "tok-from-keystone" });
      await (await sess.get("/b", {
        endpointFilter: { serviceType: "compute", endpointOverride: `${other.url}/v2` },
      })).body?.cancel();
      assert.deepEqual(other.seen.at(-1), { path: "/v2/b", token: "tok-from-keystone" });
      // and only for that request
      await assert.rejects(sess.get(`${other.url}/c`), UntrustedOrigin);
    });

    await t.step("session endpointOverrides are trusted", async () => {
      const sess = new Session({
        auth: password(ks.authUrl),
        endpointOverrides: { compute: `${other.url}/compute` },
      });
      await (await sess.get("/servers", { endpointFilter: { serviceType: "compute" } })).body
        ?.cancel();
      assert.deepEqual(other.seen.at(-1), {
        path: "/compute/servers",
        token: "tok-from-keystone",
      });
    });

    await t.step("trustedOrigins adds origins", async () => {
      const sess = new Session({ auth: password(ks.authUrl), trustedOrigins: [other.url] });
      await (await sess.get(`${other.url}/trusted`)).body?.cancel();
      assert.deepEqual(other.seen.at(-1), { path: "/trusted", token: "tok-from-keystone" });
    });

    await t.step("fixed-endpoint plugins trust their endpoint only", async () => {
      const sess = new Session({
        auth: new TokenEndpoint({ endpoint: `${compute.url}/v2.1`, token: "fixed-tok" }),
      });
      await (await sess.get("/x", { endpointFilter: { serviceType: "compute" } })).body
        ?.cancel();
      assert.deepEqual(compute.seen.at(-1), { path: "/v2.1/x", token: "fixed-tok" });
      await assert.rejects(sess.get(`${other.url}/x`), UntrustedOrigin);
    });

    await t.step(
      "a custom plugin without getTrustedOrigins: its endpoints, trustedOrigins, overrides (D-custom-plugin-origins)",
      async () => {
        const custom: AuthPlugin = {
          getHeaders: () => Promise.resolve({ "X-Auth-Token": "custom-tok" }),
          getEndpoint: () => Promise.resolve(`${compute.url}/v2.1`),
          invalidate: () => false,
        };
        const sess = new Session({ auth: custom });
        const before = other.seen.length;
        // an origin the plugin never gave: refused before anything is sent
        await assert.rejects(sess.get(`${other.url}/custom`), UntrustedOrigin);
        await assert.rejects(sess.get(`${compute.url}/early`), UntrustedOrigin);
        assert.equal(other.seen.length, before);
        // an endpoint it gave: trusted from then on, also for absolute URLs
        await (await sess.get("/rel", { endpointFilter: { serviceType: "compute" } })).body
          ?.cancel();
        assert.deepEqual(compute.seen.at(-1), { path: "/v2.1/rel", token: "custom-tok" });
        await (await sess.get(`${compute.url}/abs`)).body?.cancel();
        assert.deepEqual(compute.seen.at(-1), { path: "/abs", token: "custom-tok" });
        await assert.rejects(sess.get(`${other.url}/still-not`), UntrustedOrigin);
        // an absolute URL with a filter (Adapter after discovery): the plugin is asked
        const fresh = new Session({ auth: custom });
        await (await fresh.get(`${compute.url}/with-filter`, {
          endpointFilter: { serviceType: "compute" },
        })).body?.cancel();
        assert.deepEqual(compute.seen.at(-1), { path: "/with-filter", token: "custom-tok" });
        // the session's trustedOrigins and an endpoint override
        const strict = new Session({ auth: custom, trustedOrigins: [other.url] });
        await (await strict.get(`${other.url}/ok`)).body?.cancel();
        assert.deepEqual(other.seen.at(-1), { path: "/ok", token: "custom-tok" });
        await (await new Session({ auth: custom }).get("/o", { endpointOverride: other.url }))
          .body?.cancel();
        assert.deepEqual(other.seen.at(-1), { path: "/o", token: "custom-tok" });
        assert.equal(other.seen.length, before + 2);
      },
    );

    await t.step("trustedOrigins must be URLs", () => {
      assert.throws(() => new Session({ trustedOrigins: ["not a url"] }), /trustedOrigins/);
    });
  } finally {
    await Promise.all([compute.close(), other.close(), ks.close()]);
  }
});

Deno.test("allowNetList: auth host, catalog hosts, overrides, trustedOrigins", async () => {
  const compute = recorder();
  const ks = keystone(compute.url);
  try {
    const sess = new Session({
      auth: password(ks.authUrl),
      trustedOrigins: ["https://object-store.example.com"],
      endpointOverrides: { image: "http://[::1]:9292/" },
    });
    const list = await sess.allowNetList();
    const hostOf = (u: string) => u.replace("http://", "");
    assert.deepEqual(
      list,
      ["[::1]:9292", hostOf(ks.url), hostOf(compute.url), "object-store.example.com:443"].sort(),
    );
    // no auth plugin: the session's own origins; NoAuth: its endpoint
    assert.deepEqual(
      await new Session({ trustedOrigins: ["http://a.example:80"] }).allowNetList(),
      [
        "a.example:80",
      ],
    );
    assert.deepEqual(
      await new Session({ auth: new NoAuth({ endpoint: "http://127.0.0.1:6385/v1" }) })
        .allowNetList(),
      ["127.0.0.1:6385"],
    );
  } finally {
    await Promise.all([compute.close(), ks.close()]);
  }
});

/**
 * What a Session remembers from one request to the next to keep its
 * per-request cost low (resolved endpoint filters, a plugin's current
 * credentials, trusted catalog bases) must never change what is sent.
 */
import assert from "node:assert/strict";
import {
  Adapter,
  EndpointNotFound,
  HttpBasic,
  NoAuth,
  OptionError,
  ServiceCatalog,
  Session,
  TokenEndpoint,
  v3,
} from "../../mod.ts";
import type { AuthPlugin, EndpointDataFilter, RequestOptions } from "../../mod.ts";
import type { EndpointFilter } from "../../mod.ts";
import { isAbsoluteUrl } from "../../src/util/url.ts";
import { adminPassword, echoServer, serveCloud } from "./_helpers.ts";

interface Echo {
  path: string;
  headers: Record<string, string>;
  interface: string;
  region?: string;
}

async function echo(resp: Response): Promise<Echo> {
  return await resp.json() as Echo;
}

Deno.test("an endpoint filter object changed between requests selects anew", async () => {
  const s = await serveCloud();
  try {
    const sess = new Session({ auth: adminPassword(s.authUrl) });
    const filter: EndpointFilter = { serviceType: "compute", interface: "public" };
    const options = { endpointFilter: filter };
    assert.equal((await echo(await sess.get("/x", options))).interface, "public");
    assert.equal((await echo(await sess.get("/x", options))).interface, "public");
    filter.interface = "internal";
    assert.equal((await echo(await sess.get("/x", options))).interface, "internal");
    const list = ["admin", "public"];
    filter.interface = list;
    assert.equal((await echo(await sess.get("/x", options))).interface, "admin");
    list.reverse(); // changed in place: lists are looked up every time
    assert.equal((await echo(await sess.get("/x", options))).interface, "public");
    filter.interface = "public";
    filter.serviceType = "image";
    assert.equal((await echo(await sess.get("/x", options))).path, "/image/x");
    filter.regionName = "Nowhere";
    await assert.rejects(sess.get("/x", options), EndpointNotFound);
  } finally {
    await s.close();
  }
});

Deno.test("requests follow the plugin's token: refreshed 120 s before expiry, new after invalidate", async () => {
  let now = Date.parse("2026-11-23T12:00:00Z");
  const clock = () => now;
  const s = await serveCloud({ now: clock, tokenTtlSeconds: 3600 });
  try {
    const sess = new Session({ auth: adminPassword(s.authUrl), now: clock });
    const filter = { endpointFilter: { serviceType: "compute" } };
    const sent = () => s.cloud.stats.requests.filter((r) => r.path.startsWith("/compute")).length;
    for (let i = 0; i < 3; i++) await (await sess.get("/x", filter)).body?.cancel();
    assert.equal(s.cloud.stats.tokenRequests, 1);
    now += (3600 - 119) * 1000;
    await (await sess.get("/x", filter)).body?.cancel();
    assert.equal(s.cloud.stats.tokenRequests, 2, "within 120 s of expiry: a new token");
    await (await sess.get("/x", filter)).body?.cancel();
    assert.equal(s.cloud.stats.tokenRequests, 2);
    await sess.invalidate();
    await (await sess.get("/x", filter)).body?.cancel();
    assert.equal(s.cloud.stats.tokenRequests, 3, "after invalidate: a new token");
    assert.equal(sent(), 6);
  } finally {
    await s.close();
  }
});

Deno.test("a plugin whose subclass or instance replaces a method is asked every time", async () => {
  const s = await serveCloud();
  try {
    class WithTeam extends v3.Password {
      calls = 0;
      override async getHeaders(session: Session): Promise<Record<string, string>> {
        this.calls++;
        return { ...await super.getHeaders(session), "X-Team": `t${this.calls}` };
      }
    }
    const auth = new WithTeam({
      authUrl: s.authUrl,
      username: "admin",
      password: "secret",
      userDomainId: "default",
      projectName: "admin",
      projectDomainId: "default",
    });
    const sess = new Session({ auth });
    const filter = { endpointFilter: { serviceType: "compute" } };
    for (let i = 1; i <= 3; i++) {
      assert.equal((await echo(await sess.get("/x", filter))).headers["x-team"], `t${i}`);
    }

    const plain = adminPassword(s.authUrl);
    const other = new Session({ auth: plain });
    assert.equal((await echo(await other.get("/x", filter))).interface, "public");
    plain.getEndpoint = (_session, f) =>
      Promise.resolve(`${s.url}/compute/v2.1/p-admin/${f.serviceType}`);
    assert.equal(
      (await echo(await other.get("/x", filter))).path,
      "/compute/v2.1/p-admin/compute/x",
      "a method replaced on the instance after requests is used from then on",
    );
  } finally {
    await s.close();
  }
});

Deno.test("a Session subclass's getEndpoint, getAuthHeaders and now() are used by requests", async () => {
  const s = await serveCloud({ tokenTtlSeconds: 3600 });
  try {
    const filter = { endpointFilter: { serviceType: "compute" } };
    class Sub extends Session {
      override async getEndpoint(f: EndpointDataFilter, a?: AuthPlugin): Promise<string> {
        return `${await super.getEndpoint(f, a)}/sub`;
      }
      override async getAuthHeaders(a?: AuthPlugin): Promise<Record<string, string>> {
        return { ...await super.getAuthHeaders(a), "X-Extra": "1" };
      }
    }
    const sub = new Sub({ auth: adminPassword(s.authUrl) });
    for (let i = 0; i < 2; i++) {
      const e = await echo(await sub.get("/x", filter));
      assert.equal(e.path, "/compute/v2.1/p-admin/sub/x");
      assert.equal(e.headers["x-extra"], "1");
    }
    class Late extends Session {
      override now(): number {
        return Date.now() + (3600 - 60) * 1000; // always within 120 s of expiry
      }
    }
    const late = new Late({ auth: adminPassword(s.authUrl) });
    const before = s.cloud.stats.tokenRequests;
    await (await late.get("/x", filter)).body?.cancel();
    assert.equal(s.cloud.stats.tokenRequests - before, 2, "the subclass's clock says: refresh");
  } finally {
    await s.close();
  }
});

Deno.test("credentials invalidated while a request resolves its URL: the new token is sent", async () => {
  const s = await serveCloud();
  try {
    const sess = new Session({ auth: adminPassword(s.authUrl) });
    const options = { endpointOverride: `${s.url}/compute/v2.1/%(project_id)s` };
    await (await sess.get("/x", options)).body?.cancel();
    assert.equal(s.cloud.stats.tokenRequests, 1);
    const pending = sess.get("/x", options); // waits for the project id first
    await sess.invalidate();
    const resp = await pending;
    assert.equal(resp.status, 200);
    await resp.body?.cancel();
    assert.equal(s.cloud.stats.tokenRequests, 2, "the invalidated token was not sent");
  } finally {
    await s.close();
  }
});

Deno.test("only a plugin's own header properties are sent (nothing inherited)", async () => {
  const e = echoServer();
  try {
    const auth: AuthPlugin = {
      getHeaders: () =>
        Promise.resolve(
          Object.create({ "X-Cred": "inherited" }, {
            "X-Auth-Token": { value: "tok", enumerable: true },
          }) as Record<string, string>,
        ),
      getEndpoint: () => Promise.resolve(e.url),
      invalidate: () => false,
    };
    const sess = new Session({ auth });
    await (await sess.get("/x", { endpointFilter: { serviceType: "any" } })).body?.cancel();
    assert.equal(e.seen[0]?.headers.get("x-auth-token"), "tok");
    assert.equal(e.seen[0]?.headers.get("x-cred"), null);
  } finally {
    await e.close();
  }
});

Deno.test("null options are no options", async () => {
  const e = echoServer();
  try {
    const sess = new Session();
    const none = null as unknown as RequestOptions;
    for (
      const resp of [await sess.get(`${e.url}/a`, none), await sess.request(`${e.url}/b`, none)]
    ) {
      assert.equal(resp.status, 200);
      await resp.body?.cancel();
    }
    await (await sess.post(`${e.url}/c`, none)).body?.cancel();
    assert.deepEqual(e.seen.map((r) => `${r.method} ${r.path}`), ["GET /a", "GET /b", "POST /c"]);
  } finally {
    await e.close();
  }
});

Deno.test("fixed-credential plugins: their headers on every request, replaced methods used", async () => {
  const e = echoServer();
  try {
    const plugins: [AuthPlugin, string, string][] = [
      [new TokenEndpoint({ endpoint: e.url, token: "tok" }), "x-auth-token", "tok"],
      [
        new HttpBasic({ endpoint: e.url, username: "u", password: "p" }),
        "authorization",
        "Basic dTpw",
      ],
      [new NoAuth({ endpoint: e.url }), "x-auth-token", "notused"],
    ];
    for (const [auth, name, value] of plugins) {
      const sess = new Session({ auth });
      const filter = { endpointFilter: { serviceType: "baremetal" } };
      for (let i = 0; i < 2; i++) await (await sess.get("/x", filter)).body?.cancel();
      assert.deepEqual(e.seen.slice(-2).map((r) => r.headers.get(name)), [value, value]);
      auth.getHeaders = () => Promise.resolve({ "X-Other": "o" });
      auth.getEndpoint = () => Promise.resolve(`${e.url}/moved`);
      await (await sess.get("/x", filter)).body?.cancel();
      const last = e.seen.at(-1);
      assert.equal(last?.path, "/moved/x", auth.constructor.name);
      assert.equal(last?.headers.get("x-other"), "o", auth.constructor.name);
    }
  } finally {
    await e.close();
  }
});

Deno.test("relative paths that look like hosts stay on the catalog endpoint", async () => {
  const s = await serveCloud();
  try {
    const sess = new Session({ auth: adminPassword(s.authUrl) });
    const filter = { endpointFilter: { serviceType: "compute" } };
    for (const path of ["//127.0.0.2/x", "@127.0.0.2/x", "\\\\127.0.0.2/x", "?x=//127.0.0.2/"]) {
      const e = await echo(await sess.get(path, filter));
      assert.ok(e.path.startsWith("/compute/v2.1/p-admin/"), `${path} -> ${e.path}`);
    }
  } finally {
    await s.close();
  }
});

Deno.test("isAbsoluteUrl is scheme://", () => {
  for (const url of ["http://a", "HTTPS://x", "a://", "a+b.c-d9://x", "git+ssh://h"]) {
    assert.equal(isAbsoluteUrl(url), true, url);
  }
  for (const url of ["", "://x", "1a://x", "a:/x", "a:", "/x", "a b://x", "é://x", "a//x"]) {
    assert.equal(isAbsoluteUrl(url), false, url);
  }
});

Deno.test("ServiceCatalog.urlFor answers the same from its memo, and never for another filter", () => {
  const nova = { serviceType: "compute", serviceName: "nova" };
  const catalog = new ServiceCatalog([
    { ...nova, interface: "public", url: "http://a/1", regionName: "R1" },
    { ...nova, interface: "public", url: "http://b/1", regionName: "R2" },
    { ...nova, interface: "internal", url: "http://c/1", regionName: "R1" },
  ]);
  const f: EndpointFilter = { serviceType: "compute", regionName: "R2" };
  assert.equal(catalog.urlFor(f), "http://b/1");
  assert.equal(catalog.urlFor(f), "http://b/1");
  assert.equal(catalog.urlFor({ serviceType: "compute" }), "http://a/1");
  assert.equal(catalog.urlFor({ serviceType: "compute", interface: "internal" }), "http://c/1");
  assert.equal(
    catalog.urlFor({ serviceType: "compute", interface: ["internal", "public"] }),
    "http://c/1",
  );
  assert.equal(
    catalog.urlFor({ serviceType: "compute", interface: ["public", "internal"] }),
    "http://a/1",
  );
  assert.equal(catalog.urlFor({ serviceType: "compute", interface: "publicURL" }), "http://a/1");
  // A field that is not a string is an OptionError, and never memoised under its text.
  const odd = { serviceType: "compute", regionName: 2 as unknown as string };
  assert.throws(() => catalog.urlFor(odd), OptionError);
  assert.throws(
    () => catalog.urlFor({ serviceType: "compute", regionName: "2" }),
    EndpointNotFound,
  );
  assert.throws(() => catalog.urlFor(odd), OptionError);
  // An empty string is "not set" (keystoneauth1), memoised apart from other values.
  assert.equal(catalog.urlFor({ serviceType: "compute", regionName: "" }), "http://a/1");
  assert.equal(catalog.urlFor({ serviceType: "compute", regionName: "" }), "http://a/1");
  assert.throws(
    () => catalog.urlFor({ serviceType: "compute", regionName: "R3" }),
    EndpointNotFound,
  );
  assert.equal(catalog.urlFor({ serviceType: "compute", regionName: undefined }), "http://a/1");
  // Field text that looks like the memo's own spelling never aliases another filter.
  for (const v of ["\u0000", "-", "\u0001", "0:", "1:-"]) {
    assert.throws(
      () => catalog.urlFor({ serviceType: "compute", regionName: v }),
      EndpointNotFound,
    );
    assert.throws(
      () => catalog.urlFor({ serviceType: "compute", serviceName: v }),
      EndpointNotFound,
    );
  }
  assert.equal(catalog.urlFor({ serviceType: "compute", regionName: "R1" }), "http://a/1");
  assert.throws(
    () => catalog.urlFor({ serviceType: "compute", regionName: "R", serviceName: "1" }),
    EndpointNotFound,
  );
});

Deno.test("subclasses that override request (Session, Adapter) or getEndpoint (Adapter) see every call", async () => {
  const s = await serveCloud();
  try {
    const seen: string[] = [];
    class LoggedSession extends Session {
      override request(url: string, options: RequestOptions = {}): Promise<Response> {
        seen.push(`session ${options.method} ${url}`);
        return super.request(url, options);
      }
    }
    const sess = new LoggedSession({ auth: adminPassword(s.authUrl) });
    await (await sess.get(`${s.url}/compute/v2.1/p-admin/a`)).body?.cancel();
    class LoggedAdapter extends Adapter {
      override request(path: string, options: RequestOptions = {}): Promise<Response> {
        seen.push(`adapter ${options.method} ${path}`);
        return super.request(path, options);
      }
    }
    const logged = new LoggedAdapter(new Session({ auth: sess.auth }), { serviceType: "compute" });
    await (await logged.post("/b", null as unknown as RequestOptions)).body?.cancel();
    assert.deepEqual(seen, [
      `session GET ${s.url}/compute/v2.1/p-admin/a`,
      `session POST ${s.authUrl}/auth/tokens`, // the plugin authenticates through it too
      "adapter POST /b",
    ]);
    class Moved extends Adapter {
      override getEndpoint(): Promise<string> {
        return Promise.resolve(`${s.url}/compute/v2.1/p-admin/moved`);
      }
    }
    const moved = new Moved(new Session({ auth: sess.auth }), { serviceType: "compute" });
    assert.equal((await echo(await moved.get("/c"))).path, "/compute/v2.1/p-admin/moved/c");
    const plain = new Adapter(new Session({ auth: sess.auth }), { serviceType: "compute" });
    const resp = await plain.get("/d", null as unknown as RequestOptions);
    assert.equal(resp.status, 200, "null options are no options");
    await resp.body?.cancel();
  } finally {
    await s.close();
  }
});

Deno.test("a header value fetch would refuse is an OptionError before anything is sent", async () => {
  const e = echoServer();
  try {
    const sess = new Session({ connectRetries: 2 });
    await assert.rejects(sess.get(`${e.url}/x`, { headers: { "X-E": "\u20ac" } }), OptionError);
    assert.throws(
      () => new Adapter(sess, { additionalHeaders: { "X-E": "\u20ac" } }),
      OptionError,
    );
    assert.equal(e.seen.length, 0);
  } finally {
    await e.close();
  }
});

/**
 * README's first example (the keystoneauth1 seed, under "## Using sessions") runs as written
 * against a FakeCloud: the only change to its code is the auth URL's host
 * (`https://my.keystone.com:5000` -> the fake's origin), plus its `@x/osauth` import pointed at
 * this checkout and an `export` line appended to read its `resp` and `users`. The fake has the
 * example's user, password, project and region; every request it gets is recorded unredacted.
 * (scripts/cross-runtime.sh type-checks the same block on every runtime: "types_*_readme".)
 */
import assert from "node:assert/strict";
import { FakeCloud, type FakeEcho } from "../../src/testing/mod.ts";

const root = new URL("../../", import.meta.url);
const HOST = "https://my.keystone.com:5000";

/** The first fenced block after "## Using sessions", as scripts/cross-runtime.sh takes it. */
function firstExample(readme: string): string {
  const section = readme.split("\n## Using sessions")[1] ?? "";
  const code = /\n```ts\n([\s\S]*?)\n```/.exec(section)?.[1];
  assert.ok(code, 'README has a ts example under "## Using sessions"');
  return code;
}

interface Seen {
  method: string;
  url: string;
  token: string | null;
  body: unknown;
}

Deno.test("README: the first example authenticates and GETs /v3/users from the catalog", async () => {
  const code = firstExample(await Deno.readTextFile(new URL("README.md", root)));
  assert.equal(code.split(HOST).length, 2, `the example names ${HOST} once (its auth URL)`);
  assert.equal(code.split('from "@x/osauth"').length, 2, "the example imports @x/osauth once");

  // my.keystone.com: the example's user, password, project (in domain default) and region.
  const cloud = new FakeCloud({
    users: [{
      id: "u-myuser",
      name: "myuser",
      password: "mypassword",
      projects: [{ id: "p-proj", name: "proj" }],
    }],
    regions: ["myregion"],
  });
  const seen: Seen[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    // Read and passed on as a new Request: req.clone() would read req.signal (Deno warns).
    const text = req.method === "GET" || req.method === "HEAD" ? "" : await req.text();
    seen.push({
      method: req.method,
      url: req.url,
      token: req.headers.get("x-auth-token"),
      body: text === "" ? null : JSON.parse(text),
    });
    const init: RequestInit = { method: req.method, headers: req.headers };
    if (text !== "") init.body = text;
    return await cloud.handler(new Request(req.url, init));
  });
  const origin = `http://127.0.0.1:${server.addr.port}`;
  const dir = await Deno.makeTempDir({ prefix: "osauth-readme-first-" });
  try {
    const file = `${dir}/first_example.ts`;
    await Deno.writeTextFile(
      file,
      code.replace(HOST, origin).replace(
        'from "@x/osauth"',
        `from ${JSON.stringify(new URL("mod.ts", root).href)}`,
      ) + "\nexport { resp, users };\n",
    );
    const { resp, users } = await import(new URL(`file://${file}`).href) as {
      resp: Response;
      users: FakeEcho;
    };

    // 1. the token: a password request for myuser, scoped to proj (domain default).
    assert.equal(seen.length, 2, JSON.stringify(seen.map((s) => `${s.method} ${s.url}`)));
    const [auth, get] = seen as [Seen, Seen];
    assert.equal(auth.method, "POST");
    assert.equal(auth.url, `${origin}/v3/auth/tokens`);
    assert.equal(auth.token, null);
    assert.deepEqual(auth.body, {
      auth: {
        identity: {
          methods: ["password"],
          password: {
            user: { name: "myuser", password: "mypassword", domain: { id: "default" } },
          },
        },
        scope: { project: { name: "proj", domain: { id: "default" } } },
      },
    });
    const [token] = cloud.tokens;
    assert.ok(token && cloud.tokens.length === 1);
    assert.equal(token.userId, "u-myuser");
    assert.equal(token.projectId, "p-proj");

    // 2. the request: GET <the catalog's public identity URL in myregion>/v3/users with that token.
    assert.equal(get.method, "GET");
    assert.equal(get.url, `${origin}/v3/users`);
    assert.equal(get.token, token.id);
    assert.equal(get.body, null);

    // 3. its result: the response, and the JSON body the fake answered (the request echoed).
    assert.equal(resp.status, 200);
    assert.equal(resp.url, `${origin}/v3/users`);
    assert.equal(resp.bodyUsed, true, "the example read the body");
    assert.equal(users.service, "identity");
    assert.equal(users.region, "myregion");
    assert.equal(users.interface, "public");
    assert.equal(users.method, "GET");
    assert.equal(users.path, "/v3/users");
    assert.equal(users.headers["x-auth-token"], "<redacted>");
    assert.deepEqual(users.auth, {
      userId: "u-myuser",
      projectId: "p-proj",
      domainId: null,
      system: false,
      roles: ["member"],
    });
  } finally {
    await server.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});

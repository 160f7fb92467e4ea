/**
 * Hostile servers (issue #12): identity requests redirected elsewhere, 401s
 * from redirect targets, bodies with secrets redirected, servers quoting the
 * secrets they were sent, and URLs with secrets in printed objects.
 * Deliberate differences: docs/DIFFERENCES.md D-identity-redirect,
 * D-redirect-credentials, D-echoed-secrets, D-basic-auth-log, D-custom-plugin-origins.
 */
import assert from "node:assert/strict";
import { inspect } from "node:util";
import {
  BadRequest,
  HttpBasic,
  HttpError,
  NoAuth,
  Password,
  Session,
  Token,
  TokenEndpoint,
  UntrustedOrigin,
  v2,
  v3,
} from "../../mod.ts";
import { loadCloudConfig } from "../../src/clouds/mod.ts";
import { FAKE_CLOUD_DEFAULTS as D } from "../../src/testing/mod.ts";
import { serveCloud } from "./_helpers.ts";

interface Seen {
  method: string;
  url: string;
  headers: Headers;
  body: string;
}

interface Server {
  origin: string;
  seen: Seen[];
  close(): Promise<void>;
}

/** A server on 127.0.0.1 recording every request and answering with `answer`. */
function server(answer: (req: Request, body: string) => Response | Promise<Response>): Server {
  const seen: Seen[] = [];
  const srv = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const body = await req.text();
    seen.push({ method: req.method, url: req.url, headers: req.headers, body });
    return await answer(req, body);
  });
  return {
    origin: `http://127.0.0.1:${srv.addr.port}`,
    seen,
    close: () => srv.shutdown(),
  };
}

const SECRET = "Hostile-S3cret-pw";

Deno.test("identity requests follow no redirect to another origin", async (t) => {
  const other = server(() => new Response("gotcha", { status: 201 }));
  let location = "";
  let status = 307;
  const keystone = server(() =>
    new Response(null, { status, headers: { location: location || "/" } })
  );
  const plugins = (authUrl: string) => [
    new v3.Password({ authUrl: `${authUrl}/v3`, userId: "u", password: SECRET, projectId: "p" }),
    new v3.ApplicationCredential({
      authUrl: `${authUrl}/v3`,
      applicationCredentialId: "ac",
      applicationCredentialSecret: SECRET,
    }),
    new v3.Totp({ authUrl: `${authUrl}/v3`, userId: "u", passcode: SECRET }),
    new v3.Token({ authUrl: `${authUrl}/v3`, token: SECRET }),
    new v3.Password({
      authUrl: `${authUrl}/v3`,
      userId: "u",
      password: "pw-x",
      receipt: SECRET,
    }),
    new v2.Password({ authUrl: `${authUrl}/v2.0`, username: "u", password: SECRET }),
    new v2.Token({ authUrl: `${authUrl}/v2.0`, token: SECRET }),
    new Password({ authUrl, userId: "u", password: SECRET, projectId: "p" }),
    new Token({ authUrl, token: SECRET }),
  ];
  try {
    for (const s of [301, 302, 303, 307, 308]) {
      await t.step(`${s} to another origin: refused, naming where it pointed`, async () => {
        status = s;
        location = `${other.origin}/stolen?token=${SECRET}`;
        for (const auth of plugins(keystone.origin)) {
          const sess = new Session({ auth });
          await assert.rejects(sess.getAccess(), (e: Error) => {
            assert.ok(e instanceof UntrustedOrigin, `${auth.constructor.name}: ${e}`);
            assert.match(e.message, /redirected \(HTTP \d+\) to another origin/);
            assert.ok(e.message.includes(`${other.origin}/stolen?token=***`), e.message);
            assert.ok(!e.message.includes(SECRET));
            return true;
          });
        }
        assert.equal(other.seen.length, 0, "the listener got a request");
      });
    }
    await t.step("a trusted origin is no exception", async () => {
      status = 307;
      location = `${other.origin}/v3/auth/tokens`;
      const auth = plugins(keystone.origin)[0]!;
      const sess = new Session({ auth, trustedOrigins: [other.origin] });
      await assert.rejects(sess.getAccess(), UntrustedOrigin);
      assert.equal(other.seen.length, 0);
    });
  } finally {
    await Promise.all([other.close(), keystone.close()]);
  }
});

Deno.test("a same-origin redirect of the token request is followed with its body", async () => {
  const srv = await serveCloud();
  try {
    const auth = new v3.Password({
      authUrl: `${srv.url}/moved/v3`,
      userId: D.userId,
      password: D.password,
      projectId: D.projectId,
    });
    srv.cloud.inject({
      method: "POST",
      path: "/moved/v3/auth/tokens",
      status: 307,
      headers: { location: "/v3/auth/tokens" },
    });
    const access = await new Session({ auth }).getAccess();
    assert.equal(access.projectId, D.projectId);
    assert.equal(srv.cloud.stats.tokenRequests, 1);
  } finally {
    await srv.close();
  }
});

Deno.test("a 401 from a redirect target that never got the token keeps the token", async () => {
  const srv = await serveCloud();
  const other = server(() => Response.json({ error: { message: "who are you" } }, { status: 401 }));
  try {
    const auth = new v3.Password({
      authUrl: srv.authUrl,
      userId: D.userId,
      password: D.password,
      projectId: D.projectId,
    });
    const sess = new Session({ auth });
    const token = await sess.getToken();
    srv.cloud.inject({
      path: `/compute/v2.1/${D.projectId}/elsewhere`,
      status: 302,
      headers: { location: `${other.origin}/landing` },
    });
    await assert.rejects(
      sess.get("/elsewhere", { endpointFilter: { serviceType: "compute" } }),
      (e: Error) => e instanceof HttpError && e.status === 401,
    );
    assert.equal(other.seen.length, 1);
    assert.equal(other.seen[0]!.headers.get("x-auth-token"), null);
    assert.equal(srv.cloud.stats.tokenRequests, 1, "re-authenticated after a foreign 401");
    assert.equal(await sess.getToken(), token);
    // A 401 where the token did go (the same origin) still re-authenticates.
    srv.cloud.revokeAll();
    await (await sess.get("/servers", { endpointFilter: { serviceType: "compute" } })).body
      ?.cancel();
    assert.equal(srv.cloud.stats.tokenRequests, 2);
  } finally {
    await Promise.all([srv.close(), other.close()]);
  }
});

Deno.test("a body holding secrets is not re-sent to an untrusted origin", async () => {
  const other = server(() => Response.json({ ok: true }));
  const home = server((req) => {
    const to = new URL(req.url).searchParams.get("to") ?? "/";
    return new Response(null, { status: 307, headers: { location: to } });
  });
  try {
    const auth = new TokenEndpoint({ endpoint: home.origin, token: "tok-home" });
    const sess = new Session({ auth });
    const away = `${home.origin}/r?to=${encodeURIComponent(`${other.origin}/x`)}`;
    await assert.rejects(
      sess.post(away, { json: { user: { name: "n", password: SECRET } } }),
      (e: Error) => e instanceof UntrustedOrigin && /body holds secrets/.test(e.message),
    );
    assert.equal(other.seen.length, 0);
    // Without secrets it goes (without the token), as fetch would send it.
    await (await sess.post(away, { json: { user: { name: "n" } } })).body?.cancel();
    assert.equal(other.seen.length, 1);
    assert.equal(other.seen[0]!.body, JSON.stringify({ user: { name: "n" } }));
    assert.equal(other.seen[0]!.headers.get("x-auth-token"), null);
    // A trusted origin gets the body with its secrets.
    const trusting = new Session({ auth, trustedOrigins: [other.origin] });
    await (await trusting.post(away, { json: { password: SECRET } })).body?.cancel();
    assert.equal(other.seen.length, 2);
  } finally {
    await Promise.all([other.close(), home.close()]);
  }
});

/**
 * Python's own `repr()` of each string (oslo and jsonschema messages quote
 * values so), from /usr/bin/python3; a copy of its rules where there is none.
 */
async function pyReprs(list: string[]): Promise<Map<string, string>> {
  try {
    const out = await new Deno.Command("/usr/bin/python3", {
      args: ["-c", "import json,sys; print(json.dumps([repr(s) for s in json.load(sys.stdin)]))"],
      stdin: "piped",
      stdout: "piped",
      stderr: "null",
    }).spawn();
    const w = out.stdin.getWriter();
    await w.write(new TextEncoder().encode(JSON.stringify(list)));
    await w.close();
    const { stdout, success } = await out.output();
    if (success) {
      const reprs = JSON.parse(new TextDecoder().decode(stdout)) as string[];
      return new Map(list.map((s, i) => [s, reprs[i]!]));
    }
  } catch {
    // no python3 or no --allow-run: the rules below
  }
  return new Map(list.map((s) => {
    const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
    let out = "";
    for (const c of s) {
      if (c === "\\" || c === quote) out += `\\${c}`;
      else if (c === "\n") out += "\\n";
      else out += c;
    }
    return [s, quote + out + quote];
  }));
}

/** JSON text as Python's json.dumps writes it (ensure_ascii). */
function asciiJson(value: unknown): string {
  return JSON.stringify(value).replace(
    /[\u007f-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

function html(s: string): string {
  return s.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;").replaceAll("'", "&#x27;");
}

/** A seeded generator (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ALPHABET = [..."abcXYZ019 '\"\\<>&%/+=?#é€ß\n", "😀"];

Deno.test("secrets a server quotes back are scrubbed from messages, details and logs", async (t) => {
  const envGranted =
    Deno.permissions.querySync({ name: "env", variable: "OSAUTH_SEED" }).state === "granted";
  const seed = Number((envGranted && Deno.env.get("OSAUTH_SEED")) || Date.now() % 100000);
  const random = rng(seed);
  const cases = Array.from({ length: 40 }, () => {
    const len = 4 + Math.floor(random() * 12);
    let secret = "";
    for (let j = 0; j < len; j++) secret += ALPHABET[Math.floor(random() * ALPHABET.length)];
    return { secret, token: `tok-${Math.floor(random() * 1e9)}-hostile` };
  });
  const reprs = await pyReprs(cases.map((c) => c.secret));
  const pyRepr = (s: string): string => reprs.get(s) ?? JSON.stringify(s);
  // Echoes what it was sent, in the forms OpenStack services quote values.
  const echo = server((req, body) => {
    const form = new URL(req.url).searchParams.get("form");
    const token = req.headers.get("x-auth-token") ?? "";
    let parsed: { secret?: string; user?: { password?: string } } = {};
    try {
      parsed = JSON.parse(body);
    } catch {
      // not JSON
    }
    const secret = parsed.secret ?? parsed.user?.password ?? "";
    const quoted = `${pyRepr(secret)} is not valid; instance: {'password': ${pyRepr(secret)}}; ` +
      `token ${token}`;
    switch (form) {
      case "keystone":
        return new Response(asciiJson({ error: { code: 400, message: quoted } }), {
          status: 400,
          headers: { "content-type": "application/json" },
        });
      case "placement":
        return Response.json({ errors: [{ status: 400, detail: quoted, raw: body }] }, {
          status: 400,
        });
      case "html":
        return new Response(`<html><h1>400 Bad Request</h1>${html(quoted)}</html>`, {
          status: 400,
          headers: { "content-type": "text/html" },
        });
      default:
        return new Response(`${quoted} ${encodeURIComponent(secret)} ${body}`, { status: 400 });
    }
  });
  try {
    for (const { secret, token } of cases) {
      for (const form of ["keystone", "placement", "html", "text"]) {
        const lines: string[] = [];
        const sess = new Session({
          auth: new TokenEndpoint({ endpoint: echo.origin, token }),
          logger: { debug: (m: string) => void lines.push(m) },
        });
        const json = random() < 0.5 ? { secret } : { user: { name: "n", password: secret } };
        const err = await sess.post(`${echo.origin}/x?form=${form}`, { json })
          .then(() => assert.fail("no error"), (e: unknown) => e);
        assert.ok(err instanceof BadRequest, String(err));
        const texts = [
          err.message,
          JSON.stringify(err.details) ?? "",
          String(err.details),
          Deno.inspect(err, { depth: 20 }),
          ...lines,
        ];
        for (const text of texts) {
          for (const s of [secret, JSON.stringify(secret).slice(1, -1), token]) {
            assert.ok(
              !text.includes(s),
              `seed ${seed}: ${form} quoted ${JSON.stringify(s)} in ${JSON.stringify(text)}`,
            );
          }
        }
        // The quote is still there, with the secret replaced.
        assert.match(
          form === "html" ? String(err.details) : err.message,
          /is not valid/,
          `seed ${seed}: ${form}: ${err.message}`,
        );
        assert.match(JSON.stringify(err.details), /\*\*\*/, `seed ${seed}: ${form}`);
      }
    }
    await t.step(
      "a token request's password quoted in a 400 (Keystone's schema errors)",
      async () => {
        const keystone = server((_req, body) =>
          new Response(
            asciiJson({
              error: { code: 400, message: `On instance: ${body.replaceAll('"', "'")}` },
            }),
            { status: 400, headers: { "content-type": "application/json" } },
          )
        );
        try {
          const lines: string[] = [];
          const auth = new v3.Password({
            authUrl: `${keystone.origin}/v3`,
            userId: "u",
            password: SECRET,
            projectId: "p",
          });
          const sess = new Session({ auth, logger: { debug: (m: string) => void lines.push(m) } });
          const err = await sess.getAccess().then(() => assert.fail(), (e: unknown) => e);
          assert.ok(err instanceof BadRequest);
          assert.ok(err.message.includes("***"));
          for (const text of [err.message, JSON.stringify(err.details), ...lines]) {
            assert.ok(!text.includes(SECRET), text);
          }
        } finally {
          await keystone.close();
        }
      },
    );
  } finally {
    await echo.close();
  }
});

Deno.test("printed plugins, TokenEndpoint and CloudConfig show no URL secrets", async () => {
  const url = "https://user:url-pass-Secret@keystone.example.com:5000/v3?token=q-Secret";
  const objects: unknown[] = [
    new v3.Password({ authUrl: url, userId: "u", password: "p", projectId: "p" }),
    new v3.Token({ authUrl: url, token: "t" }),
    new v2.Password({ authUrl: url, username: "u", password: "p" }),
    new Password({ authUrl: url, userId: "u", password: "p" }),
    new TokenEndpoint({ endpoint: url, token: "t" }),
    new HttpBasic({ endpoint: url, username: "u", password: "p" }),
    new NoAuth({ endpoint: url }),
    await loadCloudConfig({
      yaml: `clouds:
  c:
    auth: {auth_url: '${url}', token: t}
    auth_type: v3token
    compute_endpoint_override: '${url}'
    custom_url: '${url}'
`,
      env: {},
      cloud: "c",
    }),
  ];
  for (const o of objects) {
    for (
      const text of [
        Deno.inspect(o, { depth: 10 }),
        inspect(o, { depth: 10 }),
        JSON.stringify(o),
      ]
    ) {
      assert.doesNotMatch(text, /Secret/, text);
      assert.match(text, /keystone\.example\.com/, text);
    }
  }
});

Deno.test("HTTP Basic credentials are not logged as an unsalted hash", async () => {
  const srv = server(() => new Response("ok"));
  try {
    const lines: string[] = [];
    const sess = new Session({
      auth: new HttpBasic({ endpoint: srv.origin, username: "admin", password: "admin1" }),
      logger: { debug: (m: string) => void lines.push(m) },
    });
    await (await sess.get(`${srv.origin}/x`)).body?.cancel();
    const req = lines.find((l) => l.startsWith("REQ:"))!;
    assert.match(req, /authorization: Basic \*\*\*/);
    const basic = btoa("admin:admin1");
    const digest = await crypto.subtle.digest(
      "SHA-256",
      new TextEncoder().encode(`Basic ${basic}`),
    );
    const hex = Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
    assert.ok(!lines.join("\n").includes(hex));
    assert.ok(!lines.join("\n").includes(basic));
    assert.equal(srv.seen[0]!.headers.get("authorization"), `Basic ${basic}`);
  } finally {
    await srv.close();
  }
});

Deno.test("NoAuth's placeholder goes to any origin; a custom plugin's headers do not", async () => {
  const srv = server(() => new Response("ok"));
  try {
    await (await new Session({ auth: new NoAuth() }).get(`${srv.origin}/n`)).body?.cancel();
    assert.equal(srv.seen.at(-1)!.headers.get("x-auth-token"), "notused");
    class Sneaky extends NoAuth {
      override getHeaders(): Promise<Record<string, string>> {
        return Promise.resolve({ "X-Auth-Token": "real-secret" });
      }
    }
    await assert.rejects(
      new Session({ auth: new Sneaky() }).get(`${srv.origin}/s`),
      UntrustedOrigin,
    );
    assert.equal(srv.seen.length, 1);
  } finally {
    await srv.close();
  }
});

Deno.test("user info in a redirect's Location is not sent to an untrusted origin", async () => {
  const other = server(() => Response.json({ ok: true }));
  const home = server(() =>
    new Response(null, {
      status: 302,
      headers: { location: other.origin.replace("//", "//user:Loc-pw-Secret@") + "/x" },
    })
  );
  try {
    const auth = new TokenEndpoint({ endpoint: home.origin, token: "tok-home" });
    await (await new Session({ auth }).get(`${home.origin}/r`)).body?.cancel();
    assert.equal(other.seen.length, 1);
    assert.equal(other.seen[0]!.headers.get("authorization"), null);
    assert.equal(other.seen[0]!.headers.get("x-auth-token"), null);
    assert.equal(new URL(other.seen[0]!.url).pathname, "/x");
  } finally {
    await Promise.all([other.close(), home.close()]);
  }
});

import assert from "node:assert/strict";
import { type Logger, Session, v2, v3 } from "../../mod.ts";
import { FakeCloud } from "../../src/testing/mod.ts";
import { logRequest, logResponse } from "../../src/logging.ts";
import {
  hashSecret,
  isSensitiveHeader,
  redactBody,
  redactHeaders,
  redactUrl,
} from "../../src/util/secrets.ts";

/** Collects every debug/info/warn/error call, with its arguments stringified. */
class Collector implements Logger {
  lines: string[] = [];
  debug(msg: string, ...args: unknown[]): void {
    this.lines.push([msg, ...args.map((a) => JSON.stringify(a) ?? String(a))].join(" "));
  }
  info(msg: string, ...args: unknown[]): void {
    this.debug(msg, ...args);
  }
  warn(msg: string, ...args: unknown[]): void {
    this.debug(msg, ...args);
  }
  error(msg: string, ...args: unknown[]): void {
    this.debug(msg, ...args);
  }
}

// deno-lint-ignore no-explicit-any
type GenericFunction = (...args: any[]) => any;

/**
 * Shaped like @std/log's `Logger` (jsr:@std/log/logger.ts): overloaded level
 * methods taking a string or a function, returning the message.
 */
class StdLogShaped {
  records: string[] = [];
  debug<T>(msg: () => T, ...args: unknown[]): T | undefined;
  debug<T>(msg: T extends GenericFunction ? never : T, ...args: unknown[]): T;
  debug<T>(msg: (T extends GenericFunction ? never : T) | (() => T), ...args: unknown[]) {
    const value = msg instanceof Function ? msg() : msg;
    this.records.push([String(value), ...args.map(String)].join(" "));
    return value;
  }
  info<T>(msg: () => T, ...args: unknown[]): T | undefined;
  info<T>(msg: T extends GenericFunction ? never : T, ...args: unknown[]): T;
  info<T>(msg: (T extends GenericFunction ? never : T) | (() => T), ..._args: unknown[]) {
    return msg instanceof Function ? msg() : msg;
  }
  warn<T>(msg: () => T, ...args: unknown[]): T | undefined;
  warn<T>(msg: T extends GenericFunction ? never : T, ...args: unknown[]): T;
  warn<T>(msg: (T extends GenericFunction ? never : T) | (() => T), ..._args: unknown[]) {
    return msg instanceof Function ? msg() : msg;
  }
  error<T>(msg: () => T, ...args: unknown[]): T | undefined;
  error<T>(msg: T extends GenericFunction ? never : T, ...args: unknown[]): T;
  error<T>(msg: (T extends GenericFunction ? never : T) | (() => T), ..._args: unknown[]) {
    return msg instanceof Function ? msg() : msg;
  }
  critical<T>(msg: () => T, ...args: unknown[]): T | undefined;
  critical<T>(msg: T extends GenericFunction ? never : T, ...args: unknown[]): T;
  critical<T>(msg: (T extends GenericFunction ? never : T) | (() => T), ..._args: unknown[]) {
    return msg instanceof Function ? msg() : msg;
  }
}

async function sha256(value: string): Promise<string> {
  return await hashSecret(value);
}

Deno.test("Logger: console and a @std/log-shaped logger fit the interface", async () => {
  const fromConsole: Logger = console;
  const std = new StdLogShaped();
  const fromStd: Logger = std; // type-level check: compiles only if the shape fits
  assert.equal(typeof fromConsole.debug, "function");
  await logRequest(fromStd, {
    method: "GET",
    url: "http://127.0.0.1:1/x",
    headers: new Headers({ "X-Auth-Token": "tok" }),
  });
  assert.equal(std.records.length, 1);
  assert.match(std.records[0]!, /^REQ: curl -g -i -X GET http:\/\/127\.0\.0\.1:1\/x/);
  assert.ok(!std.records[0]!.includes('"tok"') && !std.records[0]!.includes(": tok"));
  // a session accepts it as logger
  const sess = new Session({ logger: std });
  assert.equal(sess.logger, std);
});

Deno.test("redaction helpers", async (t) => {
  await t.step("hashSecret is keystoneauth1's {SHA256}<hex>", async () => {
    assert.equal(
      await hashSecret("abc"),
      "{SHA256}ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
    );
  });

  await t.step("sensitive headers are hashed, others kept", async () => {
    const headers = new Headers({
      "X-Auth-Token": "Hidden-t1",
      "X-Subject-Token": "Hidden-t2",
      "X-Service-Token": "Hidden-t3",
      Authorization: "Basic Hidden-b64",
      Cookie: "session=Hidden-c1",
      "X-Account-Meta-Temp-URL-Key": "Hidden-k1",
      Accept: "application/json",
    });
    headers.append("Set-Cookie", "a=Hidden-1");
    headers.append("Set-Cookie", "b=Hidden-2");
    const out = await redactHeaders(headers);
    assert.doesNotMatch(JSON.stringify(out), /Hidden/);
    const map = new Map(out.map(([k, v]) => [k, v]));
    assert.equal(map.get("x-auth-token"), await sha256("Hidden-t1"));
    assert.equal(map.get("accept"), "application/json");
    assert.equal(out.filter(([k]) => k === "set-cookie").length, 2);
    assert.ok(isSensitiveHeader("X-Container-Meta-Temp-URL-Key-2"));
    assert.ok(!isSensitiveHeader("Content-Type"));
  });

  await t.step("JSON bodies: passwords, secrets, passcodes, token ids", () => {
    const bodies = [
      {
        auth: {
          identity: {
            methods: ["password"],
            password: { user: { name: "u", domain: { id: "default" }, password: "S1" } },
          },
        },
      },
      { auth: { identity: { methods: ["token"], token: { id: "S2" } } } },
      {
        auth: {
          identity: {
            methods: ["application_credential"],
            application_credential: { id: "ac1", secret: "S3" },
          },
        },
      },
      {
        auth: {
          identity: { methods: ["totp"], totp: { user: { id: "u1", passcode: "S4" } } },
        },
      },
      { auth: { passwordCredentials: { username: "u", password: "S5" }, tenantName: "t" } },
      { auth: { token: { id: "S6" }, tenantName: "t" } },
      { access: { token: { id: "S7", expires: "2030-01-01T00:00:00Z" }, serviceCatalog: [] } },
      { server: { id: "srv", adminPass: "S8" } },
      { user: { original_password: "S9", password: "S10" } },
      { credential: { type: "ec2", blob: JSON.stringify({ access: "a", secret: "S11" }) } },
      { keypair: { name: "k", private_key: "S12", public_key: "ssh-rsa AAA" } },
      { list: [{ password: "S13" }, { token: "S14" }], secrets: ["S15", "S16"] },
    ];
    for (const body of bodies) {
      const out = redactBody(JSON.stringify(body));
      assert.doesNotMatch(out, /S\d+/, out);
      assert.ok(out.includes("***"), out);
    }
    // non-secret fields survive
    const kept = redactBody(JSON.stringify(bodies[0]));
    assert.match(kept, /"methods":\["password"\]/);
    assert.match(kept, /"name":"u"/);
    assert.match(redactBody(JSON.stringify(bodies[2])), /"id":"ac1"/);
    assert.match(redactBody(JSON.stringify(bodies[10])), /"public_key":"ssh-rsa AAA"/);
  });

  await t.step("catalogs are removed as keystoneauth1 does", () => {
    const out = redactBody(JSON.stringify({
      token: { catalog: [{ type: "compute", endpoints: [] }], methods: ["password"] },
    }));
    assert.match(out, /"catalog":"<removed>"/);
  });

  await t.step("non-JSON text: omitted when it may hold secrets", () => {
    assert.equal(redactBody("plain words"), "plain words");
    assert.equal(redactBody("password=hunter2"), "<omitted: may contain secrets>");
    assert.equal(redactBody("X-Auth-Token: abc"), "<omitted: may contain secrets>");
  });

  await t.step("URLs: user info password and secret query parameters", () => {
    assert.equal(redactUrl("http://127.0.0.1/x?a=1"), "http://127.0.0.1/x?a=1");
    const u = redactUrl("http://user:S1@127.0.0.1/x?token=S2&a=1&temp_url_sig=z");
    assert.doesNotMatch(u, /S1|S2/);
    assert.match(u, /a=1/);
    assert.equal(redactUrl("not a url"), "not a url");
  });
});

Deno.test("logResponse: status, request id, elapsed ms, headers, body", async () => {
  const c = new Collector();
  await logResponse(c, {
    method: "POST",
    url: "http://127.0.0.1:5000/v3/auth/tokens",
    status: 201,
    headers: new Headers({
      "X-Subject-Token": "tok-1",
      "X-OpenStack-Request-Id": "req-0f0e",
      "Content-Type": "application/json",
    }),
    body: JSON.stringify({ token: { methods: ["password"] } }),
    elapsedMs: 12.4,
  });
  assert.equal(c.lines.length, 2);
  assert.match(
    c.lines[0]!,
    /^RESP: \[201\] POST http:\/\/127\.0\.0\.1:5000\/v3\/auth\/tokens 12ms/,
  );
  assert.match(c.lines[0]!, /request-id=req-0f0e/);
  assert.ok(c.lines[0]!.includes(`x-subject-token: ${await sha256("tok-1")}`));
  assert.ok(!c.lines.join("\n").includes("tok-1"));
  assert.match(c.lines[1]!, /^RESP BODY: \{"token":\{"methods":\["password"\]\}\}$/);
});

const PASSWORD = "Pw-f00d-7c1e-uniq";
const APP_SECRET = "AcSecret-99b2-uniq";
const PASSCODE = "774411";

function cloudWithSecrets(): FakeCloud {
  return new FakeCloud({
    users: [{
      id: "u-alice",
      name: "alice",
      password: PASSWORD,
      totpPasscode: PASSCODE,
      projects: [{ id: "p-alice", name: "alice-proj", roles: ["admin", "member"] }],
    }],
    applicationCredentials: [{
      id: "ac-alice",
      name: "alice-cred",
      secret: APP_SECRET,
      userId: "u-alice",
      projectId: "p-alice",
    }],
  });
}

Deno.test("full auth + request cycle: no secret in any log line", async () => {
  const cloud = cloudWithSecrets();
  const server = await cloud.serve();
  const collector = new Collector();
  const std = new StdLogShaped();
  const compute = { serviceType: "compute", interface: "public" } as const;
  const scope = { projectId: "p-alice" };
  const v2Url = `${server.url}/v2.0`;
  try {
    // password auth: password in the request body, token in X-Subject-Token,
    // then a service request with X-Auth-Token
    const pw = new Session({
      auth: new v3.Password({
        authUrl: server.authUrl,
        username: "alice",
        userDomainId: "default",
        password: PASSWORD,
        ...scope,
      }),
      logger: collector,
    });
    const echo = await (await pw.get("/servers", { endpointFilter: compute })).json();
    assert.equal(echo.method, "GET");
    await (await pw.post("/servers", {
      endpointFilter: compute,
      json: { server: { name: "vm", adminPass: PASSWORD } },
    })).body?.cancel();
    const firstToken = await pw.getToken();

    // token method: the token id in the request body; @std/log-shaped logger
    const tok = new Session({
      auth: new v3.Token({ authUrl: server.authUrl, token: firstToken, ...scope }),
      logger: std,
    });
    await (await tok.get("/servers", { endpointFilter: compute })).body?.cancel();

    // application credential secret
    const ac = new Session({
      auth: new v3.ApplicationCredential({
        authUrl: server.authUrl,
        applicationCredentialId: "ac-alice",
        applicationCredentialSecret: APP_SECRET,
      }),
      logger: collector,
    });
    await (await ac.get("/servers", { endpointFilter: compute })).body?.cancel();

    // TOTP passcode
    const totp = new Session({
      auth: new v3.Totp({
        authUrl: server.authUrl,
        userId: "u-alice",
        passcode: PASSCODE,
        ...scope,
      }),
      logger: collector,
    });
    await totp.getToken();

    // a logger given per request, on a session without one
    const quiet = new Session({ auth: pw.auth });
    const before = collector.lines.length;
    await (await quiet.get("/servers", { endpointFilter: compute })).body?.cancel();
    assert.equal(collector.lines.length, before);
    await (await quiet.get("/servers", { endpointFilter: compute, logger: collector })).body
      ?.cancel();
    assert.equal(collector.lines.length, before + 3);

    // v2.0: token ids in response bodies, passwords and tokens in request bodies
    const v2pw = new Session({
      auth: new v2.Password({
        authUrl: v2Url,
        username: "alice",
        password: PASSWORD,
        tenantId: "p-alice",
      }),
      logger: collector,
    });
    const v2token = await v2pw.getToken();
    const v2tok = new Session({
      auth: new v2.Token({ authUrl: v2Url, token: v2token, tenantId: "p-alice" }),
      logger: collector,
    });
    await v2tok.getToken();

    const lines = [...collector.lines, ...std.records];
    const tokens = cloud.tokens.map((t) => t.id);
    assert.ok(tokens.length >= 6, `tokens issued: ${tokens.length}`);
    const secrets = [PASSWORD, APP_SECRET, PASSCODE, ...tokens];
    for (const line of lines) {
      for (const secret of secrets) {
        assert.ok(!line.includes(secret), `a secret leaked into: ${line.slice(0, 200)}`);
      }
    }

    // what is logged is useful: curl form, status, request id, elapsed, hashed tokens
    const all = lines.join("\n");
    assert.match(all, /REQ: curl -g -i -X POST http:\/\/127\.0\.0\.1:\d+\/v3\/auth\/tokens/);
    assert.match(all, /RESP: \[201\] POST http:\/\/127\.0\.0\.1:\d+\/v3\/auth\/tokens \d+ms/);
    assert.match(all, /request-id=req-/);
    assert.match(
      all,
      /RESP: \[200\] GET http:\/\/127\.0\.0\.1:\d+\/compute\/v2\.1\/p-alice\/servers/,
    );
    assert.ok(all.includes(`x-subject-token: ${await sha256(firstToken)}`));
    assert.ok(all.includes(`-H "x-auth-token: ${await sha256(firstToken)}"`));
    assert.match(all, /"password":"\*\*\*"/);
    assert.match(all, /"secret":"\*\*\*"/);
    assert.match(all, /"passcode":"\*\*\*"/);
    assert.match(all, /"token":\{"id":"\*\*\*"\}/);
    assert.match(all, /"adminPass":"\*\*\*"/);
    assert.match(all, /"catalog":"<removed>"/);
    assert.ok(std.records.some((l) => l.startsWith("REQ: curl")), "std logger got lines");
    // the TOTP authentication happened without a logger
  } finally {
    await server.close();
  }
});

Deno.test("response bodies: binary and unsized bodies are not buffered for logging", async () => {
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) => {
    const path = new URL(req.url).pathname;
    if (path === "/bin") {
      return new Response(new Uint8Array([1, 2, 3]), {
        headers: { "content-type": "application/octet-stream" },
      });
    }
    if (path === "/stream") {
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(new TextEncoder().encode('{"a":1}'));
          controller.close();
        },
      });
      return new Response(body, { headers: { "content-type": "application/json" } });
    }
    return new Response(null, { status: 204 });
  });
  const c = new Collector();
  const sess = new Session({ logger: c });
  const base = `http://127.0.0.1:${server.addr.port}`;
  try {
    const bytes = new Uint8Array(await (await sess.get(`${base}/bin`)).arrayBuffer());
    assert.deepEqual([...bytes], [1, 2, 3]);
    assert.deepEqual(await (await sess.get(`${base}/stream`)).json(), { a: 1 });
    await (await sess.get(`${base}/empty`)).body?.cancel();
    const all = c.lines.join("\n");
    assert.match(all, /RESP BODY: <omitted: Content-Type is application\/octet-stream>/);
    assert.match(all, /RESP BODY: <omitted: no Content-Length>/);
    assert.match(all, /RESP: \[204\] GET/);
  } finally {
    await server.shutdown();
  }
});

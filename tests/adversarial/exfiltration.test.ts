/**
 * Adversarial suite, exfiltration part (issue #12): a hostile Keystone and
 * service on 127.0.0.1 (plain and with real TLS, certificates made here with
 * openssl) redirect every kind of request osauth sends (token requests of
 * every plugin, authenticated service requests, version discovery, the
 * generic plugins' discovery and their version documents' links) with every
 * redirect status (301, 302, 303, 307, 308) and every Location form below to
 * listeners on 127.0.0.2, 127.0.0.3 and another port of 127.0.0.1. The
 * servers are raw TCP (and TLS) servers: the hostile one writes any bytes it
 * likes (CR/LF, two Location headers, tabs), the listeners record every byte
 * they receive. A leak is a request at a listener (an untrusted origin)
 * holding a credential header or any secret value of the case.
 *
 * Prints `adversarial exfiltration: leaks=N` and fails unless N is 0. A
 * control case (the listener trusted on purpose) checks that the detector
 * does see credentials that reach a listener. Deliberate differences from
 * keystoneauth1 (which follows redirects with everything): docs/DIFFERENCES.md
 * D-redirect-credentials, D-identity-redirect.
 *
 * Run alone: `deno test -A tests/adversarial/exfiltration.test.ts`; the
 * permissions it needs: `--allow-net=127.0.0.1,127.0.0.2,127.0.0.3`
 * (listen and connect), `--allow-run=openssl`, `--allow-write` and
 * `--allow-read` (a temp dir for the certificates; the CA file is read by
 * the Session's `verify`).
 */
import assert from "node:assert/strict";
import {
  type AuthPlugin,
  HttpBasic,
  OsAuthError,
  Password,
  Session,
  Token,
  TokenEndpoint,
  v2,
  v3,
} from "../../mod.ts";
import { V3Token } from "../../src/testing/mod.ts";

// ---------------------------------------------------------------------------
// Raw HTTP servers
// ---------------------------------------------------------------------------

/** A request as a raw server received it. */
interface RawRequest {
  /** Every byte received on the connection (latin1). */
  raw: string;
  method: string;
  target: string;
  /** Header name (lower case) -> value (the last one wins). */
  headers: Map<string, string>;
  body: string;
}

type Answer = (req: RawRequest) => string;

interface RawServer {
  origin: string;
  port: number;
  requests: RawRequest[];
  answer: Answer;
  close(): Promise<void>;
}

const latin1 = new TextDecoder("latin1");

/** Reads one HTTP/1.1 request from `conn` (bounded in size and time). */
async function readRequest(conn: Deno.Conn): Promise<RawRequest | undefined> {
  let text = "";
  const timer = setTimeout(() => {
    try {
      conn.close();
    } catch {
      // already closed
    }
  }, 5000);
  try {
    const buf = new Uint8Array(16384);
    for (;;) {
      const headEnd = text.indexOf("\r\n\r\n");
      if (headEnd >= 0) {
        const head = text.slice(0, headEnd);
        const length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1] ?? 0);
        const chunked = /\r\ntransfer-encoding:\s*chunked/i.test(head);
        const bodyText = text.slice(headEnd + 4);
        if (chunked ? bodyText.includes("0\r\n\r\n") : bodyText.length >= length) break;
      }
      if (text.length > 1 << 20) break;
      const n = await conn.read(buf);
      if (n === null) break;
      text += latin1.decode(buf.subarray(0, n));
      // A TLS handshake at a plain server (an https URL on its port): no request follows.
      if (text.charCodeAt(0) === 0x16) break;
    }
  } catch {
    // reset or closed by the timer: what arrived is recorded
  } finally {
    clearTimeout(timer);
  }
  if (text === "") return undefined;
  const headEnd = text.indexOf("\r\n\r\n");
  const head = headEnd >= 0 ? text.slice(0, headEnd) : text;
  const [requestLine = "", ...lines] = head.split("\r\n");
  const [method = "", target = ""] = requestLine.split(" ");
  const headers = new Map<string, string>();
  for (const line of lines) {
    const colon = line.indexOf(":");
    if (colon > 0) {
      headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
    }
  }
  return { raw: text, method, target, headers, body: headEnd >= 0 ? text.slice(headEnd + 4) : "" };
}

/** A raw HTTP response: `headers` is raw header text (CR/LF and all), one header a line. */
function response(status: number, headers: string[], body = ""): string {
  const bytes = new TextEncoder().encode(body).length;
  return `HTTP/1.1 ${status} X\r\n${headers.join("\r\n")}${headers.length ? "\r\n" : ""}` +
    `Content-Length: ${bytes}\r\nConnection: close\r\n\r\n${body}`;
}

function jsonResponse(status: number, body: unknown, headers: string[] = []): string {
  return response(status, ["Content-Type: application/json", ...headers], JSON.stringify(body));
}

function rawServer(
  hostname: string,
  tls?: { cert: string; key: string },
  answer: Answer = () => jsonResponse(200, {}),
): RawServer {
  const listener = tls
    ? Deno.listenTls({ hostname, port: 0, cert: tls.cert, key: tls.key })
    : Deno.listen({ hostname, port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  const requests: RawRequest[] = [];
  const conns = new Set<Deno.Conn>();
  const handlers = new Set<Promise<void>>();
  const server: RawServer = {
    origin: `${tls ? "https" : "http"}://${hostname}:${port}`,
    port,
    requests,
    answer,
    close: async () => {
      listener.close();
      for (const c of conns) {
        try {
          c.close();
        } catch {
          // closed
        }
      }
      await loop;
      await Promise.all(handlers);
    },
  };
  const handle = async (conn: Deno.Conn): Promise<void> => {
    conns.add(conn);
    try {
      const req = await readRequest(conn);
      if (!req) return;
      requests.push(req);
      const out = new TextEncoder().encode(server.answer(req));
      for (let off = 0; off < out.length;) off += await conn.write(out.subarray(off));
    } catch {
      // the client went away (a TLS handshake it refused, an abort)
    } finally {
      conns.delete(conn);
      try {
        conn.close();
      } catch {
        // closed
      }
    }
  };
  const loop = (async () => {
    try {
      for await (const conn of listener) {
        const h = handle(conn);
        handlers.add(h);
        h.finally(() => handlers.delete(h));
      }
    } catch {
      // listener closed
    }
  })();
  return server;
}

// ---------------------------------------------------------------------------
// Certificates (a CA, one server certificate for 127.0.0.1-3)
// ---------------------------------------------------------------------------

async function run(args: string[], cwd: string): Promise<void> {
  const out = await new Deno.Command("openssl", { args, cwd, stdout: "null", stderr: "piped" })
    .output();
  if (!out.success) throw new Error(`openssl ${args[0]}: ${new TextDecoder().decode(out.stderr)}`);
}

async function makeCerts(): Promise<{ dir: string; ca: string; cert: string; key: string }> {
  const dir = await Deno.makeTempDir({ prefix: "osauth-adv-" });
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  await run([
    "req",
    "-x509",
    ...ec,
    "-keyout",
    "ca.key",
    "-out",
    "ca.pem",
    "-days",
    "2",
    "-subj",
    "/CN=osauth adversarial CA",
    "-addext",
    "basicConstraints=critical,CA:TRUE",
    "-addext",
    "keyUsage=critical,keyCertSign,cRLSign",
  ], dir);
  await Deno.writeTextFile(
    `${dir}/srv.ext`,
    "subjectAltName=IP:127.0.0.1,IP:127.0.0.2,IP:127.0.0.3\nbasicConstraints=CA:FALSE\n" +
      "keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n",
  );
  await run(["req", ...ec, "-keyout", "srv.key", "-out", "srv.csr", "-subj", "/CN=127.0.0.1"], dir);
  await run([
    "x509",
    "-req",
    "-in",
    "srv.csr",
    "-CA",
    "ca.pem",
    "-CAkey",
    "ca.key",
    "-CAcreateserial",
    "-out",
    "srv.pem",
    "-days",
    "2",
    "-extfile",
    "srv.ext",
  ], dir);
  return {
    dir,
    ca: `${dir}/ca.pem`,
    cert: await Deno.readTextFile(`${dir}/srv.pem`),
    key: await Deno.readTextFile(`${dir}/srv.key`),
  };
}

// ---------------------------------------------------------------------------
// Secrets and leak detection
// ---------------------------------------------------------------------------

/** Headers that carry credentials: any of them at a listener is a leak. */
const CREDENTIAL_HEADERS = [
  "x-auth-token",
  "x-subject-token",
  "x-service-token",
  "authorization",
  "proxy-authorization",
  "cookie",
  "openstack-auth-receipt",
  "x-auth-key",
  "x-custom-credential",
];

let counter = 0;
function secret(kind: string): string {
  counter++;
  const random = crypto.getRandomValues(new Uint8Array(12));
  return `${kind}-${counter}-${
    Array.from(random, (b) => b.toString(16).padStart(2, "0")).join("")
  }`;
}

/** Why `req` (seen by an untrusted listener) is a leak of `secrets`, or undefined. */
function leakIn(req: RawRequest, secrets: readonly string[]): string | undefined {
  for (const h of CREDENTIAL_HEADERS) if (req.headers.has(h)) return `header ${h}`;
  let decoded = req.raw;
  try {
    decoded += decodeURIComponent(req.raw.replaceAll("+", " "));
  } catch {
    // not percent-decodable as a whole
  }
  for (const s of secrets) {
    if (decoded.includes(s) || decoded.includes(btoa(s))) return `secret ${s.split("-")[0]}`;
  }
  return undefined;
}

// ---------------------------------------------------------------------------
// The hostile cloud
// ---------------------------------------------------------------------------

type Mode =
  | { kind: "token-redirect" } // token requests are redirected
  | { kind: "service-redirect" } // tokens issued; service requests redirected
  | { kind: "discovery-redirect" } // tokens issued; version documents: 401, then redirected
  | { kind: "discovery-link" } // tokens issued; version documents link to `location`
  | { kind: "generic-redirect" } // GET / is redirected
  | { kind: "generic-link" }; // GET / links to `location`

interface Hostile {
  mode: Mode;
  status: number;
  /** Raw Location header line(s) after "Location: " (may hold CR/LF). */
  location: string;
  /** The token id it issues (a secret of the case). */
  tokenId: string;
  tokenPosts: number;
}

function hostileAnswer(h: Hostile, self: () => string): Answer {
  const redirect = () => response(h.status, [`Location: ${h.location}`], "moved");
  return (req) => {
    const path = req.target.split("?")[0]!;
    const isTokenPost = req.method === "POST" && /\/(auth\/tokens|tokens)$/.test(path);
    if (isTokenPost) {
      h.tokenPosts++;
      if (h.mode.kind === "token-redirect") return redirect();
      const token = new V3Token({ projectId: "p1", projectName: "p", userId: "u1" });
      const base = self();
      token.addService("identity").addStandardEndpoints({ public: `${base}/v3` });
      token.addService("compute").addStandardEndpoints({ public: `${base}/compute/v2.1` });
      return jsonResponse(201, token.toJSON(), [`X-Subject-Token: ${h.tokenId}`]);
    }
    if (h.mode.kind === "generic-redirect" && req.method === "GET" && path === "/") {
      return redirect();
    }
    if (h.mode.kind === "generic-link" && req.method === "GET" && path === "/") {
      return jsonResponse(300, {
        versions: {
          values: [{ id: "v3.14", status: "stable", links: [{ rel: "self", href: h.location }] }],
        },
      });
    }
    if (path.startsWith("/compute")) {
      if (h.mode.kind === "service-redirect") return redirect();
      if (h.mode.kind === "discovery-redirect") {
        return req.headers.has("x-auth-token")
          ? redirect()
          : jsonResponse(401, { error: { code: 401, message: "token needed" } });
      }
      if (h.mode.kind === "discovery-link") {
        return jsonResponse(200, {
          version: {
            id: "v2.1",
            status: "CURRENT",
            min_version: "2.1",
            version: "2.90",
            links: [{ rel: "self", href: h.location }],
          },
        });
      }
    }
    return jsonResponse(404, { error: { code: 404, message: "not here" } });
  };
}

// ---------------------------------------------------------------------------
// Location forms
// ---------------------------------------------------------------------------

interface Addresses {
  /** The hostile origin of the case (http or https). */
  self: string;
  selfPort: number;
  a: RawServer; // 127.0.0.2
  b: RawServer; // 127.0.0.3
  c: RawServer; // 127.0.0.1, another port
  aTls: RawServer; // https on 127.0.0.2
}

/** [name, Location text] of every form, for a hostile origin. */
function locationForms(x: Addresses, tls: boolean): [string, string][] {
  const a = `127.0.0.2:${x.a.port}`;
  const b = `127.0.0.3:${x.b.port}`;
  const forms: [string, string][] = [
    ["relative", "/landing"],
    ["relative no slash", "landing"],
    ["absolute", `http://${a}/landing`],
    ["absolute other host", `http://${b}/landing`],
    ["other port", `http://127.0.0.1:${x.c.port}/landing`],
    ["https other host", `https://127.0.0.2:${x.aTls.port}/landing`],
    ["//host", `//${a}/landing`],
    ["///host", `///${a}/landing`],
    ["userinfo", `http://user:pw@${a}/landing`],
    ["trusted host as userinfo", `http://127.0.0.1:${x.selfPort}@${a}/landing`],
    ["encoded slash in userinfo", `http://127.0.0.1:${x.selfPort}%2F@${a}/landing`],
    ["fragment @ (same origin)", `${x.self}#@${a}/landing`],
    ["backslashes", `\\\\${a}\\landing`],
    ["slash backslash", `/\\${a}/landing`],
    ["http:\\\\", `http:\\\\${a}\\landing`],
    ["http: no slashes", `http:${a}/landing`],
    ["tab in host", `http://127.0.0.\t2:${x.a.port}/landing`],
    ["upper-case scheme", `HTTP://${a}/landing`],
    ["decimal host", `http://2130706434:${x.a.port}/landing`],
    ["hex and short host", `http://0x7f.2:${x.a.port}/landing`],
    ["ipv4-mapped ipv6", `http://[::ffff:127.0.0.2]:${x.a.port}/landing`],
    ["CRLF: two Location headers", `${x.self}/ok\r\nLocation: http://${a}/landing`],
    ["CRLF: injected header", `http://${a}/landing\r\nX-Injected: 1`],
    ["CRLF encoded", `/x%0d%0aLocation:%20http://${a}/landing`],
    ["CRLF encoded in host", `http://127.0.0.2%0d%0a:${x.a.port}/landing`],
    ["obs-fold", `/ok\r\n http://${a}/landing`],
    ["leading spaces", `   http://${a}/landing`],
    ["javascript:", "javascript:alert(1)"],
    ["data:", "data:text/plain,x"],
  ];
  if (tls) {
    forms.push(
      ["https->http other port", `http://127.0.0.1:${x.c.port}/landing`],
      ["https->http same host, other port", `http://127.0.0.1:${x.c.port}/`],
      ["https->http other host", `http://${a}/landing`],
    );
  }
  return forms;
}

// ---------------------------------------------------------------------------
// Cases
// ---------------------------------------------------------------------------

interface Counts {
  cases: number;
  listenerRequests: number;
  leaks: number;
  untyped: number;
  foreignReauth: number;
  controlsDetected: number;
}

const STATUSES = [301, 302, 303, 307, 308];

Deno.test("adversarial exfiltration: no credential reaches an untrusted listener", async (t) => {
  const certs = await makeCerts();
  const hostileState: Hostile = {
    mode: { kind: "token-redirect" },
    status: 302,
    location: "/",
    tokenId: "",
    tokenPosts: 0,
  };
  const plain = rawServer("127.0.0.1");
  const tlsServer = rawServer("127.0.0.1", certs);
  plain.answer = hostileAnswer(hostileState, () => plain.origin);
  tlsServer.answer = hostileAnswer(hostileState, () => tlsServer.origin);
  const listenerState = { answer: 0 };
  const listeners = [
    rawServer("127.0.0.2"),
    rawServer("127.0.0.3"),
    rawServer("127.0.0.1"),
    rawServer("127.0.0.2", certs),
  ];
  const [a, b, c, aTls] = listeners as [RawServer, RawServer, RawServer, RawServer];
  // What a listener answers rotates: 401, 200, a redirect home, a redirect to another listener.
  for (const l of listeners) {
    l.answer = (req) => {
      switch (listenerState.answer % 4) {
        case 0:
          return jsonResponse(401, { error: { code: 401, message: "who are you" } });
        case 1:
          return jsonResponse(200, { echo: req.target });
        case 2:
          return response(307, [`Location: ${plain.origin}/back`]);
        default:
          return response(302, [`Location: ${b.origin}/next`]);
      }
    };
  }
  const counts: Counts = {
    cases: 0,
    listenerRequests: 0,
    leaks: 0,
    untyped: 0,
    foreignReauth: 0,
    controlsDetected: 0,
  };
  const leakNotes: string[] = [];
  const slow: string[] = [];
  const leakKinds = new Map<string, number>();

  /** Runs one case: `act` against a session; counts what reached the listeners. */
  const runCase = async (
    label: string,
    tls: boolean,
    secrets: string[],
    act: (sessOptions: { verify?: string; timeout: number }) => Promise<unknown>,
    control = false,
  ): Promise<void> => {
    counts.cases++;
    listenerState.answer++;
    for (const l of listeners) l.requests.length = 0;
    hostileState.tokenPosts = 0;
    const before = hostileState.tokenPosts;
    let outcome: unknown;
    const started = performance.now();
    try {
      outcome = await act({ ...(tls ? { verify: certs.ca } : {}), timeout: 5000 });
    } catch (err) {
      outcome = err;
    }
    if (outcome instanceof Response) await outcome.body?.cancel();
    const ms = performance.now() - started;
    if (ms > 500) slow.push(`${Math.round(ms)}ms ${label}: ${String(outcome).slice(0, 120)}`);
    if (outcome instanceof Error && !(outcome instanceof OsAuthError)) {
      counts.untyped++;
      leakNotes.push(`untyped ${label}: ${outcome}`);
    }
    const all = [...secrets, hostileState.tokenId];
    for (const l of listeners) {
      for (const req of l.requests) {
        counts.listenerRequests++;
        const why = leakIn(req, all);
        if (!why) continue;
        if (control) {
          counts.controlsDetected++;
        } else {
          counts.leaks++;
          leakNotes.push(`LEAK ${label}: ${why} at ${l.origin}${req.target}`);
          const kind = `${label.split(" ").slice(0, 2).join(" ")}: ${why}`;
          leakKinds.set(kind, (leakKinds.get(kind) ?? 0) + 1);
        }
      }
    }
    if (hostileState.tokenPosts - before > 1) {
      counts.foreignReauth++;
      leakNotes.push(`re-authenticated after a listener's 401: ${label}`);
    }
  };

  try {
    for (const tls of [false, true]) {
      const self = tls ? tlsServer : plain;
      const x: Addresses = { self: self.origin, selfPort: self.port, a, b, c, aTls };
      const forms = locationForms(x, tls);
      const authUrl = `${self.origin}/v3`;

      await t.step(`${tls ? "https" : "http"}: token requests of every plugin`, async () => {
        hostileState.mode = { kind: "token-redirect" };
        for (const status of STATUSES) {
          for (const [form, location] of forms) {
            hostileState.status = status;
            hostileState.location = location;
            hostileState.tokenId = secret("issued");
            const pw = secret("password");
            const acs = secret("appcred");
            const code = secret("passcode");
            const tok = secret("token");
            const receipt = secret("receipt");
            const plugins: [string, AuthPlugin][] = [
              [
                "v3.Password",
                new v3.Password({ authUrl, userId: "u", password: pw, projectId: "p" }),
              ],
              [
                "v3.ApplicationCredential",
                new v3.ApplicationCredential({
                  authUrl,
                  applicationCredentialId: "ac",
                  applicationCredentialSecret: acs,
                }),
              ],
              ["v3.Totp", new v3.Totp({ authUrl, userId: "u", passcode: code })],
              ["v3.Token", new v3.Token({ authUrl, token: tok })],
              [
                "v3.MultiFactor+receipt",
                new v3.MultiFactor({
                  authUrl,
                  methods: ["password", "totp"],
                  userId: "u",
                  password: pw,
                  passcode: code,
                  receipt,
                }),
              ],
              [
                "v2.Password",
                new v2.Password({ authUrl: `${self.origin}/v2.0`, username: "u", password: pw }),
              ],
              ["v2.Token", new v2.Token({ authUrl: `${self.origin}/v2.0`, token: tok })],
            ];
            for (const [name, auth] of plugins) {
              await runCase(
                `token ${name} ${status} ${form}`,
                tls,
                [pw, acs, code, tok, receipt],
                async (o) => {
                  const sess = new Session({ auth, ...o });
                  try {
                    return await sess.getAccess();
                  } finally {
                    sess.close();
                  }
                },
              );
            }
          }
        }
      });

      await t.step(`${tls ? "https" : "http"}: authenticated service requests`, async () => {
        hostileState.mode = { kind: "service-redirect" };
        const methods = ["GET", "DELETE", "PUT", "POST", "HEAD", "PATCH"];
        let i = 0;
        for (const status of STATUSES) {
          for (const [form, location] of forms) {
            hostileState.status = status;
            hostileState.location = location;
            hostileState.tokenId = secret("issued");
            const pw = secret("password");
            const fixed = secret("fixed");
            const basic = secret("basic");
            const custom = secret("custom");
            const cookie = secret("cookie");
            const bodySecret = secret("bodysecret");
            const compute = `${self.origin}/compute/v2.1`;
            const plugins: [string, AuthPlugin][] = [
              [
                "v3.Password",
                new v3.Password({ authUrl, userId: "u", password: pw, projectId: "p" }),
              ],
              ["TokenEndpoint", new TokenEndpoint({ endpoint: compute, token: fixed })],
              ["HttpBasic", new HttpBasic({ endpoint: compute, username: "u", password: basic })],
              ["custom", {
                getHeaders: () => Promise.resolve({ "X-Custom-Credential": custom }),
                getEndpoint: () => Promise.resolve(compute),
                invalidate: () => false,
              }],
            ];
            for (const [name, auth] of plugins) {
              const method = methods[i++ % methods.length]!;
              // Bodies: a secret one (a user's new password) every other time.
              const json = method === "GET" || method === "HEAD" || method === "DELETE"
                ? undefined
                : i % 2
                ? { user: { name: "n", password: bodySecret } }
                : { server: { name: "n" } };
              await runCase(
                `service ${name} ${method} ${status} ${form}`,
                tls,
                [pw, fixed, basic, custom, cookie, bodySecret],
                async (o) => {
                  const sess = new Session({
                    auth,
                    additionalHeaders: { Cookie: `sid=${cookie}` },
                    ...o,
                  });
                  try {
                    return await sess.request("/servers", {
                      method,
                      json,
                      endpointFilter: { serviceType: "compute" },
                    });
                  } finally {
                    sess.close();
                  }
                },
              );
            }
          }
        }
      });

      await t.step(`${tls ? "https" : "http"}: version discovery`, async () => {
        for (const kind of ["discovery-redirect", "discovery-link"] as const) {
          hostileState.mode = { kind };
          for (const status of kind === "discovery-link" ? [200] : STATUSES) {
            for (const [form, location] of forms) {
              hostileState.status = status;
              hostileState.location = location;
              hostileState.tokenId = secret("issued");
              const pw = secret("password");
              await runCase(`${kind} ${status} ${form}`, tls, [pw], async (o) => {
                const auth = new v3.Password({
                  authUrl,
                  userId: "u",
                  password: pw,
                  projectId: "p",
                });
                const sess = new Session({ auth, ...o });
                try {
                  const filter = { serviceType: "compute", minVersion: "2" };
                  await sess.getEndpointData(filter).catch(() => undefined);
                  // Then a request to whatever discovery found.
                  return await sess.get("/servers", { endpointFilter: filter });
                } finally {
                  sess.close();
                }
              });
            }
          }
        }
      });

      await t.step(`${tls ? "https" : "http"}: generic Password and Token`, async () => {
        for (const kind of ["generic-redirect", "generic-link"] as const) {
          hostileState.mode = { kind };
          for (const status of kind === "generic-link" ? [300] : STATUSES) {
            for (const [form, location] of forms) {
              hostileState.status = status;
              hostileState.location = location;
              hostileState.tokenId = secret("issued");
              const pw = secret("password");
              const tok = secret("token");
              const plugins: [string, AuthPlugin][] = [
                ["Password", new Password({ authUrl: self.origin, userId: "u", password: pw })],
                ["Token", new Token({ authUrl: self.origin, token: tok })],
              ];
              for (const [name, auth] of plugins) {
                await runCase(`${kind} ${name} ${status} ${form}`, tls, [pw, tok], async (o) => {
                  const sess = new Session({ auth, ...o });
                  try {
                    await sess.getAccess();
                    return await sess.get("/servers", {
                      endpointFilter: { serviceType: "compute" },
                    });
                  } finally {
                    sess.close();
                  }
                });
              }
            }
          }
        }
      });

      await t.step(`${tls ? "https" : "http"}: control: a trusted listener is seen`, async () => {
        hostileState.mode = { kind: "service-redirect" };
        for (const status of [307, 308]) {
          hostileState.status = status;
          hostileState.location = `${a.origin}/trusted`;
          const fixed = secret("fixed");
          await runCase(`control ${status}`, tls, [fixed], async (o) => {
            const sess = new Session({
              auth: new TokenEndpoint({ endpoint: `${self.origin}/compute/v2.1`, token: fixed }),
              trustedOrigins: [a.origin],
              ...o,
            });
            try {
              return await sess.get("/servers", { endpointFilter: { serviceType: "compute" } });
            } finally {
              sess.close();
            }
          }, true);
        }
      });
    }
  } finally {
    await Promise.all([plain.close(), tlsServer.close(), ...listeners.map((l) => l.close())]);
    await Deno.remove(certs.dir, { recursive: true });
  }

  console.log(`adversarial exfiltration: leaks=${counts.leaks}`);
  console.log(
    `adversarial exfiltration: cases=${counts.cases} listener requests=` +
      `${counts.listenerRequests} untyped errors=${counts.untyped} re-auth after a ` +
      `listener's 401=${counts.foreignReauth} control detections=${counts.controlsDetected}`,
  );
  for (const [kind, n] of [...leakKinds].sort((x, y) => y[1] - x[1])) {
    console.log(`leaks of ${kind}: ${n}`);
  }
  for (const note of leakNotes.slice(0, 40)) console.log(note);
  for (const note of slow.slice(0, 40)) console.log("SLOW", note);
  assert.equal(counts.leaks, 0, "credentials reached an untrusted listener");
  assert.ok(counts.controlsDetected >= 4, "the detector missed credentials sent on purpose");
  assert.ok(counts.listenerRequests > 100, "the listeners were hardly ever reached: no test");
  assert.equal(counts.untyped, 0, "an outcome was neither a value nor an OsAuthError");
  assert.equal(counts.foreignReauth, 0, "a listener's 401 threw the valid token away");
});

/**
 * TLS: `verify` (CA bundle, default, false) and `cert` (mutual TLS) against
 * real TLS servers on 127.0.0.1, with certificates made by openssl here: a
 * self-signed CA, a server certificate for IP 127.0.0.1 and a client
 * certificate. Deno.serve cannot ask for client certificates, so the mutual
 * TLS server is node:https (Deno's Node compatibility) with
 * `requestCert: true, rejectUnauthorized: true`.
 */
import assert from "node:assert/strict";
import https from "node:https";
import type { AddressInfo } from "node:net";
import { ConnectFailure, OptionError, Session, v3 } from "../../mod.ts";
import { FakeCloud } from "../../src/testing/mod.ts";
import {
  bunTlsOptions,
  createTransport,
  detectRuntime,
  pemBlocks,
  readTlsMaterial,
} from "../../src/net/transport.ts";
import { childEnv, denoArgs } from "./_helpers.ts";

const ROOT = new URL("../../", import.meta.url);

function hasOpenssl(): boolean {
  try {
    return new Deno.Command("openssl", { args: ["version"], stdout: "null", stderr: "null" })
      .outputSync().success;
  } catch {
    return false;
  }
}

async function run(cmd: string, args: string[], cwd: string): Promise<void> {
  const out = await new Deno.Command(cmd, { args, cwd, stdout: "piped", stderr: "piped" })
    .output();
  if (!out.success) {
    throw new Error(`${cmd} ${args.join(" ")}: ${new TextDecoder().decode(out.stderr)}`);
  }
}

interface Pki {
  dir: string;
  ca: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  /** Client certificate and key in one file. */
  clientCombined: string;
  /** The client key, encrypted. */
  clientKeyEncrypted: string;
  /** A second, unrelated CA. */
  otherCa: string;
  /** A directory holding ca.pem only. */
  caDir: string;
}

/** A self-signed CA, a server certificate for 127.0.0.1 and a client certificate. */
async function makePki(): Promise<Pki> {
  const dir = await Deno.makeTempDir({ prefix: "osauth-tls-" });
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  const ca = (name: string) => [
    "req",
    "-x509",
    ...ec,
    "-keyout",
    `${name}.key`,
    "-out",
    `${name}.pem`,
    "-days",
    "2",
    "-subj",
    `/CN=osauth test ${name}`,
    "-addext",
    "basicConstraints=critical,CA:TRUE",
    "-addext",
    "keyUsage=critical,keyCertSign,cRLSign",
  ];
  await run("openssl", ca("ca"), dir);
  await run("openssl", ca("otherca"), dir);
  const leaf = async (name: string, cn: string, ext: string) => {
    await Deno.writeTextFile(`${dir}/${name}.ext`, ext);
    await run("openssl", [
      "req",
      ...ec,
      "-keyout",
      `${name}.key`,
      "-out",
      `${name}.csr`,
      "-subj",
      `/CN=${cn}`,
    ], dir);
    await run("openssl", [
      "x509",
      "-req",
      "-in",
      `${name}.csr`,
      "-CA",
      "ca.pem",
      "-CAkey",
      "ca.key",
      "-CAcreateserial",
      "-out",
      `${name}.pem`,
      "-days",
      "2",
      "-extfile",
      `${name}.ext`,
    ], dir);
  };
  await leaf(
    "server",
    "127.0.0.1",
    "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n" +
      "keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n",
  );
  await leaf(
    "client",
    "osauth-client",
    "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n" +
      "extendedKeyUsage=clientAuth\n",
  );
  await run("openssl", [
    "pkcs8",
    "-topk8",
    "-in",
    "client.key",
    "-out",
    "client-enc.key",
    "-passout",
    "pass:unused",
  ], dir);
  await Deno.writeTextFile(
    `${dir}/client-combined.pem`,
    (await Deno.readTextFile(`${dir}/client.pem`)) + (await Deno.readTextFile(`${dir}/client.key`)),
  );
  await Deno.mkdir(`${dir}/cadir`);
  await Deno.copyFile(`${dir}/ca.pem`, `${dir}/cadir/ca.pem`);
  await Deno.writeTextFile(`${dir}/cadir/README`, "not a certificate\n");
  return {
    dir,
    ca: `${dir}/ca.pem`,
    serverCert: `${dir}/server.pem`,
    serverKey: `${dir}/server.key`,
    clientCert: `${dir}/client.pem`,
    clientKey: `${dir}/client.key`,
    clientCombined: `${dir}/client-combined.pem`,
    clientKeyEncrypted: `${dir}/client-enc.key`,
    otherCa: `${dir}/otherca.pem`,
    caDir: `${dir}/cadir`,
  };
}

interface TlsServer {
  url: string;
  hits: number;
  close(): Promise<void>;
}

/** Deno.serve over TLS, answering with `handler` (default: `{"ok": true}`). */
async function tlsServer(
  pki: Pki,
  handler: (req: Request) => Response | Promise<Response> = () => Response.json({ ok: true }),
): Promise<TlsServer> {
  const state = { hits: 0 };
  const server = Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    cert: await Deno.readTextFile(pki.serverCert),
    key: await Deno.readTextFile(pki.serverKey),
    onListen() {},
  }, (req) => {
    state.hits++;
    return handler(req);
  });
  return {
    url: `https://127.0.0.1:${server.addr.port}`,
    get hits() {
      return state.hits;
    },
    close: () => server.shutdown(),
  };
}

/** A node:https server that requires a client certificate signed by the CA. */
async function mtlsServer(pki: Pki): Promise<{ url: string; close(): Promise<void> }> {
  const server = https.createServer({
    key: await Deno.readTextFile(pki.serverKey),
    cert: await Deno.readTextFile(pki.serverCert),
    ca: await Deno.readTextFile(pki.ca),
    requestCert: true,
    rejectUnauthorized: true,
  }, (req, res) => {
    const socket = req.socket as unknown as {
      getPeerCertificate(): { subject?: { CN?: string } };
    };
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify({ clientCn: socket.getPeerCertificate().subject?.CN ?? null }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error("expected a rejection");
}

/**
 * A runtime binary for the cross-runtime steps: `$OSAUTH_TEST_<NAME>` or
 * `<name>` on PATH; undefined when absent (the steps are then skipped).
 */
function findRuntime(name: "bun" | "node"): string | undefined {
  let bin = name as string;
  try {
    bin = Deno.env.get(`OSAUTH_TEST_${name.toUpperCase()}`) ?? name;
  } catch {
    // no --allow-env: look on PATH only
  }
  try {
    const out = new Deno.Command(bin, { args: ["--version"], stdout: "piped", stderr: "null" })
      .outputSync();
    if (!out.success) return undefined;
    if (name === "node") {
      // type stripping needs Node >= 22.6
      const [major = 0, minor = 0] = new TextDecoder().decode(out.stdout).replace(/^v/, "")
        .split(".").map(Number);
      if (major < 22 || (major === 22 && minor < 6)) return undefined;
    }
    return bin;
  } catch {
    return undefined;
  }
}

/** The client run by Bun and Node: each case's status and body, or error name and message. */
function crossRuntimeClient(): string {
  return `import { Session } from ${JSON.stringify(new URL("mod.ts", ROOT).href)};
const [tlsUrl, mtlsUrl, ca, clientCert, clientKey] = process.argv.slice(2);
async function attempt(options, url) {
  const sess = new Session(options);
  try {
    const resp = await sess.get(url);
    return { status: resp.status, body: await resp.json() };
  } catch (e) {
    return { error: e.name, message: e.message };
  } finally {
    sess.close();
  }
}
console.log(JSON.stringify({
  byDefault: await attempt({}, tlsUrl),
  ca: await attempt({ verify: ca }, tlsUrl),
  insecure: await attempt({ verify: false }, tlsUrl),
  mtlsNoCert: await attempt({ verify: ca }, mtlsUrl),
  mtlsCert: await attempt({ verify: ca, cert: [clientCert, clientKey] }, mtlsUrl),
}));
`;
}

interface CrossResult {
  status?: number;
  body?: unknown;
  error?: string;
  message?: string;
}

async function runClient(
  bin: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<Record<string, CrossResult>> {
  const out = await new Deno.Command(bin, {
    args,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1", ...env },
  }).output();
  const stdout = new TextDecoder().decode(out.stdout).trim();
  assert.ok(out.success, `${bin} failed: ${new TextDecoder().decode(out.stderr)}`);
  return JSON.parse(stdout);
}

const openssl = hasOpenssl();
const bun = findRuntime("bun");
const node = findRuntime("node");

Deno.test({
  name: "TLS on Deno: verify and cert against real TLS servers",
  ignore: !openssl,
  async fn(t) {
    const pki = await makePki();
    const server = await tlsServer(pki);
    const mtls = await mtlsServer(pki);
    try {
      await t.step("verify: CA bundle path", async () => {
        const sess = new Session({ verify: pki.ca });
        try {
          assert.deepEqual(await (await sess.get(`${server.url}/`)).json(), { ok: true });
          // the client is reused, and reopened after close()
          assert.deepEqual(await (await sess.get(`${server.url}/again`)).json(), { ok: true });
          sess.close();
          assert.deepEqual(await (await sess.get(`${server.url}/reopened`)).json(), { ok: true });
        } finally {
          sess.close();
        }
      });

      await t.step("verify: a directory of PEM files", async () => {
        const sess = new Session({ verify: pki.caDir });
        try {
          assert.equal((await sess.get(`${server.url}/`)).status, 200);
        } finally {
          sess.close();
        }
      });

      await t.step("default verification fails against a private CA", async () => {
        const err = await rejection(new Session().get(`${server.url}/`));
        assert.ok(err instanceof ConnectFailure, String(err));
        assert.match(err.message, /certificate|UnknownIssuer/i);
        const other = new Session({ verify: pki.otherCa });
        try {
          assert.ok((await rejection(other.get(`${server.url}/`))) instanceof ConnectFailure);
        } finally {
          other.close();
        }
      });

      await t.step("verify: false is refused on Deno, saying how; nothing is sent", async () => {
        const before = server.hits;
        const err = await rejection(new Session({ verify: false }).get(`${server.url}/`));
        assert.ok(err instanceof OptionError, String(err));
        assert.match(err.message, /--unsafely-ignore-certificate-errors/);
        assert.match(err.message, /pass a `fetch`/);
        assert.equal(server.hits, before);
      });

      await t.step("bad CA bundles", async () => {
        const missing = `${pki.dir}/nope.pem`;
        let err = await rejection(new Session({ verify: missing }).get(`${server.url}/`));
        assert.ok(err instanceof OptionError);
        assert.ok(err.message.includes(missing) && /no such file/.test(err.message), err.message);
        err = await rejection(
          new Session({ verify: `${pki.dir}/server.ext` }).get(`${server.url}/`),
        );
        assert.ok(err instanceof OptionError);
        assert.match(err.message, /holds no PEM certificate/);
        assert.throws(() => new Session({ verify: "" }), OptionError);
        assert.throws(() => new Session({ verify: 1 as unknown as boolean }), OptionError);
      });

      const accepted: [string, string | [string, string]][] = [
        ["mutual TLS: [cert, key] accepted", [pki.clientCert, pki.clientKey]],
        ["mutual TLS: one PEM file with certificate and key", pki.clientCombined],
      ];
      for (const [name, cert] of accepted) {
        await t.step(name, async () => {
          const sess = new Session({ verify: pki.ca, cert });
          try {
            assert.deepEqual(await (await sess.get(`${mtls.url}/`)).json(), {
              clientCn: "osauth-client",
            });
          } finally {
            sess.close();
          }
        });
      }

      await t.step("mutual TLS: no client certificate is rejected", async () => {
        const sess = new Session({ verify: pki.ca });
        try {
          const err = await rejection(sess.get(`${mtls.url}/`));
          assert.ok(err instanceof ConnectFailure, String(err));
        } finally {
          sess.close();
        }
      });

      await t.step("bad client certificates", async () => {
        const cases: [Session, RegExp][] = [
          [new Session({ verify: pki.ca, cert: pki.clientCert }), /holds no private key/],
          [new Session({ verify: pki.ca, cert: [pki.clientKey, pki.clientKey] }), /no PEM cert/],
          [
            new Session({ verify: pki.ca, cert: [pki.clientCert, pki.clientCert] }),
            /no PEM private key/,
          ],
          [
            new Session({ verify: pki.ca, cert: [pki.clientCert, pki.clientKeyEncrypted] }),
            /encrypted/,
          ],
        ];
        const key = await Deno.readTextFile(pki.clientKey);
        const keyBody = key.split("\n")[1]!;
        for (const [sess, pattern] of cases) {
          const err = await rejection(sess.get(`${mtls.url}/`));
          assert.ok(err instanceof OptionError, String(err));
          assert.match(err.message, pattern);
          assert.ok(!err.message.includes(keyBody), "no key material in messages");
        }
        assert.throws(
          () => new Session({ cert: ["only-one"] as unknown as [string, string] }),
          OptionError,
        );
      });

      await t.step("a full auth cycle over TLS with a private CA", async () => {
        const cloud = new FakeCloud();
        const keystone = await tlsServer(pki, cloud.handler);
        const sess = new Session({
          verify: pki.ca,
          auth: new v3.Password({
            authUrl: `${keystone.url}/v3`,
            username: "admin",
            password: "secret",
            userDomainId: "default",
            projectName: "admin",
            projectDomainId: "default",
          }),
        });
        try {
          const resp = await sess.get("/servers", { endpointFilter: { serviceType: "compute" } });
          const echo = await resp.json();
          assert.equal(echo.service, "compute");
          assert.ok((await sess.getEndpoint({ serviceType: "compute" })).startsWith("https://"));
        } finally {
          sess.close();
          await keystone.close();
        }
      });

      await t.step({
        name: "Bun: verify, verify: false and cert through fetch's tls option",
        ignore: bun === undefined,
        fn: async () => {
          const script = `${pki.dir}/client.mjs`;
          await Deno.writeTextFile(script, crossRuntimeClient());
          const r = await runClient(bun!, [
            "run",
            script,
            server.url,
            mtls.url,
            pki.ca,
            pki.clientCert,
            pki.clientKey,
          ]);
          assert.equal(r.byDefault?.error, "ConnectFailure");
          assert.deepEqual(r.ca, { status: 200, body: { ok: true } });
          assert.deepEqual(r.insecure, { status: 200, body: { ok: true } });
          assert.equal(r.mtlsNoCert?.error, "ConnectFailure");
          assert.deepEqual(r.mtlsCert, { status: 200, body: { clientCn: "osauth-client" } });
        },
      });

      await t.step({
        name: "Node: clear errors; NODE_EXTRA_CA_CERTS works",
        ignore: node === undefined,
        fn: async () => {
          const script = `${pki.dir}/client.mjs`;
          await Deno.writeTextFile(script, crossRuntimeClient());
          const args = [
            "--no-warnings",
            "--experimental-strip-types",
            script,
            server.url,
            mtls.url,
            pki.ca,
            pki.clientCert,
            pki.clientKey,
          ];
          const plain = await runClient(node!, args);
          assert.equal(plain.byDefault?.error, "ConnectFailure");
          assert.equal(plain.ca?.error, "OptionError");
          assert.match(plain.ca?.message ?? "", /NODE_EXTRA_CA_CERTS=/);
          assert.equal(plain.insecure?.error, "OptionError");
          assert.match(plain.insecure?.message ?? "", /rejectUnauthorized: false/);
          assert.equal(plain.mtlsCert?.error, "OptionError");
          const extra = await runClient(node!, args, { NODE_EXTRA_CA_CERTS: pki.ca });
          assert.deepEqual(extra.byDefault, { status: 200, body: { ok: true } });
          assert.deepEqual(extra.ca, { status: 200, body: { ok: true } });
          assert.equal(extra.insecure?.error, "OptionError");
        },
      });

      await t.step("reading a CA bundle without --allow-read names the flag", async () => {
        const script = `${pki.dir}/read_denied.ts`;
        await Deno.writeTextFile(
          script,
          `import { Session } from ${JSON.stringify(new URL("mod.ts", ROOT).href)};\n` +
            `try { await new Session({ verify: Deno.args[0] }).get(Deno.args[1]); }\n` +
            `catch (e) { console.log(JSON.stringify({ name: e.name, message: e.message })); }\n`,
        );
        const out = await new Deno.Command(Deno.execPath(), {
          args: denoArgs([
            "run",
            "--no-prompt",
            `--allow-net=${new URL(server.url).host}`,
            script,
            pki.ca,
            server.url,
          ]),
          stdout: "piped",
          stderr: "piped",
          env: childEnv(),
          clearEnv: true,
        }).output();
        const report = JSON.parse(new TextDecoder().decode(out.stdout).trim());
        assert.equal(report.name, "OptionError");
        assert.ok(report.message.includes(`--allow-read=${pki.ca}`), report.message);
      });
    } finally {
      await Promise.all([server.close(), mtls.close()]);
      await Deno.remove(pki.dir, { recursive: true });
    }
  },
});

Deno.test("transport: runtime selection and messages", async (t) => {
  await t.step("this is Deno", () => {
    assert.equal(detectRuntime(), "deno");
  });

  await t.step("defaults use the global fetch and read nothing", async () => {
    const send = createTransport({ verify: true, runtime: "node" });
    send.close();
    await assert.rejects(createTransport({})("http://127.0.0.1:1/", {}), TypeError);
  });

  await t.step("a user fetch is used as is, whatever verify says", async () => {
    const seen: string[] = [];
    const fake: typeof fetch = (input) => {
      seen.push(String(input));
      return Promise.resolve(new Response("from user fetch"));
    };
    for (const runtime of ["deno", "bun", "node", "other"] as const) {
      const send = createTransport({ verify: false, cert: "c.pem", fetch: fake, runtime });
      assert.equal(await (await send("http://x.invalid/", {})).text(), "from user fetch");
    }
    assert.equal(seen.length, 4);
    const sess = new Session({ verify: false, fetch: fake });
    assert.equal(await (await sess.get("http://x.invalid/s")).text(), "from user fetch");
  });

  await t.step("Node: a clear error with NODE_EXTRA_CA_CERTS and the fetch route", () => {
    const ca = assertOptionError(() => createTransport({ verify: "/etc/ca.pem", runtime: "node" }));
    assert.match(ca, /NODE_EXTRA_CA_CERTS=\/etc\/ca\.pem/);
    assert.match(ca, /pass a `fetch`/i);
    const cert = assertOptionError(() =>
      createTransport({ cert: ["c.pem", "k.pem"], runtime: "node" })
    );
    assert.match(cert, /cert cannot be applied on Node/);
    assert.match(cert, /connect: \{ cert, key \}/);
    const insecure = assertOptionError(() => createTransport({ verify: false, runtime: "node" }));
    assert.match(insecure, /rejectUnauthorized: false/);
    assert.match(insecure, /NODE_TLS_REJECT_UNAUTHORIZED=0 would disable verification/);
  });

  await t.step("unknown runtimes: pass a fetch", () => {
    assert.match(
      assertOptionError(() => createTransport({ verify: false, runtime: "other" })),
      /pass a `fetch`/,
    );
  });

  await t.step("Bun: the tls member of fetch's init", () => {
    assert.deepEqual(bunTlsOptions(true, { caCerts: ["CA"] }), {
      rejectUnauthorized: true,
      ca: ["CA"],
    });
    assert.deepEqual(bunTlsOptions(false, { caCerts: [], cert: "C", key: "K" }), {
      rejectUnauthorized: false,
      cert: "C",
      key: "K",
    });
  });

  await t.step("PEM parsing", () => {
    const text = "junk\n-----BEGIN CERTIFICATE-----\nAAA\n-----END CERTIFICATE-----\n" +
      "-----BEGIN EC PRIVATE KEY-----\nBBB\n-----END EC PRIVATE KEY-----\n";
    assert.deepEqual(pemBlocks(text).map((b) => b.label), ["CERTIFICATE", "EC PRIVATE KEY"]);
  });

  await t.step("readTlsMaterial with nothing to read", async () => {
    assert.deepEqual(await readTlsMaterial(true, undefined), { caCerts: [] });
  });
});

function assertOptionError(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof OptionError, String(err));
    return err.message;
  }
  throw new Error("expected an OptionError");
}

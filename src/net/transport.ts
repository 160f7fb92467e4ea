/**
 * The transport: the `fetch` a Session sends with, configured for `verify`
 * (CA bundle, or no verification) and `cert` (client certificate).
 *
 * | runtime | `verify: "<ca path>"` | `cert` | `verify: false` |
 * | --- | --- | --- | --- |
 * | Deno | `Deno.createHttpClient({ caCerts })` | `createHttpClient({ cert, key })` | not per client: {@linkcode OptionError} |
 * | Bun | `fetch(url, { tls: { ca } })` | `tls: { cert, key }` | `tls: { rejectUnauthorized: false }` |
 * | Node | `NODE_EXTRA_CA_CERTS` or a `fetch` | a `fetch` | a `fetch` |
 * | Cloudflare Workers | not possible | an mTLS binding's `fetch` | not possible |
 * | browsers | the browser's trust store | the browser asks for one | not possible |
 *
 * Certificate files are read on the first request, not when the session is
 * created. With the default options (`verify: true`, no `cert`) the global
 * `fetch` is used and nothing is read.
 *
 * @example
 * ```ts
 * import { createTransport } from "./transport.ts";
 * const send = createTransport({}); // the global fetch
 * send.close();
 * ```
 *
 * @module
 */
import { OptionError } from "../errors.ts";
import { VERSION } from "../version.ts";
import { isPermissionError } from "./permissions.ts";

/** TLS options of a Session. */
export interface TransportOptions {
  /** true (default), false (no verification) or a CA bundle path (file or directory). */
  verify?: boolean | string;
  /**
   * Client certificate: one PEM file holding the certificate (chain) and its
   * private key, or `[certificate path, key path]`.
   */
  cert?: string | readonly [string, string];
  /** A user-supplied fetch; used as is (TLS options are then the caller's job). */
  fetch?: typeof fetch;
  /**
   * The runtime whose TLS mechanism is used (default: detected). For tests
   * and unusual hosts.
   */
  runtime?: Runtime;
}

/**
 * The JavaScript runtimes osauth tells apart (TLS mechanism, User-Agent):
 * `"workerd"` is Cloudflare Workers, with or without `nodejs_compat`;
 * `"browser"` a web page or web worker.
 */
export type Runtime = "deno" | "bun" | "node" | "workerd" | "browser" | "other";

/** A fetch-like function. */
export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

/** A {@linkcode FetchLike} holding resources (a Deno `HttpClient`) that `close()` releases. */
export interface Transport {
  /** Sends a request. */
  (input: string, init: RequestInit): Promise<Response>;
  /** Releases the transport's resources; later requests open them again. */
  close(): void;
}

/** The PEM material read from the `verify` and `cert` files. */
export interface TlsMaterial {
  /** CA certificates (PEM), one entry per certificate. */
  caCerts: string[];
  /** Client certificate chain (PEM). */
  cert?: string;
  /** Client private key (PEM). Secret: never logged. */
  key?: string;
}

/** Minimal view of the runtime globals used here (the code runs on Deno, Bun and Node). */
interface RuntimeGlobals {
  Deno?: {
    version?: { deno?: string };
    readTextFile(path: string): Promise<string>;
    stat(path: string): Promise<{ isDirectory: boolean }>;
    readDir(path: string): AsyncIterable<{ name: string; isFile: boolean }>;
    createHttpClient?(options: Record<string, unknown>): { close(): void };
    errors?: { NotFound?: abstract new (...args: never[]) => unknown };
  };
  Bun?: {
    version?: string;
    file(path: string): { text(): Promise<string> };
  };
  process?: { versions?: { node?: string }; env?: Record<string, string | undefined> };
  navigator?: { userAgent?: string };
  window?: unknown;
  document?: unknown;
  importScripts?: unknown;
}

function runtimeGlobals(): RuntimeGlobals {
  return globalThis as unknown as RuntimeGlobals;
}

/** What `navigator.userAgent` is on Cloudflare Workers (workerd). */
const WORKERS_USER_AGENT = "Cloudflare-Workers";

/** The runtime this code runs on. */
export function detectRuntime(): Runtime {
  const g = runtimeGlobals();
  if (g.Deno?.version?.deno) return "deno";
  if (g.Bun?.version) return "bun";
  // Before Node: workerd's nodejs_compat defines process.versions.node too.
  if (g.navigator?.userAgent?.startsWith(WORKERS_USER_AGENT)) return "workerd";
  if (g.process?.versions?.node) return "node";
  if (
    (typeof g.window === "object" && typeof g.document === "object") ||
    typeof g.importScripts === "function"
  ) {
    return "browser";
  }
  return "other";
}

/**
 * `Deno/<version>`, `Bun/<version>`, `Node.js/<version>` or
 * `Cloudflare-Workers` for the User-Agent; else "" (browsers send their own).
 */
export function runtimeTag(runtime: Runtime = detectRuntime()): string {
  const g = runtimeGlobals();
  switch (runtime) {
    case "deno":
      return `Deno/${g.Deno?.version?.deno}`;
    case "bun":
      return `Bun/${g.Bun?.version}`;
    case "node":
      return `Node.js/${g.process?.versions?.node}`;
    case "workerd":
      return WORKERS_USER_AGENT;
    default:
      return "";
  }
}

/**
 * A Session's default User-Agent: `[<app> ]osauth/<version> <runtime tag>`,
 * or "" (none) in a browser when no application is named: the browser sends
 * its own, and one a page sets makes Firefox ask the server's CORS to allow
 * the `User-Agent` header (see docs/DIFFERENCES.md#D-user-agent).
 */
export function defaultUserAgent(app: string, runtime: Runtime = detectRuntime()): string {
  if (runtime === "browser" && app === "") return "";
  return `${app}osauth/${VERSION} ${runtimeTag(runtime)}`.trim();
}

function validate(verify: unknown, cert: unknown): void {
  if (typeof verify !== "boolean" && typeof verify !== "string") {
    throw new OptionError("verify must be true, false or a CA bundle path");
  }
  if (verify === "") throw new OptionError("verify: the CA bundle path is empty");
  if (cert === undefined) return;
  const ok = (typeof cert === "string" && cert !== "") ||
    (Array.isArray(cert) && cert.length === 2 &&
      cert.every((p) => typeof p === "string" && p !== ""));
  if (!ok) {
    throw new OptionError("cert must be a PEM file path or [certificate path, key path]");
  }
}

/**
 * Checks the shape of `verify` and `cert` (not the files, which are read on
 * the first request). Throws {@linkcode OptionError}.
 */
export function checkTransportOptions(options: TransportOptions): void {
  validate(options.verify ?? true, options.cert);
}

/** Why Node cannot apply the options, and what to do instead. */
function nodeHelp(verify: boolean | string, cert: unknown): string {
  const parts = ["Node's global fetch has no per-request TLS options."];
  if (typeof verify === "string") {
    parts.push(
      `For a CA bundle, start node with NODE_EXTRA_CA_CERTS=${verify} (it adds to the ` +
        "default CAs; osauth then uses the global fetch as is).",
    );
  }
  parts.push(
    `${typeof verify === "string" ? "Or pass" : "Pass"} a \`fetch\` to the Session that ` +
      "configures TLS, e.g. with the undici package: " +
      "`fetch: (url, init) => undici.fetch(url, { ...init, dispatcher: agent })` where " +
      "`agent = new undici.Agent({ connect: { " +
      [
        typeof verify === "string" ? "ca" : "",
        cert !== undefined ? "cert, key" : "",
        verify === false ? "rejectUnauthorized: false" : "",
      ].filter((s) => s !== "").join(", ") + " } })`.",
  );
  if (verify === false) {
    parts.push(
      "(NODE_TLS_REJECT_UNAUTHORIZED=0 would disable verification for the whole process.)",
    );
  }
  return parts.join(" ");
}

function unsupported(runtime: Runtime, verify: boolean | string, cert: unknown): never {
  if (runtime === "deno") {
    // Only reached for verify: false.
    throw new OptionError(
      "verify: false is not supported per session on Deno (Deno.createHttpClient cannot " +
        "disable certificate verification). Run deno with " +
        "--unsafely-ignore-certificate-errors=<host> and leave verify at true, use " +
        "verify: '<CA bundle path>' for a private CA, or pass a `fetch` to the Session.",
    );
  }
  const what = verify === false
    ? "verify: false"
    : typeof verify === "string"
    ? "verify: '<CA bundle path>'"
    : "";
  const asked = [what, cert !== undefined ? "cert" : ""].filter((s) => s !== "").join(" and ");
  if (runtime === "node") {
    throw new OptionError(`${asked} cannot be applied on Node. ${nodeHelp(verify, cert)}`);
  }
  if (runtime === "workerd") {
    throw new OptionError(
      `${asked} cannot be applied on Cloudflare Workers: a Worker's fetch verifies ` +
        "certificates against public CAs and reads no files, so a private CA bundle and " +
        "verify: false are not possible there." +
        (cert !== undefined
          ? " For a client certificate, bind one (wrangler `mtls_certificates`) and pass its " +
            "fetch: `new Session({ fetch: (url, init) => env.MY_CERT.fetch(url, init) })`."
          : ""),
    );
  }
  if (runtime === "browser") {
    throw new OptionError(
      `${asked} cannot be applied in a browser: the browser verifies TLS with its own trust ` +
        "store and asks for client certificates itself. Add the CA to the browser's or the " +
        "operating system's trust store and leave verify and cert unset.",
    );
  }
  throw new OptionError(
    `${asked} cannot be applied on this runtime: pass a \`fetch\` configured for TLS ` +
      "to the Session.",
  );
}

async function readText(path: string, what: string): Promise<string> {
  const g = runtimeGlobals();
  try {
    if (g.Deno) return await g.Deno.readTextFile(path);
    if (g.Bun) return await g.Bun.file(path).text();
  } catch (err) {
    throw readError(err, path, what);
  }
  throw new OptionError(`${what}: cannot read files on this runtime; pass a \`fetch\``);
}

function readError(err: unknown, path: string, what: string): OptionError {
  if (isPermissionError(err)) {
    return new OptionError(
      `${what}: reading ${path} was denied by Deno's permissions: run with --allow-read=${path}`,
      { cause: err },
    );
  }
  const code = (err as { code?: unknown })?.code;
  const notFound = code === "ENOENT" ||
    (runtimeGlobals().Deno?.errors?.NotFound !== undefined &&
      err instanceof (runtimeGlobals().Deno!.errors!.NotFound!));
  return new OptionError(
    `${what}: cannot read ${path}${notFound ? ": no such file" : ""}`,
    { cause: err },
  );
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]+?-----END \1-----/g;

/** The PEM blocks of a text, with their labels (`CERTIFICATE`, `PRIVATE KEY`, ...). */
export function pemBlocks(text: string): { label: string; pem: string }[] {
  return [...text.matchAll(PEM_BLOCK)].map((m) => ({ label: m[1] ?? "", pem: `${m[0]}\n` }));
}

async function readCaBundle(path: string): Promise<string[]> {
  const g = runtimeGlobals();
  let texts: string[];
  let isDir = false;
  if (g.Deno) {
    try {
      isDir = (await g.Deno.stat(path)).isDirectory;
    } catch (err) {
      throw readError(err, path, "verify");
    }
  }
  if (isDir && g.Deno) {
    texts = [];
    try {
      for await (const entry of g.Deno.readDir(path)) {
        if (entry.isFile) texts.push(await readText(`${path}/${entry.name}`, "verify"));
      }
    } catch (err) {
      throw err instanceof OptionError ? err : readError(err, path, "verify");
    }
  } else {
    texts = [await readText(path, "verify")];
  }
  const certs = texts.flatMap(pemBlocks).filter((b) => b.label === "CERTIFICATE").map((b) => b.pem);
  if (certs.length === 0) {
    throw new OptionError(`verify: ${path} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`);
  }
  return certs;
}

async function readClientCert(
  cert: string | readonly [string, string],
): Promise<{ cert: string; key: string }> {
  const [certPath, keyPath] = typeof cert === "string" ? [cert, cert] : cert;
  const certText = await readText(certPath, "cert");
  const keyText = keyPath === certPath ? certText : await readText(keyPath, "cert");
  const chain = pemBlocks(certText).filter((b) => b.label === "CERTIFICATE").map((b) => b.pem);
  if (chain.length === 0) {
    throw new OptionError(`cert: ${certPath} holds no PEM certificate`);
  }
  const keys = pemBlocks(keyText).filter((b) => /PRIVATE KEY$/.test(b.label));
  const key = keys[0];
  if (!key) {
    throw new OptionError(
      typeof cert === "string"
        ? `cert: ${certPath} holds no private key; pass cert: [certificate path, key path]`
        : `cert: ${keyPath} holds no PEM private key`,
    );
  }
  if (key.label.startsWith("ENCRYPTED")) {
    throw new OptionError(`cert: the private key in ${keyPath} is encrypted; decrypt it first`);
  }
  return { cert: chain.join(""), key: key.pem };
}

/** Reads the CA bundle and client certificate files named by the options. */
export async function readTlsMaterial(
  verify: boolean | string,
  cert: string | readonly [string, string] | undefined,
): Promise<TlsMaterial> {
  const material: TlsMaterial = {
    caCerts: typeof verify === "string" ? await readCaBundle(verify) : [],
  };
  if (cert !== undefined) Object.assign(material, await readClientCert(cert));
  return material;
}

/** The `tls` member Bun's fetch takes for the options and material. */
export function bunTlsOptions(
  verify: boolean | string,
  material: TlsMaterial,
): Record<string, unknown> {
  const tls: Record<string, unknown> = { rejectUnauthorized: verify !== false };
  if (material.caCerts.length > 0) tls.ca = material.caCerts;
  if (material.cert !== undefined) tls.cert = material.cert;
  if (material.key !== undefined) tls.key = material.key;
  return tls;
}

/**
 * Builds the fetch function for the TLS options. With default options the
 * global fetch is used; a user `fetch` is used as is. Otherwise the
 * certificate files are read on the first request and the runtime's TLS
 * mechanism is configured (see the module documentation). Options a runtime
 * cannot apply throw {@linkcode OptionError} explaining what to do instead;
 * nothing silently falls back to weaker verification.
 */
export function createTransport(options: TransportOptions): Transport {
  const { verify = true, cert, fetch: custom } = options;
  validate(verify, cert);
  const noop = (): void => {};
  if (custom) {
    return Object.assign((input: string, init: RequestInit) => custom(input, init), {
      close: noop,
    });
  }
  if (verify === true && cert === undefined) {
    return Object.assign((input: string, init: RequestInit) => fetch(input, init), {
      close: noop,
    });
  }
  const runtime = options.runtime ?? detectRuntime();
  if (runtime === "deno" && verify !== false) return denoTransport(verify, cert);
  if (runtime === "bun") return bunTransport(verify, cert);
  if (
    runtime === "node" && typeof verify === "string" && cert === undefined &&
    runtimeGlobals().process?.env?.NODE_EXTRA_CA_CERTS === verify
  ) {
    // The process already trusts this bundle (in addition to the defaults).
    return Object.assign((input: string, init: RequestInit) => fetch(input, init), {
      close: noop,
    });
  }
  return unsupported(runtime, verify, cert);
}

function denoTransport(
  verify: true | string,
  cert: string | readonly [string, string] | undefined,
): Transport {
  let ready: Promise<{ close(): void }> | undefined;
  let client: { close(): void } | undefined;
  const init = async (): Promise<{ close(): void }> => {
    const material = await readTlsMaterial(verify, cert);
    const create = runtimeGlobals().Deno?.createHttpClient;
    if (!create) throw new OptionError("Deno.createHttpClient is not available");
    try {
      const options: Record<string, unknown> = { caCerts: material.caCerts };
      if (material.cert !== undefined) {
        options.cert = material.cert;
        options.key = material.key;
      }
      return create(options);
    } catch (err) {
      // Deno's message names the problem, never the key; still, only the file names go here.
      throw new OptionError(
        `cannot use the TLS files (verify: ${JSON.stringify(verify)}, cert: ${
          JSON.stringify(cert ?? null)
        }): ${(err as Error)?.message ?? "invalid PEM"}`,
        { cause: err },
      );
    }
  };
  const send = async (input: string, requestInit: RequestInit): Promise<Response> => {
    if (!ready) {
      const pending = init();
      ready = pending;
      pending.then((c) => {
        // closed while the files were being read: do not keep the client
        if (ready === pending) client = c;
        else c.close();
      }, () => {
        if (ready === pending) ready = undefined;
      });
    }
    const c = await ready;
    return await fetch(input, { ...requestInit, client: c } as RequestInit);
  };
  return Object.assign(send, {
    close(): void {
      const c = client;
      client = undefined;
      ready = undefined;
      c?.close();
    },
  });
}

function bunTransport(
  verify: boolean | string,
  cert: string | readonly [string, string] | undefined,
): Transport {
  let ready: Promise<Record<string, unknown>> | undefined;
  const send = async (input: string, requestInit: RequestInit): Promise<Response> => {
    if (!ready) {
      const pending = readTlsMaterial(verify, cert).then((m) => bunTlsOptions(verify, m));
      ready = pending;
      pending.catch(() => {
        if (ready === pending) ready = undefined;
      });
    }
    const tls = await ready;
    return await fetch(input, { ...requestInit, tls } as RequestInit);
  };
  return Object.assign(send, {
    close(): void {
      ready = undefined;
    },
  });
}

/**
 * {@linkcode FakeCloud}: an in-memory fake Keystone (v3 and v2.0) plus fake
 * OpenStack services, as a standard `(req: Request) => Promise<Response>`
 * handler. This file is the cloud's front: its public methods, and how a
 * request is answered (recorded, faults, CORS, routed by region, interface
 * and service path). What answers lives under `fake/`: Keystone v3
 * (`keystone_v3.ts`), v2.0 (`keystone_v2.ts`), token scopes (`scope.ts`), MFA
 * receipts (`mfa.ts`), services and microversions (`services.ts`), faults
 * (`faults.ts`), and HTTP helpers (`http.ts`); CORS is in `cors.ts` and
 * serving on 127.0.0.1 in `serve.ts`. Like the rest of `testing/`, it shares
 * no code with the library, so that it stays an independent oracle.
 *
 * @module
 */
import { type CorsPolicy, corsPolicy, preflightResponse, withCorsHeaders } from "./cors.ts";
import { serveHandler } from "./serve.ts";
import type { V3TokenBody } from "./fixtures/v3.ts";
import { faultResponse, injectFault, releaseStalls, sleep, takeFault } from "./fake/faults.ts";
import {
  abortError,
  errorBody,
  FakeHttpError,
  FakeReceiptError,
  type Json,
  jsonResponse,
  redactedHeaders,
} from "./fake/http.ts";
import { keystone } from "./fake/keystone.ts";
import { v3Body } from "./fake/keystone_v3.ts";
import { scopeToken } from "./fake/scope.ts";
import { service } from "./fake/services.ts";
import { createState } from "./fake/setup.ts";
import { type CloudState, type Route, tokenInfo } from "./fake/state.ts";
import {
  FAKE_CLOUD_DEFAULTS as D,
  type FakeCloudOptions,
  type FakeCloudStats,
  type FakeFault,
  type FakeFaultHandle,
  type FakeInterface,
  type FakeServer,
  type FakeTokenInfo,
  type FakeTokenOptions,
} from "./fake/types.ts";

/**
 * An in-memory fake OpenStack cloud: Keystone v3 and v2.0 token APIs plus fake
 * services (compute, placement, image by default) whose version documents look
 * like the real ones and whose other paths echo the request back once given a
 * valid token.
 *
 * It answers standard `Request`s through {@linkcode FakeCloud.handler}, and
 * derives its origin from each request's URL, so catalog URLs are absolute for
 * whatever host and port it is served on. Endpoint URLs tell interfaces and
 * regions apart: public `<origin>/compute/v2.1/<project>`, internal
 * `<origin>/internal/compute/...`, admin `<origin>/admin/compute/...`, and for
 * regions after the first `<origin>/region/<name>/...`.
 *
 * Secrets (passwords, application credential secrets, token ids) never appear
 * in `console.log(cloud)` or `JSON.stringify(cloud)`.
 *
 * @example
 * ```ts
 * import { FakeCloud } from "jsr:@x/osauth/testing";
 * const cloud = new FakeCloud();
 * const server = await cloud.serve(); // Deno: 127.0.0.1, random port
 * // server.authUrl is "http://127.0.0.1:<port>/v3"; user admin / "secret".
 * await server.close();
 * ```
 */
export class FakeCloud {
  /** The request handler (bound), for `Deno.serve`, `Bun.serve` or a node:http adapter. */
  readonly handler: (req: Request) => Promise<Response>;
  /** A `fetch` that answers from this cloud in memory, for a Session's `fetch` option. */
  readonly fetch: typeof fetch;
  /** Origin `fetch` resolves relative URLs against (default `http://127.0.0.1:5000`). */
  readonly baseUrl: string;
  /** Request counters. */
  readonly stats: FakeCloudStats;

  #s: CloudState;
  #cors: CorsPolicy | undefined;

  /** Creates the cloud; see {@linkcode FakeCloudOptions} for the defaults. */
  constructor(options: FakeCloudOptions = {}) {
    this.baseUrl = (options.baseUrl ?? "http://127.0.0.1:5000").replace(/\/+$/, "");
    this.#s = createState(options);
    this.#cors = options.cors !== undefined ? corsPolicy(options.cors) : undefined;
    // request.signal is not read here: Deno.serve warns when it is.
    this.handler = (req: Request): Promise<Response> => this.#answer(req, undefined);
    this.fetch = (input: RequestInfo | URL, init?: RequestInit): Promise<Response> =>
      this.#fetch(input, init);

    this.stats = this.#s.stats;
  }

  /** Keystone v3 URL for {@linkcode FakeCloud.fetch}: `<baseUrl>/v3`. */
  get authUrl(): string {
    return `${this.baseUrl}${this.#s.identity.path}${this.#s.v3 ? "/v3" : "/v2.0"}`;
  }

  /** Every token issued so far (ids are non-enumerable, so they are not logged). */
  get tokens(): FakeTokenInfo[] {
    return [...this.#s.tokens.values()].map((r) => tokenInfo(r));
  }

  /**
   * Serves the cloud on 127.0.0.1, on a free port, with the runtime's own
   * server: `Deno.serve` (Deno: needs `--allow-net=127.0.0.1`), `Bun.serve`, or
   * `node:http` on Node. Elsewhere (browsers, Workers) it rejects: pass
   * {@linkcode FakeCloud.handler} to a server, or {@linkcode FakeCloud.fetch}
   * as the Session's `fetch`.
   */
  async serve(): Promise<FakeServer> {
    const server = await serveHandler(this.handler);
    const authUrl = `${server.url}${this.#s.identity.path}${this.#s.v3 ? "/v3" : "/v2.0"}`;
    return {
      url: server.url,
      authUrl,
      close: (): Promise<void> => {
        releaseStalls(this.#s);
        return server.close();
      },
    };
  }

  /**
   * Makes the next `times` requests matching `fault` answer with its status
   * (after `delayMs`), e.g. a 503 burst with `Retry-After`.
   */
  inject(fault: FakeFault): FakeFaultHandle {
    return injectFault(this.#s, fault);
  }

  /** Removes every injected fault and ends pending `delayMs` stalls. */
  clearFaults(): void {
    this.#s.faults = [];
    releaseStalls(this.#s);
  }

  /** Revokes one token; returns whether it was known. */
  revokeToken(id: string): boolean {
    const record = this.#s.tokens.get(id);
    if (!record) return false;
    record.revoked = true;
    return true;
  }

  /** Revokes every token issued so far. */
  revokeAll(): void {
    for (const record of this.#s.tokens.values()) record.revoked = true;
  }

  /**
   * Issues a v3 token without HTTP (not counted in `stats`), e.g. for a
   * `TokenEndpoint` plugin. Throws if the user has no role on the scope.
   */
  createToken(options: FakeTokenOptions = {}): string {
    const userId = options.userId ?? [...this.#s.users.keys()][0];
    const user = userId !== undefined ? this.#s.users.get(userId) : undefined;
    if (!user) throw new Error(`FakeCloud.createToken: unknown user ${userId}`);
    const scope: Json | undefined = options.projectId !== undefined
      ? { project: { id: options.projectId } }
      : options.domainId !== undefined
      ? { domain: { id: options.domainId } }
      : options.system
      ? { system: { all: true } }
      : "unscoped" as unknown as Json;
    const record = scopeToken(this.#s, user, scope, undefined, undefined);
    record.methods = options.methods ? [...options.methods] : ["password"];
    if (options.expiresAt !== undefined) {
      record.expiresAt = options.expiresAt instanceof Date
        ? options.expiresAt.getTime()
        : options.expiresAt;
    }
    this.#s.tokens.set(record.id, record);
    return record.id;
  }

  /**
   * The v3 token body for a token id and origin (as `GET /v3/auth/tokens`
   * would return it), or undefined if unknown.
   */
  tokenBody(id: string, origin: string = this.baseUrl): V3TokenBody | undefined {
    const record = this.#s.tokens.get(id);
    return record ? v3Body(this.#s, record, origin.replace(/\/+$/, ""), true) : undefined;
  }

  /** For `console.log` in Deno: no secrets. */
  [Symbol.for("Deno.customInspect")](): string {
    return this.#describe();
  }

  /** For `console.log` in Node and Bun: no secrets. */
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.#describe();
  }

  /** A summary without secrets (what `JSON.stringify(cloud)` shows). */
  toJSON(): {
    users: { id: string; name: string; domainId: string }[];
    services: { type: string; path: string }[];
    tokens: number;
    baseUrl: string;
  } {
    return {
      users: [...this.#s.users.values()].map((u) => ({
        id: u.id,
        name: u.name,
        domainId: u.domainId ?? D.domainId,
      })),
      services: this.#s.services.map((s) => ({ type: s.type, path: s.path })),
      tokens: this.#s.tokens.size,
      baseUrl: this.baseUrl,
    };
  }

  #describe(): string {
    const users = [...this.#s.users.values()].map((u) => u.name).join(", ");
    const services = this.#s.services.map((s) => s.type).join(", ");
    return `FakeCloud { users: [${users}], services: [${services}], tokens: ${this.#s.tokens.size} }`;
  }

  async #fetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
    const req = input instanceof Request
      ? (init === undefined ? input : new Request(input, init))
      : new Request(new URL(String(input), this.baseUrl), init);
    const signal = req.signal;
    if (signal.aborted) throw abortError(signal);
    let onAbort: (() => void) | undefined;
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () => reject(abortError(signal));
      signal.addEventListener("abort", onAbort, { once: true });
    });
    try {
      const resp = await Promise.race([this.#answer(req, signal), aborted]);
      Object.defineProperty(resp, "url", { value: req.url });
      return resp;
    } finally {
      if (onAbort) signal.removeEventListener("abort", onAbort);
    }
  }

  /** #handle, behind oslo.middleware's CORS when the cloud has `cors`. */
  async #answer(req: Request, signal: AbortSignal | undefined): Promise<Response> {
    const cors = this.#cors;
    if (!cors) return await this.#handle(req, signal);
    if (req.method !== "OPTIONS") {
      return withCorsHeaders(cors, req, await this.#handle(req, signal));
    }
    // oslo.middleware answers preflights itself: no fault or route applies.
    this.#record(req, new URL(req.url));
    return preflightResponse(cors, req);
  }

  #record(req: Request, url: URL): void {
    this.#s.stats.requests.push({
      method: req.method,
      path: url.pathname,
      query: url.search.replace(/^\?/, ""),
      headers: redactedHeaders(req.headers),
    });
  }

  async #handle(req: Request, signal: AbortSignal | undefined): Promise<Response> {
    const url = new URL(req.url);
    this.#record(req, url);
    try {
      const fault = takeFault(this.#s, req.method, url.pathname);
      if (fault) {
        if (fault.delayMs !== undefined && fault.delayMs > 0) {
          await sleep(this.#s, fault.delayMs, signal);
        }
        if (fault.status !== undefined) return faultResponse(fault);
      }
      return await this.#route(req, url);
    } catch (err) {
      if (err instanceof FakeReceiptError) {
        return jsonResponse(401, err.body, { "Openstack-Auth-Receipt": err.receipt });
      }
      if (err instanceof FakeHttpError) {
        return this.#error(err.status, err.message, url.origin);
      }
      return this.#error(500, `FakeCloud internal error: ${String(err)}`, url.origin);
    }
  }

  #error(status: number, message: string, origin: string): Response {
    const headers: Record<string, string> = {};
    if (status === 401) {
      headers["WWW-Authenticate"] = `Keystone uri="${origin}${this.#s.identity.path}"`;
    }
    return jsonResponse(status, errorBody(status, message), headers);
  }

  #route(req: Request, url: URL): Promise<Response> {
    let path = url.pathname;
    let region = this.#s.primaryRegion;
    let prefix = "";
    const rm = /^\/region\/([^/]+)(\/.*)?$/.exec(path);
    if (rm) {
      region = decodeURIComponent(rm[1] ?? "");
      path = rm[2] ?? "";
      prefix += `/region/${rm[1]}`;
    }
    let iface: FakeInterface = "public";
    const im = /^\/(internal|admin)(\/.*)?$/.exec(path);
    if (im) {
      iface = im[1] as FakeInterface;
      path = im[2] ?? "";
      prefix += `/${iface}`;
    }
    const route: Route = { origin: url.origin, region, iface, path, base: url.origin + prefix };
    const candidates = [...this.#s.services].sort((a, b) => b.path.length - a.path.length);
    for (const svc of candidates) {
      if (svc.path !== "" && path !== svc.path && !path.startsWith(`${svc.path}/`)) continue;
      if (!svc.regions.includes(region) || !svc.interfaces.includes(iface)) break;
      const sub = path.slice(svc.path.length);
      return svc.identity
        ? keystone(this.#s, req, url, route, sub)
        : service(this.#s, req, url, route, svc, sub);
    }
    return Promise.resolve(this.#error(404, "The resource could not be found.", url.origin));
  }
}

/**
 * A fault-injecting TCP proxy on 127.0.0.1 in front of a real HTTP server
 * (Keystone, Placement). Each request it receives gets a fault chosen by the
 * test: passed on, dropped or reset before the server sees it, stalled,
 * passed on and then dropped, reset, stalled, truncated or trickled on the
 * way back, or answered by the proxy itself (503, a redirect). It records
 * every request (method, path, the `x-adv-trial` and `x-adv-id` headers,
 * the fault, whether the server got it), so tests count attempts and
 * duplicated sends per method and path.
 *
 * Built on `node:net` (in Deno): `resetAndDestroy()` sends a real TCP RST.
 *
 * @module
 */
import net from "node:net";

/** What the proxy does with one request. */
export type Fault =
  /** forwarded, the response passed back as is */
  | "pass"
  /** the client connection closed (FIN) before anything is forwarded */
  | "drop"
  /** the client connection reset (RST) before anything is forwarded */
  | "reset"
  /** nothing forwarded, nothing answered, the connection held open */
  | "stall"
  /** forwarded; the client connection closed when the response starts */
  | "send-drop"
  /** forwarded; the client connection reset when the response starts */
  | "send-reset"
  /** forwarded; the response withheld, the connection held open */
  | "send-stall"
  /** forwarded; part of the response passed back, then the connection closed */
  | "truncate"
  /** forwarded; the response head passed back at once, its body a few bytes at a time */
  | "trickle"
  /** forwarded; the whole response held back until `flushHeld()` (responses arrive together) */
  | "hold"
  /** answered by the proxy: 503 with Retry-After: 0 (nothing forwarded) */
  | "503"
  /** answered by the proxy: 307 to the redirect target (nothing forwarded) */
  | "307"
  /** answered by the proxy: 308 to the redirect target (nothing forwarded) */
  | "308";

/** One request the proxy received. */
export interface ProxyRecord {
  method: string;
  path: string;
  /** `x-adv-trial` header (the scenario run it belongs to). */
  trial: string | undefined;
  /** `x-adv-id` header (one logical request of the test). */
  id: string | undefined;
  fault: Fault;
  /** Whether the request was written to the server (it may have acted on it). */
  delivered: boolean;
  /** Request body (to tell which credentials a token request carried). */
  body: string;
}

/** What the proxy is told about a request when it chooses its fault. */
export interface RequestHead {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
}

/** Options of a {@linkcode FaultProxy}. */
export interface FaultProxyOptions {
  /** Port of the server on 127.0.0.1. */
  upstreamPort: number;
  /** The fault of each request (default: always "pass"). */
  choose?: (head: RequestHead) => Fault;
  /** Where 307/308 point: an origin such as `http://127.0.0.2:1234` (the path is kept). */
  redirectTo?: string;
  /** Bytes per write when trickling (default 8) and ms between writes (default 100). */
  trickle?: { bytes: number; everyMs: number };
}

const HEAD_END = Buffer.from("\r\n\r\n");

/** See the module documentation. */
export class FaultProxy {
  /** Every request received, in order. */
  readonly records: ProxyRecord[] = [];
  /** The proxy's base URL, `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** The fault chooser (replace it between scenarios). */
  choose: (head: RequestHead) => Fault;
  /** How trickled responses are sent (default: the options', else 8 bytes every 100 ms). */
  trickle: { bytes: number; everyMs: number } | undefined;
  readonly #server: net.Server;
  readonly #options: FaultProxyOptions;
  readonly #sockets = new Set<net.Socket>();
  readonly #timers = new Set<ReturnType<typeof setTimeout>>();
  readonly #held: (() => void)[] = [];

  private constructor(server: net.Server, port: number, options: FaultProxyOptions) {
    this.#server = server;
    this.#options = options;
    this.choose = options.choose ?? (() => "pass");
    this.url = `http://127.0.0.1:${port}`;
  }

  /** Starts a proxy on 127.0.0.1 (a free port). */
  static async start(options: FaultProxyOptions): Promise<FaultProxy> {
    const holder: { proxy?: FaultProxy } = {};
    const server = net.createServer((sock) => {
      if (holder.proxy) holder.proxy.#accept(sock);
      else sock.destroy();
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => resolve());
    });
    holder.proxy = new FaultProxy(server, (server.address() as net.AddressInfo).port, options);
    return holder.proxy;
  }

  /** Records of one trial. */
  trial(trial: string): ProxyRecord[] {
    return this.records.filter((r) => r.trial === trial);
  }

  /** Responses of "hold" requests complete and waiting for {@linkcode FaultProxy.flushHeld}. */
  get held(): number {
    return this.#held.length;
  }

  /** Passes every held response back at once. */
  flushHeld(): void {
    for (const f of this.#held.splice(0)) f();
  }

  /** Ends every held connection (stalls) now: what they wait on fails. */
  releaseAll(): void {
    for (const s of this.#sockets) s.destroy();
    this.#sockets.clear();
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
  }

  /** Stops listening and ends every connection. */
  async close(): Promise<void> {
    this.releaseAll();
    await new Promise<void>((r) => this.#server.close(() => r()));
  }

  #track(sock: net.Socket): void {
    this.#sockets.add(sock);
    sock.on("error", () => {});
    sock.on("close", () => this.#sockets.delete(sock));
  }

  #later(ms: number, f: () => void): void {
    const t = setTimeout(() => {
      this.#timers.delete(t);
      f();
    }, ms);
    this.#timers.add(t);
  }

  #accept(client: net.Socket): void {
    this.#track(client);
    let buf = Buffer.alloc(0);
    let handled = false;
    const onData = (chunk: Buffer) => {
      if (handled) return;
      buf = Buffer.concat([buf, chunk]);
      const end = buf.indexOf(HEAD_END);
      if (end < 0) {
        if (buf.length > 1 << 20) client.destroy();
        return;
      }
      const headText = buf.subarray(0, end).toString("latin1");
      const [requestLine = "", ...lines] = headText.split("\r\n");
      const headers: Record<string, string> = {};
      for (const line of lines) {
        const colon = line.indexOf(":");
        if (colon > 0) {
          headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
        }
      }
      const length = Number(headers["content-length"] ?? 0);
      const total = end + 4 + (Number.isFinite(length) ? length : 0);
      if (buf.length < total) return; // wait for the whole body
      handled = true;
      client.off("data", onData);
      const [method = "", path = ""] = requestLine.split(" ");
      const body = buf.subarray(end + 4, total).toString("utf8");
      const head: RequestHead = { method, path, headers, body };
      let fault: Fault;
      try {
        fault = this.choose(head);
      } catch {
        fault = "pass";
      }
      const record: ProxyRecord = {
        method,
        path,
        trial: headers["x-adv-trial"],
        id: headers["x-adv-id"],
        fault,
        delivered: false,
        body,
      };
      this.records.push(record);
      this.#serve(client, buf.subarray(0, total), record);
    };
    client.on("data", onData);
  }

  #answer(client: net.Socket, status: string, headers: Record<string, string>, body: string): void {
    const head = [
      `HTTP/1.1 ${status}`,
      "Connection: close",
      `Content-Length: ${Buffer.byteLength(body)}`,
    ];
    for (const [k, v] of Object.entries(headers)) head.push(`${k}: ${v}`);
    client.end(`${head.join("\r\n")}\r\n\r\n${body}`);
  }

  #serve(client: net.Socket, request: Buffer, record: ProxyRecord): void {
    const fault = record.fault;
    switch (fault) {
      case "drop":
        client.destroy();
        return;
      case "reset":
        client.resetAndDestroy();
        return;
      case "stall":
        return; // held until the client gives up or releaseAll()
      case "503":
        this.#answer(client, "503 Service Unavailable", {
          "Retry-After": "0",
          "Content-Type": "application/json",
        }, '{"error": {"message": "injected 503", "code": 503}}');
        return;
      case "307":
      case "308":
        this.#answer(client, `${fault} Redirect`, {
          Location: `${this.#options.redirectTo ?? "http://127.0.0.2:9"}${record.path}`,
        }, "");
        return;
    }
    const upstream = net.connect(this.#options.upstreamPort, "127.0.0.1");
    this.#track(upstream);
    upstream.on("error", () => {
      // the server is down (a restart): the client sees its connection closed
      if (!record.delivered) client.destroy();
      else client.resetAndDestroy();
    });
    client.on("close", () => upstream.destroy());
    upstream.on("connect", () => {
      upstream.write(request);
      record.delivered = true;
    });
    const trickle = this.trickle ?? this.#options.trickle ?? { bytes: 8, everyMs: 100 };
    const pending: Buffer[] = [];
    let trickling = false;
    const trickleOut = () => {
      if (client.destroyed) return;
      const next = pending.shift();
      if (!next) {
        trickling = false;
        if (upstream.readableEnded) client.end();
        return;
      }
      trickling = true;
      const piece = next.subarray(0, trickle.bytes);
      if (next.length > trickle.bytes) pending.unshift(next.subarray(trickle.bytes));
      client.write(piece);
      this.#later(trickle.everyMs, trickleOut);
    };
    let head = Buffer.alloc(0);
    let headSent = false;
    upstream.on("data", (chunk: Buffer) => {
      switch (fault) {
        case "send-drop":
          client.destroy();
          upstream.destroy();
          return;
        case "send-reset":
          client.resetAndDestroy();
          upstream.destroy();
          return;
        case "send-stall":
          return;
        case "hold":
          pending.push(chunk);
          return;
        case "truncate":
          client.write(chunk.subarray(0, Math.max(1, chunk.length >> 1)));
          client.destroy();
          upstream.destroy();
          return;
        case "trickle": {
          if (!headSent) {
            // the whole head at once (the response "arrives"), then the body slowly
            head = Buffer.concat([head, chunk]);
            const end = head.indexOf(HEAD_END);
            if (end < 0) return;
            headSent = true;
            client.write(head.subarray(0, end + 4));
            chunk = head.subarray(end + 4);
          }
          if (chunk.length > 0) pending.push(chunk);
          if (!trickling) trickleOut();
          return;
        }
        default:
          client.write(chunk);
      }
    });
    upstream.on("end", () => {
      if (fault === "hold") {
        this.#held.push(() => client.end(Buffer.concat(pending)));
        return;
      }
      if (fault === "pass") client.end();
      else if (fault === "trickle" && !trickling) client.end();
    });
  }
}

/**
 * A listener on another loopback address (127.0.0.2 by default) that records
 * every request it gets (headers and body) and answers 200: where a
 * redirect must not take credentials.
 */
export class Recorder {
  /** Every request received. */
  readonly seen: { method: string; path: string; headers: Headers; body: string }[] = [];
  readonly #server: Deno.HttpServer<Deno.NetAddr>;
  /** `http://<host>:<port>`. */
  readonly url: string;

  /** Starts the recorder on `hostname`. */
  constructor(hostname = "127.0.0.2") {
    this.#server = Deno.serve({ hostname, port: 0, onListen() {} }, async (req) => {
      const u = new URL(req.url);
      this.seen.push({
        method: req.method,
        path: u.pathname + u.search,
        headers: req.headers,
        body: await req.text(),
      });
      return Response.json({ recorded: true });
    });
    this.url = `http://${hostname}:${this.#server.addr.port}`;
  }

  /** Stops it. */
  close(): Promise<void> {
    return this.#server.shutdown();
  }
}

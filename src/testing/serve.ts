/**
 * Serves a `(req: Request) => Promise<Response>` handler on 127.0.0.1 with the
 * runtime's own HTTP server: `Deno.serve`, `Bun.serve`, or `node:http` (with
 * an adapter from `IncomingMessage` to `Request` and from `Response` to
 * `ServerResponse`). Used by {@linkcode FakeCloud.serve}.
 *
 * @module
 */

/** A running server. */
export interface Served {
  /** Origin, e.g. `http://127.0.0.1:41234`. */
  url: string;
  /** Stops the server (open connections included). */
  close(): Promise<void>;
}

type Handler = (req: Request) => Promise<Response>;

/** The runtime globals used here, typed structurally (no runtime's type package needed). */
interface ServeGlobals {
  Deno?: {
    version?: { deno?: string };
    serve(
      options: { hostname: string; port: number; onListen(): void },
      handler: Handler,
    ): { addr: { port: number }; shutdown(): Promise<void>; finished: Promise<void> };
  };
  Bun?: {
    version?: string;
    serve(options: { hostname: string; port: number; fetch: Handler }): {
      port: number;
      stop(closeActiveConnections?: boolean): void | Promise<void>;
    };
  };
  process?: { versions?: { node?: string } };
}

/** The parts of `node:http` used here. */
interface NodeRequest extends AsyncIterable<Uint8Array> {
  method?: string;
  url?: string;
  headers: Record<string, string | string[] | undefined>;
}
interface NodeResponse {
  writeHead(status: number, statusText: string, headers: [string, string][]): void;
  write(chunk: Uint8Array): boolean;
  end(): void;
  destroy(): void;
  once(event: "drain" | "close", listener: () => void): void;
}
interface NodeServer {
  listen(port: number, host: string, callback: () => void): void;
  once(event: "error", listener: (err: unknown) => void): void;
  address(): { port: number } | string | null;
  close(callback: () => void): void;
  closeAllConnections?(): void;
}
interface NodeHttp {
  createServer(listener: (req: NodeRequest, res: NodeResponse) => void): NodeServer;
}

/** Serves `handler` on 127.0.0.1 on a free port; an `Error` on a runtime without a server. */
export async function serveHandler(handler: Handler): Promise<Served> {
  const g = globalThis as unknown as ServeGlobals;
  if (g.Deno?.version?.deno && typeof g.Deno.serve === "function") {
    const server = g.Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, handler);
    let closed: Promise<void> | undefined;
    return {
      url: `http://127.0.0.1:${server.addr.port}`,
      close: () => closed ??= server.shutdown().then(() => server.finished),
    };
  }
  if (g.Bun?.version && typeof g.Bun.serve === "function") {
    const server = g.Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: handler });
    let closed: Promise<void> | undefined;
    return {
      url: `http://127.0.0.1:${server.port}`,
      close: () => closed ??= Promise.resolve(server.stop(true)).then(() => {}),
    };
  }
  if (g.process?.versions?.node) return await serveNode(handler);
  throw new Error(
    "FakeCloud.serve() needs Deno, Bun or Node (this runtime cannot listen): pass " +
      "cloud.handler to your HTTP server, or cloud.fetch as the Session's fetch",
  );
}

async function readBody(req: NodeRequest): Promise<Uint8Array<ArrayBuffer> | undefined> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of req) chunks.push(chunk);
  if (chunks.length === 0) return undefined;
  const body = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let offset = 0;
  for (const c of chunks) {
    body.set(c, offset);
    offset += c.length;
  }
  return body;
}

async function answer(handler: Handler, req: NodeRequest, res: NodeResponse): Promise<void> {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) headers.append(name, v);
  }
  const method = req.method ?? "GET";
  const body = method === "GET" || method === "HEAD" ? undefined : await readBody(req);
  let response: Response;
  try {
    response = await handler(
      new Request(`http://${headers.get("host") ?? "127.0.0.1"}${req.url ?? "/"}`, {
        method,
        headers,
        body,
      }),
    );
  } catch (err) {
    response = new Response(`handler failed: ${String(err)}`, { status: 500 });
  }
  const pairs: [string, string][] = [];
  response.headers.forEach((value, name) => pairs.push([name, value]));
  res.writeHead(response.status, response.statusText, pairs);
  if (response.body && method !== "HEAD") {
    let gone = false;
    res.once("close", () => gone = true);
    const reader = response.body.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done || gone) break;
        if (!res.write(value)) await new Promise<void>((resolve) => res.once("drain", resolve));
      }
    } finally {
      if (gone) await reader.cancel();
    }
  }
  res.end();
}

async function serveNode(handler: Handler): Promise<Served> {
  const http = (await import("node:http")) as unknown as NodeHttp;
  const server = http.createServer((req, res) => {
    answer(handler, req, res).catch(() => res.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  let closed: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections?.();
      }),
  };
}

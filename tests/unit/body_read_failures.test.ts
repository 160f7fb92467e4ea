// A response body that breaks off (Content-Length promises more than arrives, then the
// connection closes) is read by the caller after osauth returned the response: with a timeout
// set that read fails with a typed ConnectFailure, never a raw TypeError.
import assert from "node:assert/strict";
import { ConnectFailure, ConnectTimeout, Session } from "../../mod.ts";

function truncatingServer(): { url: string; close(): void } {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  (async () => {
    for await (const conn of listener) {
      (async () => {
        const buf = new Uint8Array(4096);
        await conn.read(buf);
        const head =
          "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 100\r\n" +
          "connection: close\r\n\r\n";
        await conn.write(new TextEncoder().encode(head + '{"items": ['));
        conn.close();
      })().catch(() => {});
    }
  })().catch(() => {});
  const { port } = listener.addr as Deno.NetAddr;
  return { url: `http://127.0.0.1:${port}/list`, close: () => listener.close() };
}

Deno.test("a truncated body read by the caller is a ConnectFailure (with a timeout set)", async () => {
  const server = truncatingServer();
  try {
    const resp = await new Session({ timeout: 5000 }).get(server.url);
    const err = await resp.text().then(() => undefined, (e) => e);
    assert.ok(err instanceof ConnectFailure, `got ${err}`);
    assert.ok(!(err instanceof ConnectTimeout));
    assert.match(
      err.message,
      /GET http:\/\/127\.0\.0\.1:\d+\/list: reading the response body failed/,
    );
  } finally {
    server.close();
  }
});

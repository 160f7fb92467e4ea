/** Version ids from a server reach debug lines escaped (adversarial fuzz seed 89546026). */
import assert from "node:assert/strict";
import { Session } from "../../mod.ts";
import { fetchVersionDocument } from "../../src/discovery/mod.ts";

Deno.test("a bad version id with line separators and DEL is logged escaped", async () => {
  const body = JSON.stringify({
    versions: [{ id: "v\u2028X-Injected: 1\u007f", status: "CURRENT", links: [] }],
  });
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    () => new Response(body, { headers: { "content-type": "application/json" } }),
  );
  const lines: string[] = [];
  try {
    const sess = new Session({ logger: { debug: (m: string) => lines.push(m) } });
    await fetchVersionDocument(sess, `http://127.0.0.1:${server.addr.port}/`);
  } finally {
    await server.shutdown();
  }
  const skipped = lines.find((l) => l.includes("bad id"));
  assert.ok(skipped, lines.join("\n"));
  assert.doesNotMatch(skipped, /[\u2028\u2029\x7f]/);
  assert.match(skipped, /\\u2028X-Injected/);
});

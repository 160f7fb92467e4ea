/**
 * Review: the `query` option on URLs whose own query is empty or ends with `&` (forms the seeded
 * query differential does not generate), against what requests prepares for keystoneauth1's
 * `params` (scripts/query_differential.py), as a 127.0.0.1 recorder receives it.
 */
import assert from "node:assert/strict";
import { Session } from "../../mod.ts";
import { PYTHON } from "./_differential.ts";

const SCRIPT = new URL("../../scripts/query_differential.py", import.meta.url).pathname;

Deno.test("review: query merged into a URL query ending in & / ? as requests merges params", async () => {
  const seen: string[] = [];
  const srv = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    await req.body?.cancel();
    seen.push(req.url);
    return new Response("ok");
  });
  const origin = `http://127.0.0.1:${srv.addr.port}`;
  try {
    const cases = ["/x?a=1&", "/x?", "/x?&", "/x?a=1&&", "/x?a=1&b=2&"].map((p) => ({
      url: origin + p,
      params: [["d", "1"], ["e", ["x y", "z"]]],
    }));
    const out = await new Deno.Command(PYTHON, { args: [SCRIPT], stdin: "piped", stdout: "piped" })
      .spawn();
    const w = out.stdin.getWriter();
    await w.write(new TextEncoder().encode(JSON.stringify(cases)));
    await w.close();
    const result = await out.output();
    assert.ok(result.success);
    const theirs = JSON.parse(new TextDecoder().decode(result.stdout)) as string[];
    const sess = new Session();
    for (const [i, c] of cases.entries()) {
      seen.length = 0;
      await (await sess.get(c.url, { query: { d: 1, e: ["x y", "z"] } })).body?.cancel();
      assert.equal(seen[0], theirs[i], c.url);
    }
  } finally {
    await srv.shutdown();
  }
});

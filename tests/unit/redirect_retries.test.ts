/**
 * A request's status retries bound the whole request, redirect hops
 * included, as keystoneauth1 passes the remaining `status_code_retries` on to
 * a redirect target: compared with keystoneauth1 5.0 itself
 * (scripts/redirect_retries_reference.py) on the same kind of server.
 */
import assert from "node:assert/strict";
import { HttpError, Session } from "../../mod.ts";
import { keystoneauthTest, PYTHON } from "./_differential.ts";

const SCRIPT = new URL("../../scripts/redirect_retries_reference.py", import.meta.url).pathname;

/** `/a`: 503 `a503` times, then 307 to `/b`; `/b`: 503 `b503` times, then 200. */
function serve(
  a503: number,
  b503: number,
): { url: string; counts: Record<string, number>; server: Deno.HttpServer<Deno.NetAddr> } {
  const counts: Record<string, number> = {};
  const server: Deno.HttpServer<Deno.NetAddr> = Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    onListen() {},
  }, (req) => {
    const path = new URL(req.url).pathname;
    const n = counts[path] = (counts[path] ?? 0) + 1;
    const base: string = `http://127.0.0.1:${server.addr.port}`;
    if (path === "/a") {
      return n <= a503
        ? new Response(null, { status: 503 })
        : new Response(null, { status: 307, headers: { Location: `${base}/b` } });
    }
    return n <= b503 ? new Response(null, { status: 503 }) : new Response("ok");
  });
  return { url: `http://127.0.0.1:${server.addr.port}/a`, counts, server };
}

async function reference(url: string, retries: number): Promise<Record<string, number>> {
  const child = new Deno.Command(PYTHON, { args: [SCRIPT], stdin: "piped", stdout: "piped" })
    .spawn();
  const w = child.stdin.getWriter();
  await w.write(new TextEncoder().encode(JSON.stringify({ url, retries })));
  await w.close();
  const out = await child.output();
  return JSON.parse(new TextDecoder().decode(out.stdout));
}

await keystoneauthTest(
  "status retries are shared by a request's redirect hops, as keystoneauth1",
  async () => {
    for (const [a503, b503, retries] of [[1, 1, 1], [0, 2, 1], [1, 1, 2], [2, 0, 1], [0, 1, 0]]) {
      const theirs = serve(a503!, b503!);
      const want = await reference(theirs.url, retries!);
      await theirs.server.shutdown();
      const ours = serve(a503!, b503!);
      const sess = new Session({ statusCodeRetries: retries, retryDelay: 1 });
      let got: Record<string, number>;
      try {
        const resp = await sess.get(ours.url, { authenticated: false });
        await resp.body?.cancel();
        got = { status: resp.status };
      } catch (err) {
        if (!(err instanceof HttpError)) throw err;
        got = { raised: err.status };
      }
      await ours.server.shutdown();
      const where = `a503=${a503} b503=${b503} retries=${retries}`;
      assert.deepEqual(got, want, where);
      assert.deepEqual(ours.counts, theirs.counts, `${where}: requests per path`);
    }
  },
);

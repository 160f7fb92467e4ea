/**
 * The `query` request option against Python `requests` (what keystoneauth1 sends for `params`):
 * seeded random keys and values (reserved characters, spaces, `+`, `%`, non-ASCII, emoji), lists
 * (the key repeated), left-out values, numbers, URLs with and without a query and a fragment. The
 * URL osauth sends (as a 127.0.0.1 recorder receives it) must equal the URL requests prepares.
 * Booleans are `true`/`false` here (requests writes Python's `True`/`False`:
 * D-query-booleans), so the python side gets them as those strings.
 */
import assert from "node:assert/strict";
import { Adapter, OptionError, type QueryInit, Session, TokenEndpoint } from "../../mod.ts";
import { diffCases, diffSeed, PYTHON, Rng } from "./_differential.ts";

const SCRIPT = new URL("../../scripts/query_differential.py", import.meta.url).pathname;
const CHARS = [..."abcXYZ019-_.~ !\"#$%&'()*+,/:;<=>?@[\\]^`{|}", "é", "ß", "漢", "😀", "\t"];

function text(rng: Rng, max: number): string {
  return Array.from({ length: rng.int(0, max) }, () => rng.pick(CHARS)).join("");
}

type Value = string | number | boolean | undefined;

function value(rng: Rng): Value {
  const k = rng.int(0, 9);
  if (k === 0) return undefined;
  if (k === 1) return rng.chance(0.5);
  if (k === 2) return rng.pick([0, 1, -7, 3.25, 1e21, 2 ** 53]);
  return text(rng, 8);
}

/** What requests gets for a value: the text osauth sends, or null when it is left out. */
function pyValue(v: Value): string | null {
  return v === undefined ? null : String(v);
}

Deno.test("query: the URL sent equals what requests prepares for keystoneauth1's params (seeded)", async () => {
  const seed = diffSeed();
  const rng = new Rng(seed);
  const seen: string[] = [];
  const srv = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) => {
    seen.push(req.url);
    return new Response("{}");
  });
  const origin = `http://127.0.0.1:${srv.addr.port}`;
  try {
    const cases = Array.from({ length: diffCases(200) }, () => {
      const record: Record<string, Value | Value[]> = {};
      for (let i = rng.int(0, 4); i > 0; i--) {
        const key = text(rng, 6) || "k";
        if (Object.hasOwn(record, key)) continue;
        const v = rng.chance(0.3)
          ? Array.from({ length: rng.int(0, 3) }, () => value(rng))
          : value(rng);
        record[key] = v;
      }
      // In the record's own order (JS puts integer-like keys first).
      const pairs = Object.entries(record).map((
        [k, v],
      ) => [k, Array.isArray(v) ? v.map(pyValue) : pyValue(v)]);
      const path = rng.pick(["/v2.1/servers", "/v3/users/", "/"]);
      const own = rng.pick(["", "?all_tenants=1", "?a=b&c=d"]);
      const fragment = rng.chance(0.1) ? "#frag" : "";
      return { url: `${origin}${path}${own}${fragment}`, record, pairs };
    });
    const child = new Deno.Command(PYTHON, {
      args: [SCRIPT],
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const w = child.stdin.getWriter();
    await w.write(
      new TextEncoder().encode(JSON.stringify(cases.map((c) => ({ url: c.url, params: c.pairs })))),
    );
    await w.close();
    const out = await child.output();
    assert.ok(out.success, new TextDecoder().decode(out.stderr));
    const theirs = JSON.parse(new TextDecoder().decode(out.stdout)) as string[];
    const sess = new Session();
    for (const [i, c] of cases.entries()) {
      seen.length = 0;
      await (await sess.get(c.url, { query: c.record as QueryInit })).body?.cancel();
      // The server never sees the fragment; requests keeps it in the URL it prepares.
      const expected = theirs[i]!.replace(/#.*$/, "");
      assert.equal(seen[0], expected, `seed ${seed} case ${i}: ${JSON.stringify(c.record)}`);
    }
  } finally {
    await srv.shutdown();
  }
});

Deno.test("query: URLSearchParams, Adapter paths, and typed errors", async () => {
  const seen: string[] = [];
  const srv = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) => {
    seen.push(new URL(req.url).pathname + new URL(req.url).search);
    return Response.json({ items: [] });
  });
  const origin = `http://127.0.0.1:${srv.addr.port}`;
  try {
    const sess = new Session({
      auth: new TokenEndpoint({ endpoint: `${origin}/v2.1`, token: "t" }),
    });
    await (await sess.get(`${origin}/x?a=1`, {
      query: new URLSearchParams([["b", "x y"], ["b", "z"]]),
    })).body?.cancel();
    const compute = new Adapter(sess, { serviceType: "compute" });
    await (await compute.get("servers", { query: { name: ["a", "b"], limit: 2, deleted: false } }))
      .body?.cancel();
    // paginate: the query goes into the first page only (later pages are links or markers).
    for await (const _ of compute.paginate("flavors", { query: { is_public: "None" }, limit: 5 })) {
      // no items
    }
    assert.deepEqual(seen, [
      "/x?a=1&b=x+y&b=z",
      "/v2.1/servers?name=a&name=b&limit=2&deleted=false",
      "/v2.1/flavors?is_public=None&limit=5",
    ]);
    for (
      const bad of [
        "a=1",
        ["a", "1"],
        null,
        { a: { b: 1 } },
        { a: [["x"]] },
        { a: NaN },
        { a: () => 1 },
      ]
    ) {
      await assert.rejects(sess.get(`${origin}/x`, { query: bad as never }), OptionError);
    }
  } finally {
    await srv.shutdown();
  }
});

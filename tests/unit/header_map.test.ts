import assert from "node:assert/strict";
import { OptionError, Session } from "../../mod.ts";
import { HeaderMap } from "../../src/session/header_map.ts";
import { echoServer } from "./_helpers.ts";

Deno.test("HeaderMap: case-insensitive, first spelling kept, every HeadersInit form", () => {
  const m = HeaderMap.from({ "X-Thing": " a " });
  m.set("x-thing", "b");
  assert.equal(m.get("X-THING"), "b");
  assert.deepEqual(m.toRecord(), { "X-Thing": "b" });
  m.merge(new Headers({ Accept: "application/json" }));
  m.merge([["X-Pair", "1"]]);
  assert.equal(m.size, 3);
  assert.ok(m.has("accept") && m.has("x-pair"));
  const copy = new HeaderMap(m);
  copy.delete("X-PAIR");
  assert.ok(m.has("x-pair") && !copy.has("x-pair"), "copies are independent");
  assert.equal(copy.toHeaders().get("x-thing"), "b");
  m.merge(undefined);
  assert.throws(() => m.set("bad name", "v"), OptionError);
  assert.throws(() => m.set("X-Ok", "line\r\nInjected: 1"), OptionError);
  assert.throws(() => m.merge("nope" as unknown as HeadersInit), OptionError);
});

Deno.test("Session headers: request headers override additionalHeaders whatever the case", async () => {
  const echo = echoServer();
  try {
    const sess = new Session({ additionalHeaders: { "X-Team": "a", "User-Agent": "custom/1" } });
    await (await sess.get(`${echo.url}/x`, { headers: [["x-team", "b"]] })).body?.cancel();
    const seen = echo.seen[0]?.headers;
    assert.equal(seen?.get("x-team"), "b");
    assert.equal(seen?.get("user-agent"), "custom/1");
    await assert.rejects(sess.get(`${echo.url}/x`, { headers: { "X-Bad": "a\nb" } }), OptionError);
    assert.equal(echo.seen.length, 1, "nothing sent for a bad header");
  } finally {
    await echo.close();
  }
});

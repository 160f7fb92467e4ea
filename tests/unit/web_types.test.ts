// HeadersLike, BodyLike and CryptoKeyLike: the structural types of the public
// signatures (no DOM lib needed). Compile-time part: what Deno's lib says fetch
// takes is assignable to them (`deno task check` type-checks this file; the
// Node and DOM consumers are checked by scripts/cross-runtime.sh). Run-time
// part: every form is sent as fetch sends it, and a look-alike that is not an
// instance is an OptionError.
import assert from "node:assert/strict";
import {
  type BodyLike,
  type CryptoKeyLike,
  type HeadersLike,
  OptionError,
  Session,
} from "../../mod.ts";
import type { StateStoreOptions } from "../../src/stores/mod.ts";
import { echoServer } from "./_helpers.ts";

// Deno's HeadersInit (Iterable<string[]> | Record<string, string>) and Headers.
export const fromHeadersInit: HeadersLike[] = [{} as HeadersInit, new Headers()];
// Deno's BodyInit minus its (async) iterables of chunks, which browsers do not take.
type PortableBodyInit =
  | Blob
  | BufferSource
  | FormData
  | URLSearchParams
  | ReadableStream<Uint8Array>
  | string
  | null;
export const fromBodyInit: BodyLike = {} as PortableBodyInit;
export const fromCryptoKey: CryptoKeyLike = {} as CryptoKey;
export const storeOptions: StateStoreOptions = { encryptionKey: {} as CryptoKey };
// @ts-expect-error: header values are strings
export const numberValue: HeadersLike = { "x-count": 1 };
// @ts-expect-error: a number is no body
export const numberBody: BodyLike = 1;

function* pairs(): Generator<[string, string]> {
  yield ["X-Gen", "1"];
  yield ["x-gen", "2"];
}

Deno.test("HeadersLike: a Headers, an array, any iterable of pairs (Map, generator) and a record are sent", async () => {
  const echo = echoServer();
  try {
    const sess = new Session();
    const forms: [HeadersLike, string, string][] = [
      [new Headers({ "X-Form": "headers" }), "x-form", "headers"],
      [[["X-Form", "array"]], "x-form", "array"],
      [new Map([["X-Form", "map"]]), "x-form", "map"],
      [pairs(), "x-gen", "1, 2"],
      [{ "X-Form": "record" }, "x-form", "record"],
    ];
    for (const [headers, name, value] of forms) {
      await (await sess.get(`${echo.url}/h`, { headers })).body?.cancel();
      assert.equal(echo.seen.at(-1)?.headers.get(name), value, `${value}: sent`);
    }
    const additional = new Session({ additionalHeaders: new Map([["X-Team", "a"]]) });
    await (await additional.get(`${echo.url}/h`)).body?.cancel();
    assert.equal(echo.seen.at(-1)?.headers.get("x-team"), "a", "additionalHeaders as a Map");
    const sent = echo.seen.length;
    await assert.rejects(
      sess.get(`${echo.url}/h`, { headers: new Map([["bad name", "v"]]) }),
      OptionError,
    );
    await assert.rejects(
      sess.get(`${echo.url}/h`, { headers: [["only-a-name"]] }),
      OptionError,
    );
    assert.equal(echo.seen.length, sent, "nothing sent for bad headers");
  } finally {
    await echo.close();
  }
});

Deno.test("BodyLike: string, bytes, Blob, URLSearchParams, FormData, ReadableStream are sent; a look-alike is an OptionError", async () => {
  const echo = echoServer();
  try {
    const sess = new Session();
    const form = new FormData();
    form.append("field", "form-value");
    const bodies: [BodyLike, string | RegExp][] = [
      ["text", "text"],
      [new TextEncoder().encode("bytes"), "bytes"],
      [new TextEncoder().encode("buffer").buffer, "buffer"],
      [new DataView(new TextEncoder().encode("view").buffer), "view"],
      [new Blob(["blob"]), "blob"],
      [new URLSearchParams({ a: "1" }), "a=1"],
      [form, /form-value/],
      [new Blob(["stream"]).stream(), "stream"],
    ];
    for (const [body, seen] of bodies) {
      await (await sess.post(`${echo.url}/b`, { body })).body?.cancel();
      const got = echo.seen.at(-1)?.body ?? "";
      if (typeof seen === "string") assert.equal(got, seen);
      else assert.match(got, seen);
    }
    const sent = echo.seen.length;
    const blobLike: BodyLike = {
      size: 1,
      type: "",
      arrayBuffer: () => Promise.resolve(new ArrayBuffer(1)),
      slice: () => undefined,
    };
    await assert.rejects(sess.post(`${echo.url}/b`, { body: blobLike }), OptionError);
    assert.equal(echo.seen.length, sent, "nothing sent for a look-alike body");
  } finally {
    await echo.close();
  }
});

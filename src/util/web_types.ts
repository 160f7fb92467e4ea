/**
 * Structural types for the web values osauth's public signatures take
 * (headers, bodies, WebCrypto keys), so that they need no DOM lib: a Node
 * TypeScript project (`lib: ["es2023"]` with `@types/node`), a Workers one, a
 * browser one and Deno all type-check against them. Whatever your runtime's
 * `fetch` takes for headers and bodies (its `HeadersInit`, its `BodyInit`
 * minus Node's and Deno's (async) iterables of chunks, which browsers do not
 * take) is accepted; anything else is refused when the request is made, with
 * an `OptionError`.
 *
 * @module
 */

/**
 * Request headers, as `fetch` takes them on every runtime (`HeadersInit`): a
 * `Headers`, a list of `[name, value]` pairs (any iterable of them, as Deno's
 * `HeadersInit`), or a record of name -> value. Pairs with the same name are
 * joined with `", "`, as `fetch` does; a later name replaces an earlier one of
 * the same name (case-insensitive).
 *
 * @example
 * ```ts
 * import type { HeadersLike } from "jsr:@x/osauth";
 * const asRecord: HeadersLike = { "X-Auth-Project": "demo" };
 * const asPairs: HeadersLike = [["Accept", "application/json"]];
 * const asHeaders: HeadersLike = new Headers({ "OpenStack-API-Version": "compute 2.79" });
 * ```
 */
export type HeadersLike =
  // A `Headers` (also where the DOM lib does not declare it iterable).
  | {
    forEach(callback: (value: string, name: string) => void): void;
    get(name: string): string | null;
    has(name: string): boolean;
  }
  | Iterable<readonly string[]>
  | Readonly<Record<string, string>>;

/**
 * A request body, as `fetch` takes it on every runtime: a string, an
 * `ArrayBuffer` or a view of one (`Uint8Array`, Node's `Buffer`, `DataView`),
 * a `Blob` (or `File`), `FormData`, `URLSearchParams`, a `ReadableStream`, or
 * `null`. The members are structural (each as much of the class as tells it
 * apart); the value must be an instance of the runtime's class.
 *
 * @example
 * ```ts
 * import type { BodyLike } from "jsr:@x/osauth";
 * const bodies: BodyLike[] = [
 *   "text",
 *   new TextEncoder().encode("bytes"),
 *   new Blob(["a blob"]),
 *   new URLSearchParams({ a: "1" }),
 *   null,
 * ];
 * ```
 */
export type BodyLike =
  | string
  | ArrayBuffer
  | ArrayBufferView
  // A Blob or File.
  | {
    readonly size: number;
    readonly type: string;
    arrayBuffer(): Promise<ArrayBuffer>;
    slice(start?: number, end?: number, contentType?: string): unknown;
  }
  // FormData or URLSearchParams.
  | {
    append(name: string, value: string): void;
    get(name: string): unknown;
    getAll(name: string): unknown[];
    has(name: string): boolean;
  }
  // A ReadableStream (not replayable: a request with one is not retried).
  | {
    readonly locked: boolean;
    getReader(): unknown;
    cancel(reason?: unknown): Promise<void>;
  }
  | null;

/**
 * A WebCrypto `CryptoKey`, structurally (Node's type is `webcrypto.CryptoKey`,
 * with no global type of that name): what `crypto.subtle.generateKey` and
 * `crypto.subtle.importKey` return on every runtime.
 *
 * @example
 * ```ts
 * import type { CryptoKeyLike } from "jsr:@x/osauth";
 * const key: CryptoKeyLike = await crypto.subtle.generateKey(
 *   { name: "AES-GCM", length: 256 },
 *   false,
 *   ["encrypt", "decrypt"],
 * );
 * ```
 */
export interface CryptoKeyLike {
  /** The algorithm, e.g. `{ name: "AES-GCM", length: 256 }`. */
  readonly algorithm: { readonly name: string };
  /** Whether the key material can be exported. */
  readonly extractable: boolean;
  /** `secret`, `public` or `private`. */
  readonly type: string;
  /** What the key may be used for, e.g. `["encrypt", "decrypt"]`. */
  readonly usages: readonly string[];
}

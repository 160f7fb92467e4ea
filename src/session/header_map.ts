/**
 * A small case-insensitive header map for the request pipeline. The web
 * `Headers` class validates and sorts on every operation, which costs about
 * half of a Session's own per-request CPU time; this map validates once on
 * `set` and converts to a plain record for `fetch`.
 *
 * @module
 */
import { OptionError } from "../errors.ts";

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const BAD_VALUE = /[\r\n\0]/;

/** Case-insensitive headers that remember the first spelling of each name. */
export class HeaderMap {
  readonly #map: Map<string, [name: string, value: string]>;

  /** Creates a map, optionally copying another. */
  constructor(from?: HeaderMap) {
    this.#map = new Map(from ? from.#map : undefined);
  }

  /** Builds a map from any `HeadersInit` (plain objects take a fast path). */
  static from(init: HeadersInit | undefined): HeaderMap {
    const map = new HeaderMap();
    map.merge(init);
    return map;
  }

  /** Sets every header of `init`, replacing same-named ones. */
  merge(init: HeadersInit | undefined): void {
    if (init === undefined || init === null) return;
    if (init instanceof Headers || Array.isArray(init)) {
      for (const [k, v] of init instanceof Headers ? init : new Headers(init)) this.set(k, v);
      return;
    }
    if (typeof init !== "object") throw new OptionError("headers must be a HeadersInit");
    for (const [k, v] of Object.entries(init)) this.set(k, v);
  }

  /** Sets a header; throws {@linkcode OptionError} for an invalid name or value. */
  set(name: string, value: string): void {
    if (!TOKEN.test(name)) throw new OptionError(`invalid header name: ${JSON.stringify(name)}`);
    const v = String(value).trim();
    if (BAD_VALUE.test(v)) throw new OptionError(`invalid value for header ${name}`);
    const key = name.toLowerCase();
    const existing = this.#map.get(key);
    this.#map.set(key, [existing ? existing[0] : name, v]);
  }

  /** The value of a header, or null. */
  get(name: string): string | null {
    return this.#map.get(name.toLowerCase())?.[1] ?? null;
  }

  /** Whether a header is set. */
  has(name: string): boolean {
    return this.#map.has(name.toLowerCase());
  }

  /** Removes a header. */
  delete(name: string): void {
    this.#map.delete(name.toLowerCase());
  }

  /** Number of headers. */
  get size(): number {
    return this.#map.size;
  }

  /** `{ name: value }` with the names as first set, for `fetch`. */
  toRecord(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [name, value] of this.#map.values()) out[name] = value;
    return out;
  }

  /** A web `Headers` copy (for logging and user code). */
  toHeaders(): Headers {
    return new Headers(this.toRecord());
  }
}

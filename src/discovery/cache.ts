/**
 * A cache of version discovery documents, keyed by URL, shareable between
 * sessions. Concurrent lookups of one URL share a single fetch. It is
 * bounded: at most `maxEntries` documents (default 256), the least recently
 * used forgotten first.
 *
 * @module
 */
import { OptionError } from "../errors.ts";

/** Options of `new DiscoveryCache(options)`. */
export interface DiscoveryCacheOptions {
  /**
   * Most documents kept (default {@linkcode DEFAULT_DISCOVERY_CACHE_SIZE}):
   * when a new one would exceed it, the least recently used is forgotten
   * (a lookup still in flight finishes for those that wait on it).
   */
  maxEntries?: number;
}

/** Documents a {@linkcode DiscoveryCache} keeps by default. */
export const DEFAULT_DISCOVERY_CACHE_SIZE = 256;

/**
 * Discovery document cache. Pass the same instance to several sessions to
 * fetch each version document once. Bounded (least recently used first out).
 *
 * @example
 * ```ts
 * import { DiscoveryCache } from "jsr:@x/osauth";
 * const cache = new DiscoveryCache({ maxEntries: 64 });
 * const doc = await cache.get("http://127.0.0.1:1/", () => Promise.resolve({ versions: [] }));
 * console.assert(cache.has("http://127.0.0.1:1/") && cache.maxEntries === 64);
 * ```
 */
export class DiscoveryCache {
  /** Most documents kept. */
  readonly maxEntries: number;
  /** Key -> document; a Map iterates in insertion order: the first key is the least recently used. */
  #entries = new Map<string, Promise<unknown>>();

  /** Creates a cache; {@linkcode OptionError} when `maxEntries` is not a positive integer. */
  constructor(options: DiscoveryCacheOptions = {}) {
    if (options === null || typeof options !== "object") {
      throw new OptionError("DiscoveryCache options must be an object");
    }
    const max = options.maxEntries ?? DEFAULT_DISCOVERY_CACHE_SIZE;
    if (typeof max !== "number" || !Number.isInteger(max) || max < 1) {
      throw new OptionError("DiscoveryCache maxEntries must be a positive integer");
    }
    this.maxEntries = max;
  }

  /** The cached document for `url`, loading it with `load` once. Failures are not cached. */
  get(url: string, load: () => Promise<unknown>): Promise<unknown> {
    const key = normalizeKey(url);
    let entry = this.#entries.get(key);
    if (entry) {
      // most recently used: to the end of the order
      this.#entries.delete(key);
      this.#entries.set(key, entry);
      return entry;
    }
    entry = load();
    this.#entries.set(key, entry);
    if (this.#entries.size > this.maxEntries) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
    entry.catch(() => {
      if (this.#entries.get(key) === entry) this.#entries.delete(key);
    });
    return entry;
  }

  /** Whether `url` is cached (or being loaded). */
  has(url: string): boolean {
    return this.#entries.has(normalizeKey(url));
  }

  /** Forgets one URL, or everything. */
  clear(url?: string): void {
    if (url === undefined) this.#entries.clear();
    else this.#entries.delete(normalizeKey(url));
  }

  /** Number of cached documents (never more than {@linkcode DiscoveryCache.maxEntries}). */
  get size(): number {
    return this.#entries.size;
  }
}

/** `url` without trailing slashes (a loop: a RegExp would be quadratic on many inner slashes). */
function normalizeKey(url: string): string {
  let end = url.length;
  while (end > 0 && url.charCodeAt(end - 1) === 47) end--;
  return end === url.length ? url : url.slice(0, end);
}

/**
 * A cache of version discovery documents, keyed by URL, shareable between
 * sessions. Concurrent lookups of one URL share a single fetch.
 *
 * @module
 */

/**
 * Discovery document cache. Pass the same instance to several sessions to
 * fetch each version document once.
 *
 * @example
 * ```ts
 * import { DiscoveryCache } from "./cache.ts";
 * const cache = new DiscoveryCache();
 * const doc = await cache.get("http://127.0.0.1:1/", () => Promise.resolve({ versions: [] }));
 * console.assert(cache.has("http://127.0.0.1:1/"));
 * ```
 */
export class DiscoveryCache {
  #entries = new Map<string, Promise<unknown>>();

  /** The cached document for `url`, loading it with `load` once. Failures are not cached. */
  get(url: string, load: () => Promise<unknown>): Promise<unknown> {
    const key = normalizeKey(url);
    let entry = this.#entries.get(key);
    if (!entry) {
      entry = load();
      this.#entries.set(key, entry);
      entry.catch(() => {
        if (this.#entries.get(key) === entry) this.#entries.delete(key);
      });
    }
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

  /** Number of cached documents. */
  get size(): number {
    return this.#entries.size;
  }
}

function normalizeKey(url: string): string {
  return url.replace(/\/+$/, "");
}

/**
 * What an identity plugin needs from a place where several processes,
 * isolates or machines share their auth state: get, set and delete a string
 * by key, and optionally take a lease so that only one of them authenticates
 * at a time.
 *
 * @module
 */
import type { CryptoKeyLike } from "../util/web_types.ts";

/** A lease from {@linkcode AuthStateStore.acquire}: release it when done. */
export interface AuthStateLease {
  /** Gives the lease back (a lease that already expired or was taken over is left alone). */
  release(): Promise<void>;
}

/**
 * Shared storage for auth states (`stateStore` option of identity plugins).
 * Keys are derived from the plugin's cache id (a hash: never a secret);
 * values are the plugin's auth state, which holds a token: encrypt it
 * (`encryptionKey`) when the backend is shared.
 *
 * An entry that cannot be read (corrupted, truncated, encrypted with another
 * key) should make `get` throw `StateEntryUnreadable`: the plugin
 * then ignores it with a debug line and overwrites it. Any other error is a
 * failing store: the plugin warns and authenticates directly.
 *
 * @example A store in a few lines (a `Map`; any key-value service works alike)
 * ```ts
 * import type { AuthStateStore } from "jsr:@x/osauth/stores";
 * const map = new Map<string, { value: string; expiresAt: number }>();
 * const store: AuthStateStore = {
 *   get(key) {
 *     const e = map.get(key);
 *     return Promise.resolve(e && e.expiresAt > Date.now() ? e.value : undefined);
 *   },
 *   set(key, value, expiresAt) {
 *     map.set(key, { value, expiresAt });
 *     return Promise.resolve();
 *   },
 *   delete(key) {
 *     map.delete(key);
 *     return Promise.resolve();
 *   },
 * };
 * ```
 */
export interface AuthStateStore {
  /** The value stored under `key`, or `undefined` when there is none or it has expired. */
  get(key: string): Promise<string | undefined>;
  /** Stores `value` under `key` until `expiresAt` (ms since the epoch). */
  set(key: string, value: string, expiresAt: number): Promise<void>;
  /** Removes the value stored under `key` (nothing when there is none). */
  delete(key: string): Promise<void>;
  /**
   * Cross-process single flight: a lease on `key` for `ttlMs`, or
   * `undefined` while another holder has one that has not expired. Without
   * it, processes that start together each authenticate.
   */
  acquire?(key: string, ttlMs: number): Promise<AuthStateLease | undefined>;
}

/** Options every store of `jsr:@x/osauth/stores` takes. */
export interface StateStoreOptions {
  /**
   * AES-GCM key (WebCrypto) the values are encrypted with; entries are then
   * unreadable without it. Recommended for every backend other processes,
   * users or machines can read (Redis, Deno KV, a shared disk). Create one
   * with `crypto.subtle.generateKey({ name: "AES-GCM", length: 256 }, false,
   * ["encrypt", "decrypt"])`, or import 32 bytes from your secret manager with
   * `crypto.subtle.importKey("raw", bytes, "AES-GCM", false, ["encrypt", "decrypt"])`.
   */
  encryptionKey?: CryptoKeyLike;
  /** The clock, ms since the epoch (default `Date.now`); for tests. */
  now?: () => number;
}

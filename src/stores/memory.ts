/**
 * `MemoryStateStore`: auth states shared by the plugins of one process or
 * isolate (a `Map`), with leases.
 *
 * @module
 */
import type { AuthStateLease, AuthStateStore, StateStoreOptions } from "./interface.ts";
import {
  checkClock,
  checkEncryptionKey,
  checkKey,
  checkTtl,
  openValue,
  ownerId,
  sealValue,
} from "./codec.ts";

/**
 * An in-memory {@linkcode AuthStateStore}: plugins created one after another
 * in the same process (per request, per job) reuse one token instead of each
 * authenticating. Entries expire at their `expiresAt`.
 *
 * @example
 * ```ts
 * import { MemoryStateStore } from "jsr:@x/osauth/stores";
 * import { v3 } from "jsr:@x/osauth";
 * const stateStore = new MemoryStateStore();
 * const auth = new v3.Password({
 *   authUrl: "http://127.0.0.1:5000/v3", userId: "u1", password: "pw", projectId: "p1",
 *   stateStore,
 * });
 * ```
 */
export class MemoryStateStore implements AuthStateStore {
  #entries = new Map<string, { value: string; expiresAt: number }>();
  #leases = new Map<string, { owner: string; expiresAt: number }>();
  #key: CryptoKey | undefined;
  #now: () => number;

  /** Creates an empty store. */
  constructor(options: StateStoreOptions = {}) {
    this.#key = checkEncryptionKey(options?.encryptionKey, "MemoryStateStore");
    this.#now = checkClock(options?.now, "MemoryStateStore");
  }

  /** The value under `key`, unless expired. */
  async get(key: string): Promise<string | undefined> {
    checkKey(key, "MemoryStateStore");
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.#now()) {
      this.#entries.delete(key);
      return undefined;
    }
    return await openValue(this.#key, key, entry.value);
  }

  /** Stores `value` until `expiresAt`. */
  async set(key: string, value: string, expiresAt: number): Promise<void> {
    checkKey(key, "MemoryStateStore");
    this.#entries.set(key, { value: await sealValue(this.#key, key, value), expiresAt });
  }

  /** Removes `key`. */
  // deno-lint-ignore require-await
  async delete(key: string): Promise<void> {
    checkKey(key, "MemoryStateStore");
    this.#entries.delete(key);
  }

  /** A lease on `key` for `ttlMs`, unless another unexpired one is held. */
  // deno-lint-ignore require-await
  async acquire(key: string, ttlMs: number): Promise<AuthStateLease | undefined> {
    checkKey(key, "MemoryStateStore");
    const ttl = checkTtl(ttlMs, "MemoryStateStore");
    const now = this.#now();
    const held = this.#leases.get(key);
    if (held && held.expiresAt > now) return undefined;
    const owner = ownerId();
    this.#leases.set(key, { owner, expiresAt: now + ttl });
    return {
      release: () => {
        if (this.#leases.get(key)?.owner === owner) this.#leases.delete(key);
        return Promise.resolve();
      },
    };
  }
}

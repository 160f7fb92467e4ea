/**
 * `RedisStateStore`: auth states in Redis (or Valkey, KeyDB, ...), shared
 * by processes on many machines, through a client you bring: osauth depends
 * on no Redis package.
 *
 * @module
 */
import { OptionError } from "../errors.ts";
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
 * The Redis commands the store sends, in node-redis' spelling: a
 * node-redis client (the `redis` npm package, 4 and later) fits as it is.
 * `eval` is optional: with it a lease is released in one step (a script that
 * deletes the lease only while it is still the releaser's); without it the
 * release is `GET` then `DEL`, and a holder whose lease expired between the
 * two can delete the next holder's lease. For `ioredis`, whose `SET` takes
 * its options as words and whose `EVAL` takes the key count, pass an adapter:
 *
 * ```ts
 * import { Redis } from "npm:ioredis@^6";
 * import type { RedisClientLike } from "jsr:@x/osauth/stores";
 *
 * const redis = new Redis("redis://127.0.0.1:6379", { lazyConnect: true });
 * const client: RedisClientLike = {
 *   get: (k) => redis.get(k),
 *   set: (k, v, o) => o.NX ? redis.set(k, v, "PX", o.PX, "NX") : redis.set(k, v, "PX", o.PX),
 *   del: (k) => redis.del(k),
 *   eval: (script, o) => redis.eval(script, o.keys.length, ...o.keys, ...o.arguments),
 * };
 * ```
 *
 * and for node-redis, when its TypeScript types do not line up with these:
 *
 * ```ts
 * import { createClient } from "npm:redis@^6";
 * import type { RedisClientLike } from "jsr:@x/osauth/stores";
 *
 * const redis = createClient({ url: "redis://127.0.0.1:6379" });
 * const client: RedisClientLike = {
 *   get: (k) => redis.get(k),
 *   set: (k, v, o) => redis.set(k, v, o),
 *   del: (k) => redis.del(k),
 *   eval: (script, o) => redis.eval(script, o),
 * };
 * ```
 *
 * (An ioredis client passed as it is fails loudly: Redis answers its `SET`
 * with a syntax error, which the plugin reports as a failing store.) The
 * examples type-check against the clients' own types and run without a
 * Redis server: neither client connects before its first command
 * (`lazyConnect` for ioredis; node-redis only on `connect()`).
 */
export interface RedisClientLike {
  /** `GET key`: the value, or `null`/`undefined` when there is none. */
  get(key: string): Promise<string | null | undefined>;
  /**
   * `SET key value PX <ms>`, with `NX` when `options.NX`: resolves to `"OK"`
   * when the value was set, `null` when `NX` found the key.
   */
  set(key: string, value: string, options: { PX: number; NX?: true }): Promise<unknown>;
  /** `DEL key`. */
  del(key: string): Promise<unknown>;
  /**
   * Optional: `EVAL script <number of keys> keys... arguments...` (node-redis'
   * `eval(script, { keys, arguments })`): used to release a lease atomically.
   */
  eval?(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
}

/** Deletes the lease `KEYS[1]` only while it holds the releaser's owner id `ARGV[1]`. */
const RELEASE_SCRIPT =
  'if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("DEL", KEYS[1]) end return 0';

/** Options of {@linkcode RedisStateStore}. */
export interface RedisStateStoreOptions extends StateStoreOptions {
  /** Prefix of every key (default `osauth:`): entries `<prefix><key>`, leases `<prefix><key>:lease`. */
  prefix?: string;
}

const STORE = "RedisStateStore";

/**
 * A {@linkcode AuthStateStore} in Redis. Values expire with `PX` (Redis'
 * clock, so machines with skewed clocks agree); leases are `SET NX PX`, so
 * one holder at a time across every machine, and a holder that died frees
 * its lease when the `PX` runs out. Releasing is `GET` then `DEL` when the
 * lease is still ours.
 *
 * @example node-redis
 * ```ts
 * import { createClient } from "npm:redis@^6";
 * import { RedisStateStore } from "jsr:@x/osauth/stores";
 *
 * const redis = createClient({ url: "redis://127.0.0.1:6379" });
 * const secretBytes = new Uint8Array(32); // 32 bytes from your secret manager, the same everywhere
 * const encryptionKey = await crypto.subtle.importKey(
 *   "raw", secretBytes, "AES-GCM", false, ["encrypt", "decrypt"],
 * );
 * const stateStore = new RedisStateStore(redis, { encryptionKey });
 * // then `await redis.connect()` before the first authentication (it needs the server)
 * ```
 *
 * @example ioredis
 * ```ts
 * import { Redis } from "npm:ioredis@^6";
 * import { RedisStateStore } from "jsr:@x/osauth/stores";
 *
 * const redis = new Redis("redis://127.0.0.1:6379", { lazyConnect: true }); // connects on use
 * const secretBytes = new Uint8Array(32); // 32 bytes from your secret manager, the same everywhere
 * const encryptionKey = await crypto.subtle.importKey(
 *   "raw", secretBytes, "AES-GCM", false, ["encrypt", "decrypt"],
 * );
 * const stateStore = new RedisStateStore({
 *   get: (k) => redis.get(k),
 *   set: (k, v, o) => o.NX ? redis.set(k, v, "PX", o.PX, "NX") : redis.set(k, v, "PX", o.PX),
 *   del: (k) => redis.del(k),
 * }, { encryptionKey });
 * ```
 */
export class RedisStateStore implements AuthStateStore {
  #client: RedisClientLike;
  #prefix: string;
  #key: CryptoKey | undefined;
  #now: () => number;

  /** Creates the store on a connected client. */
  constructor(client: RedisClientLike, options: RedisStateStoreOptions = {}) {
    if (
      typeof client !== "object" || client === null || typeof client.get !== "function" ||
      typeof client.set !== "function" || typeof client.del !== "function" ||
      (client.eval !== undefined && typeof client.eval !== "function")
    ) {
      throw new OptionError(
        `${STORE}: client must have get, set and del, and eval only as a function ` +
          "(see RedisClientLike for the adapter line)",
      );
    }
    const prefix = options?.prefix ?? "osauth:";
    if (typeof prefix !== "string") throw new OptionError(`${STORE}: prefix must be a string`);
    this.#client = client;
    this.#prefix = prefix;
    this.#key = checkEncryptionKey(options?.encryptionKey, STORE);
    this.#now = checkClock(options?.now, STORE);
  }

  #name(key: string): string {
    return this.#prefix + checkKey(key, STORE);
  }

  /** `GET <prefix><key>`. */
  async get(key: string): Promise<string | undefined> {
    const value = await this.#client.get(this.#name(key));
    if (value === null || value === undefined) return undefined;
    if (typeof value !== "string") throw new Error(`${STORE}: GET did not return a string`);
    return await openValue(this.#key, key, value);
  }

  /** `SET <prefix><key> value PX <ms until expiresAt>` (deleted when already expired). */
  async set(key: string, value: string, expiresAt: number): Promise<void> {
    const name = this.#name(key);
    const ttl = Math.ceil(expiresAt - this.#now());
    if (ttl <= 0) {
      await this.#client.del(name);
      return;
    }
    await this.#client.set(name, await sealValue(this.#key, key, value), { PX: ttl });
  }

  /** `DEL <prefix><key>`. */
  async delete(key: string): Promise<void> {
    await this.#client.del(this.#name(key));
  }

  /**
   * `SET <prefix><key>:lease <owner> PX ttlMs NX`: a lease when Redis answers
   * OK. Its release deletes the lease only while it is still this owner's
   * (atomically with the client's `eval`, else `GET` then `DEL`).
   */
  async acquire(key: string, ttlMs: number): Promise<AuthStateLease | undefined> {
    const name = `${this.#name(key)}:lease`;
    const owner = ownerId();
    const res = await this.#client.set(name, owner, { PX: checkTtl(ttlMs, STORE), NX: true });
    if (res !== "OK") return undefined;
    const client = this.#client;
    return {
      release: async () => {
        if (typeof client.eval === "function") {
          // One step: a lease that expired and was taken over meanwhile stays the new holder's.
          await client.eval(RELEASE_SCRIPT, { keys: [name], arguments: [owner] });
        } else if ((await client.get(name)) === owner) {
          await client.del(name);
        }
      },
    };
  }
}

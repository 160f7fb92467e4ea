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
 * The three Redis commands the store sends. Clients differ in how they
 * spell `SET key value PX ms NX`, so pass an object with one line per
 * command. For the `redis` npm package (node-redis 4 and later):
 *
 * ```ts ignore
 * const client: RedisClientLike = {
 *   get: (k) => redis.get(k),
 *   set: (k, v, ms, nx) => redis.set(k, v, nx ? { PX: ms, NX: true } : { PX: ms }),
 *   del: (k) => redis.del(k),
 * };
 * ```
 *
 * For `ioredis`:
 *
 * ```ts ignore
 * const client: RedisClientLike = {
 *   get: (k) => redis.get(k),
 *   set: (k, v, ms, nx) => nx ? redis.set(k, v, "PX", ms, "NX") : redis.set(k, v, "PX", ms),
 *   del: (k) => redis.del(k),
 * };
 * ```
 */
export interface RedisClientLike {
  /** `GET key`: the value, or `null`/`undefined` when there is none. */
  get(key: string): Promise<string | null | undefined>;
  /**
   * `SET key value PX ttlMs`, with `NX` when `onlyIfAbsent`: resolves to
   * `"OK"` when the value was set, `null` when `NX` found the key.
   */
  set(key: string, value: string, ttlMs: number, onlyIfAbsent: boolean): Promise<unknown>;
  /** `DEL key`. */
  del(key: string): Promise<unknown>;
}

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
 * ```ts ignore
 * import { createClient } from "redis";
 * import { RedisStateStore } from "jsr:@x/osauth/stores";
 * const redis = await createClient({ url: "redis://127.0.0.1:6379" }).connect();
 * const stateStore = new RedisStateStore({
 *   get: (k) => redis.get(k),
 *   set: (k, v, ms, nx) => redis.set(k, v, nx ? { PX: ms, NX: true } : { PX: ms }),
 *   del: (k) => redis.del(k),
 * }, { encryptionKey: key });
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
      typeof client.set !== "function" || typeof client.del !== "function"
    ) {
      throw new OptionError(
        `${STORE}: client must have get, set and del (see RedisClientLike for the adapter line)`,
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
    await this.#client.set(name, await sealValue(this.#key, key, value), ttl, false);
  }

  /** `DEL <prefix><key>`. */
  async delete(key: string): Promise<void> {
    await this.#client.del(this.#name(key));
  }

  /** `SET <prefix><key>:lease <owner> PX ttlMs NX`: a lease when Redis answers OK. */
  async acquire(key: string, ttlMs: number): Promise<AuthStateLease | undefined> {
    const name = `${this.#name(key)}:lease`;
    const owner = ownerId();
    const res = await this.#client.set(name, owner, checkTtl(ttlMs, STORE), true);
    if (res !== "OK") return undefined;
    return {
      release: async () => {
        if ((await this.#client.get(name)) === owner) await this.#client.del(name);
      },
    };
  }
}

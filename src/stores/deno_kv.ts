/**
 * `DenoKvStateStore`: auth states in Deno KV, shared by the isolates of a
 * Deno Deploy app (FoundationDB behind it) or by the processes using one
 * local KV file (SQLite).
 *
 * @module
 */
import { OptionError } from "../errors.ts";
import type { AuthStateLease, AuthStateStore, StateStoreOptions } from "./interface.ts";
import {
  checkClock,
  checkEncryptionKey,
  checkKey,
  checkRecord,
  checkTtl,
  openValue,
  ownerId,
  sealValue,
} from "./codec.ts";
import { StateEntryUnreadable } from "./errors.ts";

/** A Deno KV key (`Deno.KvKey`). */
export type DenoKvKey = readonly (string | number | bigint | boolean | Uint8Array)[];

/** An entry read from Deno KV (`Deno.KvEntryMaybe`). */
export interface DenoKvEntryLike {
  /** The value, `null` when there is none. */
  readonly value: unknown;
  /** The entry's version, `null` when there is none. */
  readonly versionstamp: string | null;
}

/** The part of `Deno.AtomicOperation` the store uses. */
export interface DenoKvAtomicLike {
  /** Fails the commit unless the key still has this versionstamp. */
  check(...checks: { key: DenoKvKey; versionstamp: string | null }[]): DenoKvAtomicLike;
  /** Sets a key. */
  set(key: DenoKvKey, value: unknown, options?: { expireIn?: number }): DenoKvAtomicLike;
  /** Deletes a key. */
  delete(key: DenoKvKey): DenoKvAtomicLike;
  /** Commits; `ok: false` when a check failed. */
  commit(): Promise<{ ok: boolean }>;
}

/**
 * The part of `Deno.Kv` the store uses: a `Deno.Kv` from `Deno.openKv()`
 * fits (the type is structural so that this module type-checks without
 * Deno's unstable types).
 */
export interface DenoKvLike {
  /** Reads one key. */
  get(key: DenoKvKey): Promise<DenoKvEntryLike>;
  /** Reads several keys at once (at most 10). */
  getMany(keys: DenoKvKey[]): Promise<DenoKvEntryLike[]>;
  /** Sets a key, optionally expiring. */
  set(key: DenoKvKey, value: unknown, options?: { expireIn?: number }): Promise<unknown>;
  /** Deletes a key. */
  delete(key: DenoKvKey): Promise<void>;
  /** Starts an atomic operation. */
  atomic(): DenoKvAtomicLike;
}

/** Options of {@linkcode DenoKvStateStore}. */
export interface DenoKvStateStoreOptions extends StateStoreOptions {
  /** The key prefix (default `["osauth"]`): entries are `[...prefix, "state", key]`. */
  prefix?: DenoKvKey;
}

const STORE = "DenoKvStateStore";
/** Deno KV values are limited to 64 KiB: longer values are split (UTF-16 worst case). */
const CHUNK = 30_000;
/** One record plus at most 9 chunks: one `getMany` reads them all. */
const MAX_CHUNKS = 9;

/** Attempts of an operation that SQLite refused with "database is locked" (local KV, many processes). */
const LOCKED_ATTEMPTS = 8;

function isLocked(err: unknown): boolean {
  return err instanceof Error && /database is locked|SQLITE_BUSY/i.test(err.message);
}

/**
 * Runs `op`, again after a short pause when a local (SQLite) KV says the
 * database is locked because another process is writing.
 */
async function unlocked<T>(op: () => Promise<T>): Promise<T> {
  for (let attempt = 1;; attempt++) {
    try {
      return await op();
    } catch (err) {
      if (!isLocked(err) || attempt >= LOCKED_ATTEMPTS) throw err;
      const pause = Math.min(200, 5 * 2 ** attempt) * (0.5 + Math.random() / 2);
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  }
}

interface KvRecord {
  v: 1;
  expiresAt: number;
  value: string;
  /** For a split value: the id of the write its chunks belong to, and how many there are. */
  gen?: string;
  chunks?: number;
}

interface KvLease {
  owner: string;
  expiresAt: number;
}

/**
 * A {@linkcode AuthStateStore} in Deno KV. Entries are written with
 * `expireIn` and their expiry is checked again on read (KV deletes expired
 * keys only eventually). Leases are taken with an atomic versionstamp check,
 * so exactly one isolate or process holds one at a time; an expired lease is
 * taken over. Values longer than 30,000 characters (large catalogs) are
 * split into chunks written in the same atomic operation.
 *
 * Deno: `Deno.openKv()` needs `--unstable-kv` locally (Deno 2.9; not on
 * Deno Deploy), and a path-based KV needs `--allow-read` and `--allow-write`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Session, v3 } from "jsr:@x/osauth";
 * import { DenoKvStateStore } from "jsr:@x/osauth/stores";
 * import { FakeCloud } from "jsr:@x/osauth/testing";
 *
 * const cloud = new FakeCloud(); // stands in for https://keystone.example.com:5000
 * const server = await cloud.serve();
 * const kv = await Deno.openKv(":memory:"); // Deno.openKv() on Deno Deploy, or a file path
 * const key = await crypto.subtle.importKey(
 *   "raw", new Uint8Array(32), "AES-GCM", false, ["encrypt", "decrypt"],
 * ); // use 32 secret bytes of your own
 * const plugin = () =>
 *   new v3.ApplicationCredential({
 *     authUrl: server.authUrl, // "https://keystone.example.com:5000/v3"
 *     applicationCredentialId: "ac-admin", applicationCredentialSecret: "ac-secret",
 *     stateStore: new DenoKvStateStore(kv, { encryptionKey: key }),
 *   });
 *
 * // Two plugins on one KV, as two isolates have them: one token for both.
 * for (const auth of [plugin(), plugin()]) await new Session({ auth }).getAccess();
 * assert.equal(cloud.stats.tokenRequests, 1);
 * kv.close();
 * await server.close();
 * ```
 */
export class DenoKvStateStore implements AuthStateStore {
  #kv: DenoKvLike;
  #prefix: DenoKvKey;
  #key: CryptoKey | undefined;
  #now: () => number;

  /** Creates the store on an open `Deno.Kv`. */
  constructor(kv: DenoKvLike, options: DenoKvStateStoreOptions = {}) {
    if (
      typeof kv !== "object" || kv === null || typeof kv.get !== "function" ||
      typeof kv.set !== "function" || typeof kv.atomic !== "function"
    ) {
      throw new OptionError(`${STORE}: kv must be a Deno.Kv (await Deno.openKv())`);
    }
    const prefix = options?.prefix ?? ["osauth"];
    if (!Array.isArray(prefix)) throw new OptionError(`${STORE}: prefix must be a key array`);
    this.#kv = kv;
    this.#prefix = [...prefix];
    this.#key = checkEncryptionKey(options?.encryptionKey, STORE);
    this.#now = checkClock(options?.now, STORE);
  }

  #stateKey(key: string): DenoKvKey {
    return [...this.#prefix, "state", checkKey(key, STORE)];
  }

  /** The value under `key`, unless missing or expired (checked here, not only by `expireIn`). */
  async get(key: string): Promise<string | undefined> {
    const k = this.#stateKey(key);
    const entry = await unlocked(() => this.#kv.get(k));
    if (entry.value === null || entry.value === undefined) return undefined;
    const record = checkRecord(entry.value, "the Deno KV entry") as KvRecord;
    if (record.expiresAt <= this.#now()) return undefined;
    let value = record.value;
    if (record.gen !== undefined || record.chunks !== undefined) {
      const n = record.chunks;
      if (typeof record.gen !== "string" || typeof n !== "number" || n < 1 || n > MAX_CHUNKS) {
        throw new StateEntryUnreadable("the Deno KV entry has a broken chunk list");
      }
      const keys = Array.from({ length: n }, (_, i) => [...k, record.gen!, i]);
      const parts = await unlocked(() => this.#kv.getMany(keys));
      for (const part of parts) {
        if (typeof part.value !== "string") {
          throw new StateEntryUnreadable("a chunk of the Deno KV entry is missing");
        }
        value += part.value;
      }
    }
    return await openValue(this.#key, key, value);
  }

  /** Stores `value` until `expiresAt` (with `expireIn`), split into chunks when long. */
  async set(key: string, value: string, expiresAt: number): Promise<void> {
    const k = this.#stateKey(key);
    const ttl = Math.ceil(expiresAt - this.#now());
    if (ttl <= 0) return await unlocked(() => this.#kv.delete(k));
    const sealed = await sealValue(this.#key, key, value);
    if (sealed.length <= CHUNK) {
      const record: KvRecord = { v: 1, expiresAt, value: sealed };
      await unlocked(() => this.#kv.set(k, record, { expireIn: ttl }));
      return;
    }
    const chunks = Math.ceil(sealed.length / CHUNK) - 1;
    if (chunks > MAX_CHUNKS) {
      throw new OptionError(
        `${STORE}: the value is ${sealed.length} characters, more than Deno KV can take ` +
          `in one atomic write here (${(MAX_CHUNKS + 1) * CHUNK})`,
      );
    }
    const gen = ownerId();
    const record: KvRecord = { v: 1, expiresAt, value: sealed.slice(0, CHUNK), gen, chunks };
    const res = await unlocked(() => {
      let op = this.#kv.atomic();
      for (let i = 0; i < chunks; i++) {
        const part = sealed.slice((i + 1) * CHUNK, (i + 2) * CHUNK);
        op = op.set([...k, gen, i], part, { expireIn: ttl });
      }
      return op.set(k, record, { expireIn: ttl }).commit();
    });
    if (!res.ok) throw new Error(`${STORE}: the atomic write failed`);
  }

  /** Removes the entry under `key` (chunks expire on their own). */
  async delete(key: string): Promise<void> {
    const k = this.#stateKey(key);
    await unlocked(() => this.#kv.delete(k));
  }

  /**
   * A lease on `key` for `ttlMs`: set only if the lease key still has the
   * versionstamp just read (absent, or an expired lease), so one caller wins.
   */
  async acquire(key: string, ttlMs: number): Promise<AuthStateLease | undefined> {
    const ttl = checkTtl(ttlMs, STORE);
    const leaseKey = [...this.#prefix, "lease", checkKey(key, STORE)];
    const current = await unlocked(() => this.#kv.get(leaseKey));
    const held = current.value as Partial<KvLease> | null;
    const now = this.#now();
    if (held && typeof held.expiresAt === "number" && held.expiresAt > now) return undefined;
    const owner = ownerId();
    const lease: KvLease = { owner, expiresAt: now + ttl };
    let res: { ok: boolean };
    try {
      res = await this.#kv.atomic()
        .check({ key: leaseKey, versionstamp: current.versionstamp })
        .set(leaseKey, lease, { expireIn: ttl })
        .commit();
    } catch (err) {
      if (isLocked(err)) return undefined; // another process is writing: most likely its lease
      throw err;
    }
    if (!res.ok) return undefined;
    return {
      release: async () => {
        await unlocked(async () => {
          const mine = await this.#kv.get(leaseKey);
          if ((mine.value as Partial<KvLease> | null)?.owner !== owner) return;
          await this.#kv.atomic()
            .check({ key: leaseKey, versionstamp: mine.versionstamp })
            .delete(leaseKey)
            .commit();
        });
      },
    };
  }
}

/**
 * Shared auth state stores (`jsr:@x/osauth/stores`): give one to an identity
 * plugin as `stateStore` and every process, isolate or machine using the same
 * store and credentials shares one token, and only one of them authenticates
 * at a time.
 *
 * - {@linkcode MemoryStateStore}: the plugins of one process or isolate.
 * - {@linkcode FileStateStore}: the processes of one machine (Deno, Node, Bun).
 * - {@linkcode DenoKvStateStore}: the isolates of a Deno Deploy app, or processes on one KV file.
 * - {@linkcode RedisStateStore}: processes on many machines, with your Redis client.
 *
 * Any object with `get`, `set`, `delete` (and `acquire` for single flight) is
 * a store too ({@linkcode AuthStateStore}): a Durable Object, a database table.
 *
 * @example
 * ```ts
 * import { FileStateStore } from "jsr:@x/osauth/stores";
 * import { Session, v3 } from "jsr:@x/osauth";
 * const auth = new v3.Password({
 *   authUrl: "http://127.0.0.1:5000/v3",
 *   userId: "u1", password: "pw", projectId: "p1",
 *   stateStore: new FileStateStore({ dir: "/tmp/osauth-example" }),
 * });
 * const session = new Session({ auth });
 * ```
 *
 * @module
 */
export type { AuthStateLease, AuthStateStore, StateStoreOptions } from "./interface.ts";
export type { CryptoKeyLike } from "../util/web_types.ts";
export { StateEntryUnreadable } from "./errors.ts";
export { MemoryStateStore } from "./memory.ts";
export { FileStateStore, type FileStateStoreOptions } from "./file.ts";
export {
  type DenoKvAtomicLike,
  type DenoKvEntryLike,
  type DenoKvKey,
  type DenoKvLike,
  DenoKvStateStore,
  type DenoKvStateStoreOptions,
} from "./deno_kv.ts";
export { type RedisClientLike, RedisStateStore, type RedisStateStoreOptions } from "./redis.ts";

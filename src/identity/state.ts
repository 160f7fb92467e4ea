/**
 * Auth state shared across processes: the cache id (keystoneauth1's
 * `get_cache_id`), the auth state string (`get_auth_state` /
 * `set_auth_state`), and the authenticate step that reads a shared store
 * before asking Keystone, takes a lease so that one process of many does,
 * and writes what it got.
 *
 * @module
 */
import { AccessInfo } from "../access/access_info.ts";
import { ConnectTimeout, OptionError } from "../errors.ts";
import type { AuthStateLease, AuthStateStore } from "../stores/interface.ts";
import { StateEntryUnreadable } from "../stores/errors.ts";
import type { AuthContext, Logger } from "../types.ts";

/**
 * What makes a plugin's credentials and scope unique (keystoneauth1's
 * `get_cache_id_elements`): a flat record; `undefined` and `null` values are
 * left out of the hash.
 */
export type CacheIdElements = Readonly<Record<string, string | undefined | null>>;

/** A plugin's cache id and the store key derived from it. */
export interface CacheIdentity {
  /** keystoneauth1's `get_cache_id`: base64 of the SHA-256 of the sorted elements. */
  readonly id: string;
  /** The store key: `osauth-` and the same digest in hex (safe in file names and URLs). */
  readonly key: string;
}

const encoder = new TextEncoder();

/**
 * The cache id of `elements`, computed as keystoneauth1 does: for each key in
 * sorted order whose value is not `undefined`/`null`, the UTF-8 bytes of the
 * key then of the value go into one SHA-256; the id is its base64.
 * {@linkcode OptionError} when `elements` is `undefined` (the plugin cannot
 * be cached).
 */
export async function cacheIdentity(
  elements: CacheIdElements | undefined,
  plugin: string,
): Promise<CacheIdentity> {
  if (elements === undefined) {
    throw new OptionError(
      `${plugin} has no cache id: it does not define getCacheIdElements(), ` +
        "so its auth state cannot be shared",
    );
  }
  const parts: Uint8Array[] = [];
  for (const k of Object.keys(elements).sort()) {
    const v = elements[k];
    if (v === undefined || v === null) continue;
    parts.push(encoder.encode(k), encoder.encode(String(v)));
  }
  const total = parts.reduce((n, p) => n + p.length, 0);
  const data = new Uint8Array(total);
  let offset = 0;
  for (const p of parts) {
    data.set(p, offset);
    offset += p.length;
  }
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", data));
  let bin = "";
  let hex = "";
  for (const b of digest) {
    bin += String.fromCharCode(b);
    hex += b.toString(16).padStart(2, "0");
  }
  return { id: btoa(bin), key: `osauth-${hex}` };
}

/** Throws {@linkcode OptionError} unless `store` has the methods of an {@linkcode AuthStateStore}. */
export function checkStateStore(store: unknown, plugin: string): AuthStateStore {
  const s = store as Partial<AuthStateStore> | null;
  if (
    typeof s !== "object" || s === null || typeof s.get !== "function" ||
    typeof s.set !== "function" || typeof s.delete !== "function" ||
    (s.acquire !== undefined && typeof s.acquire !== "function")
  ) {
    throw new OptionError(`${plugin}: stateStore must have get, set and delete methods`);
  }
  return s as AuthStateStore;
}

/** keystoneauth1's auth state: `{"auth_token": <token>, "body": <token response body>}`. */
export function encodeAuthState(access: AccessInfo | undefined): string | undefined {
  if (!access) return undefined;
  return JSON.stringify({ auth_token: access.token, body: access.body });
}

function rec(v: unknown): Record<string, unknown> | undefined {
  return typeof v === "object" && v !== null && !Array.isArray(v)
    ? v as Record<string, unknown>
    : undefined;
}

/** The same access info with another token id (a v2 state naming its token apart from the body). */
function withToken(a: AccessInfo, token: string): AccessInfo {
  return new AccessInfo({
    version: a.version,
    token,
    expiresAt: a.expiresAt,
    issuedAt: a.issuedAt,
    user: a.user,
    project: a.project,
    domain: a.domain,
    system: a.system,
    trustId: a.trustId,
    roles: [...a.roles],
    methods: [...a.methods],
    catalog: a.catalog,
    auditIds: [...a.auditIds],
    body: a.body,
  });
}

/**
 * Parses an auth state (keystoneauth1's `set_auth_state`): `undefined`,
 * `null` or `""` mean none; a v3 body (`token`) needs `auth_token`, a v2.0
 * body (`access`) carries its token id. {@linkcode OptionError} when the
 * state is not one (the message never holds the token).
 */
export function decodeAuthState(state: unknown, what = "setAuthState"): AccessInfo | undefined {
  if (state === undefined || state === null || state === "") return undefined;
  if (typeof state !== "string") throw new OptionError(`${what}: the auth state must be a string`);
  let data: Record<string, unknown> | undefined;
  try {
    data = rec(JSON.parse(state));
  } catch {
    throw new OptionError(`${what}: the auth state is not JSON`);
  }
  const body = rec(data?.body);
  if (!data || !body) {
    throw new OptionError(`${what}: the auth state has no "body" object`);
  }
  const token = data.auth_token;
  if (token !== undefined && token !== null && typeof token !== "string") {
    throw new OptionError(`${what}: "auth_token" must be a string`);
  }
  try {
    if ("token" in body) {
      if (!token) throw new OptionError(`${what}: a v3 auth state needs "auth_token"`);
      return AccessInfo.fromV3(token, body);
    }
    if ("access" in body) {
      const access = AccessInfo.fromV2(body);
      return token && token !== access.token ? withToken(access, token) : access;
    }
  } catch (err) {
    if (err instanceof OptionError) throw err;
    throw new OptionError(`${what}: ${(err as Error).message}`, { cause: err });
  }
  throw new OptionError(`${what}: the body is neither a v3 ("token") nor a v2.0 ("access") one`);
}

/**
 * Bounds of one wait for another process's authentication. Callers with a
 * request in hand pass its signal and deadline, so that the wait never
 * outlasts the request.
 */
export interface SharedAuthWait {
  /** Aborts the wait (rejects with the signal's reason). */
  signal?: AbortSignal;
  /** `Date.now()` value after which the wait fails with `ConnectTimeout`. */
  deadline?: number;
}

/** How long a lease lasts without a session `timeout` (ms). */
export const DEFAULT_LEASE_MS = 10_000;
/** First and longest pause between two looks at the store while another process authenticates. */
const FIRST_PAUSE_MS = 5;
const LONGEST_PAUSE_MS = 50;
/** Rejected tokens remembered, so that an entry holding one is not taken again. */
const REJECTED_KEPT = 8;

/** What the plugin writes: keystoneauth1's auth state plus the cache id it belongs to. */
interface StoredState {
  auth_token: string;
  body: unknown;
  cache_id: string;
}

function short(key: string): string {
  return key.slice(0, 19); // "osauth-" and 12 hex digits: enough to tell entries apart in logs
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

function describe(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

/**
 * The shared half of an identity plugin's token cache: one per plugin with
 * a `stateStore`. {@linkcode SharedAuthState.authenticate} stands in for the
 * plugin's own token request when its memory has no valid token.
 */
export class SharedAuthState {
  /** The store. */
  readonly store: AuthStateStore;
  #identity: () => Promise<CacheIdentity>;
  #marginMs: number;
  #invalidation: Promise<void> | undefined;
  #rejected: string[] = [];
  #logger: Logger | undefined;

  /**
   * `identity` gives the plugin's cache id (rejecting when it has none);
   * `marginSeconds` is the refresh margin: a stored token that expires within
   * it is not used.
   */
  constructor(
    store: AuthStateStore,
    identity: () => Promise<CacheIdentity>,
    marginSeconds: number,
  ) {
    this.store = store;
    this.#identity = identity;
    this.#marginMs = marginSeconds * 1000;
  }

  #debug(msg: string): void {
    this.#logger?.debug(`osauth shared auth state: ${msg}`);
  }

  #warn(msg: string): void {
    const text = `osauth shared auth state: ${msg}`;
    if (this.#logger?.warn) this.#logger.warn(text);
    else console.warn(text);
  }

  /** A usable state under the key, or `undefined` (a miss; unreadable entries are logged). */
  async #read(id: CacheIdentity, session: AuthContext): Promise<AccessInfo | undefined> {
    let raw: string | undefined;
    try {
      raw = await this.store.get(id.key);
    } catch (err) {
      if (!(err instanceof StateEntryUnreadable)) throw err;
      this.#debug(`ignored the entry ${short(id.key)}: ${err.message}`);
      return undefined;
    }
    if (raw === undefined) return undefined;
    let stored: Partial<StoredState> | undefined;
    try {
      stored = rec(JSON.parse(raw)) as Partial<StoredState> | undefined;
    } catch {
      stored = undefined;
    }
    if (!stored) {
      this.#debug(`ignored the entry ${short(id.key)}: corrupted or truncated`);
      return undefined;
    }
    if (stored.cache_id !== id.id) {
      this.#debug(`ignored the entry ${short(id.key)}: it belongs to another cache id`);
      return undefined;
    }
    let access: AccessInfo | undefined;
    try {
      access = decodeAuthState(raw, "the stored auth state");
    } catch (err) {
      this.#debug(`ignored the entry ${short(id.key)}: ${(err as Error).message}`);
      return undefined;
    }
    if (!access) return undefined;
    if (access.willExpireSoon(session.now(), this.#marginMs / 1000)) {
      this.#debug(`ignored the entry ${short(id.key)}: its token expires within the margin`);
      return undefined;
    }
    if (this.#rejected.includes(access.token)) {
      this.#debug(`ignored the entry ${short(id.key)}: its token was refused (401)`);
      return undefined;
    }
    this.#debug(`using the token stored under ${short(id.key)}`);
    return access;
  }

  async #write(id: CacheIdentity, access: AccessInfo, session: AuthContext): Promise<void> {
    const expiresAt = access.expiresAt.getTime() - this.#marginMs;
    if (expiresAt <= session.now()) return; // a token that short-lived is of no use to others
    const state: StoredState = { auth_token: access.token, body: access.body, cache_id: id.id };
    try {
      await this.store.set(id.key, JSON.stringify(state), expiresAt);
      this.#debug(`stored the new token under ${short(id.key)}`);
    } catch (err) {
      this.#warn(
        `writing ${short(id.key)} failed (${
          describe(err)
        }); other processes will not see the token`,
      );
    }
  }

  /**
   * A token for the plugin: from the store when it holds a valid one for
   * this cache id; else from `fresh` (the plugin's own request), under the
   * store's lease when it has one, and then written to the store. Processes
   * that find the lease taken wait for the holder's token, with growing
   * pauses (5 to 50 ms), at most until `wait.deadline` (then
   * `ConnectTimeout`) or `wait.signal` aborts; without a deadline, up to
   * twice the lease and a second, after which they authenticate directly.
   * A lease lasts the session's `timeout`, or 10 s. A failing store is
   * warned about and bypassed: the request goes on with `fresh`.
   */
  async authenticate(
    session: AuthContext,
    fresh: () => Promise<AccessInfo>,
    wait: SharedAuthWait = {},
  ): Promise<AccessInfo> {
    this.#logger = session.logger;
    let id: CacheIdentity;
    try {
      id = await this.#identity();
    } catch (err) {
      this.#warn(`${(err as Error).message}; authenticating without the store`);
      return await fresh();
    }
    await this.#invalidation;
    const store = this.store;
    try {
      const hit = await this.#read(id, session);
      if (hit) return hit;
    } catch (err) {
      this.#warn(`reading ${short(id.key)} failed (${describe(err)}); authenticating directly`);
      return await fresh();
    }
    if (typeof store.acquire !== "function") {
      const access = await fresh();
      await this.#write(id, access, session);
      return access;
    }
    const ttl = session.timeout ?? DEFAULT_LEASE_MS;
    const started = Date.now();
    const giveUpAt = started + 2 * ttl + 1000;
    let pause = FIRST_PAUSE_MS;
    for (let round = 0;; round++) {
      wait.signal?.throwIfAborted();
      let lease: AuthStateLease | undefined;
      try {
        lease = await store.acquire(id.key, ttl);
      } catch (err) {
        this.#warn(
          `taking the lease on ${short(id.key)} failed (${describe(err)}); authenticating directly`,
        );
        return await fresh();
      }
      if (lease) return await this.#asHolder(id, lease, session, fresh);
      if (round === 0) {
        this.#debug(`waiting for another process to authenticate (${short(id.key)})`);
      }
      const now = Date.now();
      if (wait.deadline !== undefined && now >= wait.deadline) {
        throw new ConnectTimeout(
          `timed out after ${now - started} ms waiting for another process to authenticate ` +
            "(shared auth state lease)",
        );
      }
      if (now >= giveUpAt) {
        this.#warn(
          `no token appeared under ${short(id.key)} in ${
            now - started
          } ms; authenticating directly`,
        );
        return await fresh();
      }
      const jittered = pause / 2 + Math.random() * pause / 2;
      const until = Math.min(giveUpAt, wait.deadline ?? Infinity);
      await sleep(Math.max(1, Math.min(jittered, until - now)), wait.signal);
      pause = Math.min(pause * 1.5, LONGEST_PAUSE_MS);
      try {
        const hit = await this.#read(id, session);
        if (hit) return hit;
      } catch (err) {
        this.#warn(`reading ${short(id.key)} failed (${describe(err)}); authenticating directly`);
        return await fresh();
      }
    }
  }

  /** With the lease: look once more (the last holder may just have written), then authenticate. */
  async #asHolder(
    id: CacheIdentity,
    lease: AuthStateLease,
    session: AuthContext,
    fresh: () => Promise<AccessInfo>,
  ): Promise<AccessInfo> {
    try {
      let again: AccessInfo | undefined;
      try {
        again = await this.#read(id, session);
      } catch {
        again = undefined; // the store failed between two calls: authenticate anyway
      }
      if (again) return again;
      this.#debug(`took the lease on ${short(id.key)}; authenticating`);
      const access = await fresh();
      await this.#write(id, access, session);
      return access;
    } finally {
      try {
        await lease.release();
      } catch (err) {
        this.#warn(`releasing the lease on ${short(id.key)} failed (${describe(err)})`);
      }
    }
  }

  /**
   * The plugin's token `token` was refused (a 401): the shared entry is
   * deleted when it still holds that token (not when another process has
   * already replaced it), and an entry holding it is not used again here.
   * The next {@linkcode SharedAuthState.authenticate} waits for the delete.
   */
  invalidate(token: string): void {
    this.#rejected.push(token);
    if (this.#rejected.length > REJECTED_KEPT) this.#rejected.shift();
    const previous = this.#invalidation;
    this.#invalidation = (async () => {
      await previous;
      const id = await this.#identity();
      let raw: string | undefined;
      try {
        raw = await this.store.get(id.key);
      } catch (err) {
        if (!(err instanceof StateEntryUnreadable)) throw err;
        raw = undefined;
        await this.store.delete(id.key); // unreadable: of no use to anyone
        return;
      }
      if (raw === undefined) return;
      let stored: Partial<StoredState> | undefined;
      try {
        stored = rec(JSON.parse(raw)) as Partial<StoredState> | undefined;
      } catch {
        stored = undefined;
      }
      if (!stored || stored.auth_token === token) {
        await this.store.delete(id.key);
        this.#debug(`deleted the refused token's entry ${short(id.key)}`);
      }
    })().catch((err) => {
      if (err instanceof OptionError && /has no cache id/.test(err.message)) return;
      this.#warn(`deleting the refused token's entry failed (${describe(err)})`);
    });
  }
}

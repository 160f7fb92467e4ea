/**
 * `FileStateStore`: auth states shared by the processes of one machine
 * (CLI runs, cron jobs, workers), one file per entry in a private directory.
 * Runs on Deno (its own file API) and on Node and Bun (`node:fs/promises`,
 * loaded on first use, so importing the module needs no file system).
 *
 * @module
 */
import { OptionError } from "../errors.ts";
import type { AuthStateLease, AuthStateStore, StateStoreOptions } from "./interface.ts";
import {
  checkClock,
  checkEncryptionKey,
  checkRecord,
  checkTtl,
  openValue,
  ownerId,
  sealValue,
  type StoredRecord,
} from "./codec.ts";
import { StateEntryUnreadable } from "./errors.ts";

/** Options of {@linkcode FileStateStore}. */
export interface FileStateStoreOptions extends StateStoreOptions {
  /**
   * The directory (created with mode 0700 when missing; an existing one is
   * made 0700). Default `$XDG_CACHE_HOME/osauth`, else `~/.cache/osauth`
   * (Windows: `%LOCALAPPDATA%\osauth`).
   */
  dir?: string;
}

type Env = Record<string, string | undefined>;

/** What the store needs of a file's status. */
interface FileInfo {
  isFile: boolean;
  isDirectory: boolean;
  /** Permission bits (0 where the OS has none). */
  mode: number;
  mtimeMs: number;
}

/** The file operations the store uses, on Deno's API or on `node:fs/promises`. */
interface Fs {
  mkdirs(path: string, mode: number): Promise<void>;
  stat(path: string): Promise<FileInfo>;
  lstat(path: string): Promise<FileInfo>;
  chmod(path: string, mode: number): Promise<void>;
  readText(path: string): Promise<string>;
  /** Creates `path` with `text` and `mode`; fails (EEXIST) when it exists. */
  writeNew(path: string, text: string, mode: number): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  unlink(path: string): Promise<void>;
  link(existing: string, path: string): Promise<void>;
}

interface DenoStat {
  isFile: boolean;
  isDirectory: boolean;
  mode: number | null;
  mtime: Date | null;
}

interface DenoEnv {
  env: { get(name: string): string | undefined };
  permissions?: { querySync?(d: { name: "env"; variable: string }): { state: string } };
  build: { os: string };
  mkdir(path: string, options: { recursive: boolean; mode: number }): Promise<void>;
  stat(path: string): Promise<DenoStat>;
  lstat(path: string): Promise<DenoStat>;
  chmod(path: string, mode: number): Promise<void>;
  readTextFile(path: string): Promise<string>;
  writeTextFile(
    path: string,
    text: string,
    options: { createNew: boolean; mode: number },
  ): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  remove(path: string): Promise<void>;
  link(existing: string, path: string): Promise<void>;
}

function denoInfo(st: DenoStat): FileInfo {
  return {
    isFile: st.isFile,
    isDirectory: st.isDirectory,
    mode: st.mode ?? 0,
    mtimeMs: st.mtime?.getTime() ?? 0,
  };
}

/** Deno's own API: `node:fs` on Deno costs ~20 ms to load in every process. */
function denoFs(deno: DenoEnv): Fs {
  return {
    mkdirs: (path, mode) => deno.mkdir(path, { recursive: true, mode }),
    stat: async (path) => denoInfo(await deno.stat(path)),
    lstat: async (path) => denoInfo(await deno.lstat(path)),
    chmod: (path, mode) => deno.chmod(path, mode),
    readText: (path) => deno.readTextFile(path),
    writeNew: (path, text, mode) => deno.writeTextFile(path, text, { createNew: true, mode }),
    rename: (from, to) => deno.rename(from, to),
    unlink: (path) => deno.remove(path),
    link: (existing, path) => deno.link(existing, path),
  };
}

async function nodeFsAdapter(): Promise<Fs> {
  const fs = await import("node:fs/promises");
  const info = (st: import("node:fs").Stats): FileInfo => ({
    isFile: st.isFile(),
    isDirectory: st.isDirectory(),
    mode: st.mode,
    mtimeMs: st.mtimeMs,
  });
  return {
    mkdirs: async (path, mode) => void await fs.mkdir(path, { recursive: true, mode }),
    stat: async (path) => info(await fs.stat(path)),
    lstat: async (path) => info(await fs.lstat(path)),
    chmod: (path, mode) => fs.chmod(path, mode),
    readText: (path) => fs.readFile(path, "utf8"),
    writeNew: async (path, text, mode) => {
      const handle = await fs.open(path, "wx", mode);
      try {
        await handle.writeFile(text, "utf8");
      } finally {
        await handle.close();
      }
    },
    rename: (from, to) => fs.rename(from, to),
    unlink: (path) => fs.unlink(path),
    link: (existing, path) => fs.link(existing, path),
  };
}

const STORE = "FileStateStore";
/** Keys become file names: no separators, no leading dot, bounded length. */
const SAFE_KEY = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,199}$/;

let fsModule: Promise<Fs> | undefined;
function runtimeFs(): Promise<Fs> {
  const deno = (globalThis as { Deno?: DenoEnv }).Deno;
  return fsModule ??= deno ? Promise.resolve(denoFs(deno)) : nodeFsAdapter();
}

function isWindows(): boolean {
  const deno = (globalThis as { Deno?: DenoEnv }).Deno;
  if (deno) return deno.build.os === "windows";
  return (globalThis as { process?: { platform?: string } }).process?.platform === "win32";
}

/** One variable from the runtime environment; on Deno only when granted (no prompt). */
function runtimeEnv(name: string): string | undefined {
  const deno = (globalThis as { Deno?: DenoEnv }).Deno;
  if (deno) {
    try {
      const state = deno.permissions?.querySync?.({ name: "env", variable: name }).state;
      if (state !== undefined && state !== "granted") return undefined;
      return deno.env.get(name);
    } catch {
      return undefined;
    }
  }
  return (globalThis as { process?: { env?: Env } }).process?.env?.[name];
}

/**
 * The default directory: `$XDG_CACHE_HOME/osauth` (when absolute), else
 * `$HOME/.cache/osauth`; on Windows `%LOCALAPPDATA%\osauth`. Variables come
 * from `env` when given, else from the runtime (on Deno only those granted
 * by `--allow-env`). {@linkcode OptionError} when none is set.
 */
export function defaultStateDir(env?: Env): string {
  const get = (name: string) => {
    const v = env ? env[name] : runtimeEnv(name);
    return v === undefined || v === "" ? undefined : v;
  };
  if (isWindows()) {
    const local = get("LOCALAPPDATA");
    if (local) return `${local.replace(/[\\/]+$/, "")}\\osauth`;
  } else {
    const xdg = get("XDG_CACHE_HOME");
    if (xdg?.startsWith("/")) return `${xdg.replace(/\/+$/, "")}/osauth`;
    const home = get("HOME");
    if (home) return `${home.replace(/\/+$/, "")}/.cache/osauth`;
  }
  throw new OptionError(
    `${STORE}: no dir given and ${
      isWindows() ? "LOCALAPPDATA is" : "neither XDG_CACHE_HOME nor HOME is"
    } set or readable (Deno: --allow-env=${isWindows() ? "LOCALAPPDATA" : "XDG_CACHE_HOME,HOME"})`,
  );
}

function code(err: unknown): string | undefined {
  const c = (err as { code?: unknown } | null)?.code;
  if (typeof c === "string") return c;
  // Deno's own errors (node:fs on Deno raises them in some versions)
  const name = (err as Error | null)?.name;
  if (name === "NotFound") return "ENOENT";
  if (name === "AlreadyExists") return "EEXIST";
  return undefined;
}

/** A file-name-safe tag of one lock generation (its owner and expiry). */
async function generationTag(lock: LockInfo): Promise<string> {
  const data = new TextEncoder().encode(`${lock.owner}\n${lock.expiresAt}`);
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", data));
  return Array.from(digest.subarray(0, 16), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** What a lock file says: who holds the lease and until when. */
interface LockInfo {
  owner: string;
  expiresAt: number;
}

/**
 * Creates `path` holding `info` unless it exists: a hard link of the
 * complete file `temp` (atomic: it appears complete, or not at all), else,
 * where there are no hard links (EPERM, ENOTSUP, EXDEV), an exclusive
 * create. `false` when `path` exists; other failures (ENOENT: the directory
 * went away) throw.
 */
async function createExclusive(
  fs: Fs,
  temp: string,
  path: string,
  info: LockInfo,
): Promise<boolean> {
  try {
    await fs.link(temp, path);
    return true;
  } catch (err) {
    const c = code(err);
    if (c === "EEXIST") return false;
    if (c === "ENOENT") throw err;
  }
  try {
    await fs.writeNew(path, JSON.stringify(info), 0o600);
    return true;
  } catch (err) {
    if (code(err) !== "EEXIST") throw err;
    return false;
  }
}

/**
 * A {@linkcode AuthStateStore} in a directory: one `<key>.json` file per
 * entry, mode 0600 in a 0700 directory, written to a temporary file and
 * renamed into place (readers never see half a file). Leases are
 * `<key>.lock` files created atomically (a hard link of a complete file);
 * a lock whose holder died is taken over once it has expired.
 *
 * Permissions (Deno): `--allow-read` and `--allow-write` for the directory,
 * and for the default one `--allow-env=XDG_CACHE_HOME,HOME`.
 *
 * @example
 * ```ts
 * import { FileStateStore } from "jsr:@x/osauth/stores";
 * import { v3 } from "jsr:@x/osauth";
 * const auth = new v3.ApplicationCredential({
 *   authUrl: "https://keystone.example.com:5000/v3",
 *   applicationCredentialId: "21dced0f", applicationCredentialSecret: "secret",
 *   stateStore: new FileStateStore({ dir: "/tmp/osauth-example" }),
 * });
 * ```
 */
export class FileStateStore implements AuthStateStore {
  /** The directory the entries are kept in. */
  readonly dir: string;
  #key: CryptoKey | undefined;
  #now: () => number;
  #ready: Promise<void> | undefined;

  /** Creates the store; the directory is created on first use. */
  constructor(options: FileStateStoreOptions = {}) {
    const dir = options?.dir;
    if (dir !== undefined && (typeof dir !== "string" || dir === "")) {
      throw new OptionError(`${STORE}: dir must be a non-empty string`);
    }
    this.dir = dir ?? defaultStateDir();
    this.#key = checkEncryptionKey(options?.encryptionKey, STORE);
    this.#now = checkClock(options?.now, STORE);
  }

  #path(key: string, suffix: string): string {
    if (typeof key !== "string" || !SAFE_KEY.test(key)) {
      throw new OptionError(
        `${STORE}: a key must be 1-200 letters, digits, '.', '_' or '-', not starting with '.'`,
      );
    }
    return `${this.dir}/${key}${suffix}`;
  }

  /** Creates the directory (0700) or makes an existing one private. */
  #prepare(fs: Fs): Promise<void> {
    return this.#ready ??= (async () => {
      await fs.mkdirs(this.dir, 0o700);
      if (isWindows()) return;
      const st = await fs.stat(this.dir);
      if (!st.isDirectory) throw new OptionError(`${STORE}: ${this.dir} is not a directory`);
      if ((st.mode & 0o077) !== 0) {
        try {
          await fs.chmod(this.dir, 0o700);
        } catch (err) {
          throw new OptionError(
            `${STORE}: ${this.dir} is open to group or others and cannot be made private (0700)`,
            { cause: err },
          );
        }
      }
    })().catch((err) => {
      this.#ready = undefined; // try again next time (e.g. the disk was full)
      throw err;
    });
  }

  async #fs(): Promise<Fs> {
    const fs = await runtimeFs();
    await this.#prepare(fs);
    return fs;
  }

  /** A private temporary name in the directory. */
  #temp(key: string, what: string): string {
    return `${this.dir}/.${key}.${ownerId()}.${what}`;
  }

  /** The value under `key`, unless missing or expired. */
  async get(key: string): Promise<string | undefined> {
    const path = this.#path(key, ".json");
    const fs = await this.#fs();
    let text: string;
    try {
      const st = await fs.lstat(path);
      if (!st.isFile) throw new StateEntryUnreadable(`${path} is not a regular file`);
      if (!isWindows() && (st.mode & 0o077) !== 0) {
        throw new StateEntryUnreadable(`${path} is readable by group or others`);
      }
      text = await fs.readText(path);
    } catch (err) {
      if (code(err) === "ENOENT") return undefined;
      throw err;
    }
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch {
      throw new StateEntryUnreadable(`${path} is truncated or not JSON`);
    }
    const record = checkRecord(data, path);
    if (record.expiresAt <= this.#now()) return undefined;
    return await openValue(this.#key, key, record.value);
  }

  /** Stores `value` until `expiresAt`: a new 0600 file renamed over the old one. */
  async set(key: string, value: string, expiresAt: number): Promise<void> {
    const path = this.#path(key, ".json");
    const record: StoredRecord = {
      v: 1,
      expiresAt,
      value: await sealValue(this.#key, key, value),
    };
    const fs = await this.#fs();
    const temp = this.#temp(key, "tmp");
    try {
      await fs.writeNew(temp, JSON.stringify(record), 0o600);
      await fs.rename(temp, path);
    } catch (err) {
      await fs.unlink(temp).catch(() => {});
      throw err;
    }
  }

  /** Removes the entry under `key`. */
  async delete(key: string): Promise<void> {
    const path = this.#path(key, ".json");
    const fs = await this.#fs();
    try {
      await fs.unlink(path);
    } catch (err) {
      if (code(err) !== "ENOENT") throw err;
    }
  }

  /** Who holds the lock at `path`; `undefined` when there is none. */
  async #readLock(fs: Fs, path: string, ttl: number): Promise<LockInfo | undefined> {
    let text: string;
    try {
      text = await fs.readText(path);
    } catch (err) {
      if (code(err) === "ENOENT") return undefined;
      throw err;
    }
    try {
      const info = JSON.parse(text) as Partial<LockInfo>;
      if (typeof info.owner === "string" && typeof info.expiresAt === "number") {
        return { owner: info.owner, expiresAt: info.expiresAt };
      }
    } catch {
      // not ours or cut short (a file system without hard links): judged by its age
    }
    try {
      const st = await fs.stat(path);
      return { owner: `?${text}`, expiresAt: st.mtimeMs + ttl };
    } catch (err) {
      if (code(err) === "ENOENT") return undefined;
      throw err;
    }
  }

  /**
   * Releases our lock at `path`: left alone when it is no longer ours (it
   * expired and another process took it over); else moved aside first, checked,
   * and put back in the rare case it changed hands in between. Then the
   * takeover marker, if we took the lock over from a dead holder, is removed.
   */
  async #release(fs: Fs, key: string, path: string, mine: LockInfo, ttl: number, marker?: string) {
    try {
      const now = await this.#readLock(fs, path, ttl);
      if (now?.owner !== mine.owner) return;
      const aside = this.#temp(key, "unlock");
      try {
        await fs.rename(path, aside);
      } catch (err) {
        if (code(err) === "ENOENT") return;
        throw err;
      }
      const moved = await this.#readLock(fs, aside, ttl);
      if (moved && moved.owner !== mine.owner) {
        await fs.link(aside, path).catch(() => {}); // another holder's: put it back
      }
      await fs.unlink(aside).catch(() => {});
    } finally {
      if (marker) await fs.unlink(marker).catch(() => {});
    }
  }

  /**
   * Takes over the expired lock `stale` (its holder died): first the marker
   * `.<key>.takeover.<generation>` is created exclusively, so of the processes
   * that saw the same expired lock exactly one goes on; it checks the lock is
   * still that one and renames its own complete lock file over it. Returns the
   * marker when the lock is ours, `"held"` when another process is taking it
   * over, `"changed"` when the lock changed meanwhile (look again). A marker
   * whose taker died before finishing (older than the lease) is removed.
   */
  async #takeOver(
    fs: Fs,
    key: string,
    path: string,
    stale: LockInfo,
    mine: LockInfo,
    temp: string,
    ttl: number,
  ): Promise<string | "held" | "changed"> {
    const generation = await generationTag(stale);
    const marker = `${this.dir}/.${key}.takeover.${generation}`;
    if (!(await createExclusive(fs, temp, marker, mine))) {
      try {
        const st = await fs.stat(marker);
        // file times are wall-clock times, whatever clock the store was given
        if (Date.now() - st.mtimeMs <= ttl) return "held";
        await fs.unlink(marker); // its taker died mid-takeover
      } catch (err) {
        if (code(err) !== "ENOENT") throw err;
      }
      return "changed";
    }
    let current: LockInfo | undefined;
    try {
      current = await this.#readLock(fs, path, ttl);
    } catch (err) {
      await fs.unlink(marker).catch(() => {});
      throw err;
    }
    if (current?.owner !== stale.owner) {
      await fs.unlink(marker).catch(() => {});
      return "changed";
    }
    const copy = this.#temp(key, "takeover");
    try {
      await fs.writeNew(copy, JSON.stringify(mine), 0o600);
      await fs.rename(copy, path); // atomic: replaces the dead holder's lock with ours
    } catch (err) {
      await fs.unlink(copy).catch(() => {});
      await fs.unlink(marker).catch(() => {});
      throw err;
    }
    return marker;
  }

  /**
   * A lease on `key` for `ttlMs` (`<key>.lock`), or `undefined` while another
   * unexpired one exists. An expired lock (its holder died) is taken over by
   * exactly one of the processes that find it.
   */
  async acquire(key: string, ttlMs: number): Promise<AuthStateLease | undefined> {
    const path = this.#path(key, ".lock");
    const ttl = checkTtl(ttlMs, STORE);
    const fs = await this.#fs();
    const owner = ownerId();
    const mine: LockInfo = { owner, expiresAt: this.#now() + ttl };
    const temp = this.#temp(key, "lock");
    await fs.writeNew(temp, JSON.stringify(mine), 0o600);
    const lease = (marker?: string): AuthStateLease => ({
      release: () => this.#release(fs, key, path, mine, ttl, marker),
    });
    try {
      for (let attempt = 0; attempt < 3; attempt++) {
        if (await createExclusive(fs, temp, path, mine)) return lease();
        const held = await this.#readLock(fs, path, ttl);
        if (held === undefined) continue; // released meanwhile: try again
        if (held.expiresAt > this.#now()) return undefined;
        const taken = await this.#takeOver(fs, key, path, held, mine, temp, ttl);
        if (taken === "held") return undefined;
        if (taken !== "changed") return lease(taken);
      }
      return undefined;
    } finally {
      await fs.unlink(temp).catch(() => {});
    }
  }
}

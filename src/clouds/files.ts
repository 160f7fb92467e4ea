/**
 * Where clouds.yaml, secure.yaml and clouds-public.yaml are looked for (as
 * openstacksdk does), and reading and parsing the first one that exists.
 * On Deno, read permission is queried before each read, so a search path
 * outside `--allow-read` is skipped instead of prompting.
 *
 * @module
 */

import { CloudConfigError } from "../errors.ts";
import { denoRuntime, type EnvRecord, nodeProcess, type OsKind } from "./env.ts";
import { pyFloatRepr } from "./pystr.ts";
import { parseYaml } from "./yaml.ts";

/** File name stems openstacksdk searches for. */
export type FileStem = "clouds" | "secure" | "clouds-public";

/** A path to try, and whether the user named it (then a permission problem is an error). */
export interface Candidate {
  /** File path. */
  path: string;
  /** Named by the caller or an `OS_*` variable rather than found on the search path. */
  explicit: boolean;
}

/** A file that was read and parsed. */
export interface LoadedFile {
  /** The path it was read from (or `<yaml option>`). */
  path: string;
  /** The parsed content. */
  data: unknown;
}

/** What a search found. */
export interface SearchResult {
  /** The first file that existed, parsed. */
  file?: LoadedFile;
  /** Every path tried, in order. */
  tried: string[];
  /** Search-path files skipped because Deno's read permission was not granted. */
  notPermitted: string[];
}

function sep(os: OsKind): string {
  return os === "windows" ? "\\" : "/";
}

/** Joins path parts with the OS separator. */
export function joinPath(os: OsKind, ...parts: string[]): string {
  const s = sep(os);
  return parts.reduce((
    a,
    b,
  ) => (a === "" ? b : a.endsWith(s) || a.endsWith("/") ? a + b : a + s + b));
}

/** Python's `os.path.expanduser`, with the home directory from `env`. */
export function expandUser(path: string, env: EnvRecord, os: OsKind): string {
  if (path !== "~" && !path.startsWith("~/") && !path.startsWith(`~${sep(os)}`)) return path;
  const home = os === "windows" ? env.USERPROFILE : env.HOME;
  if (!home) return path;
  return home.replace(/[\\/]+$/, "") + path.slice(1);
}

/** The current directory, when it may be known without asking for a permission. */
export function currentDir(): string {
  const deno = denoRuntime();
  if (deno) {
    const state = deno.permissions?.querySync?.({ name: "read", path: "." }).state ?? "granted";
    if (state === "granted") {
      try {
        return deno.cwd();
      } catch {
        return ".";
      }
    }
    return ".";
  }
  // workerd's nodejs_compat has a process without cwd().
  const proc = nodeProcess();
  return typeof proc?.cwd === "function" ? proc.cwd() : ".";
}

/**
 * openstacksdk's CONFIG_SEARCH_PATH: the current directory, the platform's
 * user configuration directory, `~/.config/openstack`, the platform's site
 * configuration directory and `/etc/openstack` (duplicates removed).
 */
export function searchDirs(env: EnvRecord, os: OsKind, cwd: string = currentDir()): string[] {
  const dirs = [cwd];
  const home = os === "windows" ? env.USERPROFILE : env.HOME;
  if (os === "windows") {
    if (env.LOCALAPPDATA) dirs.push(joinPath(os, env.LOCALAPPDATA, "OpenStack", "openstack"));
  } else if (os === "darwin") {
    if (home) dirs.push(joinPath(os, home, "Library", "Application Support", "openstack"));
  } else {
    // appdirs' user_config_dir: $XDG_CONFIG_HOME as set (a relative one is
    // relative to the current directory, an empty one is ""), else ~/.config
    const xdg = env.XDG_CONFIG_HOME;
    if (xdg !== undefined) dirs.push(pyJoin(xdg, "openstack"));
    else if (home) dirs.push(joinPath(os, home, ".config", "openstack"));
  }
  // openstacksdk's UNIX_CONFIG_HOME: $SNAP_REAL_HOME/.config/openstack under snap
  if (os !== "windows" && env.SNAP_REAL_HOME) {
    dirs.push(pyJoin(pyJoin(env.SNAP_REAL_HOME, ".config"), "openstack"));
  } else if (home) dirs.push(joinPath(os, home, ".config", "openstack"));
  if (os === "darwin") dirs.push("/Library/Application Support/openstack");
  else if (os === "linux") dirs.push(siteConfigDir(env, os));
  dirs.push("/etc/openstack");
  return [...new Set(dirs)];
}

/** Python's `os.path.join(a, b)` on POSIX (an absolute `b` replaces `a`). */
function pyJoin(a: string, b: string): string {
  if (b.startsWith("/")) return b;
  if (a === "" || a.endsWith("/")) return a + b;
  return `${a}/${b}`;
}

/**
 * appdirs' `site_config_dir("openstack", multipath=...)` as openstacksdk calls
 * it: each `$XDG_CONFIG_DIRS` entry (default `/etc/xdg`) without trailing
 * slashes, `~` expanded, plus `/openstack`, joined with `:` into ONE path
 * (so with several entries openstacksdk looks in a directory whose name holds
 * the colons: osauth does the same).
 */
function siteConfigDir(env: EnvRecord, os: OsKind): string {
  const raw = env.XDG_CONFIG_DIRS ?? "/etc/xdg";
  return raw.split(":").map((entry) =>
    `${expandUser(entry.replace(/\/+$/, ""), env, os)}/openstack`
  ).join(":");
}

/** `<dir>/<stem>.yaml`, `.yml` and `.json` for each directory, in search order. */
export function searchFiles(dirs: string[], stem: FileStem, os: OsKind): Candidate[] {
  return dirs.flatMap((dir) =>
    [".yaml", ".yml", ".json"].map((ext) => ({
      path: joinPath(os, dir, stem + ext),
      explicit: false,
    }))
  );
}

type ReadOutcome = { text: string } | "missing" | "not-permitted";

const MISSING_CODES = new Set(["ENOENT", "ENOTDIR", "EISDIR", "EACCES", "EPERM"]);

type NodeFs = { readFile(path: string, encoding: "utf8"): Promise<string> };

/**
 * `node:fs/promises`, or a {@linkcode CloudConfigError} where there is none
 * (Cloudflare Workers without `nodejs_compat`, browsers).
 */
async function nodeFs(): Promise<NodeFs> {
  try {
    return await import("node:fs/promises");
  } catch (err) {
    throw new CloudConfigError(
      "clouds.yaml files cannot be read here: this runtime has no file system " +
        "(node:fs/promises). Pass the file's content as the `yaml` option (and `env`), " +
        "not `files` or a search path.",
      { cause: err },
    );
  }
}

async function readText(path: string): Promise<ReadOutcome> {
  const deno = denoRuntime();
  if (deno) {
    const state = deno.permissions?.querySync?.({ name: "read", path }).state ?? "granted";
    if (state !== "granted") return "not-permitted";
    try {
      return { text: await deno.readTextFile(path) };
    } catch (err) {
      if (err instanceof Error && err.name === "NotCapable") return "not-permitted";
      // Missing, a directory, or unreadable by the OS: openstacksdk moves on.
      if (
        err instanceof Error &&
        /NotFound|IsADirectory|PermissionDenied|NotADirectory/.test(err.name)
      ) {
        return "missing";
      }
      const code = (err as { code?: string }).code;
      if (code && MISSING_CODES.has(code)) return "missing";
      throw err;
    }
  }
  const fs = await nodeFs();
  try {
    return { text: await fs.readFile(path, "utf8") };
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code && MISSING_CODES.has(code)) return "missing";
    throw err;
  }
}

function jsonErrorPosition(text: string, err: unknown): string {
  const message = err instanceof Error ? err.message : "";
  const lc = /line (\d+) column (\d+)/.exec(message);
  if (lc) return ` at line ${lc[1]}, column ${lc[2]}`;
  const pos = /position (\d+)/.exec(message);
  if (pos) {
    const before = text.slice(0, Number(pos[1]));
    const line = before.split("\n").length;
    const column = before.length - before.lastIndexOf("\n");
    return ` at line ${line}, column ${column}`;
  }
  return "";
}

/** Parses JSON as Python's `json.load` would (floats stay floats). */
export function parseJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text, (_key: string, value: unknown, context?: { source?: string }) => {
      if (typeof value === "number" && context?.source && /[.eE]/.test(context.source)) {
        return pyFloatRepr(value);
      }
      // Python's json keeps every digit of a big integer
      if (typeof value === "number" && !Number.isSafeInteger(value) && context?.source) {
        return BigInt(context.source);
      }
      return value;
    });
  } catch (err) {
    // The engine's message may quote the file's text (a secret, perhaps): only the position is kept.
    throw new CloudConfigError(`invalid JSON in ${file}${jsonErrorPosition(text, err)}`);
  }
}

/** At most this many values (aliases counted each time they are used) in a parsed file. */
export const MAX_CONFIG_NODES = 200_000;
/** At most this deep. */
export const MAX_CONFIG_DEPTH = 256;

/**
 * Rejects parsed data that would blow up when walked: YAML aliases make a
 * small file a huge tree (billion laughs: `&a [*b, *b, ...]` nine deep) or a
 * cycle, which the loader's copies and merges would expand without end. The
 * walk counts every value reached (an alias each time), so it stops at the
 * budget however the file is built.
 */
export function checkStructure(data: unknown, file: string): void {
  let nodes = 0;
  const stack: [unknown, number][] = [[data, 0]];
  while (stack.length > 0) {
    const [value, depth] = stack.pop()!;
    if (++nodes > MAX_CONFIG_NODES) {
      throw new CloudConfigError(
        `${file} is too large: more than ${MAX_CONFIG_NODES} values (YAML aliases counted ` +
          "each time they are used: an alias bomb?)",
      );
    }
    if (depth > MAX_CONFIG_DEPTH) {
      throw new CloudConfigError(`${file} is nested more than ${MAX_CONFIG_DEPTH} levels deep`);
    }
    if (typeof value !== "object" || value === null) continue;
    const children = Array.isArray(value)
      ? value
      : value instanceof Uint8Array || value instanceof Date
      ? []
      : Object.values(value);
    for (const child of children) stack.push([child, depth + 1]);
  }
}

/** Parses `text` read from `path`: JSON when the name ends with `json`, else YAML. */
export async function parseConfigText(text: string, path: string): Promise<unknown> {
  const data = path.endsWith("json") ? parseJson(text, path) : await parseYaml(text, path);
  checkStructure(data, path);
  return data;
}

/**
 * Reads and parses the first of `candidates` that exists (openstacksdk's
 * `_load_yaml_json_file`). A search-path file outside Deno's read permission
 * is skipped and reported; an explicitly named one is an error naming the
 * `--allow-read` flag.
 */
export async function loadFirst(candidates: Candidate[]): Promise<SearchResult> {
  const result: SearchResult = { tried: [], notPermitted: [] };
  for (const { path, explicit } of candidates) {
    result.tried.push(path);
    const outcome = await readText(path);
    if (outcome === "missing") continue;
    if (outcome === "not-permitted") {
      if (explicit) {
        throw new CloudConfigError(
          `cannot read ${path}: read access is not granted (run with --allow-read=${path})`,
        );
      }
      result.notPermitted.push(path);
      continue;
    }
    result.file = { path, data: await parseConfigText(outcome.text, path) };
    return result;
  }
  return result;
}

/**
 * Deno permission handling: a fetch refused by `--allow-net` becomes a
 * {@linkcode NetworkPermissionDenied} naming the exact flag to add
 * (`--allow-net=<host>:<port>`). Importing osauth needs no permission; a
 * session needs `--allow-net` for the auth host and the catalog hosts it
 * talks to (`session.allowNetList()` lists them), and `--allow-read` for the
 * `verify`/`cert` files only.
 *
 * @example
 * ```ts
 * import { hostPort } from "./permissions.ts";
 * console.assert(hostPort("https://keystone.example.com/v3") === "keystone.example.com:443");
 * ```
 *
 * @module
 */
import { NetworkPermissionDenied } from "../errors.ts";

/** `host:port` of a URL, with the scheme's default port filled in. */
export function hostPort(url: string): string {
  const u = new URL(url);
  const port = u.port || (u.protocol === "https:" ? "443" : "80");
  return `${u.hostname}:${port}`;
}

/** Whether an error is Deno's permission error. */
export function isPermissionError(err: unknown): boolean {
  const d = (globalThis as { Deno?: { errors?: Record<string, unknown> } }).Deno;
  const errors = d?.errors as
    | Record<string, (abstract new (...args: never[]) => unknown) | undefined>
    | undefined;
  if (!errors) return false;
  for (const name of ["NotCapable", "PermissionDenied"]) {
    const cls = errors[name];
    if (cls && err instanceof cls) return true;
  }
  return false;
}

/** Maps a permission error for `url` to {@linkcode NetworkPermissionDenied}; else undefined. */
export function permissionErrorFor(err: unknown, url: string): NetworkPermissionDenied | undefined {
  return isPermissionError(err)
    ? new NetworkPermissionDenied(hostPort(url), { cause: err })
    : undefined;
}

/**
 * Deno permission handling: a fetch refused by `--allow-net` becomes a
 * {@linkcode NetworkPermissionDenied} naming the exact flag to add.
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

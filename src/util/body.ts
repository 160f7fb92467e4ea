/**
 * Internal: reading the bodies osauth reads itself (token responses, version
 * documents, error bodies) with a size cap, so that a hostile or broken
 * server cannot make osauth buffer without bound.
 *
 * @module
 */
import { ConnectFailure, ConnectTimeout, type OsAuthError } from "../errors.ts";
import { readBodyStart } from "./body_start.ts";
import { redactUrl } from "./secrets.ts";

/** Largest token response read (a big catalog is a few hundred KiB). */
export const TOKEN_BODY_LIMIT: number = 16 * 1024 * 1024;
/** Largest version document read. */
export const VERSION_DOCUMENT_LIMIT: number = 4 * 1024 * 1024;

/** `n` bytes for messages: `16 MiB`, `64 KiB`, `100 bytes`. */
export function formatBytes(n: number): string {
  if (n >= 1024 * 1024 && n % (1024 * 1024) === 0) return `${n / (1024 * 1024)} MiB`;
  if (n >= 1024 && n % 1024 === 0) return `${n / 1024} KiB`;
  return `${n} bytes`;
}

/** An error class osauth throws for a body over its cap (`AuthorizationFailure`, ...). */
export type BodyErrorClass = new (message: string) => OsAuthError;

/**
 * The whole body of `resp` as text, or `error` (naming the cap, what the
 * body is and the redacted `url`) when it is longer than `limit` bytes: a
 * `Content-Length` over the cap is refused before anything is read. A read
 * that times out is a `ConnectTimeout`, one that fails a `ConnectFailure`;
 * an abort of the caller's signal is passed on as it is.
 */
export async function readBodyCapped(
  resp: Response,
  limit: number,
  what: string,
  url: string,
  error: BodyErrorClass,
): Promise<string> {
  const tooLarge = () =>
    new error(
      `the ${what} from ${redactUrl(url)} is larger than ${formatBytes(limit)} ` +
        `(osauth's limit for a ${what}); it was not read`,
    );
  const length = Number(resp.headers.get("content-length") ?? NaN);
  if (length > limit) {
    await resp.body?.cancel().catch(() => {});
    throw tooLarge();
  }
  let start;
  try {
    start = await readBodyStart(resp, limit);
  } catch (err) {
    throw readFailure(err, what, url);
  }
  if (start.truncated) throw tooLarge();
  return start.text;
}

/** The error for a body read that failed: typed, unless it is the caller's abort. */
function readFailure(err: unknown, what: string, url: string): unknown {
  const name = err instanceof Error ? err.name : "";
  if (name === "TimeoutError" || err instanceof ConnectTimeout) {
    return new ConnectTimeout(
      `the ${what} from ${redactUrl(url)} timed out while its body was read` +
        (err instanceof ConnectTimeout ? ` (${err.message})` : ""),
      { cause: err },
    );
  }
  // The caller's abort (its reason, whatever it is) and osauth's own errors go on as they are.
  if (!(err instanceof Error) || name === "AbortError") return err;
  if (err instanceof ConnectFailure) {
    // A read the Session's body wrapper already typed: named for what was being read.
    return new ConnectFailure(
      `reading the ${what} from ${redactUrl(url)} failed (${err.message})`,
      {
        cause: err,
      },
    );
  }
  return new ConnectFailure(`reading the ${what} from ${redactUrl(url)} failed: ${err.message}`, {
    cause: err,
  });
}

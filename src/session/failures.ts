/**
 * What a request that could not be sent ends with: connection errors with
 * the URL redacted, and the notes logged or added when it is not retried.
 *
 * @module
 */
import { ConnectFailure, ConnectTimeout, OptionError } from "../errors.ts";
import { permissionErrorFor } from "../net/permissions.ts";
import { redactUrl } from "../util/secrets.ts";

/** The message of a fetch error, with the URL redacted; Node's "fetch failed" gets its cause. */
function errorDetail(err: unknown, url: string): string {
  let detail = (err as Error)?.message ?? String(err);
  const cause = (err as { cause?: { message?: unknown } })?.cause?.message;
  if (typeof cause === "string" && cause !== "" && !detail.includes(cause)) {
    detail = `${detail}: ${cause}`;
  }
  const safe = redactUrl(url);
  return safe === url ? detail : detail.replaceAll(url, safe);
}

/**
 * What a failed `fetch` becomes: the caller's abort reason, a permission or
 * option error as is (thrown), or a {@linkcode ConnectFailure} (returned;
 * a {@linkcode ConnectTimeout} from the attempt's timeout stays one).
 */
export function fetchFailure(
  err: unknown,
  url: string,
  signal: AbortSignal | undefined,
): ConnectFailure {
  if (signal?.aborted) throw signal.reason;
  if (err instanceof ConnectFailure) return err;
  const denied = permissionErrorFor(err, url);
  if (denied) throw denied;
  if (err instanceof OptionError) throw err;
  return new ConnectFailure(errorDetail(err, url), { cause: err });
}

/** Why a failed request was not sent again although retries were left. */
export function notResentReason(method: string, replayable: boolean): string {
  return replayable
    ? `; not retried: ${method} is not idempotent and may have reached the server ` +
      "(retryNonIdempotent: true allows it)"
    : "; not retried: the body is a stream and cannot be sent again";
}

/** The debug line logged before a retry. */
export function retryNote(
  req: { method: string; url: string },
  delayMs: number,
  retry: number,
  retries: number,
  why: string,
): string {
  return `retrying ${req.method} ${redactUrl(req.url)} in ${Math.round(delayMs)} ms ` +
    `(retry ${retry} of ${retries}) after: ${why}`;
}

/** The error a request ends with after its last attempt failed to connect. */
export function finalConnectError(
  err: ConnectFailure,
  req: { method: string; url: string },
  attempts: number,
  timeout: number | undefined,
  note: string,
): ConnectFailure {
  const target = `${req.method} ${redactUrl(req.url)}`;
  if (err instanceof ConnectTimeout) {
    return new ConnectTimeout(
      `${target} timed out after ${timeout} ms` +
        (attempts > 1 ? ` (${attempts} attempts)` : "") + note,
      { cause: err.cause },
    );
  }
  return new ConnectFailure(
    `${target} failed${attempts > 1 ? ` after ${attempts} attempts` : ""}: ${err.message}${note}`,
    { cause: err.cause },
  );
}

/**
 * Internal: a response whose body is read within the attempt's timeout. The
 * runtime aborts a body read with a raw `DOMException` (`TimeoutError`)
 * when the fetch's timeout signal fires after the headers arrived; through
 * this wrapper that read fails with a {@linkcode ConnectTimeout} (an
 * `OsAuthError`) naming the request, whoever reads the body: the caller,
 * a token plugin or discovery; a read that fails otherwise (a truncated or
 * reset body: a raw `TypeError`) is a {@linkcode ConnectFailure}. The
 * caller's own abort stays its reason. Used only for requests with a timeout.
 *
 * @module
 */
import { ConnectFailure, ConnectTimeout, OsAuthError } from "../errors.ts";

/** Statuses whose responses cannot be constructed with a body. */
const NULL_BODY: ReadonlySet<number> = new Set([101, 103, 204, 205, 304]);

/**
 * `resp` with its body read through a stream that turns a read aborted by
 * `timeoutSignal` (and not by the caller's `signal`) into a
 * {@linkcode ConnectTimeout}, and any other failed read but the caller's
 * abort into a {@linkcode ConnectFailure}; `target` (`METHOD url`, redacted)
 * names the request in their messages.
 */
export function timedBody(
  resp: Response,
  timeoutSignal: AbortSignal,
  signal: AbortSignal | undefined,
  target: string,
  timeoutMs: number,
): Response {
  const body = resp.body;
  if (body === null || NULL_BODY.has(resp.status)) return resp;
  const reader = body.getReader();
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      let chunk: ReadableStreamReadResult<Uint8Array>;
      try {
        chunk = await reader.read();
      } catch (err) {
        if (signal?.aborted || err instanceof OsAuthError) {
          controller.error(err);
        } else if (timeoutSignal.aborted) {
          controller.error(
            new ConnectTimeout(
              `${target}: timed out after ${timeoutMs} ms reading the response body`,
              { cause: err },
            ),
          );
        } else {
          const detail = err instanceof Error ? err.message : String(err);
          controller.error(
            new ConnectFailure(`${target}: reading the response body failed: ${detail}`, {
              cause: err,
            }),
          );
        }
        return;
      }
      if (chunk.done) controller.close();
      else controller.enqueue(chunk.value);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
  const wrapped = new Response(stream, {
    status: resp.status,
    statusText: resp.statusText,
    headers: resp.headers,
  });
  // What the runtime's response said about itself, as the caller would have read it.
  Object.defineProperties(wrapped, {
    url: { value: resp.url },
    redirected: { value: resp.redirected },
  });
  return wrapped;
}

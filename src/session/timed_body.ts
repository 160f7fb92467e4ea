/**
 * Internal: a response whose body is read within the attempt's timeout. The
 * runtime aborts a body read with a raw `DOMException` (`TimeoutError`)
 * when the fetch's timeout signal fires after the headers arrived; through
 * this wrapper that read fails with a {@linkcode ConnectTimeout} (an
 * `OsAuthError`) naming the request, whoever reads the body: the caller,
 * a token plugin or discovery. Used only for requests with a timeout.
 *
 * @module
 */
import { ConnectTimeout } from "../errors.ts";

/** Statuses whose responses cannot be constructed with a body. */
const NULL_BODY: ReadonlySet<number> = new Set([101, 103, 204, 205, 304]);

/**
 * `resp` with its body read through a stream that turns a read aborted by
 * `timeoutSignal` (and not by the caller's `signal`) into a
 * {@linkcode ConnectTimeout} with the message `describe()` gives.
 */
export function timedBody(
  resp: Response,
  timeoutSignal: AbortSignal,
  signal: AbortSignal | undefined,
  describe: () => string,
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
        controller.error(
          timeoutSignal.aborted && !signal?.aborted
            ? new ConnectTimeout(describe(), { cause: err })
            : err,
        );
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

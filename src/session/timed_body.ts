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
 * The next chunk of `reader`, or the abort reason of whichever signal fires
 * first (the reader is then cancelled). The runtime is not relied on to
 * fail a pending read when the fetch's signal fires after the headers: Deno
 * 2.9 sometimes leaves a read of a trickled body (through a logger's clone)
 * pending until the connection closes (the adversarial proxy's trickle
 * fault, seed 433501768: a GET settled after 34 s with a 1.5 s timeout).
 */
function readOrAbort(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  timeoutSignal: AbortSignal,
  signal: AbortSignal | undefined,
): Promise<ReadableStreamReadResult<Uint8Array>> {
  const fired = signal?.aborted ? signal : timeoutSignal.aborted ? timeoutSignal : undefined;
  if (fired) {
    reader.cancel(fired.reason).catch(() => {});
    return Promise.reject(fired.reason);
  }
  return new Promise((resolve, reject) => {
    const onAbort = (event: Event) => {
      const reason = (event.target as AbortSignal).reason;
      reader.cancel(reason).catch(() => {});
      reject(reason);
    };
    const done = () => {
      timeoutSignal.removeEventListener("abort", onAbort);
      signal?.removeEventListener("abort", onAbort);
    };
    timeoutSignal.addEventListener("abort", onAbort, { once: true });
    signal?.addEventListener("abort", onAbort, { once: true });
    reader.read().then(
      (chunk) => {
        done();
        resolve(chunk);
      },
      (err) => {
        done();
        reject(err);
      },
    );
  });
}

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
        chunk = await readOrAbort(reader, timeoutSignal, signal);
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

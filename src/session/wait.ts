/**
 * Internal: waiting for something a request needs before it is sent (the
 * token a shared token request fetches, an endpoint, trusted origins) within
 * the request's own `signal` and `timeout`. The awaited work itself goes on
 * (other requests may share it); only this request stops waiting.
 *
 * @module
 */
import { ConnectTimeout } from "../errors.ts";

function ignore(): void {}

/**
 * `promise`, or a rejection with `signal`'s reason when it aborts first, or a
 * {@linkcode ConnectTimeout} (`what()` timed out after ...) after `timeoutMs`.
 * With neither, `promise` itself.
 */
export function boundedWait<T>(
  promise: Promise<T>,
  signal: AbortSignal | undefined,
  timeoutMs: number | undefined,
  what: () => string,
): Promise<T> {
  if (signal === undefined && timeoutMs === undefined) return promise;
  if (signal?.aborted) {
    promise.catch(ignore); // the work may still fail; nobody waits for it here
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const done = (): void => {
      if (timer !== undefined) clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
    };
    const onAbort = (): void => {
      done();
      promise.catch(ignore);
      reject(signal!.reason);
    };
    if (timeoutMs !== undefined) {
      timer = setTimeout(() => {
        done();
        promise.catch(ignore);
        reject(new ConnectTimeout(`${what()} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
    }
    signal?.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        done();
        resolve(value);
      },
      (err) => {
        done();
        reject(err);
      },
    );
  });
}

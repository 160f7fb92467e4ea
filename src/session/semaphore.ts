/**
 * A counting semaphore that limits requests in flight.
 *
 * @module
 */

/** Limits concurrent work to `limit` holders. */
export class Semaphore {
  readonly #limit: number;
  #active = 0;
  readonly #waiters: (() => void)[] = [];

  /** Creates a semaphore with `limit` slots. */
  constructor(limit: number) {
    this.#limit = limit;
  }

  /** Holders now. */
  get active(): number {
    return this.#active;
  }

  /** Waits for a slot; resolves to the function that releases it. */
  async acquire(signal?: AbortSignal): Promise<() => void> {
    if (this.#active >= this.#limit) {
      await new Promise<void>((resolve, reject) => {
        const wake = () => {
          signal?.removeEventListener("abort", onAbort);
          resolve();
        };
        const onAbort = () => {
          const i = this.#waiters.indexOf(wake);
          if (i >= 0) this.#waiters.splice(i, 1);
          reject(signal?.reason);
        };
        if (signal?.aborted) return reject(signal.reason);
        signal?.addEventListener("abort", onAbort, { once: true });
        this.#waiters.push(wake);
      });
    } else {
      this.#active++;
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.#waiters.shift();
      if (next) next();
      else this.#active--;
    };
  }
}

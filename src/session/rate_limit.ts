/**
 * `rateLimit` (requests per second, on Session and Adapter) and an Adapter's
 * `maxConcurrency`: keystoneauth1's Adapter `rate_limit` / `concurrency`
 * (its `FairSemaphore`): every attempt (retries and redirect hops included)
 * starts in the order it asked, at least `1 / rateLimit` seconds after the
 * one before it.
 *
 * @module
 */
import { OptionError } from "../errors.ts";
import { sleep } from "./retry.ts";
import { Semaphore } from "./semaphore.ts";

/** Spaces the starts of attempts `1000 / perSecond` ms apart, first come first served. */
export class RateLimiter {
  /** Milliseconds between two starts. */
  readonly intervalMs: number;
  /** When the next attempt may start (ms on the session's clock). */
  #next = -Infinity;

  /** A limiter for `perSecond` attempts per second; `OptionError` unless positive and finite. */
  constructor(perSecond: number, name = "rateLimit") {
    if (typeof perSecond !== "number" || !Number.isFinite(perSecond) || perSecond <= 0) {
      throw new OptionError(`${name} must be a positive number of requests per second`);
    }
    this.intervalMs = 1000 / perSecond;
  }

  /**
   * Takes the next start time (now, or one interval after the last one
   * taken) and waits for it: the waits are handed out in call order, so
   * callers start in the order they called. Returns the ms waited.
   */
  async acquire(now: number, signal?: AbortSignal): Promise<number> {
    const at = Math.max(now, this.#next);
    this.#next = at + this.intervalMs;
    const wait = at - now;
    if (wait > 0) await sleep(wait, signal);
    return wait;
  }
}

/**
 * Internal (not exported by the package): the request option an Adapter
 * hands its {@linkcode RequestLimits} to the Session with.
 */
export const REQUEST_LIMITS: unique symbol = Symbol("osauth.requestLimits");

/** An Adapter's own limits, handed to the Session with each of its requests. */
export interface RequestLimits {
  /** The adapter's rate limiter. */
  readonly rate?: RateLimiter;
  /** The adapter's concurrency limit. */
  readonly semaphore?: Semaphore;
}

/** The limits of `new Adapter(session, { rateLimit, maxConcurrency })`, or undefined. */
export function adapterLimits(
  rateLimit: number | undefined,
  maxConcurrency: number | undefined,
): RequestLimits | undefined {
  if (rateLimit === undefined && maxConcurrency === undefined) return undefined;
  if (
    maxConcurrency !== undefined &&
    !(Number.isSafeInteger(maxConcurrency) && maxConcurrency >= 1)
  ) {
    throw new OptionError("maxConcurrency must be an integer of at least 1");
  }
  return Object.freeze({
    ...(rateLimit !== undefined ? { rate: new RateLimiter(rateLimit) } : {}),
    ...(maxConcurrency !== undefined ? { semaphore: new Semaphore(maxConcurrency) } : {}),
  });
}

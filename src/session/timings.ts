/**
 * Request timings (`collectTiming`): one {@linkcode RequestTiming} per HTTP
 * response a session receives, as keystoneauth1's `RequestTiming` plus the
 * status, with the URL redacted.
 *
 * @module
 */
import { redactUrl } from "../util/secrets.ts";

/** One HTTP exchange: keystoneauth1's `RequestTiming` (method, url, elapsed) and the status. */
export interface RequestTiming {
  /** HTTP method. */
  readonly method: string;
  /** The URL, redacted (no user info password, no secret query parameters). */
  readonly url: string;
  /** The response status. */
  readonly status: number;
  /** Milliseconds from sending the request to its response headers. */
  readonly elapsedMs: number;
}

/** At most this many timings are kept (the oldest go first); `resetTimings()` empties the log. */
export const TIMINGS_LIMIT = 10_000;

/** The timings a session collected (bounded by {@linkcode TIMINGS_LIMIT}). */
export class TimingLog {
  #list: RequestTiming[] = [];

  /** Records one response. */
  record(method: string, url: string, status: number, elapsedMs: number): void {
    if (this.#list.length >= TIMINGS_LIMIT) {
      this.#list.splice(0, this.#list.length - TIMINGS_LIMIT + 1);
    }
    this.#list.push(Object.freeze({ method, url: redactUrl(url), status, elapsedMs }));
  }

  /** A copy of the timings, oldest first. */
  list(): RequestTiming[] {
    return [...this.#list];
  }

  /** Forgets every timing. */
  reset(): void {
    this.#list = [];
  }
}

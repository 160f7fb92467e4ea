/**
 * Retry policy: which failures are retried, and how long to wait between
 * attempts (exponential backoff with a cap and jitter; `Retry-After` wins).
 *
 * @module
 */

/** Methods that may be repeated without changing the outcome (RFC 9110). */
const IDEMPOTENT: ReadonlySet<string> = new Set([
  "GET",
  "HEAD",
  "OPTIONS",
  "PUT",
  "DELETE",
  "TRACE",
]);

/** Whether a method may safely be sent again after the server saw it. */
export function isIdempotent(method: string): boolean {
  return IDEMPOTENT.has(method.toUpperCase());
}

/** Backoff settings, in milliseconds. */
export interface BackoffOptions {
  /** First delay (default 500 ms, as keystoneauth1). */
  baseMs?: number;
  /** Largest delay (default 60 s, as keystoneauth1). */
  maxMs?: number;
  /** Random source in [0, 1) for jitter (default Math.random). */
  random?: () => number;
}

/**
 * The delay before retry number `attempt` (0-based): `base * 2^attempt`
 * capped at `max`, with "equal jitter" (between half and all of it).
 */
export function backoffDelay(attempt: number, options: BackoffOptions = {}): number {
  const base = options.baseMs ?? 500;
  const max = options.maxMs ?? 60_000;
  const random = options.random ?? Math.random;
  const full = Math.min(max, base * 2 ** attempt);
  return full / 2 + random() * (full / 2);
}

/** Waits `ms`, or rejects with the signal's reason when it aborts first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

function causeChain(err: unknown): unknown[] {
  const chain: unknown[] = [];
  let cur: unknown = err;
  for (let i = 0; i < 5 && cur; i++) {
    chain.push(cur);
    cur = (cur as { cause?: unknown }).cause;
  }
  return chain;
}

/**
 * Whether a fetch error shows the connection was never made (refused, DNS),
 * so that not even a non-idempotent request can have reached the server.
 */
export function isConnectionRefused(err: unknown): boolean {
  return causeChain(err).some((e) => {
    const code = (e as { code?: unknown }).code;
    if (
      code === "ECONNREFUSED" || code === "ConnectionRefused" || code === "ENOTFOUND" ||
      code === "EAI_AGAIN"
    ) return true;
    const msg = String((e as { message?: unknown }).message ?? "");
    return /connection refused|tcp connect error|dns error|failed to lookup/i.test(msg);
  });
}

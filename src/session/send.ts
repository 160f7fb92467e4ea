/**
 * Internal, request stage 4 ("send"): one request to the network, again
 * after connection failures and retriable statuses as its policy allows,
 * each attempt within the session's concurrency limit, the attempt's
 * timeout and the caller's signal, logged when a logger is set. Redirects
 * and re-authentication are the next stages (redirects.ts, reauth.ts).
 *
 * Seams (CONTRIBUTING.md, "The request path"): {@linkcode attempt} is the
 * one place a request meets `fetch`; every attempt first passes the
 * session's {@linkcode Gate}s (the `maxConcurrency` semaphore is one; a rate
 * limiter is another); {@linkcode statusRetryDelay} decides how long a
 * retriable status waits (Retry-After).
 *
 * @module
 */
import { ConnectFailure, ConnectTimeout, parseRetryAfter } from "../errors.ts";
import type { Logger } from "../types.ts";
import { logRequest, logResponse } from "../logging.ts";
import { redactUrl } from "../util/secrets.ts";
import type { Transport } from "../net/transport.ts";
import { fetchFailure, finalConnectError, notResentReason, retryNote } from "./failures.ts";
import { type Policy, type Prepared, secretsOf } from "./prepare.ts";
import { backoffDelay, isConnectionRefused, isIdempotent, sleep } from "./retry.ts";
import type { RateLimiter } from "./rate_limit.ts";
import type { TimingLog } from "./timings.ts";
import { runBeforeRetry } from "./hooks.ts";
import { timedBody } from "./timed_body.ts";

/**
 * Something every attempt waits for before it is sent, outside its timeout
 * (a concurrency slot, a rate limit): resolves to the function that releases
 * it, called when the attempt's response arrives or it fails.
 */
export interface Gate {
  /** Waits (or rejects with the signal's reason when it aborts first). */
  acquire(signal?: AbortSignal): Promise<() => void>;
}

/** What sending needs from the session. */
export interface SendEnv {
  /** The session's fetch (with its TLS settings). */
  transport(): Transport;
  /** What every attempt passes first, in order (the `maxConcurrency` semaphore). */
  readonly gates: readonly Gate[];
  /** The `rateLimit` limiter, if any. */
  readonly rate: RateLimiter | undefined;
  /** The `collectTiming` log, if any. */
  readonly timings: TimingLog | undefined;
  /** Backoff base delay (ms; default in retry.ts) and the cap of every delay. */
  readonly backoff: { readonly baseMs: number | undefined; readonly maxMs: number };
  /** The session's clock (Retry-After dates). */
  now(): number;
  /** Responses that took more than one attempt -> attempts (for error messages). */
  readonly attempts: WeakMap<Response, number>;
}

/** The `fetch` options of a request (redirects are followed by the Session). */
export function fetchInit(req: Prepared): RequestInit {
  // GET is fetch's default method: not naming it is measurably faster on Deno.
  const init: RequestInit = req.method === "GET"
    ? { headers: req.headers, redirect: "manual" }
    : { method: req.method, headers: req.headers, redirect: "manual" };
  if (req.body !== undefined && req.body !== null) init.body = req.body;
  return init;
}

/**
 * A browser's answer to a 3xx under `redirect: "manual"`: an opaque redirect
 * (status 0, no headers), which cannot be followed; see
 * docs/DIFFERENCES.md#D-opaque-redirect.
 */
function opaqueRedirect(req: Prepared): ConnectFailure {
  return new ConnectFailure(
    `${req.method} ${redactUrl(req.url)} was redirected, and the browser hides a redirect's ` +
      'status and Location from scripts (an opaque redirect: fetch\'s redirect "manual"), so ' +
      "osauth cannot follow it with the credentials kept to trusted origins. Use the URL it " +
      "redirects to (often the same one with or without a trailing slash, or https).",
  );
}

/** A response as the send stage takes it: an opaque redirect is a ConnectFailure. */
function received(req: Prepared, resp: Response): Response {
  if (resp.status === 0) throw opaqueRedirect(req);
  return resp;
}

/**
 * The error an attempt that could not be sent ends the request with (the
 * caller's abort reason, a permission error, or a redacted ConnectFailure),
 * `retriesLeft` saying whether retries were left unused (the note says why).
 */
function failed(
  err: unknown,
  req: Prepared,
  signal: AbortSignal | undefined,
  attempts: number,
  policy: Policy,
  retriesLeft: boolean,
): Error {
  const failure = fetchFailure(err, req.url, signal);
  const note = retriesLeft
    ? notResentReason(req.method, !(req.body instanceof ReadableStream))
    : "";
  return finalConnectError(failure, req, attempts, policy.timeout, note);
}

/**
 * The retries a request has used: shared by its redirect hops, so that the
 * policy's retries bound the whole request, as keystoneauth1 passes the
 * remaining `connect_retries` / `status_code_retries` on to a redirect target.
 */
export interface RetryBudget {
  /** Connection retries used. */
  connect: number;
  /** Status retries used. */
  status: number;
}

/**
 * Sends `req`, again after connection failures and retriable statuses as
 * `policy` allows (counting in `budget`, which redirect hops share).
 *
 * Stage 4's part of the request path's one shortcut ("nothing is awaited
 * but `fetch`", CONTRIBUTING.md): a request that can only be one plain
 * attempt (a `single` policy: no retries, timeout or logger; no signal, no
 * concurrency or rate limit, no timings) is handed to the transport without the
 * retry loop's `async` frame, and its answer and failure go through the
 * same functions as the loop's last attempt (`received`, `fetchFailure`,
 * `failed`).
 */
export function send(
  env: SendEnv,
  req: Prepared,
  signal: AbortSignal | undefined,
  policy: Policy,
  budget: RetryBudget = { connect: 0, status: 0 },
): Promise<Response> {
  if (
    !policy.single || signal !== undefined || req.limits !== undefined || env.gates.length > 0 ||
    env.rate !== undefined || env.timings !== undefined
  ) {
    return sendLoop(env, req, signal, policy, budget);
  }
  const lastAttemptFailed = (err: unknown): never => {
    throw failed(fetchFailure(err, req.url, signal), req, signal, 1, policy, false);
  };
  let sent: Promise<Response>;
  try {
    sent = env.transport()(req.url, fetchInit(req));
  } catch (err) {
    // A transport that throws instead of rejecting: as the loop's `await` would see it.
    return new Promise<never>(() => lastAttemptFailed(err));
  }
  return sent.then((resp) => received(req, resp), lastAttemptFailed);
}

/** {@linkcode send}'s attempts: each through the gates, again as the policy allows. */
async function sendLoop(
  env: SendEnv,
  req: Prepared,
  signal: AbortSignal | undefined,
  policy: Policy,
  budget: RetryBudget,
): Promise<Response> {
  const logger = policy.logger;
  const guarded = signal !== undefined || policy.timeout !== undefined || env.gates.length > 0 ||
    env.rate !== undefined || req.limits !== undefined;
  for (let n = 1;; n++) {
    signal?.throwIfAborted();
    const init = fetchInit(req);
    const secrets = logger ? secretsOf(req) : undefined;
    if (logger) {
      await logRequest(logger, {
        method: req.method,
        url: req.url,
        headers: new Headers(req.headers),
        body: req.bodyText,
        secretHeaders: req.secretHeaders,
        secrets,
      });
    }
    // Restarted by `attempt` once the gates let it through: waiting is not the exchange's time.
    const clock = { started: logger || env.timings ? performance.now() : 0 };
    let resp: Response;
    try {
      resp = guarded
        ? await attempt(env, req, init, policy.timeout, signal, logger, clock)
        : await env.transport()(req.url, init); // nothing to limit, time or abort
    } catch (err) {
      const failure = fetchFailure(err, req.url, signal);
      // A streamed body is consumed by the first attempt: it is never sent twice.
      const replayable = !(req.body instanceof ReadableStream);
      // A refused connection sent nothing: even a POST may go again.
      const resendable = (replayable && isConnectionRefused(failure.cause)) ||
        mayResend(req, policy);
      if (budget.connect < policy.connectRetries && resendable) {
        const delay = backoffDelay(budget.connect, env.backoff);
        budget.connect++;
        logger?.debug(
          retryNote(req, delay, budget.connect, policy.connectRetries, failure.message),
        );
        if (req.hooks?.beforeRetry) {
          await runBeforeRetry(req.hooks, req, {
            retryCount: budget.connect,
            error: failure,
            delayMs: delay,
          });
        }
        await sleep(delay, signal);
        continue;
      }
      throw failed(failure, req, signal, n, policy, budget.connect < policy.connectRetries);
    }
    received(req, resp);
    env.timings?.record(req.method, req.url, resp.status, performance.now() - clock.started);
    if (logger) {
      await logResponse(logger, {
        method: req.method,
        url: req.url,
        status: resp.status,
        headers: resp.headers,
        body: await loggableBody(resp),
        elapsedMs: performance.now() - clock.started,
        secrets,
      });
    }
    if (
      budget.status < policy.statusRetries && policy.retriable.includes(resp.status) &&
      mayResend(req, policy)
    ) {
      const header = resp.headers.get("retry-after");
      await resp.body?.cancel();
      const delay = statusRetryDelay(env, header, budget.status);
      budget.status++;
      const why = `HTTP ${resp.status}` + (header !== null ? ` (Retry-After: ${header})` : "");
      logger?.debug(retryNote(req, delay, budget.status, policy.statusRetries, why));
      if (req.hooks?.beforeRetry) {
        await runBeforeRetry(req.hooks, req, {
          retryCount: budget.status,
          status: resp.status,
          delayMs: delay,
        });
      }
      await sleep(delay, signal);
      continue;
    }
    if (n > 1) env.attempts.set(resp, n);
    return resp;
  }
}

/**
 * How long to wait before retry `statusAttempt + 1` of a retriable status:
 * its `Retry-After` (capped by `maxRetryDelay`), else the backoff delay.
 */
export function statusRetryDelay(
  env: SendEnv,
  retryAfter: string | null,
  statusAttempt: number,
): number {
  const after = parseRetryAfter(retryAfter, env.now());
  return after !== undefined
    ? Math.min(after * 1000, env.backoff.maxMs)
    : backoffDelay(statusAttempt, env.backoff);
}

/** Whether `req` may be sent again after it may have reached the server. */
function mayResend(req: Prepared, policy: Policy): boolean {
  return !(req.body instanceof ReadableStream) &&
    (isIdempotent(req.method) || policy.retryNonIdempotent);
}

/**
 * One attempt through the session's gates (concurrency slot), within the
 * per-attempt timeout and the caller's signal. A timeout becomes
 * {@linkcode ConnectTimeout}. `clock.started` is set when the request
 * leaves (after the gates), so timings and logs leave out the wait.
 */
export async function attempt(
  env: SendEnv,
  req: Prepared,
  init: RequestInit,
  timeout: number | undefined,
  signal: AbortSignal | undefined,
  logger?: Logger,
  clock?: { started: number },
): Promise<Response> {
  const url = req.url;
  // Waiting at a gate or for the rate limit is not part of the attempt's timeout.
  const releases: (() => void)[] = [];
  try {
    // The adapter's concurrency slot, the session's gates, then the adapter's and the session's
    // rate limits, in that order (a request holds its slots while it waits for its start time).
    if (req.limits?.semaphore) releases.push(await req.limits.semaphore.acquire(signal));
    for (const gate of env.gates) releases.push(await gate.acquire(signal));
    for (const rate of [req.limits?.rate, env.rate]) {
      if (!rate) continue;
      const waited = await rate.acquire(env.now(), signal);
      if (waited > 0) {
        logger?.debug(
          `rate limit: ${req.method} ${redactUrl(url)} waited ${Math.round(waited)} ms`,
        );
      }
    }
    const timeoutSignal = timeout !== undefined ? AbortSignal.timeout(timeout) : undefined;
    const combined = signal && timeoutSignal
      ? AbortSignal.any([signal, timeoutSignal])
      : signal ?? timeoutSignal;
    if (combined) init.signal = combined;
    if (clock) clock.started = performance.now();
    try {
      const resp = await env.transport()(url, init);
      // The timeout also bounds reading the body: a ConnectTimeout then, not a DOMException.
      return timeoutSignal
        ? timedBody(resp, timeoutSignal, signal, `${req.method} ${redactUrl(url)}`, timeout!)
        : resp;
    } catch (err) {
      if (timeoutSignal?.aborted && !signal?.aborted) {
        throw new ConnectTimeout(`timed out after ${timeout} ms`, { cause: err });
      }
      throw err;
    }
  } finally {
    for (const release of releases.reverse()) release();
  }
}

/**
 * The body text to log: JSON and text bodies with a Content-Length up to
 * 1 MiB (read from a clone, so the caller still gets the whole body); a
 * note for others. Streamed bodies are never buffered for logging.
 */
async function loggableBody(resp: Response): Promise<string | undefined> {
  if (resp.body === null) return undefined;
  const type = resp.headers.get("content-type") ?? "";
  const lengthHeader = resp.headers.get("content-length");
  const length = lengthHeader === null ? NaN : Number(lengthHeader);
  if (!/json|text/i.test(type)) {
    return type ? `<omitted: Content-Type is ${type}>` : undefined;
  }
  if (!(length <= 1 << 20)) {
    return lengthHeader === null ? "<omitted: no Content-Length>" : "<omitted: over 1 MiB>";
  }
  try {
    return await resp.clone().text();
  } catch {
    return undefined;
  }
}

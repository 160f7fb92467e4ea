/**
 * Injected faults ({@linkcode FakeCloud.inject}): which request a fault
 * answers, its delay and its response.
 *
 * @module
 */
import { errorBody, requestId } from "./http.ts";
import type { CloudState, FaultState } from "./state.ts";
import type { FakeFault, FakeFaultHandle } from "./types.ts";

/** Adds a fault ({@linkcode FakeCloud.inject}); the handle counts and cancels it. */
export function injectFault(s: CloudState, fault: FakeFault): FakeFaultHandle {
  const state: FaultState = { fault, remaining: fault.times ?? 1, hits: 0 };
  s.faults.push(state);
  return {
    get hits(): number {
      return state.hits;
    },
    get remaining(): number {
      return state.remaining;
    },
    cancel: (): void => {
      state.remaining = 0;
    },
  };
}

/** The first injected fault matching the request that has answers left (counted). */
export function takeFault(s: CloudState, method: string, path: string): FakeFault | undefined {
  for (const state of s.faults) {
    if (state.remaining <= 0) continue;
    const f = state.fault;
    if (f.method !== undefined && f.method.toUpperCase() !== method.toUpperCase()) continue;
    const matches = typeof f.path === "string"
      ? path === f.path || path.startsWith(f.path.endsWith("/") ? f.path : `${f.path}/`)
      : f.path.test(path);
    if (!matches) continue;
    state.remaining--;
    state.hits++;
    return f;
  }
  return undefined;
}

/** Waits `ms` (a fault's `delayMs`), ended early by `signal` or {@linkcode releaseStalls}. */
export function sleep(s: CloudState, ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      s.stalls.delete(done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    s.stalls.add(done);
    signal?.addEventListener("abort", done, { once: true });
  });
}

/** Ends every pending fault delay. */
export function releaseStalls(s: CloudState): void {
  for (const done of [...s.stalls]) done();
}

/** The response of an injected fault. */
export function faultResponse(f: FakeFault): Response {
  const status = f.status ?? 500;
  const headers = new Headers(f.headers);
  if (!headers.has("X-Openstack-Request-Id")) headers.set("X-Openstack-Request-Id", requestId());
  if (status === 204 || status === 304 || (status >= 100 && status < 200)) {
    return new Response(null, { status, headers });
  }
  let body: string;
  if (typeof f.body === "string") {
    body = f.body;
  } else {
    body = JSON.stringify(f.body === undefined ? errorBody(status, "Injected fault.") : f.body);
    if (!headers.has("Content-Type")) headers.set("Content-Type", "application/json");
  }
  return new Response(body, { status, headers });
}

/**
 * Request hooks (`hooks` on Session, Adapter and each request), with ky's
 * semantics: lists of functions run in order (the session's, then the
 * adapter's, then the request's), each may be async; `beforeRequest` may
 * change the headers sent or answer instead of the server (return a
 * `Response`), `afterResponse` may replace the response, `beforeRetry`
 * hears of each retry, `beforeError` may replace the error thrown.
 *
 * No hook sees a secret: the request they are shown has a redacted URL and
 * no credential headers (the auth plugin's, `X-Auth-Token`, `Authorization`,
 * ...), no body; responses are shown without secret headers
 * (`X-Subject-Token`, `Set-Cookie`, ...); the auth plugins' own requests
 * (token requests) run no hooks at all.
 *
 * @module
 */
import { OptionError, type OsAuthError } from "../errors.ts";
import type { HookRequest, Hooks, RetryState } from "../types.ts";
import { redactUrl, SENSITIVE_HEADERS } from "../util/secrets.ts";
import { headerKey, type HeaderRecord, setHeader } from "../util/headers.ts";

const KINDS = ["beforeRequest", "afterResponse", "beforeRetry", "beforeError"] as const;

/** Throws {@linkcode OptionError} unless `value` is a {@linkcode Hooks} object (`name` in messages). */
export function checkHooks(value: unknown, name = "hooks"): void {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new OptionError(`${name} must be an object of hook lists`);
  }
  for (const key of Object.keys(value)) {
    if (!(KINDS as readonly string[]).includes(key)) {
      throw new OptionError(`${name}.${key} is not a hook (${KINDS.join(", ")})`);
    }
    const list = (value as Record<string, unknown>)[key];
    if (list === undefined) continue;
    if (!Array.isArray(list) || !list.every((f) => typeof f === "function")) {
      throw new OptionError(`${name}.${key} must be a list of functions`);
    }
  }
}

/** The hooks of several levels, concatenated (undefined when there are none). */
export function mergeHooks(...levels: (Hooks | undefined)[]): Hooks | undefined {
  const present = levels.filter((h): h is Hooks => h !== undefined);
  if (present.length === 0) return undefined;
  if (present.length === 1) return present[0];
  const out: Record<string, unknown[]> = {};
  for (const kind of KINDS) {
    const all = present.flatMap((h): readonly unknown[] => h[kind] ?? []);
    if (all.length > 0) out[kind] = all;
  }
  return out as Hooks;
}

/** What the hooks need of a request being prepared. */
export interface HookedRequest {
  method: string;
  url: string;
  headers: HeaderRecord;
  /** Names of the auth plugin's headers (credentials whatever they are called). */
  secretHeaders?: readonly string[];
}

function isSecret(name: string, req: HookedRequest): boolean {
  return SENSITIVE_HEADERS.has(name) ||
    (req.secretHeaders?.some((h) => h.toLowerCase() === name) ?? false);
}

/** The view of `req` hooks are shown. */
export function hookRequest(req: HookedRequest): HookRequest {
  const headers = new Headers();
  for (const [k, v] of Object.entries(req.headers)) {
    if (!isSecret(k, req)) headers.set(k, v);
  }
  return { method: req.method, url: redactUrl(req.url), headers };
}

/**
 * Runs the `beforeRequest` hooks on `req`; the headers they set or deleted
 * are what is sent. The first `Response` a hook returns answers the request
 * (the later hooks do not run).
 */
export async function runBeforeRequest(
  hooks: Hooks,
  req: HookedRequest,
): Promise<Response | undefined> {
  const list = hooks.beforeRequest;
  if (!list || list.length === 0) return undefined;
  const view = hookRequest(req);
  let answer: Response | undefined;
  for (const hook of list) {
    const out = await hook(view);
    if (out instanceof Response) {
      answer = out;
      break;
    }
  }
  // The view's headers (credentials never were in it) replace the request's own.
  const seen = new Set<string>();
  for (const [k, v] of view.headers) {
    const key = headerKey(k);
    if (isSecret(key, req) && req.headers[key] !== v) {
      throw new OptionError(
        `a beforeRequest hook set ${k}, a credential header: credentials come from auth plugins`,
      );
    }
    seen.add(key);
    setHeader(req.headers, key, v);
  }
  for (const k of Object.keys(req.headers)) {
    if (!seen.has(k) && !isSecret(k, req)) delete req.headers[k];
  }
  return answer;
}

/** `resp` without secret headers, its body a copy (cancelled after the hooks ran). */
function hookResponse(resp: Response, req: HookedRequest): Response {
  const headers = new Headers();
  for (const [k, v] of resp.headers) {
    if (!isSecret(k, req)) headers.set(k, v);
  }
  const nullBody = resp.status === 204 || resp.status === 205 || resp.status === 304 ||
    resp.status < 200;
  const copy = new Response(nullBody ? null : resp.clone().body, {
    status: resp.status < 200 || resp.status > 599 ? 200 : resp.status,
    statusText: resp.statusText,
    headers,
  });
  Object.defineProperty(copy, "url", { value: resp.url });
  return copy;
}

/**
 * Runs the `afterResponse` hooks: each is shown the current response (a
 * copy without secret headers); one it returns replaces it (the one it
 * replaced is cancelled).
 */
export async function runAfterResponse(
  hooks: Hooks,
  req: HookedRequest,
  resp: Response,
): Promise<Response> {
  const list = hooks.afterResponse;
  if (!list || list.length === 0) return resp;
  const view = hookRequest(req);
  let current = resp;
  for (const hook of list) {
    const shown = hookResponse(current, req);
    let out: void | Response;
    try {
      out = await hook(view, shown);
    } finally {
      // A copy the hook did not read is cancelled, so the body is not kept twice. Not awaited:
      // a tee's branch is cancelled for good only once the other one is done too.
      if (!shown.bodyUsed) shown.body?.cancel().catch(() => {});
    }
    // The copy it was shown, returned as it is, changes nothing.
    if (out instanceof Response && out !== shown) {
      current.body?.cancel().catch(() => {});
      current = out;
    }
  }
  return current;
}

/** Runs the `beforeRetry` hooks. */
export async function runBeforeRetry(
  hooks: Hooks,
  req: HookedRequest,
  state: Omit<RetryState, "request">,
): Promise<void> {
  const list = hooks.beforeRetry;
  if (!list || list.length === 0) return;
  const request = hookRequest(req);
  for (const hook of list) await hook({ ...state, request });
}

/** Runs the `beforeError` hooks: each gets the error the one before returned. */
export async function runBeforeError(hooks: Hooks, error: OsAuthError): Promise<OsAuthError> {
  let current = error;
  for (const hook of hooks.beforeError ?? []) {
    const out = await hook(current);
    if (out instanceof Error) current = out as OsAuthError;
  }
  return current;
}

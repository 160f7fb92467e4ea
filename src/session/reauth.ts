/**
 * Internal, request stage 6 ("re-auth"): the credentials a request that got
 * a 401 is sent again with, once.
 *
 * @module
 */
import type { AuthPlugin } from "../types.ts";

/** What re-authentication needs from the session (a `Session` has it). */
export type ReauthContext = Parameters<AuthPlugin["getHeaders"]>[0] & {
  /** The plugin's headers (a Session subclass may add its own). */
  getAuthHeaders(auth?: AuthPlugin): Promise<Record<string, string>>;
};

/**
 * The credentials to retry a 401 with, or `undefined` for no retry. When the
 * plugin already has other credentials than the rejected ones (a concurrent
 * request got a 401 first and re-authenticated, or is re-authenticating),
 * those are used and not invalidated again; otherwise the plugin is
 * invalidated and asked anew. Every request whose 401 arrives while or
 * after another one re-authenticates so retries with the new credentials:
 * an `invalidate()` that finds nothing to forget (another request already
 * did) still looks for new credentials.
 */
export async function renewedAuthHeaders(
  session: ReauthContext,
  auth: AuthPlugin,
  rejected: Readonly<Record<string, string>>,
): Promise<Record<string, string> | undefined> {
  const changed = (headers: Record<string, string> | undefined): boolean => {
    if (!headers) return false;
    const keys = Object.keys(headers);
    return keys.length !== Object.keys(rejected).length ||
      keys.some((k) => headers[k] !== rejected[k]);
  };
  const current = await auth.getHeaders(session);
  if (current && changed(current)) return current;
  if (await auth.invalidate()) return await session.getAuthHeaders(auth);
  // Nothing to forget: another request invalidated first and re-authenticates (this
  // joins it), or the plugin cannot renew (the same headers again: no retry).
  const renewed = await auth.getHeaders(session);
  return changed(renewed) ? renewed : undefined;
}

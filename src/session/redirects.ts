/**
 * Internal, request stage 5 ("redirects"): following the redirects a
 * response answers with (fetch runs with `redirect: "manual"`), keeping
 * credentials to the origins trusted with them.
 *
 * @module
 */
import { ConnectFailure, TooManyRedirects, UntrustedOrigin } from "../errors.ts";
import { bodySecrets, redactUrl, SENSITIVE_HEADERS } from "../util/secrets.ts";
import type { HeaderRecord } from "../util/headers.ts";
import { type Prepared, secretsOf } from "./prepare.ts";
import { originOf } from "../util/url.ts";

/** The statuses followed. */
export const REDIRECT_STATUSES: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);

/** Where a followed redirect ended, and whether the credentials went along to its end. */
export interface Followed {
  resp: Response;
  credentialed: boolean;
}

/**
 * Follows the redirect `redirect` answered to `first`, at most `limit` of
 * them, each sent with `sendNext` (the send stage). Credential headers go
 * along only to the same origin or to `trusted` origins (the plugin's
 * headers, `first.secretHeaders`, and every {@linkcode SENSITIVE_HEADERS}
 * are dropped otherwise, and so is user info in the Location's URL, which
 * fetch would send as Authorization); a body holding secrets is not sent
 * again to an origin they would not go to ({@linkcode UntrustedOrigin}); an
 * identity request follows no redirect to another origin at all; a redirect
 * to anything but http(s) is refused.
 */
export async function followRedirects(
  first: Prepared,
  redirect: Response,
  trusted: ReadonlySet<string> | undefined,
  limit: number,
  sendNext: (req: Prepared) => Promise<Response>,
): Promise<Followed> {
  const firstOrigin = originOf(first.url);
  let req = first;
  let resp = redirect;
  let credentialed = true;
  for (let hops = 0;; hops++) {
    const location = resp.headers.get("location");
    if (!location) return { resp, credentialed };
    const toGet = resp.status === 303 ||
      ((resp.status === 301 || resp.status === 302) && req.method === "POST");
    // A streamed body cannot be sent again: hand the redirect to the caller.
    if (!toGet && req.body instanceof ReadableStream) return { resp, credentialed };
    await resp.body?.cancel();
    if (hops >= limit) {
      throw new TooManyRedirects(
        `${first.method} ${redactUrl(first.url)}: more than ${limit} redirects, last to ` +
          redactUrl(location),
      );
    }
    let nextUrl: URL;
    try {
      nextUrl = new URL(location, req.url);
    } catch {
      throw new ConnectFailure(
        `${req.method} ${redactUrl(req.url)}: the redirect Location is not a URL`,
      );
    }
    if (nextUrl.protocol !== "http:" && nextUrl.protocol !== "https:") {
      throw new UntrustedOrigin(
        `${req.method} ${redactUrl(req.url)}: refusing to follow a redirect to a ` +
          `${nextUrl.protocol} URL`,
      );
    }
    if (first.identity && nextUrl.origin !== firstOrigin) {
      throw new UntrustedOrigin(
        `${first.method} ${redactUrl(first.url)}: the identity service redirected ` +
          `(HTTP ${resp.status}) to another origin, ${redactUrl(nextUrl.href)}; identity ` +
          "requests carry credentials and follow no redirect to another origin (give that " +
          "URL as the auth URL if it is your identity service)",
      );
    }
    const headers: HeaderRecord = { ...req.headers };
    const keepCredentials = nextUrl.origin === originOf(req.url) ||
      (trusted?.has(nextUrl.origin) ?? false);
    if (!keepCredentials) {
      if (!toGet && bodySecrets(req.bodyText).length > 0) {
        throw new UntrustedOrigin(
          `${req.method} ${redactUrl(req.url)}: refusing to follow the redirect (HTTP ` +
            `${resp.status}) to ${redactUrl(nextUrl.href)}: the request body holds ` +
            "secrets and that origin is not trusted with them",
        );
      }
      credentialed = false;
      // User info in a URL becomes an Authorization header: a credential too.
      nextUrl.username = "";
      nextUrl.password = "";
      for (const h of SENSITIVE_HEADERS) delete headers[h];
      for (const h of first.secretHeaders ?? []) delete headers[h.toLowerCase()];
    }
    if (toGet) {
      delete headers["content-type"];
      delete headers["content-length"];
    }
    req = {
      method: toGet ? (req.method === "HEAD" ? "HEAD" : "GET") : req.method,
      url: nextUrl.toString(),
      headers,
      body: toGet ? undefined : req.body,
      bodyText: toGet ? undefined : req.bodyText,
      secretHeaders: req.secretHeaders,
      earlierSecrets: secretsOf(first),
      ...(req.limits ? { limits: req.limits } : {}),
      ...(req.hooks ? { hooks: req.hooks } : {}),
    };
    resp = await sendNext(req);
    if (!REDIRECT_STATUSES.has(resp.status)) return { resp, credentialed };
  }
}

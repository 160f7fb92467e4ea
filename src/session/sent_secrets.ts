/**
 * Internal: which secret values a request sends, so that what a server
 * quotes back (Keystone and Placement repeat the submitted password in their
 * 400 messages) is scrubbed from error messages, `details` and logs, and so
 * that a body holding secrets is not re-sent to another origin by a
 * redirect. Computed only when needed (an error response, a log line, a
 * redirect), never for every request.
 *
 * @module
 */
import { isSecretKey, isSensitiveHeader } from "../logging.ts";
import type { HeaderRecord } from "../util/headers.ts";

/** What is read from a request. */
export interface SentRequest {
  /** The headers sent (lower-case names). */
  headers: HeaderRecord;
  /** The body, when it is text. */
  bodyText?: string | undefined;
  /** Names of the auth plugin's headers (secrets whatever they are called). */
  secretHeaders?: readonly string[];
}

/** The secret parts of a credential header's value: the whole, the scheme's argument, cookies. */
function headerSecrets(name: string, value: string, out: Set<string>): void {
  out.add(value);
  const scheme = /^\s*([A-Za-z][\w-]*)\s+(\S.*)$/.exec(value);
  if (scheme) {
    out.add(scheme[2]!);
    if (scheme[1]!.toLowerCase() === "basic") {
      try {
        const decoded = new TextDecoder().decode(
          Uint8Array.from(atob(scheme[2]!.trim()), (c) => c.charCodeAt(0)),
        );
        const colon = decoded.indexOf(":");
        out.add(colon >= 0 ? decoded.slice(colon + 1) : decoded);
      } catch {
        // not base64: the value itself is scrubbed
      }
    }
  }
  if (name === "cookie") {
    for (const part of value.split(";")) {
      const eq = part.indexOf("=");
      if (eq >= 0) out.add(part.slice(eq + 1).trim());
    }
  }
}

/**
 * The secrets in a JSON body, as the log redaction finds them: primitive
 * values of secret keys (`password`, `secret`, `passcode`, `token`, ...,
 * also in arrays), objects under them searched further, and the `id` of a
 * `token` object. Iterative: any depth.
 */
export function bodySecrets(bodyText: string | undefined): string[] {
  if (bodyText === undefined || bodyText === "") return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(bodyText);
  } catch {
    return [];
  }
  const out: string[] = [];
  // [value, key it is under, whether that key is a secret one]
  const work: [unknown, string | undefined, boolean][] = [[parsed, undefined, false]];
  while (work.length > 0) {
    const [value, key, secret] = work.pop()!;
    if (Array.isArray(value)) {
      for (const v of value) work.push([v, key, secret]);
    } else if (value !== null && typeof value === "object") {
      for (const [k, v] of Object.entries(value)) {
        const lower = k.toLowerCase();
        const tokenId = lower === "id" && key !== undefined && /token/.test(key);
        work.push([v, lower, isSecretKey(lower) || tokenId]);
      }
    } else if (secret && (typeof value === "string" || typeof value === "number")) {
      const text = String(value);
      if (text !== "") out.push(text);
    }
  }
  return out;
}

/** Every secret value `req` sends: credential headers (and their parts) and body secrets. */
export function sentSecrets(req: SentRequest): string[] {
  const out = new Set<string>();
  const named = req.secretHeaders?.map((h) => h.toLowerCase()) ?? [];
  for (const name in req.headers) {
    const value = req.headers[name]!;
    if (value !== "" && (isSensitiveHeader(name) || named.includes(name))) {
      headerSecrets(name, value, out);
    }
  }
  for (const s of bodySecrets(req.bodyText)) out.add(s);
  out.delete("");
  return [...out];
}

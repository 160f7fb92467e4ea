/**
 * Internal: reading the bodies osauth reads itself (token responses, version
 * documents, error bodies) with a size cap, so that a hostile or broken
 * server cannot make osauth buffer without bound.
 *
 * @module
 */
import type { OsAuthError } from "../errors.ts";
import { redactUrl } from "../logging.ts";

/** Largest token response read (a big catalog is a few hundred KiB). */
export const TOKEN_BODY_LIMIT: number = 16 * 1024 * 1024;
/** Largest version document read. */
export const VERSION_DOCUMENT_LIMIT: number = 4 * 1024 * 1024;
/** Bytes of an error body read; the rest is not read (the error keeps the start). */
export const ERROR_BODY_LIMIT: number = 64 * 1024;

/** `n` bytes for messages: `16 MiB`, `64 KiB`, `100 bytes`. */
export function formatBytes(n: number): string {
  if (n >= 1024 * 1024 && n % (1024 * 1024) === 0) return `${n / (1024 * 1024)} MiB`;
  if (n >= 1024 && n % 1024 === 0) return `${n / 1024} KiB`;
  return `${n} bytes`;
}

/** The start of a body: at most `limit` bytes of it, and whether there was more. */
export interface BodyStart {
  /** The text of the bytes read (a character cut at the limit is dropped). */
  text: string;
  /** Whether the body was longer than `limit` (the rest was not read). */
  truncated: boolean;
}

/**
 * Reads at most `limit` bytes of `resp`'s body as text and cancels the rest.
 * Errors of the read itself (a reset, a timeout) are thrown as they are.
 */
export async function readBodyStart(resp: Response, limit: number): Promise<BodyStart> {
  const body = resp.body;
  if (body === null) return { text: "", truncated: false };
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let truncated = false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (size + value.byteLength > limit) {
        chunks.push(value.subarray(0, limit - size));
        size = limit;
        truncated = true;
        break;
      }
      chunks.push(value);
      size += value.byteLength;
    }
  } finally {
    if (truncated) await reader.cancel().catch(() => {});
    reader.releaseLock();
  }
  const decoder = new TextDecoder();
  let text = "";
  for (const c of chunks) text += decoder.decode(c, { stream: true });
  if (!truncated) text += decoder.decode();
  return { text, truncated };
}

/** An error class osauth throws for a body over its cap (`AuthorizationFailure`, ...). */
export type BodyErrorClass = new (message: string) => OsAuthError;

/**
 * The whole body of `resp` as text, or `error` (naming the cap, what the
 * body is and the redacted `url`) when it is longer than `limit` bytes: a
 * `Content-Length` over the cap is refused before anything is read.
 */
export async function readBodyCapped(
  resp: Response,
  limit: number,
  what: string,
  url: string,
  error: BodyErrorClass,
): Promise<string> {
  const tooLarge = () =>
    new error(
      `the ${what} from ${redactUrl(url)} is larger than ${formatBytes(limit)} ` +
        `(osauth's limit for a ${what}); it was not read`,
    );
  const length = Number(resp.headers.get("content-length") ?? NaN);
  if (length > limit) {
    await resp.body?.cancel().catch(() => {});
    throw tooLarge();
  }
  const { text, truncated } = await readBodyStart(resp, limit);
  if (truncated) throw tooLarge();
  return text;
}

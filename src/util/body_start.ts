/**
 * Internal: reading at most a number of bytes of a body (what errors.ts
 * needs of an error body, and the capped readers of body.ts build on).
 *
 * @module
 */

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

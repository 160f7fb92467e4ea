/**
 * Internal: text from a server or a caller made safe to quote in a message
 * or a log line.
 *
 * @module
 */

/** Control characters, and the Unicode line separators and bidirectional overrides. */
// deno-lint-ignore no-control-regex -- matching control characters is the point
const CONTROL_CHAR = /[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
const CONTROL_CHARS = new RegExp(CONTROL_CHAR.source, "g");
const SHORT_ESCAPES: Readonly<Record<string, string>> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };

/**
 * `text` with control characters escaped (`\n`, `\r`, `\t`, else
 * `\u00XX`), and the Unicode line separators and bidirectional overrides:
 * text from a server or a caller quoted in a message or a log line cannot
 * start a new line or disguise the rest of it.
 */
export function escapeControlChars(text: string): string {
  if (!CONTROL_CHAR.test(text)) return text;
  return text.replace(
    CONTROL_CHARS,
    (c) => SHORT_ESCAPES[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

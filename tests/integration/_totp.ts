/**
 * RFC 6238 TOTP passcodes (HMAC-SHA1, 30 s steps, 6 digits), as Keystone's `totp` auth method
 * checks them, computed with `crypto.subtle` from a base32 secret (the dev cloud's
 * `totp_secret`). Test helper only: passcodes are secrets, never log them.
 *
 * @module
 */

const BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/** Decodes RFC 4648 base32 (case-insensitive; padding and spaces ignored). */
export function base32Decode(input: string): Uint8Array {
  const clean = input.replace(/[\s=]/g, "").toUpperCase();
  const out = new Uint8Array(Math.floor((clean.length * 5) / 8));
  let bits = 0;
  let value = 0;
  let i = 0;
  for (const ch of clean) {
    const idx = BASE32.indexOf(ch);
    if (idx < 0) throw new Error("base32Decode: not a base32 string");
    value = (value << 5) | idx;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out[i++] = (value >>> bits) & 0xff;
    }
  }
  return out;
}

/** Options of {@linkcode totpPasscode}. */
export interface TotpOptions {
  /** Time in ms since the epoch (default `Date.now()`). */
  now?: number;
  /** Step in seconds (default 30). */
  step?: number;
  /** Number of digits (default 6). */
  digits?: number;
}

/** The HOTP value (RFC 4226) of `key` for `counter`. */
export async function hotp(key: Uint8Array, counter: number, digits = 6): Promise<string> {
  const msg = new Uint8Array(8);
  new DataView(msg.buffer).setBigUint64(0, BigInt(counter));
  const cryptoKey = await crypto.subtle.importKey(
    "raw",
    key as Uint8Array<ArrayBuffer>,
    { name: "HMAC", hash: "SHA-1" },
    false,
    ["sign"],
  );
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", cryptoKey, msg));
  const offset = mac[mac.length - 1]! & 0x0f;
  const code = new DataView(mac.buffer).getUint32(offset) & 0x7fffffff;
  return String(code % 10 ** digits).padStart(digits, "0");
}

/** The TOTP passcode (RFC 6238) of a base32 `secret` at `options.now`. */
export function totpPasscode(secret: string, options: TotpOptions = {}): Promise<string> {
  const step = options.step ?? 30;
  const counter = Math.floor((options.now ?? Date.now()) / 1000 / step);
  return hotp(base32Decode(secret), counter, options.digits ?? 6);
}

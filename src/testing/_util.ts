/**
 * Internal helpers for the testing kit (not exported from `mod.ts`).
 *
 * @module
 */

/** A random lowercase hex string of `bytes` random bytes (uuid4().hex is 16). */
export function randomHex(bytes = 16): string {
  const buf = new Uint8Array(bytes);
  crypto.getRandomValues(buf);
  let out = "";
  for (const b of buf) out += b.toString(16).padStart(2, "0");
  return out;
}

/** A random base64url string of `bytes` random bytes. */
export function randomBase64Url(bytes: number): string {
  const buf = new Uint8Array(bytes);
  crypto.getRandomValues(buf);
  let bin = "";
  for (const b of buf) bin += String.fromCharCode(b);
  return btoa(bin).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

/** Formats a date as Keystone does: `2026-11-23T15:20:11.123000Z`. */
export function isoMicro(date: Date): string {
  const iso = date.toISOString(); // 2026-11-23T15:20:11.123Z
  return `${iso.slice(0, 19)}.${iso.slice(20, 23)}000Z`;
}

/** Formats a date without fractions: `2026-11-23T15:20:11Z` (Keystone v2 `expires`). */
export function isoSeconds(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}

/** Coerces a Date, ISO string or epoch-ms number to a Date. */
export function toDate(value: Date | string | number): Date {
  return value instanceof Date ? new Date(value.getTime()) : new Date(value);
}

/** An hour in milliseconds: a fixture token's default lifetime. */
export const HOUR_MS = 3_600_000;

/** A Keystone audit id: a 22-character urlsafe base64 string. */
export function newAuditId(): string {
  return randomBase64Url(16);
}

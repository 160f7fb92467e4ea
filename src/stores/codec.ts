/**
 * What the stores share: AES-GCM sealing of values (WebCrypto), the
 * `{expiresAt, value}` record the file and Deno KV stores keep, option checks
 * and lease owner ids.
 *
 * @module
 */
import { OptionError } from "../errors.ts";
import { StateEntryUnreadable } from "./errors.ts";

/** Prefix of an encrypted value: format version 1 is base64(iv ‖ AES-GCM ciphertext+tag). */
const SEALED = "osauth-aes-gcm.1.";
const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

/** Throws {@linkcode OptionError} unless `key` is an AES-GCM CryptoKey that can encrypt and decrypt. */
export function checkEncryptionKey(key: unknown, store: string): CryptoKey | undefined {
  if (key === undefined) return undefined;
  const k = key as Partial<CryptoKey> | null;
  const usages = Array.isArray(k?.usages) ? k.usages : [];
  if (
    typeof k !== "object" || k === null || k.algorithm?.name !== "AES-GCM" ||
    !usages.includes("encrypt") || !usages.includes("decrypt")
  ) {
    throw new OptionError(
      `${store}: encryptionKey must be an AES-GCM CryptoKey with the usages encrypt and decrypt ` +
        '(crypto.subtle.generateKey({ name: "AES-GCM", length: 256 }, false, ["encrypt", "decrypt"]))',
    );
  }
  return key as CryptoKey;
}

/** Throws {@linkcode OptionError} unless `now` is undefined or a function. */
export function checkClock(now: unknown, store: string): () => number {
  if (now === undefined) return Date.now;
  if (typeof now !== "function") throw new OptionError(`${store}: now must be a function`);
  return now as () => number;
}

/** Throws {@linkcode OptionError} unless `value` is a non-empty string (a store key). */
export function checkKey(key: unknown, store: string): string {
  if (typeof key !== "string" || key === "") {
    throw new OptionError(`${store}: a key must be a non-empty string`);
  }
  return key;
}

/** Throws {@linkcode OptionError} unless `ms` is a positive finite number (a lease length). */
export function checkTtl(ms: unknown, store: string): number {
  if (typeof ms !== "number" || !Number.isFinite(ms) || ms <= 0) {
    throw new OptionError(`${store}: a lease needs a positive ttlMs`);
  }
  return Math.ceil(ms);
}

/** Base64 of bytes (chunked: token bodies with catalogs reach tens of KB). */
export function toBase64(bytes: Uint8Array): string {
  let bin = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(bin);
}

function fromBase64(text: string): Uint8Array {
  const bin = atob(text);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** Additional data binding a sealed value to its key: an entry moved to another key is unreadable. */
function aad(key: string): Uint8Array<ArrayBuffer> {
  return encoder.encode(`osauth-state:${key}`);
}

/**
 * The value as stored: `value` itself without an encryption key, else
 * `osauth-aes-gcm.1.` + base64(12-byte random IV ‖ ciphertext and tag), with
 * the key as additional data.
 */
export async function sealValue(
  cryptoKey: CryptoKey | undefined,
  key: string,
  value: string,
): Promise<string> {
  if (!cryptoKey) return value;
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const sealed = new Uint8Array(
    await crypto.subtle.encrypt(
      { name: "AES-GCM", iv, additionalData: aad(key) },
      cryptoKey,
      encoder.encode(value),
    ),
  );
  const out = new Uint8Array(iv.length + sealed.length);
  out.set(iv);
  out.set(sealed, iv.length);
  return SEALED + toBase64(out);
}

/**
 * The value `sealValue` stored. {@linkcode StateEntryUnreadable} when it is
 * encrypted and this store has no key, not encrypted though the store has
 * one, or does not decrypt with the store's key.
 */
export async function openValue(
  cryptoKey: CryptoKey | undefined,
  key: string,
  stored: string,
): Promise<string> {
  const sealed = stored.startsWith(SEALED);
  if (!cryptoKey) {
    if (sealed) throw new StateEntryUnreadable("the entry is encrypted and the store has no key");
    return stored;
  }
  if (!sealed) throw new StateEntryUnreadable("the entry is not encrypted (the store has a key)");
  let bytes: Uint8Array;
  try {
    bytes = fromBase64(stored.slice(SEALED.length));
  } catch {
    throw new StateEntryUnreadable("the encrypted entry is not base64");
  }
  if (bytes.length < 12 + 16) throw new StateEntryUnreadable("the encrypted entry is truncated");
  try {
    const plain = await crypto.subtle.decrypt(
      { name: "AES-GCM", iv: bytes.slice(0, 12), additionalData: aad(key) },
      cryptoKey,
      bytes.slice(12),
    );
    return decoder.decode(plain);
  } catch {
    throw new StateEntryUnreadable("the entry does not decrypt with the store's key");
  }
}

/** The record the file and Deno KV stores keep: the (sealed) value and when it expires. */
export interface StoredRecord {
  /** Format version. */
  v: 1;
  /** Expiry, ms since the epoch. */
  expiresAt: number;
  /** The value, sealed when the store has a key. */
  value: string;
}

/** Checks a record read back; {@linkcode StateEntryUnreadable} when it is not one. */
export function checkRecord(data: unknown, where: string): StoredRecord {
  const r = data as Partial<StoredRecord> | null;
  if (
    typeof r !== "object" || r === null || r.v !== 1 || typeof r.value !== "string" ||
    typeof r.expiresAt !== "number" || !Number.isFinite(r.expiresAt)
  ) {
    throw new StateEntryUnreadable(`${where} is not an osauth state record`);
  }
  return r as StoredRecord;
}

/** A random id telling one lease holder from another. */
export function ownerId(): string {
  return crypto.randomUUID();
}

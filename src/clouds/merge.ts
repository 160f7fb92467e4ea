/**
 * Dictionary helpers with openstacksdk's semantics: key normalisation, the
 * deep merge used for secure.yaml and the `auth`-aware update used for
 * profiles, regions and clouds.
 *
 * @module
 */

import { pyFloatRepr } from "./pystr.ts";

/** A parsed YAML/JSON mapping. */
export type Mapping = Record<string, unknown>;

/** True for a plain mapping (not an array, not null). */
export function isMapping(value: unknown): value is Mapping {
  return typeof value === "object" && value !== null && !Array.isArray(value) &&
    !(value instanceof Date) && !(value instanceof Uint8Array);
}

/** A deep copy of parsed YAML/JSON data. */
export function deepCopy<T>(value: T): T {
  if (Array.isArray(value)) return value.map(deepCopy) as T;
  if (isMapping(value)) {
    const out: Mapping = {};
    for (const [k, v] of Object.entries(value)) out[k] = deepCopy(v);
    return out as T;
  }
  return value;
}

/** Keys whose integer values openstacksdk keeps as numbers. */
const INT_KEYS = new Set(["verbose_level", "api_timeout"]);

/**
 * openstacksdk's `normalize_keys`: dashes in keys become underscores (nested
 * mappings too), integers become strings except `verbose_level` and
 * `api_timeout`, floats become strings.
 */
export function normalizeKeys(config: Mapping): Mapping {
  const out: Mapping = {};
  for (const [rawKey, value] of Object.entries(config)) {
    const key = rawKey.replaceAll("-", "_");
    if (isMapping(value)) out[key] = normalizeKeys(value);
    else if (typeof value === "bigint") {
      out[key] = INT_KEYS.has(key) ? Number(value) : value.toString();
    } else if (typeof value === "number") {
      if (Number.isInteger(value) && !INT_KEYS.has(key)) out[key] = value.toFixed(0);
      else if (!Number.isInteger(value)) out[key] = pyFloatRepr(value);
      else out[key] = value;
    } else out[key] = value;
  }
  return out;
}

/** openstacksdk's `merge_clouds`: like `Object.assign`, recursing into mappings. */
export function mergeClouds(base: Mapping, update: Mapping): Mapping {
  const out: Mapping = { ...base };
  for (const [k, v] of Object.entries(update)) {
    if (isMapping(v)) {
      const old = out[k];
      out[k] = isMapping(old) ? mergeClouds(old, v) : deepCopy(v);
    } else out[k] = v;
  }
  return out;
}

/**
 * openstacksdk's `_auth_update`: `Object.assign(target, copy of update)`
 * except that the nested `auth` mapping is merged one level deep. Mutates
 * and returns `target`.
 */
export function authUpdate(target: Mapping, update: Mapping): Mapping {
  for (const [k, v] of Object.entries(deepCopy(update))) {
    if (k === "auth" && isMapping(v)) {
      const old = target.auth;
      target.auth = isMapping(old) ? Object.assign(old, v) : { ...v };
    } else target[k] = v;
  }
  return target;
}

/**
 * OpenStack service types and their historical aliases, as os-service-types
 * (the registry keystoneauth1 uses) relates them. The table itself is data,
 * generated into `service_types_data.ts` from os-service-types'
 * `service-types.json` by `scripts/gen_service_types.py`.
 *
 * As in os-service-types, `_` and `-` are the same in a type that is looked
 * up (`block_storage` is `block-storage`), and an alias matches its official
 * type and itself but never another alias: `volumev2` does not match a
 * catalog's `volumev3`, because the version an alias names matters.
 *
 * @example
 * ```ts
 * import { serviceTypeMatches } from "./service_types.ts";
 * console.assert(serviceTypeMatches("block-storage", "volumev3"));
 * console.assert(serviceTypeMatches("volumev3", "block-storage"));
 * console.assert(!serviceTypeMatches("volumev2", "volumev3"));
 * ```
 *
 * @module
 */
import { OptionError } from "../errors.ts";
import { ALL_TYPES_BY_SERVICE_TYPE } from "./service_types_data.ts";

/** Official type -> the official type and its aliases, in the registry's order. */
const ALL_TYPES: ReadonlyMap<string, readonly string[]> = new Map(
  ALL_TYPES_BY_SERVICE_TYPE.map((names) => [names[0]!, Object.freeze([...names])]),
);

/** Alias (as the registry writes it) -> official type. */
const OFFICIAL_OF: ReadonlyMap<string, string> = new Map(
  ALL_TYPES_BY_SERVICE_TYPE.flatMap((names) => names.slice(1).map((a) => [a, names[0]!])),
);

function checked(type: unknown, what = "a service type"): string {
  if (typeof type !== "string") {
    throw new OptionError(`${what} must be a string, got ${type === null ? "null" : typeof type}`);
  }
  return type;
}

/** os-service-types' `_normalize_type`: `_` becomes `-`. */
function normalize(type: string): string {
  return type.includes("_") ? type.replaceAll("_", "-") : type;
}

/** The official type of a type or alias, or `undefined` when the registry does not know it. */
function knownOfficial(type: string): string | undefined {
  const n = normalize(type);
  return ALL_TYPES.has(n) ? n : OFFICIAL_OF.get(n);
}

/**
 * Whether the registry knows a type, as official type or alias.
 *
 * @example
 * ```ts
 * import { isKnownServiceType } from "./service_types.ts";
 * console.assert(isKnownServiceType("volumev3") && isKnownServiceType("block_storage"));
 * console.assert(!isKnownServiceType("constructor"));
 * ```
 */
export function isKnownServiceType(type: string): boolean {
  return knownOfficial(checked(type)) !== undefined;
}

/**
 * The official service type for a type or alias (`volumev3` -> `block-storage`,
 * `block_storage` -> `block-storage`). Unknown types are returned unchanged.
 * Throws {@linkcode OptionError} when `type` is not a string.
 *
 * @example
 * ```ts
 * import { officialServiceType } from "jsr:@x/osauth";
 * console.assert(officialServiceType("volumev3") === "block-storage");
 * console.assert(officialServiceType("my-service") === "my-service");
 * ```
 */
export function officialServiceType(type: string): string {
  return knownOfficial(checked(type)) ?? type;
}

/**
 * The names a known service goes by: its official type, then its aliases in
 * the registry's order of preference (os-service-types' `get_all_types`). An
 * unknown type gives itself alone (with `_` written `-`, as os-service-types
 * does). Throws {@linkcode OptionError} when `type` is not a string.
 *
 * @example
 * ```ts
 * import { allServiceTypes } from "jsr:@x/osauth";
 * console.assert(allServiceTypes("volumev2").join() === "block-storage,volumev3,volumev2,volume,block-store");
 * ```
 */
export function allServiceTypes(type: string): string[] {
  const official = knownOfficial(checked(type));
  return official === undefined ? [normalize(type)] : [...ALL_TYPES.get(official)!];
}

/**
 * Whether a requested service type matches a type found in a catalog
 * (os-service-types' `is_match`): the same type; a requested alias of the
 * official type found; or the requested official type of an alias found. Two
 * aliases never match each other. Throws {@linkcode OptionError} when an
 * argument is not a string.
 *
 * @example
 * ```ts
 * import { serviceTypeMatches } from "./service_types.ts";
 * console.assert(serviceTypeMatches("volume", "block-storage"));
 * console.assert(!serviceTypeMatches("volume", "volumev3"));
 * ```
 */
export function serviceTypeMatches(requested: string, found: string): boolean {
  checked(requested, "the requested service type");
  checked(found, "a catalog service type");
  if (requested === found) return true;
  const n = normalize(found);
  // get_aliases(found): the aliases of `found` when it is an official type
  const names = ALL_TYPES.get(n);
  if (names && names.indexOf(requested) > 0) return true;
  return requested === (names ? n : OFFICIAL_OF.get(n));
}

/**
 * API version numbers as keystoneauth1 handles them: `"2.1"`, `"v2.1"`, `3`,
 * `[2, 1]`, `"latest"` and `"2.latest"` are parsed into tuples of integers in
 * which {@linkcode LATEST} (`Infinity`) stands for "latest", and compared
 * element by element.
 *
 * @example
 * ```ts
 * import { compareVersions, parseVersion, versionToString } from "jsr:@x/osauth/discovery";
 * console.assert(versionToString(parseVersion("v2")) === "2.0");
 * console.assert(compareVersions(parseVersion("2.10"), parseVersion("2.9")) > 0);
 * console.assert(versionToString(parseVersion("latest")) === "latest");
 * ```
 *
 * @module
 */
import { OptionError } from "../errors.ts";
import { isKnownServiceType } from "../catalog/service_types.ts";

/** The value standing for "latest" inside a {@linkcode ParsedVersion}. */
export const LATEST: number = Infinity;

/**
 * A parsed version: at least two non-negative integers (major, minor, ...),
 * any of which may be {@linkcode LATEST}.
 */
export type ParsedVersion = readonly number[];

/**
 * What a version may be given as: a string (`"2"`, `"v2.1"`, `"1.20.3"`,
 * `"latest"`, `"2.latest"`), a number (`2` is `2.0`; beware that `2.10` is the
 * number `2.1`, so prefer strings), or a list of parts (`[2, 1]`, `["2", "latest"]`).
 */
export type VersionInput = string | number | readonly (string | number)[];

function partToNumber(part: string | number): number | undefined {
  if (typeof part === "number") {
    if (part === LATEST) return LATEST;
    return Number.isSafeInteger(part) && part >= 0 ? part : undefined;
  }
  const p = part.trim();
  if (p === "latest") return LATEST;
  if (!/^\d+$/.test(p)) return undefined;
  const n = Number(p);
  return Number.isSafeInteger(n) ? n : undefined;
}

/**
 * Parses a version, or returns `undefined` when it is not one. Never throws.
 *
 * @example
 * ```ts
 * import { tryParseVersion } from "jsr:@x/osauth/discovery";
 * console.assert(tryParseVersion("v3")?.join(".") === "3.0");
 * console.assert(tryParseVersion("placement") === undefined);
 * ```
 */
export function tryParseVersion(version: unknown): ParsedVersion | undefined {
  let parts: (string | number)[];
  if (typeof version === "string") {
    const s = version.trim().replace(/^v+/, ""); // lstrip("v"), as keystoneauth1
    if (s === "") return undefined;
    parts = s.split(".");
  } else if (typeof version === "number") {
    if (!Number.isFinite(version) && version !== LATEST) return undefined;
    if (version === LATEST) return [LATEST, LATEST];
    if (version < 0) return undefined;
    parts = Number.isInteger(version) ? [version] : String(version).split(".");
  } else if (Array.isArray(version)) {
    if (version.length === 0) return undefined;
    if (!version.every((p) => typeof p === "string" || typeof p === "number")) return undefined;
    parts = [...version] as (string | number)[];
  } else {
    return undefined;
  }
  if (parts.length === 1 && partToNumber(parts[0]!) === LATEST) return [LATEST, LATEST];
  if (parts.length === 1) parts.push(0);
  const out: number[] = [];
  for (const part of parts) {
    const n = partToNumber(part);
    if (n === undefined) return undefined;
    out.push(n);
  }
  return out;
}

/**
 * Parses a version (see {@linkcode VersionInput}) into a tuple of at least two
 * numbers. Throws {@linkcode OptionError} when it is not a version.
 *
 * @example
 * ```ts
 * import { LATEST, parseVersion } from "jsr:@x/osauth/discovery";
 * console.assert(parseVersion("v2.1").join() === "2,1");
 * console.assert(parseVersion(3).join() === "3,0");
 * console.assert(parseVersion("2.latest")[1] === LATEST);
 * ```
 */
export function parseVersion(version: VersionInput): ParsedVersion {
  const parsed = tryParseVersion(version);
  if (!parsed) {
    throw new OptionError(
      `invalid version ${JSON.stringify(version)}: expected e.g. "2", "v2.1", "1.20.3" or "latest"`,
    );
  }
  return parsed;
}

/** Whether every part of `version` is {@linkcode LATEST}. */
export function isLatest(version: ParsedVersion): boolean {
  return checkParsed(version).length > 0 && version.every((p) => p === LATEST);
}

/** `version` when it is a parsed version (a list of numbers), else OptionError. */
function checkParsed(version: ParsedVersion): ParsedVersion {
  if (!Array.isArray(version) || !version.every((p) => typeof p === "number")) {
    throw new OptionError(
      `expected a parsed version (a list of numbers, see parseVersion), got ${
        JSON.stringify(version) ?? String(version)
      }`,
    );
  }
  return version;
}

/**
 * Formats a parsed version: `[2, 1]` -> `"2.1"`, `[LATEST, LATEST]` ->
 * `"latest"`, `[2, LATEST]` -> `"2.latest"`.
 */
export function versionToString(version: ParsedVersion): string {
  if (isLatest(version)) return "latest";
  return version.map((p) => (p === LATEST ? "latest" : String(p))).join(".");
}

/**
 * Compares two parsed versions part by part (a missing part sorts first, as
 * Python tuples do). Negative when `a < b`, zero when equal, positive when `a > b`.
 */
export function compareVersions(a: ParsedVersion, b: ParsedVersion): number {
  const n = Math.min(checkParsed(a).length, checkParsed(b).length);
  for (let i = 0; i < n; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x < y) return -1;
    if (x > y) return 1;
  }
  return a.length - b.length;
}

/**
 * Whether `candidate` lies within `[min, max]` (inclusive). An undefined
 * bound is open.
 *
 * @example
 * ```ts
 * import { parseVersion, versionBetween } from "jsr:@x/osauth/discovery";
 * console.assert(versionBetween(parseVersion("1.0"), parseVersion("1.39"), parseVersion("1.10")));
 * console.assert(!versionBetween(parseVersion("2.0"), undefined, parseVersion("1.10")));
 * ```
 */
export function versionBetween(
  min: ParsedVersion | undefined,
  max: ParsedVersion | undefined,
  candidate: ParsedVersion,
): boolean {
  if (min && compareVersions(candidate, min) < 0) return false;
  if (max && compareVersions(candidate, max) > 0) return false;
  return true;
}

/**
 * Whether `candidate` satisfies `required`: the same major version and at
 * least the required minor (3.3 satisfies 3.1; 4.1 does not).
 */
export function versionMatch(required: ParsedVersion, candidate: ParsedVersion): boolean {
  return compareVersions(candidate, required) >= 0 && candidate[0] === required[0];
}

/**
 * Whether `required` contains "latest" and matches `candidate` on that
 * basis: `latest` matches everything, `2.latest` any 2.x.
 */
export function latestSoftMatch(
  required: ParsedVersion | undefined,
  candidate: ParsedVersion,
): boolean {
  if (!required || !required.includes(LATEST)) return false;
  if (isLatest(required)) return true;
  return required[0] === candidate[0] && required[1] === LATEST;
}

/**
 * The API version a URL names: the last path segment that starts with `v`
 * and parses as a version (`.../v2.1/<project>` -> `[2, 1]`). Segments
 * without the `v` are ignored, since numeric project ids look like versions.
 */
export function versionFromUrl(url: string | undefined): ParsedVersion | undefined {
  if (!url) return undefined;
  let path: string;
  try {
    path = new URL(url).pathname;
  } catch {
    return undefined;
  }
  const parts = path.split("/").reverse();
  for (const part of parts) {
    if (!part.startsWith("v")) continue;
    const v = tryParseVersion(part);
    if (v && !v.includes(LATEST)) return v;
  }
  return undefined;
}

/** Requested API version bounds, as `version`/`minVersion`/`maxVersion` give them. */
export interface VersionBoundsInput {
  /** A major version: means `minVersion = version`, `maxVersion = "<major>.latest"`. */
  version?: VersionInput;
  /** Lowest acceptable version, or `"latest"`. */
  minVersion?: VersionInput;
  /** Highest acceptable version, or `"latest"`. */
  maxVersion?: VersionInput;
}

/** Normalised version bounds; both undefined means "any version". */
export interface VersionBounds {
  /** Lowest acceptable version. */
  min: ParsedVersion | undefined;
  /** Highest acceptable version (may contain {@linkcode LATEST}). */
  max: ParsedVersion | undefined;
}

function given(v: VersionInput | undefined): v is VersionInput {
  return v !== undefined && v !== "" && !(Array.isArray(v) && v.length === 0);
}

/**
 * The major version a versioned service type implies (`volumev3` -> 3), for
 * types the registry knows only (keystoneauth1's `_normalize_version_args`).
 */
export function impliedVersion(serviceType: string | undefined): ParsedVersion | undefined {
  if (typeof serviceType !== "string") return undefined;
  const last = serviceType.charCodeAt(serviceType.length - 1);
  if (!(last >= 48 && last <= 57)) return undefined; // no digit at the end: no "vN"
  const m = /v(\d)$/.exec(serviceType);
  if (!m || !isKnownServiceType(serviceType)) return undefined;
  return [Number(m[1]), 0];
}

/**
 * Normalises `version`, `minVersion` and `maxVersion` as keystoneauth1 does:
 * `version` is exclusive with the other two and means "this major version,
 * at least this minor"; `minVersion` alone means up to latest; a
 * `minVersion` of `"latest"` allows only `maxVersion` `"latest"`. A
 * versioned service type alias (`volumev3`) implies its major version.
 * Throws {@linkcode OptionError} on contradictions or bad versions.
 *
 * @example
 * ```ts
 * import { normalizeVersionBounds, versionToString } from "jsr:@x/osauth/discovery";
 * const { min, max } = normalizeVersionBounds({ version: "2" });
 * console.assert(versionToString(min!) === "2.0" && versionToString(max!) === "2.latest");
 * ```
 */
export function normalizeVersionBounds(
  bounds: VersionBoundsInput,
  serviceType?: string,
): VersionBounds {
  if (bounds === null || typeof bounds !== "object") {
    throw new OptionError("version bounds must be an object ({ version, minVersion, maxVersion })");
  }
  const implied = impliedVersion(serviceType);
  const { version } = bounds;
  let { minVersion, maxVersion } = bounds;
  if (given(version) && (given(minVersion) || given(maxVersion))) {
    throw new OptionError("version is mutually exclusive with minVersion and maxVersion");
  }
  if (given(version)) {
    const min = parseVersion(version);
    if (implied && isLatest(min)) return { min: [implied[0]!, LATEST], max: [implied[0]!, LATEST] };
    if (implied && min[0] !== implied[0]) {
      throw new OptionError(
        `service type ${serviceType} implies major version ${implied[0]} but version ` +
          `${versionToString(min)} was requested`,
      );
    }
    return { min, max: [min[0]!, LATEST] };
  }
  if (minVersion === "latest") {
    if (given(maxVersion) && maxVersion !== "latest") {
      throw new OptionError(
        `minVersion is "latest" so maxVersion may only be "latest" or unset, got ${
          JSON.stringify(maxVersion)
        }`,
      );
    }
    maxVersion = "latest";
  }
  if (given(minVersion) && !given(maxVersion)) maxVersion = "latest";
  let min = given(minVersion) ? parseVersion(minVersion) : undefined;
  let max = given(maxVersion) ? parseVersion(maxVersion) : undefined;
  if (min && max && compareVersions(max, min) < 0) {
    throw new OptionError(
      `minVersion ${versionToString(min)} is greater than maxVersion ${versionToString(max)}`,
    );
  }
  if (implied) {
    // "latest" of a versioned alias (volumev3) is the latest of that major version.
    if (min && isLatest(min)) return { min: [implied[0]!, LATEST], max: [implied[0]!, LATEST] };
    if (min && min[0] !== implied[0]) {
      throw new OptionError(
        `service type ${serviceType} implies major version ${implied[0]} but minVersion ` +
          `${versionToString(min)} was requested`,
      );
    }
    min ??= implied;
    if (max && max[0] !== LATEST) {
      if (max[0] !== implied[0]) {
        throw new OptionError(
          `service type ${serviceType} implies major version ${implied[0]} but maxVersion ` +
            `${versionToString(max)} was requested`,
        );
      }
    } else {
      max = [implied[0]!, LATEST];
    }
  }
  return { min, max };
}

/** The bounds in words, for messages: `"between 2.0 and 2.latest"`, `"latest"`, `">= 2.0"`, `"any"`. */
export function describeBounds(bounds: VersionBounds): string {
  const { min, max } = bounds;
  if (!min && !max) return "any";
  if (min && max) {
    if (isLatest(min)) return "latest";
    if (compareVersions(min, max) === 0) return versionToString(min);
    return `between ${versionToString(min)} and ${versionToString(max)}`;
  }
  if (min) return `>= ${versionToString(min)}`;
  return `<= ${versionToString(max!)}`;
}

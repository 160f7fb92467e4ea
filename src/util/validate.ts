/**
 * Internal: option checking. Each options object (Session, request, Adapter,
 * endpoint filter) has one table of checks, option name -> check; a check
 * throws {@linkcode OptionError} naming the option and the type of value it
 * got (never the value of a string, which may be a secret). Constructors
 * check every option once; a request checks only the options it sets.
 *
 * @module
 */
import { OptionError } from "../errors.ts";

/** Checks one option value (never `undefined`: unset options are not checked). */
export type Check = (value: unknown, name: string) => void;

/** Option name -> check (a record without prototype: no `constructor` or `toString` in it). */
export type Checks = Readonly<Record<string, Check | undefined>>;

/** A table of checks from a record. */
export function checks(table: Record<string, Check>): Checks {
  return Object.freeze(Object.assign(Object.create(null), table));
}

/** What a value is, for messages: numbers and booleans as they are, other values by type. */
export function describe(value: unknown): string {
  if (value === null) return "null";
  switch (typeof value) {
    case "number":
    case "boolean":
      return String(value);
    case "string":
      return value === "" ? "an empty string" : "a string";
    case "bigint":
      return "a BigInt";
    case "symbol":
      return "a symbol";
    case "function":
      return "a function";
    case "undefined":
      return "undefined";
  }
  return Array.isArray(value) ? "an array" : "an object";
}

function fail(name: string, expected: string, value: unknown): never {
  throw new OptionError(`${name} must be ${expected}, got ${describe(value)}`);
}

/**
 * Checks every option of `table` that `options` sets (own or inherited,
 * enumerable or not): for options objects checked once, in a constructor.
 */
export function checkAll(options: object, table: Checks): void {
  for (const name of Object.keys(table)) {
    const value = (options as Record<string, unknown>)[name];
    if (value !== undefined) table[name]!(value, name);
  }
}

/**
 * Checks the options `options` sets (its enumerable keys) that `table`
 * knows: cheap for the few options a request sets. `prefix` goes before
 * the option names in messages (`endpointFilter.`).
 */
export function checkSet(options: object, table: Checks, prefix = ""): void {
  for (const name in options) {
    const check = table[name];
    if (check === undefined) continue;
    const value = (options as Record<string, unknown>)[name];
    if (value !== undefined) check(value, prefix === "" ? name : prefix + name);
  }
}

/** A string. */
export const string: Check = (value, name) => {
  if (typeof value !== "string") fail(name, "a string", value);
};

/** A non-empty string. */
export const nonEmptyString: Check = (value, name) => {
  if (typeof value !== "string" || value === "") fail(name, "a non-empty string", value);
};

/** A boolean. */
export const boolean: Check = (value, name) => {
  if (typeof value !== "boolean") fail(name, "true or false", value);
};

/** A function. */
export const func: Check = (value, name) => {
  if (typeof value !== "function") fail(name, "a function", value);
};

/** A string, or a list of strings. */
export const stringOrList: Check = (value, name) => {
  if (typeof value === "string") return;
  if (!Array.isArray(value)) fail(name, "a string or a list of strings", value);
  for (const item of value) {
    if (typeof item !== "string") fail(`${name}[]`, "a string", item);
  }
};

/** A list of strings. */
export const stringList: Check = (value, name) => {
  if (!Array.isArray(value)) fail(name, "a list of strings", value);
  for (const item of value) {
    if (typeof item !== "string") fail(`${name}[]`, "a string", item);
  }
};

/** A plain object (a record). */
export function record(value: unknown, name: string): asserts value is Record<string, unknown> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    fail(name, "an object", value);
  }
}

/** A record of non-empty strings (service type -> URL or version). */
export const stringRecord: Check = (value, name) => {
  record(value, name);
  for (const key of Object.keys(value)) {
    const item = value[key];
    if (typeof item !== "string" || item === "") fail(`${name}.${key}`, "a non-empty string", item);
  }
};

/** An API version: a string, a number, or a list of strings and numbers (`"2.1"`, `2`, `[2, 1]`). */
export const versionInput: Check = (value, name) => {
  if (typeof value === "string" || typeof value === "number") return;
  if (!Array.isArray(value)) fail(name, "a version string, number or list", value);
  for (const item of value) {
    if (typeof item !== "string" && typeof item !== "number") {
      fail(`${name}[]`, "a string or number", item);
    }
  }
};

/** A list of HTTP status codes (integers 100 to 599). */
export const statusList: Check = (value, name) => {
  if (!Array.isArray(value)) fail(name, "a list of HTTP status codes", value);
  for (const item of value) {
    if (typeof item !== "number" || !Number.isInteger(item) || item < 100 || item > 599) {
      fail(`${name}[]`, "an HTTP status code (100 to 599)", item);
    }
  }
};

/** A non-negative integer. */
export const nonNegativeInt: Check = (value, name) => {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0) {
    fail(name, "a non-negative integer", value);
  }
};

/** A positive integer. */
export const positiveInt: Check = (value, name) => {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1) {
    fail(name, "a positive integer", value);
  }
};

/** A positive finite number of milliseconds. */
export const positiveMs: Check = (value, name) => {
  if (typeof value !== "number" || !(value > 0) || !Number.isFinite(value)) {
    fail(name, "a positive number of milliseconds", value);
  }
};

/** A non-negative finite number of milliseconds. */
export const nonNegativeMs: Check = (value, name) => {
  if (typeof value !== "number" || !(value >= 0) || !Number.isFinite(value)) {
    fail(name, "a non-negative number of milliseconds", value);
  }
};

/** An object with these methods (and, when set, these optional ones). */
export function methods(
  expected: string,
  required: readonly string[],
  optional: readonly string[] = [],
): Check {
  return (value, name) => {
    if (value === null || (typeof value !== "object" && typeof value !== "function")) {
      fail(name, expected, value);
    }
    const obj = value as Record<string, unknown>;
    for (const m of required) {
      if (typeof obj[m] !== "function") fail(name, `${expected} (with a ${m} method)`, value);
    }
    for (const m of optional) {
      if (obj[m] !== undefined && typeof obj[m] !== "function") {
        fail(`${name}.${m}`, "a function", obj[m]);
      }
    }
  };
}

/** An auth plugin (getHeaders, getEndpoint and invalidate). */
export const authPlugin: Check = methods(
  "an auth plugin",
  ["getHeaders", "getEndpoint", "invalidate"],
  ["getTrustedOrigins", "getProjectId", "currentCredentials"],
);

/** A logger (a debug method; info, warn and error when given). */
export const logger: Check = methods("a logger", ["debug"], ["info", "warn", "error"]);

/** An AbortSignal. */
export const signal: Check = (value, name) => {
  if (!(value instanceof AbortSignal)) fail(name, "an AbortSignal", value);
};

/** A HeadersInit: a Headers, a list of [name, value] pairs or a record (its entries are checked when merged). */
export const headersInit: Check = (value, name) => {
  if (value === null || typeof value !== "object") {
    fail(name, "a Headers, pairs or a record", value);
  }
};

/** Whether `value` is an instance of the global class `name`, when the runtime has it. */
function isGlobal(value: object, name: string): boolean {
  const cls = (globalThis as Record<string, unknown>)[name];
  return typeof cls === "function" && value instanceof cls;
}

/** A fetch body: a string, bytes, a Blob, FormData, URLSearchParams, a ReadableStream or null. */
export const body: Check = (value, name) => {
  if (value === null || typeof value === "string") return;
  if (
    typeof value === "object" &&
    (value instanceof ArrayBuffer || ArrayBuffer.isView(value) ||
      ["Blob", "FormData", "URLSearchParams", "ReadableStream", "SharedArrayBuffer"].some((c) =>
        isGlobal(value, c)
      ))
  ) {
    return;
  }
  fail(name, "a string, bytes, Blob, FormData, URLSearchParams, ReadableStream or null", value);
};

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** An HTTP method name (a token, such as `GET` or `post`). */
export const httpMethod: Check = (value, name) => {
  if (typeof value !== "string" || !TOKEN.test(value)) fail(name, "an HTTP method name", value);
};

/**
 * `JSON.stringify(value)` for a `json` option; {@linkcode OptionError} when
 * it cannot be serialised (circular, a BigInt, a throwing `toJSON`) or gives
 * nothing (a function, a symbol).
 */
export function jsonText(value: unknown, name = "json"): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (err) {
    throw new OptionError(
      `${name} cannot be serialised as JSON: ${err instanceof Error ? err.name : "error"}`,
      { cause: err },
    );
  }
  if (text === undefined) fail(name, "a value JSON can represent", value);
  return text;
}

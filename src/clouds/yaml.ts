/**
 * Parsing clouds.yaml text the way PyYAML's `safe_load` does (YAML 1.1
 * scalars: `yes`/`no`/`on`/`off` booleans, `0`-prefixed octal ints, floats
 * that need a dot, merge keys), with the npm package js-yaml, which is
 * imported only when YAML text is actually parsed.
 *
 * @module
 */

import { CloudConfigError } from "../errors.ts";
import { pyFloatRepr } from "./pystr.ts";

/** The few parts of js-yaml 4 this module uses (no `@types` package needed). */
interface JsYamlType {
  readonly tag: string;
}
interface JsYamlTypeOptions {
  kind: "scalar";
  resolve: (data: string | null) => boolean;
  construct: (data: string | null) => unknown;
}
interface JsYamlSchema {
  extend(defs: { implicit?: JsYamlType[]; explicit?: JsYamlType[] }): JsYamlSchema;
}
interface JsYamlMark {
  line: number;
  column: number;
}
interface JsYamlModule {
  load(
    text: string,
    options?: { schema?: JsYamlSchema; filename?: string; json?: boolean },
  ): unknown;
  Type: new (tag: string, options: JsYamlTypeOptions) => JsYamlType;
  FAILSAFE_SCHEMA: JsYamlSchema;
  types: {
    merge: JsYamlType;
    binary: JsYamlType;
    omap: JsYamlType;
    pairs: JsYamlType;
    set: JsYamlType;
  };
  YAMLException: new (...args: never[]) => Error & { reason?: string; mark?: JsYamlMark };
}

// PyYAML's implicit resolvers (yaml/resolver.py, YAML 1.1).
const BOOL_RE = /^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/;
const NULL_RE = /^(?:~|null|Null|NULL|)$/;
const INT_RE =
  /^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$/;
const FLOAT_RE =
  /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;

function sexagesimal(text: string): number {
  let value = 0;
  for (const part of text.split(":")) value = value * 60 + Number(part);
  return value;
}

/**
 * An integer beyond 2^53 as a `bigint`, so that every digit is kept (Python's
 * ints are exact, and openstacksdk turns them into their decimal text: an
 * unquoted 20-digit password or id is sent as written). Kept apart from the
 * YAML parsing: `exactInt(text, n)` is called with the text and the number.
 */
export function exactInt(value: number, digits: () => bigint): number | bigint {
  return Number.isSafeInteger(value) ? value : digits();
}

/** PyYAML's construct_yaml_int (beyond 2^53 a bigint, see {@linkcode exactInt}). */
function constructInt(data: string): number | bigint {
  const value = constructIntNumber(data);
  if (Number.isSafeInteger(value) || !Number.isFinite(value) || data.includes(":")) return value;
  return exactInt(value, () => {
    let text = data.replaceAll("_", "");
    const negative = text.startsWith("-");
    if (negative || text.startsWith("+")) text = text.slice(1);
    const big = text.startsWith("0b") || text.startsWith("0x")
      ? BigInt(text)
      : text.startsWith("0") && text !== "0"
      ? BigInt(`0o${text.slice(1)}`)
      : BigInt(text);
    return negative ? -big : big;
  });
}

function constructIntNumber(data: string): number {
  let text = data.replaceAll("_", "");
  let sign = 1;
  if (text.startsWith("-")) sign = -1;
  if (text.startsWith("-") || text.startsWith("+")) text = text.slice(1);
  if (text === "0") return 0;
  if (text.startsWith("0b")) return sign * parseInt(text.slice(2), 2);
  if (text.startsWith("0x")) return sign * parseInt(text.slice(2), 16);
  if (text.startsWith("0")) return sign * parseInt(text, 8);
  if (text.includes(":")) return sign * sexagesimal(text);
  return sign * Number(text);
}

/**
 * PyYAML's construct_yaml_float, returned as the text Python's `str()` gives,
 * because openstacksdk turns every float of the configuration into that text.
 */
function constructFloat(data: string): string {
  let text = data.replaceAll("_", "").toLowerCase();
  let sign = 1;
  if (text.startsWith("-")) sign = -1;
  if (text.startsWith("-") || text.startsWith("+")) text = text.slice(1);
  if (text === ".inf") return pyFloatRepr(sign * Infinity);
  if (text === ".nan") return pyFloatRepr(NaN);
  if (text.includes(":")) return pyFloatRepr(sign * sexagesimal(text));
  return pyFloatRepr(sign * Number(text));
}

let schemaPromise: Promise<{ mod: JsYamlModule; schema: JsYamlSchema }> | undefined;

async function loadJsYaml(): Promise<{ mod: JsYamlModule; schema: JsYamlSchema }> {
  const imported = (await import("js-yaml")) as unknown as Partial<JsYamlModule> & {
    default?: JsYamlModule;
  };
  const mod = (imported.load ? imported : imported.default) as JsYamlModule;
  const { Type, types } = mod;
  const scalar = (
    tag: string,
    re: RegExp,
    construct: (data: string) => unknown,
  ): JsYamlType =>
    new Type(`tag:yaml.org,2002:${tag}`, {
      kind: "scalar",
      resolve: (data) => re.test(data ?? ""),
      construct: (data) => construct(data ?? ""),
    });
  const schema = mod.FAILSAFE_SCHEMA.extend({
    implicit: [
      scalar("null", NULL_RE, () => null),
      scalar("bool", BOOL_RE, (d) => /^(?:yes|true|on)$/i.test(d)),
      scalar("int", INT_RE, constructInt),
      scalar("float", FLOAT_RE, constructFloat),
      types.merge,
    ],
    explicit: [types.binary, types.omap, types.pairs, types.set],
  });
  return { mod, schema };
}

/**
 * js-yaml's reason without the text it quotes from the file: a tag, tag
 * handle, alias or directive may be an unquoted password (`password: !x9`
 * is a tag, `password: *x9` an alias).
 */
function safeReason(reason: string): string {
  return reason
    .replace(/!<[^>]*>/g, "!<...>")
    .replace(/"[^"]*"/g, '"..."')
    .replace(/(malformed|characters): .*$/, "$1");
}

/**
 * Parses YAML `text` read from `file` as PyYAML's `safe_load` would.
 * Syntax errors become a {@linkcode CloudConfigError} naming the file and the
 * 1-based line; the offending text is never quoted (it may hold a secret).
 */
export async function parseYaml(text: string, file: string): Promise<unknown> {
  let loaded: { mod: JsYamlModule; schema: JsYamlSchema };
  try {
    schemaPromise ??= loadJsYaml();
    loaded = await schemaPromise;
  } catch (err) {
    schemaPromise = undefined;
    throw new CloudConfigError(
      `cannot parse ${file}: the npm package js-yaml could not be loaded (${
        err instanceof Error ? err.message : String(err)
      })`,
      { cause: err },
    );
  }
  const { mod, schema } = loaded;
  try {
    // json: true lets a repeated key override the earlier one, as PyYAML does.
    return mod.load(text, { schema, filename: file, json: true });
  } catch (err) {
    if (err instanceof mod.YAMLException) {
      const where = err.mark ? ` at line ${err.mark.line + 1}, column ${err.mark.column + 1}` : "";
      throw new CloudConfigError(
        `invalid YAML in ${file}${where}: ${safeReason(err.reason ?? "syntax error")}`,
      );
    }
    if (err instanceof RangeError) {
      // js-yaml recurses per nesting level: a hostile file nests until the stack ends
      throw new CloudConfigError(`invalid YAML in ${file}: nested too deeply`);
    }
    throw err;
  }
}

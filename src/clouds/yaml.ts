/**
 * Parsing clouds.yaml text the way PyYAML's `safe_load` does (YAML 1.1
 * scalars: `yes`/`no`/`on`/`off` booleans, `0`-prefixed octal ints, floats
 * that need a dot, merge keys; explicit `!!int`/`!!float`/`!!bool`/`!!null`
 * tags constructed as PyYAML's constructors do; an empty stream is `null`,
 * more than one document an error), with the npm package js-yaml 5 (its
 * failsafe schema plus PyYAML's resolvers as scalar tags), which is imported
 * only when YAML text is actually parsed. Timestamps stay text
 * (D-yaml-timestamps); nesting, merges and aliases are bounded
 * (D-yaml-limits).
 *
 * @module
 */

import { CloudConfigError } from "../errors.ts";
import { pyFloatRepr } from "./pystr.ts";

/** js-yaml 5's module (its own types; imported at run time only when YAML is parsed). */
type JsYaml = typeof import("js-yaml");
type JsYamlSchema = JsYaml["FAILSAFE_SCHEMA"];
type JsYamlEvent = ReturnType<JsYaml["parseEvents"]>[number];

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

/** PyYAML's construct_yaml_bool: `bool_values[value.lower()]`. */
const BOOL_VALUES: Record<string, boolean> = {
  yes: true,
  no: false,
  true: true,
  false: false,
  on: true,
  off: false,
};

// The text an explicit !!int / !!float may hold: what Python's int() and float()
// take once PyYAML's constructors dropped underscores and the sign (lower-cased
// for floats). PyYAML raises on the rest, and so does js-yaml ("cannot resolve
// a node with !<tag> explicit tag").
const EXPLICIT_INT_RE = /^[-+]?(?:0b[01]+|0x[0-9a-fA-F]+|0o?[0-7]*|[1-9][0-9]*(?::[0-9]+)*)$/;
const EXPLICIT_FLOAT_RE =
  /^[-+]?(?:\.inf|\.nan|inf|infinity|nan|(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:e[-+]?[0-9]+)?|[0-9]+(?::[0-9]+(?:\.[0-9]*)?)+)$/;

/** construct_yaml_int of an explicit !!int (int(value, 8) also takes `0o17`). */
function explicitInt(data: string): ReturnType<typeof constructInt> {
  const octal = /^([-+]?)0o([0-7]+)$/.exec(data.replaceAll("_", ""));
  if (octal) return (octal[1] === "-" ? -1 : 1) * parseInt(octal[2]!, 8);
  return constructInt(data);
}

/** construct_yaml_float of an explicit !!float (float() also takes `inf`, `infinity`, `nan`). */
function explicitFloat(data: string): string {
  const text = data.replaceAll("_", "").toLowerCase();
  const sign = text.startsWith("-") ? -1 : 1;
  const bare = text.replace(/^[-+]/, "");
  if (bare === "inf" || bare === "infinity") return pyFloatRepr(sign * Infinity);
  if (bare === "nan") return pyFloatRepr(NaN);
  return constructFloat(data);
}

/** A scalar tag: PyYAML's implicit resolver, its constructor, and what an explicit tag takes. */
interface PyScalar {
  tag: string;
  /** The implicit resolver's pattern, tried on plain scalars starting with one of `first`. */
  re: RegExp;
  first: string[];
  construct(data: string): unknown;
  /** Whether an explicit tag's text (underscores dropped) can be constructed. */
  explicitOk(text: string): boolean;
  /** The constructor of an explicit tag (default `construct`). */
  explicit?(data: string): unknown;
}

const DIGITS = [..."0123456789"];
const PY_SCALARS: readonly PyScalar[] = [
  {
    tag: "bool",
    re: BOOL_RE,
    first: [..."yYnNtTfFoO"],
    construct: (d) => BOOL_VALUES[d.toLowerCase()],
    explicitOk: (t) => Object.hasOwn(BOOL_VALUES, t.toLowerCase()),
  },
  {
    tag: "float",
    re: FLOAT_RE,
    first: [..."-+.", ...DIGITS],
    construct: constructFloat,
    explicitOk: (t) => EXPLICIT_FLOAT_RE.test(t.toLowerCase()),
    explicit: explicitFloat,
  },
  {
    tag: "int",
    re: INT_RE,
    first: ["-", "+", ...DIGITS],
    construct: constructInt,
    explicitOk: (t) => EXPLICIT_INT_RE.test(t),
    explicit: explicitInt,
  },
  // construct_yaml_null returns None whatever the text of an explicit !!null.
  {
    tag: "null",
    re: NULL_RE,
    first: ["~", "n", "N", ""],
    construct: () => null,
    explicitOk: () => true,
  },
];

let schemaPromise: Promise<{ mod: JsYaml; schema: JsYamlSchema }> | undefined;

async function loadJsYaml(): Promise<{ mod: JsYaml; schema: JsYamlSchema }> {
  const imported = (await import("js-yaml")) as Partial<JsYaml> & { default?: JsYaml };
  const mod = (typeof imported.loadAll === "function" ? imported : imported.default) as JsYaml;
  const { defineScalarTag, defineMappingTag, NOT_RESOLVED, mapTag } = mod;
  const scalars = PY_SCALARS.map((py) =>
    defineScalarTag<unknown>(`tag:yaml.org,2002:${py.tag}`, {
      implicit: true,
      implicitFirstChars: py.first,
      resolve: (source, isExplicit) => {
        if (!isExplicit) return py.re.test(source) ? py.construct(source) : NOT_RESOLVED;
        if (!py.explicitOk(source.replaceAll("_", ""))) return NOT_RESOLVED;
        return (py.explicit ?? py.construct)(source);
      },
      identify: () => false,
    })
  );
  // js-yaml 5's setTag builds a Set; js-yaml 4 (osauth 0.1) gave a mapping of
  // the members to null, which is what the rest of the loader reads.
  const setAsMapping = defineMappingTag<Record<string, unknown>>("tag:yaml.org,2002:set", {
    create: () => ({}),
    addPair: (carrier, key, value) =>
      value !== null ? "cannot resolve a set item" : mapTag.addPair(carrier, key, null),
    has: mapTag.has,
    keys: mapTag.keys,
    get: mapTag.get,
    identify: () => false,
  });
  const schema = mod.FAILSAFE_SCHEMA.withTags(
    scalars,
    mod.mergeTag,
    mod.binaryTag,
    mod.omapTag,
    mod.pairsTag,
    setAsMapping,
  );
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
  let loaded: { mod: JsYaml; schema: JsYamlSchema };
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
  let docs: unknown[];
  try {
    const events = mod.parseEvents(text, { filename: file });
    composerChecks(mod, text, events, file);
    // json: true lets a repeated key override the earlier one, as PyYAML does.
    docs = mod.constructFromEvents(events, { source: text, filename: file, schema, json: true });
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
  // safe_load: no document is None, more than one a ComposerError.
  if (docs.length > 1) {
    throw new CloudConfigError(
      `invalid YAML in ${file}: expected a single document in the stream, but found ${docs.length}`,
    );
  }
  return docs[0] ?? null;
}

/** ` at line L, column C` (1-based) of offset `at` in `text`. */
function where(text: string, at: number): string {
  const before = text.slice(0, at);
  const line = before.split("\n").length;
  return ` at line ${line}, column ${at - (before.lastIndexOf("\n") + 1) + 1}`;
}

/**
 * What PyYAML's composer and constructor refuse and js-yaml takes: an anchor
 * defined twice in a document ("found duplicate anchor"; YAML 1.2 lets the
 * second one win), a plain `=` (YAML 1.1's value tag, which SafeLoader cannot
 * construct), and a plain `<<` anywhere but as a mapping key (the merge tag
 * has no constructor of its own).
 */
function composerChecks(mod: JsYaml, text: string, events: JsYamlEvent[], file: string): void {
  const { DOCUMENT, SEQUENCE, MAPPING, SCALAR, ALIAS, POP } = mod.EVENT_ID;
  const PLAIN = mod.SCALAR_STYLE.PLAIN;
  const fail = (at: number, what: string): never => {
    throw new CloudConfigError(`invalid YAML in ${file}${where(text, at)}: ${what}`);
  };
  let anchors = new Set<string>();
  // Per open collection: whether it is a mapping, and how many nodes it holds so far.
  const open: { mapping: boolean; nodes: number }[] = [];
  for (const e of events) {
    if (e.type === POP) {
      open.pop();
      continue;
    }
    if (e.type === DOCUMENT) {
      anchors = new Set();
      open.push({ mapping: false, nodes: 0 });
      continue;
    }
    const parent = open[open.length - 1];
    const isKey = parent !== undefined && parent.mapping && parent.nodes % 2 === 0;
    if (parent) parent.nodes++;
    if (e.type === ALIAS) continue;
    if (e.anchorStart >= 0) {
      const anchor = text.slice(e.anchorStart, e.anchorEnd);
      if (anchors.has(anchor)) fail(e.anchorStart - 1, "found duplicate anchor"); // at its &
      anchors.add(anchor);
    }
    if (e.type === SEQUENCE || e.type === MAPPING) {
      open.push({ mapping: e.type === MAPPING, nodes: 0 });
      continue;
    }
    if (e.type !== SCALAR || e.style !== PLAIN || e.tagStart >= 0) continue;
    const length = e.valueEnd - e.valueStart;
    if (length === 1 && text[e.valueStart] === "=") {
      fail(
        e.valueStart,
        "could not determine a constructor for the tag 'tag:yaml.org,2002:value' (a plain =: quote it)",
      );
    }
    if (length === 2 && !isKey && text.startsWith("<<", e.valueStart)) {
      fail(
        e.valueStart,
        "could not determine a constructor for the tag 'tag:yaml.org,2002:merge' (a plain << that is not a key: quote it)",
      );
    }
  }
}

/**
 * The few Python semantics openstacksdk's loader leans on: `str()` of a
 * value, truthiness and `str.format(**config)`.
 *
 * @module
 */

/** Python's `repr()`/`str()` of a float. */
export function pyFloatRepr(n: number): string {
  if (Number.isNaN(n)) return "nan";
  if (n === Infinity) return "inf";
  if (n === -Infinity) return "-inf";
  if (n === 0) return Object.is(n, -0) ? "-0.0" : "0.0";
  const [mantissa = "0", expText = "0"] = n.toExponential().split("e");
  const exp = Number(expText);
  if (exp >= -4 && exp < 16) {
    const fixed = String(n);
    return fixed.includes(".") ? fixed : `${fixed}.0`;
  }
  return `${mantissa}e${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`;
}

function pyRepr(value: unknown): string {
  if (typeof value === "string") {
    return `'${value.replaceAll("\\", "\\\\").replaceAll("'", "\\'")}'`;
  }
  return pyStr(value);
}

/** Python's `str()` of a value parsed from YAML or JSON. */
export function pyStr(value: unknown): string {
  if (typeof value === "string") return value;
  if (value === true) return "True";
  if (value === false) return "False";
  if (value === null || value === undefined) return "None";
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "number") {
    return Number.isInteger(value) && Math.abs(value) < 1e21
      ? value.toFixed(0)
      : pyFloatRepr(value);
  }
  if (Array.isArray(value)) return `[${value.map(pyRepr).join(", ")}]`;
  if (typeof value === "object") {
    const items = Object.entries(value as Record<string, unknown>).map(([k, v]) =>
      `${pyRepr(k)}: ${pyRepr(v)}`
    );
    return `{${items.join(", ")}}`;
  }
  return String(value);
}

/** Python truthiness. */
export function pyTruthy(value: unknown): boolean {
  if (value === null || value === undefined || value === false || value === 0 || value === "") {
    return false;
  }
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === "object") return Object.keys(value as object).length > 0;
  return true;
}

/** A `str.format` placeholder named a key that is not in the configuration. */
export class FormatKeyError extends Error {
  /** The missing key. */
  readonly key: string;
  /** Creates the error. */
  constructor(key: string) {
    super(`unknown key ${key}`);
    this.key = key;
  }
}

/**
 * Python's `template.format(**values)` for plain `{name}` fields (a format
 * spec or conversion after the name is ignored). Throws a
 * {@linkcode FormatKeyError} for a name that is not in `values` and a plain
 * `Error` for an unmatched brace.
 */
export function pyFormat(template: string, values: Record<string, unknown>): string {
  let out = "";
  let i = 0;
  while (i < template.length) {
    const ch = template[i];
    if (ch === "{") {
      if (template[i + 1] === "{") {
        out += "{";
        i += 2;
        continue;
      }
      const end = template.indexOf("}", i);
      if (end < 0) throw new Error("Single '{' encountered in format string");
      const field = template.slice(i + 1, end);
      const name = field.split(/[!:]/, 1)[0] ?? "";
      if (!Object.hasOwn(values, name)) throw new FormatKeyError(name);
      out += pyStr(values[name]);
      i = end + 1;
      continue;
    }
    if (ch === "}") {
      if (template[i + 1] === "}") {
        out += "}";
        i += 2;
        continue;
      }
      throw new Error("Single '}' encountered in format string");
    }
    out += ch;
    i++;
  }
  return out;
}

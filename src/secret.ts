/**
 * Helpers that keep secrets out of `console.log`, `util.inspect` and
 * `JSON.stringify`: objects expose a safe summary instead of their fields.
 *
 * @module
 */

/** Deno's custom inspect symbol. */
export const DENO_INSPECT: unique symbol = Symbol.for("Deno.customInspect") as never;
/** Node's (and Bun's) custom inspect symbol. */
export const NODE_INSPECT: unique symbol = Symbol.for("nodejs.util.inspect.custom") as never;

/** Placeholder printed where a secret would be. */
export const REDACTED = "***";

/**
 * Makes `target` print and serialise as `summary()` on Deno, Node and Bun.
 * Secrets must not be in the summary.
 */
export function safeInspect(target: object, summary: () => Record<string, unknown>): void {
  const name = target.constructor?.name ?? "Object";
  const render = (inspect?: (v: unknown, o?: unknown) => string, opts?: unknown): string => {
    const s = summary();
    const body = inspect ? inspect(s, opts) : JSON.stringify(s);
    return `${name} ${body}`;
  };
  Object.defineProperties(target, {
    [DENO_INSPECT]: {
      value: (inspect: (v: unknown, o?: unknown) => string, opts: unknown) => render(inspect, opts),
      enumerable: false,
    },
    [NODE_INSPECT]: {
      value: (_depth: number, opts: unknown, inspect?: (v: unknown, o?: unknown) => string) =>
        render(inspect, opts),
      enumerable: false,
    },
    toJSON: { value: () => summary(), enumerable: false },
  });
}

/** The text between the quotes of Python's `repr()` of a str. */
function pythonReprInner(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = "";
  for (const c of s) {
    const code = c.charCodeAt(0);
    if (c === "\\" || c === quote) out += `\\${c}`;
    else if (c === "\n") out += "\\n";
    else if (c === "\r") out += "\\r";
    else if (c === "\t") out += "\\t";
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, "0")}`;
    else out += c;
  }
  return out;
}

/**
 * The forms a secret takes when a server quotes it back: as sent, escaped
 * inside a JSON string (also with `\uXXXX` for every non-ASCII character, as
 * Python's `json.dumps` writes it), inside a Python `repr` (oslo and
 * jsonschema messages: `'pw'`), HTML-escaped (webob error pages) and
 * percent-encoded. Empty secrets have no form.
 */
function secretForms(secret: string): string[] {
  if (secret === "") return [];
  const python = pythonReprInner(secret);
  const html = secret.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;").replaceAll("'", "&#x27;");
  const forms = [secret, python, html, html.replaceAll("&#x27;", "&#39;")];
  try {
    forms.push(encodeURIComponent(secret));
  } catch {
    // a lone surrogate: not percent-encodable, so not quoted that way either
  }
  const out = new Set<string>();
  for (const form of forms) {
    const json = JSON.stringify(form).slice(1, -1);
    out.add(form).add(json).add(json.replace(
      /[\u007f-\uffff]/g,
      (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
    ));
  }
  return [...out];
}

/** Replaces secrets in a text (see {@linkcode secretScrubber}). */
export type Scrubber = (text: string) => string;

/**
 * A {@linkcode Scrubber} replacing every form of every secret in `secrets`
 * (see {@linkcode secretForms}) with `***`, longest first so that a secret
 * holding another is replaced whole; `undefined` when there is nothing to
 * scrub.
 */
export function secretScrubber(secrets: Iterable<string>): Scrubber | undefined {
  const forms = new Set<string>();
  for (const s of secrets) for (const f of secretForms(s)) forms.add(f);
  if (forms.size === 0) return undefined;
  const list = [...forms].sort((a, b) => b.length - a.length);
  return (text: string): string => {
    let out = text;
    for (const f of list) if (out.includes(f)) out = out.replaceAll(f, REDACTED);
    return out;
  };
}

/**
 * A copy of a parsed JSON value with `scrub` applied to every string in it
 * (keys too). Iterative: a deeply nested value cannot overflow the stack.
 */
export function scrubValue(value: unknown, scrub: Scrubber): unknown {
  if (typeof value === "string") return scrub(value);
  if (value === null || typeof value !== "object") return value;
  const root: { v: unknown } = { v: undefined };
  const work: [unknown, Record<string, unknown> | unknown[], string | number][] = [[
    value,
    root as unknown as Record<string, unknown>,
    "v",
  ]];
  while (work.length > 0) {
    const [from, parent, key] = work.pop()!;
    let copy: unknown;
    if (typeof from === "string") {
      copy = scrub(from);
    } else if (Array.isArray(from)) {
      const arr: unknown[] = new Array(from.length);
      for (let i = 0; i < from.length; i++) work.push([from[i], arr, i]);
      copy = arr;
    } else if (from !== null && typeof from === "object") {
      const obj: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(from)) {
        work.push([v, obj, scrub(k)]);
      }
      copy = obj;
    } else {
      copy = from;
    }
    if (key === "__proto__") {
      Object.defineProperty(parent, key, { value: copy, enumerable: true, writable: true });
    } else {
      (parent as Record<string | number, unknown>)[key] = copy;
    }
  }
  return root.v;
}

/** Responses -> the secrets the request that got them sent (see {@linkcode rememberSentSecrets}). */
const SENT = new WeakMap<Response, () => readonly string[]>();

/**
 * Records which secrets the request that got `response` sent (read only if
 * an error is built from it: `secrets` is called then). Error messages,
 * `details` and logged bodies made from the response have them replaced.
 */
export function rememberSentSecrets(response: Response, secrets: () => readonly string[]): void {
  SENT.set(response, secrets);
}

/** The secrets recorded for `response`, if any (see {@linkcode rememberSentSecrets}). */
export function sentSecretsOf(response: Response): readonly string[] {
  return SENT.get(response)?.() ?? [];
}

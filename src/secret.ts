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

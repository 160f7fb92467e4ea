/**
 * The assertions of the runtime tests (tests/smoke/smoke.ts,
 * tests/runtimes/scenario.ts): plain functions, since those run where no test
 * library is installed (Bun, Node, workerd, browsers).
 *
 * @module
 */

/** Throws `message` unless `cond` holds. */
export function check(cond: unknown, message: string): asserts cond {
  if (!cond) throw new Error(message);
}

/** Resolves to what `p` rejects with, which must be a `cls`. */
export async function rejects<T>(
  p: Promise<unknown>,
  cls: abstract new (...a: never[]) => T,
): Promise<T> {
  try {
    await p;
  } catch (err) {
    check(err instanceof cls, `expected ${cls.name}, got ${String(err)}`);
    return err;
  }
  throw new Error(`expected ${cls.name}, nothing was thrown`);
}

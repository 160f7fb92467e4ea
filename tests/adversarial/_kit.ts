/**
 * Shared pieces of the adversarial suite: the seed, a seeded PRNG, the count
 * lines the runner (scripts/adversarial.ts) adds up, a watchdog that tells
 * whether a call settled within its bound, secret scanning of every output
 * (messages, stacks, inspect, JSON, logs) and unhandled-rejection tracking.
 *
 * Count lines are `adversarial <area>: <count>=<n> ...` (plain, one per
 * area); information lines start with `adversarial-info`.
 *
 * @module
 */
import { inspect } from "node:util";
import { type Logger, OsAuthError } from "../../mod.ts";

/** The seed of this run: OSAUTH_FUZZ_SEED, else a random one (printed by every area). */
export const SEED: number = (() => {
  const given = Deno.env.get("OSAUTH_FUZZ_SEED");
  if (given !== undefined && given !== "") {
    const n = Number(given);
    if (!Number.isInteger(n) || n < 0) throw new Error(`OSAUTH_FUZZ_SEED must be an integer`);
    return n;
  }
  return Math.floor(Math.random() * 2 ** 31);
})();

/** A seeded PRNG (mulberry32) with helpers. */
export class Rng {
  #a: number;
  /** Creates it from `seed`. */
  constructor(seed: number) {
    this.#a = seed >>> 0;
  }
  /** A float in [0, 1). */
  next(): number {
    this.#a = (this.#a + 0x6d2b79f5) >>> 0;
    let t = this.#a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  /** One of `items`. */
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.next() < p;
  }
}

/** Prints the count line of `area` (what the runner adds up and fails on). */
export function report(area: string, counts: Record<string, number>): void {
  const parts = Object.entries(counts).map(([k, v]) => `${k}=${v}`);
  console.log(`adversarial ${area}: ${parts.join(" ")}`);
}

/** Prints an information line (not a count). */
export function info(area: string, text: string): void {
  console.log(`adversarial-info ${area}: ${text}`);
}

/** How a call ended. */
export type Outcome<T> =
  | { kind: "value"; value: T; ms: number }
  | { kind: "error"; error: unknown; ms: number }
  | { kind: "hang"; ms: number };

/**
 * Waits for `p` at most `boundMs`: its value, its error, or "hang" when it
 * had not settled by then (the promise is left to settle later; the test
 * releases what holds it, e.g. by closing the proxy).
 */
export async function settle<T>(p: Promise<T>, boundMs: number): Promise<Outcome<T>> {
  const t0 = performance.now();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const hang = new Promise<"hang">((r) => timer = setTimeout(() => r("hang"), boundMs));
  try {
    const result = await Promise.race([
      p.then((value) => ({ kind: "value" as const, value }), (error) => ({
        kind: "error" as const,
        error,
      })),
      hang,
    ]);
    const ms = performance.now() - t0;
    if (result === "hang") return { kind: "hang", ms };
    return { ...result, ms };
  } finally {
    clearTimeout(timer);
  }
}

/** Whether an error is one of osauth's typed errors. */
export function isTyped(err: unknown): boolean {
  return err instanceof OsAuthError;
}

/** A short description of an error for information lines. */
export function describeError(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message.slice(0, 160)}`;
  return `${typeof err}: ${String(err).slice(0, 160)}`;
}

/** Every text a value is commonly printed as: message, stack, causes, inspect, JSON, String. */
export function outputsOf(value: unknown): string[] {
  const texts: string[] = [];
  const safe = (f: () => string | undefined) => {
    try {
      const s = f();
      if (typeof s === "string") texts.push(s);
    } catch {
      // a value that cannot be printed one way is printed another
    }
  };
  safe(() => Deno.inspect(value, { depth: 10, showHidden: false }));
  safe(() => inspect(value, { depth: 10 }));
  safe(() => JSON.stringify(value));
  safe(() => String(value));
  for (let e = value, i = 0; e instanceof Error && i < 10; e = e.cause, i++) {
    texts.push(e.message, e.stack ?? "");
  }
  return texts;
}

/** Secrets of a run, and how many outputs showed one. */
export class SecretScan {
  readonly #secrets = new Set<string>();
  /** Outputs that showed a secret (the first few are kept for the report). */
  leaks = 0;
  /** Some of the leaking outputs (secrets replaced), two per kind of label, for information lines. */
  readonly examples: string[] = [];
  readonly #perKind = new Map<string, number>();

  /** Adds secrets (short ones are ignored: they match by chance). */
  add(...secrets: (string | undefined)[]): void {
    for (const s of secrets) if (s && s.length >= 8) this.#secrets.add(s);
  }

  /** Counts `texts` that show a secret; `label` names where they came from. */
  scan(texts: readonly string[], label: string): number {
    let found = 0;
    for (const text of texts) {
      for (const s of this.#secrets) {
        if (text.includes(s)) {
          found++;
          const kind = label.replace(/[\d(].*$/, "");
          const n = this.#perKind.get(kind) ?? 0;
          this.#perKind.set(kind, n + 1);
          if (n < 2 && this.examples.length < 20) {
            const shown = text.replaceAll(s, "<SECRET>").replace(/\s+/g, " ").slice(0, 200);
            this.examples.push(`${label}: ${shown}`);
          }
          break;
        }
      }
    }
    this.leaks += found;
    return found;
  }
}

/** A logger that keeps every line (debug, info, warn, error). */
export class Collector implements Logger {
  /** Every line logged. */
  readonly lines: string[] = [];
  /** Logs at debug. */
  debug(msg: string, ...args: unknown[]): void {
    this.lines.push([msg, ...args.map((a) => String(a))].join(" "));
  }
  /** Logs at info. */
  info(msg: string, ...args: unknown[]): void {
    this.debug(msg, ...args);
  }
  /** Logs at warn. */
  warn(msg: string, ...args: unknown[]): void {
    this.debug(msg, ...args);
  }
  /** Logs at error. */
  error(msg: string, ...args: unknown[]): void {
    this.debug(msg, ...args);
  }
}

/** Counts unhandled rejections from now until `stop()` (they are kept from failing the run). */
export function trackUnhandled(): { count(): number; stop(): void; examples: string[] } {
  let n = 0;
  const examples: string[] = [];
  const onUnhandled = (e: PromiseRejectionEvent) => {
    e.preventDefault();
    n++;
    if (examples.length < 5) examples.push(describeError(e.reason));
  };
  globalThis.addEventListener("unhandledrejection", onUnhandled);
  return {
    count: () => n,
    stop: () => globalThis.removeEventListener("unhandledrejection", onUnhandled),
    examples,
  };
}

/** Lines with a raw CR or LF, or other control characters (log injection). */
export function injectedLines(lines: readonly string[]): number {
  // deno-lint-ignore no-control-regex -- looking for control characters is the point
  return lines.filter((l) => /[\x00-\x08\x0a-\x1f\x7f\u2028\u2029]/.test(l)).length;
}

/** A 127.0.0.1 port nothing listens on (for refused connections). */
export function closedPort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

/** `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

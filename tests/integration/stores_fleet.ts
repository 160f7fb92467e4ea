/**
 * Runs a fleet of `stores_child.ts` processes that start their
 * authentication together (a READY/go barrier), optionally SIGKILLs the one
 * that takes the lease, and collects what each printed. Used by the
 * integration tests, the unit tests' cross-runtime check and
 * scripts/bench-state.ts.
 *
 * @module
 */
import { fileURLToPath } from "node:url";

/** Path of the child script. */
export const CHILD = fileURLToPath(new URL("./stores_child.ts", import.meta.url));

/** What one child reported. */
export interface ChildResult {
  /** SHA-256 prefix of the token it got (never the token). */
  token: string;
  /** Time from the start signal to the token, ms. */
  ms: number;
  /** Its process id. */
  pid: number;
  /** Time from the start signal to its first API response, ms (with `request`). */
  firstMs?: number;
}

/** Options of {@linkcode runFleet}. */
export interface FleetOptions {
  /** The command before the script path for each child, e.g. `[deno, "run", ...flags]`. */
  command: (index: number) => string[];
  /** How many processes. */
  count: number;
  /** The child's JSON config (see stores_child.ts), `barrier` is set here. */
  config: Record<string, unknown>;
  /**
   * SIGKILL the child that prints LEASE (the lease holder), once `when()`
   * says its token request is under way (polled, at most 10 s).
   */
  killHolder?: { when: () => boolean };
  /** Kill everything and fail after this long (default 60 s). */
  timeoutMs?: number;
  /** Called once every child is READY, just before the start signal. */
  beforeStart?: () => void | Promise<void>;
}

/** What a fleet run gave. */
export interface FleetRun {
  results: ChildResult[];
  /** Lines `ERROR ...` and unexpected exits. */
  errors: string[];
  /** Lines `WARN ...`. */
  warnings: string[];
  /** Index of the killed holder, when `killHolder`. */
  killed?: number;
}

/** A Deno child command: no type check, the permissions the child needs. */
export function denoChild(): string[] {
  return [
    Deno.execPath(),
    "run",
    "--no-check",
    "--unstable-kv",
    "--allow-net=127.0.0.1",
    "--allow-read",
    "--allow-write",
    "--allow-env",
  ];
}

/** Node 24 (`OSAUTH_TEST_NODE`, else `<tools>/node24`), when available. */
export function nodeBinary(): string | undefined {
  const tools = Deno.env.get("OSAUTH_TOOLS") ??
    fileURLToPath(new URL("../../.tools", import.meta.url));
  for (
    const candidate of [Deno.env.get("OSAUTH_TEST_NODE"), `${tools}/node24/node_modules/.bin/node`]
  ) {
    if (!candidate) continue;
    try {
      Deno.statSync(candidate);
      return candidate;
    } catch {
      // not there
    }
  }
  return undefined;
}

/** Bun (`OSAUTH_TEST_BUN`, else `<tools>/bun`), when available. */
export function bunBinary(): string | undefined {
  const tools = Deno.env.get("OSAUTH_TOOLS") ??
    fileURLToPath(new URL("../../.tools", import.meta.url));
  for (const candidate of [Deno.env.get("OSAUTH_TEST_BUN"), `${tools}/bun/node_modules/.bin/bun`]) {
    if (!candidate) continue;
    try {
      Deno.statSync(candidate);
      return candidate;
    } catch {
      // not there
    }
  }
  return undefined;
}

async function* lines(stream: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  let buf = "";
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    buf += chunk;
    let nl: number;
    while ((nl = buf.indexOf("\n")) >= 0) {
      yield buf.slice(0, nl);
      buf = buf.slice(nl + 1);
    }
  }
  if (buf) yield buf;
}

/** Starts `count` children, releases them together, waits for all (bounded). */
export async function runFleet(options: FleetOptions): Promise<FleetRun> {
  const config = JSON.stringify({ ...options.config, barrier: true });
  const run: FleetRun = { results: [], errors: [], warnings: [] };
  const children = Array.from({ length: options.count }, (_, i) => {
    const [cmd, ...args] = options.command(i);
    return new Deno.Command(cmd!, {
      args: [...args, CHILD, config],
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
  });
  // What each child printed last and whether it exited: a fleet that does not finish says
  // which children it waited for and where they were.
  const seen: string[][] = children.map(() => []);
  const errText: string[] = children.map(() => "");
  const exited: (number | undefined)[] = children.map(() => undefined);
  children.forEach((c, i) => void c.status.then((s) => (exited[i] = s.code)));
  let ready = 0;
  let allReady!: () => void;
  const readyPromise = new Promise<void>((r) => (allReady = r));
  const readers = children.map(async (child, i) => {
    for await (const line of lines(child.stdout)) {
      seen[i]!.push(line.slice(0, 200));
      if (seen[i]!.length > 4) seen[i]!.shift();
      if (line === "READY" && ++ready === children.length) allReady();
      else if (line === "LEASE" && options.killHolder && run.killed === undefined) {
        run.killed = i;
        for (let n = 0; n < 1000 && !options.killHolder.when(); n++) {
          await new Promise((r) => setTimeout(r, 10));
        }
        child.kill("SIGKILL");
      } else if (line.startsWith("RESULT ")) run.results.push(JSON.parse(line.slice(7)));
      else if (line.startsWith("ERROR ")) run.errors.push(`child ${i}: ${line}`);
      else if (line.startsWith("WARN ")) run.warnings.push(`child ${i}: ${line}`);
    }
  });
  const stderr = children.map(async (child, i) => {
    for await (const chunk of child.stderr.pipeThrough(new TextDecoderStream())) {
      errText[i] = (errText[i] + chunk).slice(-2000);
    }
    return errText[i]!;
  });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const where = children.map((_, i) =>
        `child ${i}${i === run.killed ? " (killed holder)" : ""}: ${
          exited[i] === undefined ? "running" : `exited ${exited[i]}`
        }, last lines ${JSON.stringify(seen[i])}, stderr ${JSON.stringify(errText[i]!.slice(-300))}`
      ).filter((_, i) => exited[i] === undefined || exited[i] !== 0);
      for (const c of children) {
        try {
          c.kill("SIGKILL");
        } catch {
          // gone
        }
      }
      reject(
        new Error(
          `the fleet did not finish in ${
            options.timeoutMs ?? 60_000
          } ms (${ready}/${children.length} ` +
            `READY); children not done:\n${where.join("\n")}`,
        ),
      );
    }, options.timeoutMs ?? 60_000);
  });
  try {
    await Promise.race([readyPromise, timeout, Promise.all(children.map((c) => c.status))]);
    await options.beforeStart?.();
    await Promise.all(children.map(async (child) => {
      const w = child.stdin.getWriter();
      try {
        await w.write(new TextEncoder().encode("go\n"));
        await w.close();
      } catch {
        // a child that died before the start
      }
    }));
    const statuses = await Promise.race([Promise.all(children.map((c) => c.status)), timeout]);
    await Promise.all(readers);
    const errs = await Promise.all(stderr);
    statuses.forEach((s, i) => {
      if (!s.success && i !== run.killed) {
        run.errors.push(`child ${i} exited ${s.code}: ${errs[i]!.slice(-2000)}`);
      }
    });
  } finally {
    clearTimeout(timer);
  }
  return run;
}

/** Median and 95th percentile of a list (ms). */
export function stats(values: number[]): { median: number; p95: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
  return { median: at(0.5), p95: at(0.95) };
}

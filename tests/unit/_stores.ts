/**
 * Helpers of the shared-auth-state tests: a seeded random source, the
 * keystoneauth1 side (scripts/state_differential.py), a capturing logger and
 * a real redis-server with the npm clients from the tools dir.
 */
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import type { Logger } from "../../mod.ts";

export const PYTHON = "/usr/bin/python3";
export const STATE_SCRIPT = fileURLToPath(
  new URL("../../scripts/state_differential.py", import.meta.url),
);
export const REPO = fileURLToPath(new URL("../../", import.meta.url));

/** mulberry32: a small seeded PRNG (the seed is printed when a test fails). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The seed of this run: `OSAUTH_SEED` or a random one. */
export function seedOf(): number {
  const given = Deno.env.get("OSAUTH_SEED");
  return given ? Number(given) : Math.floor(Math.random() * 2 ** 31);
}

/** Runs `fn`, adding the seed to a failure's message. */
export async function withSeed(seed: number, fn: () => Promise<void> | void): Promise<void> {
  try {
    await fn();
  } catch (err) {
    if (err instanceof Error) err.message += `\n(seed ${seed}: rerun with OSAUTH_SEED=${seed})`;
    throw err;
  }
}

/** Whether keystoneauth1 can be run: undefined, or why not. */
export async function keystoneauthMissing(): Promise<string | undefined> {
  try {
    const out = await new Deno.Command(PYTHON, {
      args: ["-c", "import keystoneauth1.identity.generic"],
      stdout: "null",
      stderr: "null",
    }).output();
    return out.success ? undefined : "python3-keystoneauth1 is not installed";
  } catch {
    return `${PYTHON} is not available`;
  }
}

/** One request to scripts/state_differential.py. */
export async function keystoneauth<T>(request: unknown): Promise<T> {
  const child = new Deno.Command(PYTHON, {
    args: [STATE_SCRIPT],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(JSON.stringify(request)));
  await writer.close();
  const out = await child.output();
  if (!out.success) {
    throw new Error(`state_differential.py failed: ${new TextDecoder().decode(out.stderr)}`);
  }
  return JSON.parse(new TextDecoder().decode(out.stdout)) as T;
}

/** A logger keeping every line, by level. */
export interface CapturedLogger extends Logger {
  debugs: string[];
  warns: string[];
}

/** A logger that records what it is given. */
export function captureLogger(): CapturedLogger {
  const debugs: string[] = [];
  const warns: string[] = [];
  return {
    debugs,
    warns,
    debug: (msg: string) => void debugs.push(msg),
    warn: (msg: string) => void warns.push(msg),
  };
}

/** The tools dir of test-only packages (`OSAUTH_TOOLS`, else `<repo>/.tools`). */
export function toolsDir(): string {
  return Deno.env.get("OSAUTH_TOOLS") ?? `${REPO}.tools`;
}

/** Where scripts/redis-test-setup.sh installs the npm clients `redis` and `ioredis`. */
export function redisClientsDir(): string {
  return Deno.env.get("OSAUTH_REDIS_CLIENTS") ?? `${toolsDir()}/redis-clients`;
}

/** `require` resolving from the clients dir, or undefined when they are not installed. */
export function redisRequire(): ReturnType<typeof createRequire> | undefined {
  const dir = redisClientsDir();
  try {
    Deno.statSync(`${dir}/node_modules/redis/package.json`);
    Deno.statSync(`${dir}/node_modules/ioredis/package.json`);
  } catch {
    return undefined;
  }
  return createRequire(`${dir}/package.json`);
}

/** Whether redis-server and the npm clients are there: undefined, or why not. */
export function redisMissing(): string | undefined {
  try {
    Deno.statSync("/usr/bin/redis-server");
  } catch {
    return "redis-server is not installed (apt-get install redis-server)";
  }
  if (!redisRequire()) {
    return `the npm clients redis and ioredis are not in ${redisClientsDir()} ` +
      "(bash scripts/redis-test-setup.sh)";
  }
  return undefined;
}

/** A redis-server of our own on 127.0.0.1 (no persistence); `stop()` ends it. */
export interface RedisServer {
  port: number;
  url: string;
  stop(): Promise<void>;
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

/** Starts redis-server on a free port and waits until it answers. */
export async function startRedis(): Promise<RedisServer> {
  const port = freePort();
  const child = new Deno.Command("/usr/bin/redis-server", {
    args: [
      "--port",
      String(port),
      "--bind",
      "127.0.0.1",
      "--save",
      "",
      "--appendonly",
      "no",
      "--daemonize",
      "no",
    ],
    stdout: "null",
    stderr: "null",
  }).spawn();
  for (let i = 0; i < 100; i++) {
    try {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port });
      conn.close();
      break;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
    if (i === 99) throw new Error("redis-server did not start");
  }
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    async stop() {
      try {
        child.kill("SIGTERM");
      } catch {
        // already gone
      }
      await child.status;
    },
  };
}

/** Whether redis is required (CI): a missing one fails instead of skipping. */
export const REDIS_REQUIRED = Deno.env.get("OSAUTH_REQUIRE_REDIS") === "1";
/** Whether python is required (CI). */
export const PYTHON_REQUIRED = Deno.env.get("OSAUTH_REQUIRE_PYTHON") === "1";

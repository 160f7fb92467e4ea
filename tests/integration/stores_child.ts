/**
 * One "process of the fleet" for the shared-auth-state tests and the
 * benchmark; runs unchanged on Deno, Node (type stripping) and Bun.
 *
 *   <runtime> stores_child.ts <json config>
 *
 * config: { authUrl, userId?, username?, userDomainId?, password, projectId?, projectName?,
 *   projectDomainId?, store: "file" | "kv" | "redis" | "none", dir?, kvPath?, redisUrl?,
 *   redisClients?, timeout?, barrier?: boolean, keyHex?: string }
 *
 * With `barrier`, it prints `READY` once loaded and waits for a line on stdin,
 * so that many processes start their authentication together. Then it
 * authenticates (getAccess), and prints `LEASE` when it takes the lease (the
 * holder, for a test that kills it) and finally one line
 * `RESULT {"token": <sha256 of the token, 16 hex>, "ms": <time to the token>, "pid",
 * "firstMs": <time to the first response, with config.request>}`.
 * Errors print `ERROR <message>` and exit 1.
 */
import { createRequire } from "node:module";
import { Session, v3 } from "../../mod.ts";
import {
  type AuthStateStore,
  DenoKvStateStore,
  FileStateStore,
  RedisStateStore,
} from "../../src/stores/mod.ts";

interface ChildConfig {
  authUrl: string;
  userId?: string;
  username?: string;
  userDomainId?: string;
  password: string;
  projectId?: string;
  projectName?: string;
  projectDomainId?: string;
  store: "file" | "kv" | "redis" | "none";
  dir?: string;
  kvPath?: string;
  redisUrl?: string;
  redisClients?: string;
  timeout?: number;
  barrier?: boolean;
  keyHex?: string;
  /** After the token, one authenticated request through the catalog. */
  request?: { serviceType: string; path: string };
}

interface DenoLike {
  args: string[];
  stdin: { readable: ReadableStream<Uint8Array> };
  openKv(path: string): Promise<DenoKvLikeClosable>;
  exit(code: number): never;
  pid: number;
}
type DenoKvLikeClosable = ConstructorParameters<typeof DenoKvStateStore>[0] & { close(): void };
interface ProcessLike {
  argv: string[];
  stdin: {
    once(event: "data", fn: (chunk: unknown) => void): void;
    pause(): void;
    resume(): void;
  };
  stdout: { write(s: string): boolean };
  exit(code: number): never;
  pid: number;
}

const deno = (globalThis as { Deno?: DenoLike }).Deno;
const proc = (globalThis as { process?: ProcessLike }).process;

function print(line: string): void {
  if (proc?.stdout) proc.stdout.write(line + "\n");
  else console.log(line);
}

async function waitForLine(): Promise<void> {
  if (deno) {
    const reader = deno.stdin.readable.getReader();
    await reader.read();
    reader.releaseLock();
    return;
  }
  await new Promise<void>((resolve) => {
    proc!.stdin.once("data", () => {
      proc!.stdin.pause();
      resolve();
    });
    proc!.stdin.resume();
  });
}

async function hash16(text: string): Promise<string> {
  const d = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
  return [...d.slice(0, 8)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

async function main(): Promise<void> {
  const arg = deno ? deno.args[0] : proc!.argv[2];
  const config = JSON.parse(arg ?? "{}") as ChildConfig;
  let encryptionKey: CryptoKey | undefined;
  if (config.keyHex) {
    const bytes = new Uint8Array(config.keyHex.match(/../g)!.map((h) => parseInt(h, 16)));
    encryptionKey = await crypto.subtle.importKey("raw", bytes, "AES-GCM", false, [
      "encrypt",
      "decrypt",
    ]);
  }
  let store: AuthStateStore | undefined;
  let cleanup = async () => {};
  if (config.store === "file") {
    store = new FileStateStore({ dir: config.dir, encryptionKey });
  } else if (config.store === "kv") {
    const kv = await deno!.openKv(config.kvPath!);
    store = new DenoKvStateStore(kv, { encryptionKey });
    cleanup = () => Promise.resolve(kv.close());
  } else if (config.store === "redis") {
    const require = createRequire(`${config.redisClients}/package.json`);
    const { createClient } = require("redis");
    const client = await createClient({ url: config.redisUrl }).connect();
    store = new RedisStateStore(client, { encryptionKey });
    cleanup = async () => void await client.quit();
  }
  const auth = new v3.Password({
    authUrl: config.authUrl,
    userId: config.userId,
    username: config.username,
    userDomainId: config.userDomainId,
    password: config.password,
    projectId: config.projectId,
    projectName: config.projectName,
    projectDomainId: config.projectDomainId,
    stateStore: store,
  });
  const logger = {
    debug(msg: string) {
      if (msg.includes("took the lease")) print("LEASE");
    },
    warn(msg: string) {
      print(`WARN ${msg}`);
    },
  };
  const session = new Session({ auth, logger, timeout: config.timeout });
  if (config.barrier) {
    print("READY");
    await waitForLine();
  }
  const started = performance.now();
  const access = await auth.getAccess(session);
  const ms = performance.now() - started;
  print(
    `RESULT ${
      JSON.stringify({ token: await hash16(access.token), ms, pid: deno?.pid ?? proc?.pid })
    }`,
  );
  await cleanup();
}

main().then(
  () => (deno ? deno.exit(0) : proc!.exit(0)),
  (err) => {
    print(`ERROR ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`);
    deno ? deno.exit(1) : proc!.exit(1);
  },
);

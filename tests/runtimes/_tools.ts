/**
 * Helpers of the runtime drivers (workerd.test.ts, browser.test.ts): where the
 * npm-installed tools are, free ports, waiting for a server.
 *
 * @module
 */

const repo = new URL("../../", import.meta.url).pathname;

/** `$OSAUTH_TOOLS` (default `<repo>/.tools`), as scripts/cross-runtime.sh uses it. */
export function toolsDir(): string {
  return Deno.env.get("OSAUTH_TOOLS") ?? `${repo}.tools`;
}

/** A binary of the `jsbuild` prefix (typescript, esbuild, workerd). */
export function jsbuildBin(name: string): string {
  return `${toolsDir()}/jsbuild/node_modules/.bin/${name}`;
}

/** The first of `paths` that does not exist, as a reason to skip; undefined when all do. */
export function missingPrerequisites(paths: string[]): string | undefined {
  for (const path of paths) {
    try {
      Deno.statSync(path);
    } catch {
      return `${path} is missing`;
    }
  }
  return undefined;
}

/** A port nothing listens on right now (127.0.0.1). */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

/**
 * Resolves once 127.0.0.1:`port` accepts connections; rejects after
 * `timeoutMs` or when `exited` (the server process) settles first.
 */
export async function waitForPort(
  port: number,
  timeoutMs: number,
  exited: Promise<Deno.CommandOutput>,
): Promise<void> {
  let gone = false;
  let stderr = "";
  exited.then((o) => {
    gone = true;
    stderr = new TextDecoder().decode(o.stderr);
  }, () => gone = true);
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (gone) throw new Error(`the server exited before listening on ${port}: ${stderr}`);
    try {
      (await Deno.connect({ hostname: "127.0.0.1", port })).close();
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  throw new Error(`nothing listens on 127.0.0.1:${port} after ${timeoutMs} ms`);
}

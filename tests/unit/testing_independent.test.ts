/**
 * The test kit (`src/testing/`, `jsr:@x/osauth/testing`) is an independent
 * oracle: it shares no code with the library, so a bug in the library cannot
 * hide in the fake as well. Every import and re-export of every file under
 * src/testing/ stays under src/testing/ (or is a runtime built-in).
 */
import assert from "node:assert/strict";
import { fileURLToPath as fromFileUrl } from "node:url";

const TESTING = new URL("../../src/testing/", import.meta.url);

async function* files(dir: URL): AsyncGenerator<URL> {
  for await (const entry of Deno.readDir(dir)) {
    const url = new URL(entry.isDirectory ? `${entry.name}/` : entry.name, dir);
    if (entry.isDirectory) yield* files(url);
    else if (entry.name.endsWith(".ts")) yield url;
  }
}

/** Static `import ... from "x"`, `export ... from "x"`, `import "x"` and `import("x")` specifiers. */
function specifiers(source: string): string[] {
  const code = source.replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
  const out: string[] = [];
  for (const m of code.matchAll(/\b(?:from|import)\s*\(?\s*["']([^"']+)["']/g)) out.push(m[1]!);
  return out;
}

Deno.test("src/testing/ imports nothing from the library", async () => {
  const seen: string[] = [];
  for await (const file of files(TESTING)) {
    const source = await Deno.readTextFile(file);
    for (const spec of specifiers(source)) {
      seen.push(spec);
      if (/^(node|bun|cloudflare):/.test(spec)) continue;
      assert.ok(spec.startsWith("."), `${fromFileUrl(file)} imports ${spec}`);
      const target = new URL(spec, file);
      assert.ok(
        target.href.startsWith(TESTING.href),
        `${fromFileUrl(file)} imports ${spec}, outside src/testing/`,
      );
    }
  }
  // the walk found the kit's own imports (the check ran over real files)
  assert.ok(seen.includes("./fake/state.ts") && seen.includes("../fixtures/v3.ts"), seen.join());
});

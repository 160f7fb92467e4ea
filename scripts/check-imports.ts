/**
 * Checks the import graph of `mod.ts` and `src/` (type-only imports
 * included): no cycle, and no import from a lower layer to a higher one.
 * Part of `deno task check`.
 *
 *   deno run --allow-read scripts/check-imports.ts
 *
 * The layers, lowest first (CONTRIBUTING.md, "Layers"); a file may import
 * its own layer (without a cycle) and those below it:
 *
 * @module
 */

/** Path prefixes -> layer, most specific first (the first match wins). */
export const LAYERS: readonly (readonly [string, string])[] = [
  // base: shared types, dependency-free and error-throwing helpers, secret rules, errors
  ["src/types.ts", "base"],
  ["src/version.ts", "base"],
  ["src/secret.ts", "base"],
  ["src/logging.ts", "base"],
  ["src/errors.ts", "base"],
  ["src/util/", "base"],
  ["src/net/", "net, catalog, access, stores"],
  ["src/catalog/", "net, catalog, access, stores"],
  ["src/access/", "net, catalog, access, stores"],
  ["src/stores/", "net, catalog, access, stores"],
  ["src/discovery/", "discovery"],
  ["src/identity/", "identity, plugins"],
  ["src/plugins/", "identity, plugins"],
  ["src/session/", "session"],
  ["src/adapter.ts", "adapter"],
  ["src/loading/", "clouds"],
  ["src/clouds/", "clouds"],
  ["src/testing/", "testing"],
  ["mod.ts", "mod.ts"],
];

/** The layer names in order. */
export const ORDER: readonly string[] = [
  "base",
  "net, catalog, access, stores",
  "discovery",
  "identity, plugins",
  "session",
  "adapter",
  "clouds",
  "testing",
  "mod.ts",
];

function layerOf(path: string): string | undefined {
  return LAYERS.find(([prefix]) => path === prefix || path.startsWith(prefix))?.[1];
}

/** Relative module specifiers of import/export statements and dynamic imports (comments skipped). */
export function importsOf(source: string): string[] {
  const out: string[] = [];
  // Statements start a line (JSDoc examples start with " * " and are skipped).
  const statement = /^(?:import|export)\b[^;]*?\bfrom\s*["'](\.[^"']+)["']/gms;
  for (const m of source.matchAll(statement)) out.push(m[1]!);
  const bare = /^import\s*["'](\.[^"']+)["']/gm;
  for (const m of source.matchAll(bare)) out.push(m[1]!);
  for (const line of source.split("\n")) {
    const t = line.trimStart();
    if (t.startsWith("*") || t.startsWith("//") || t.startsWith("/*")) continue;
    for (const m of t.matchAll(/\bimport\(\s*["'](\.[^"']+)["']\s*\)/g)) out.push(m[1]!);
  }
  return out;
}

function normalize(path: string): string {
  const parts: string[] = [];
  for (const p of path.split("/")) {
    if (p === "" || p === ".") continue;
    if (p === "..") parts.pop();
    else parts.push(p);
  }
  return parts.join("/");
}

function dirname(path: string): string {
  const i = path.lastIndexOf("/");
  return i < 0 ? "" : path.slice(0, i);
}

async function walk(dir: string, out: string[]): Promise<void> {
  for await (const e of Deno.readDir(dir)) {
    const p = `${dir}/${e.name}`;
    if (e.isDirectory) await walk(p, out);
    else if (e.name.endsWith(".ts")) out.push(p);
  }
}

/** Strongly connected components with more than one file, or a file importing itself. */
export function cycles(graph: Map<string, string[]>): string[][] {
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string): void => {
    idx.set(v, index);
    low.set(v, index);
    index++;
    stack.push(v);
    on.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) {
        low.set(v, Math.min(low.get(v)!, idx.get(w)!));
      }
    }
    if (low.get(v) === idx.get(v)) {
      const comp: string[] = [];
      for (;;) {
        const w = stack.pop()!;
        on.delete(w);
        comp.push(w);
        if (w === v) break;
      }
      if (comp.length > 1 || (graph.get(v) ?? []).includes(v)) found.push(comp.sort());
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) visit(v);
  return found;
}

if (import.meta.main) {
  const files = ["mod.ts"];
  await walk("src", files);
  const graph = new Map<string, string[]>();
  for (const f of files.sort()) {
    const deps = importsOf(await Deno.readTextFile(f)).map((s) => normalize(`${dirname(f)}/${s}`));
    graph.set(f, [...new Set(deps)]);
  }
  const problems: string[] = [];
  for (const [f, deps] of graph) {
    const from = layerOf(f);
    if (from === undefined) {
      problems.push(`${f}: in no layer (add it to LAYERS in scripts/check-imports.ts)`);
      continue;
    }
    for (const d of deps) {
      if (!graph.has(d)) {
        problems.push(`${f}: imports ${d}, which does not exist`);
        continue;
      }
      const to = layerOf(d);
      if (to !== undefined && ORDER.indexOf(to) > ORDER.indexOf(from)) {
        problems.push(`${f} (${from}) imports ${d} (${to}): a lower layer imports a higher one`);
      }
    }
  }
  for (const c of cycles(graph)) {
    problems.push(`import cycle of ${c.length} files: ${c.join(" -> ")}`);
  }
  for (const p of problems) console.error(p);
  console.log(
    `check-imports: ${graph.size} files, ${problems.length} problem(s)` +
      (problems.length ? "" : " (no cycle, layers in order)"),
  );
  if (problems.length) Deno.exit(1);
}

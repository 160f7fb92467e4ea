/**
 * JSDoc examples import what users import: `jsr:@x/osauth` and its subpaths
 * (`/clouds`, `/stores`, `/testing`), not relative paths, so that they paste
 * from jsr.io as they are. deno.json's "imports" maps those specifiers to the
 * local files, so `deno test --doc` type-checks and runs the examples against
 * the sources.
 *
 *   deno run --allow-read --allow-write --allow-run scripts/jsdoc-imports.ts [--check]
 *
 * For every import line of a fenced example in a JSDoc comment (`mod.ts`,
 * `src/**.ts`) with a relative specifier, the names it imports are looked up in
 * the package's entry points (deno.json "exports", their exported names from
 * `deno doc --json`): the entry point of the imported file's own directory
 * first (`src/clouds/` -> `jsr:@x/osauth/clouds`), then the root. The
 * specifier is replaced by the first entry point exporting every name; the
 * rest of the line is kept. An example of a module that no entry point
 * exports (an internal helper) keeps its relative path. With `--check` nothing
 * is written and the exit code is 1 when some line would change, or when an
 * example is fenced as `ignore` (`deno test --doc` would neither type-check
 * nor run it) (run by `deno task check`).
 *
 * @module
 */
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath as fromFileUrl } from "node:url";

const REPO = resolve(dirname(fromFileUrl(import.meta.url)), "..");
const check = Deno.args.includes("--check");
const config = JSON.parse(await Deno.readTextFile(join(REPO, "deno.json"))) as {
  name: string;
  exports: Record<string, string>;
};

/** Entry point: its specifier, its directory, the names it exports. */
interface Entry {
  specifier: string;
  dir: string;
  names: Set<string>;
}

async function exportedNames(file: string): Promise<Set<string>> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["doc", "--json", file],
    cwd: REPO,
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) throw new Error(`deno doc ${file}: ${new TextDecoder().decode(out.stderr)}`);
  const doc = JSON.parse(new TextDecoder().decode(out.stdout)) as {
    nodes: Record<string, { symbols?: { name: string }[] }>;
  };
  return new Set(Object.values(doc.nodes).flatMap((n) => (n.symbols ?? []).map((s) => s.name)));
}

const entries: Entry[] = [];
for (const [sub, target] of Object.entries(config.exports)) {
  entries.push({
    specifier: sub === "." ? `jsr:${config.name}` : `jsr:${config.name}/${sub.slice(2)}`,
    dir: dirname(join(REPO, target)),
    names: await exportedNames(target),
  });
}
// Subpath entries first: a file under src/clouds/ imports from /clouds before the root.
entries.sort((a, b) => b.dir.length - a.dir.length);

/** The names an import clause brings in (`{ a, b as c, type D }`, `* as ns`, a default). */
function importedNames(clause: string): string[] | undefined {
  const text = clause.replace(/^type\s+/, "").trim();
  const braces = /^\{([^}]*)\}$/.exec(text);
  if (braces) {
    return braces[1]!.split(",").map((part) => part.trim()).filter((part) => part !== "")
      .map((part) => part.replace(/^type\s+/, "").split(/\s+as\s+/)[0]!.trim());
  }
  return undefined; // namespace or default imports: left alone
}

const IMPORT = /^(\s*\*\s*import\s+)(.+?)(\s+from\s+)(["'])(\.{1,2}\/[^"']+)\4(.*)$/;

async function* sourceFiles(dir: string): AsyncGenerator<string> {
  for await (const entry of Deno.readDir(dir)) {
    const path = join(dir, entry.name);
    if (entry.isDirectory) yield* sourceFiles(path);
    else if (entry.name.endsWith(".ts")) yield path;
  }
}

const files = [join(REPO, "mod.ts")];
for await (const f of sourceFiles(join(REPO, "src"))) files.push(f);
files.sort();

let changed = 0;
const kept: string[] = [];
/** Examples that `deno test --doc` skips (a fence info with `ignore`). */
const ignored: string[] = [];
for (const file of files) {
  const lines = (await Deno.readTextFile(file)).split("\n");
  let inComment = false;
  let inExample = false;
  let fileChanged = false;
  for (const [i, line] of lines.entries()) {
    if (/^\s*\/\*\*/.test(line)) inComment = true;
    if (inComment && /^\s*\*\s*```/.test(line)) {
      if (!inExample && /^\s*\*\s*```.*\bignore\b/.test(line)) {
        ignored.push(`${relative(REPO, file)}:${i + 1}`);
      }
      inExample = !inExample;
    }
    if (inComment && /\*\/\s*$/.test(line)) {
      inComment = false;
      inExample = false;
    }
    if (!inExample) continue;
    const m = IMPORT.exec(line);
    if (!m) continue;
    const [, lead, clause, from, quote, spec, rest] = m;
    const names = importedNames(clause!);
    const target = resolve(dirname(file), spec!);
    const where = `${relative(REPO, file)}:${i + 1}`;
    if (!names) {
      kept.push(`${where}: ${spec} (not a named import)`);
      continue;
    }
    const entry = entries.find((e) =>
      (target.startsWith(e.dir + "/") || e.dir === REPO) && names.every((n) =>
        e.names.has(n)
      )
    ) ?? entries.find((e) => names.every((n) => e.names.has(n)));
    if (!entry) {
      kept.push(`${where}: ${names.join(", ")} from ${spec} (exported by no entry point)`);
      continue;
    }
    lines[i] = `${lead}${clause}${from}${quote}${entry.specifier}${quote}${rest}`;
    fileChanged = true;
    changed++;
    if (check) console.log(`${where}: ${spec} -> ${entry.specifier}`);
  }
  if (fileChanged && !check) await Deno.writeTextFile(file, lines.join("\n"));
}

for (const k of kept) console.log(`kept relative: ${k}`);
for (const where of ignored) {
  console.error(`${where}: a JSDoc example fenced as ignore is neither type-checked nor run`);
}
if (check) {
  if (ignored.length > 0) {
    console.error(
      `${ignored.length} JSDoc examples are ignored: make them run (a FakeCloud for a cloud)`,
    );
    Deno.exit(1);
  }
  if (changed > 0) {
    console.error(
      `${changed} JSDoc example imports are relative: run deno run --allow-read --allow-write ` +
        "--allow-run scripts/jsdoc-imports.ts",
    );
    Deno.exit(1);
  }
  console.log("JSDoc example imports: every public one from jsr:@x/osauth");
} else console.log(`${changed} JSDoc example imports rewritten`);

// Builds osauth as JSR's npm compatibility layer serves it (what `npx jsr add
// @x/osauth`, `bunx jsr add`, `pnpm dlx jsr add` and `yarn dlx jsr add` install):
// every published .ts file transpiled on its own to .js, a .d.ts beside it,
// relative `.ts` specifiers rewritten to `.js`, the npm: imports of deno.json as
// package.json dependencies, and package.json "exports" from deno.json's.
//
// Then a consumer project installs that package from its tarball (so npm puts
// js-yaml in node_modules as it does for users), and the runtime tests
// (tests/smoke/smoke.ts, tests/runtimes/*.ts entry files) are transpiled into
// it with their imports of the package's entry files rewritten to the package
// name (`../../mod.ts` -> `@x/osauth`), so they run as plain JavaScript against
// the built package.
//
//   node scripts/build-npm.mjs [--out DIR]     (default DIR: build/)
//
// Output: DIR/npm (the package), DIR/x-osauth.tgz (npm pack), DIR/consumer
// (package.json, node_modules/@x/osauth from the tarball, the transpiled
// tests). Needs the `typescript` npm package: OSAUTH_TYPESCRIPT names the
// directory holding node_modules/typescript (scripts/cross-runtime.sh installs
// it), else it is resolved from this repository.
import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const outIndex = args.indexOf("--out");
const out = path.resolve(outIndex >= 0 ? args[outIndex + 1] : path.join(repo, "build"));
const require = createRequire(
  path.join(
    process.env.OSAUTH_TYPESCRIPT ? path.resolve(process.env.OSAUTH_TYPESCRIPT) : repo,
    "x",
  ),
);
const ts = require("typescript");

/** The package name users import: what `jsr add @x/osauth` puts in package.json. */
const IMPORT_NAME = "@x/osauth";
/** Test entry files transpiled into the consumer project. */
const TEST_FILES = [
  "tests/smoke/checks.ts",
  "tests/smoke/smoke.ts",
  "tests/runtimes/scenario.ts",
  "tests/runtimes/worker.ts",
  "tests/runtimes/page.ts",
];

const deno = JSON.parse(fs.readFileSync(path.join(repo, "deno.json"), "utf8"));
const jsrName = deno.name; // "@x/osauth"
const [scope, name] = jsrName.slice(1).split("/");
const npmName = `@jsr/${scope}__${name}`;

/** Every file `deno publish` includes (deno.json publish.include: globs `**` and `*`). */
function publishedFiles() {
  const patterns = deno.publish.include.map((glob) =>
    new RegExp(
      "^" + glob.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*\*\//g, "\0")
        .replace(/\*/g, "[^/]*").replaceAll("\0", "(?:.*/)?") +
        "$",
    )
  );
  const files = [];
  const walk = (dir) => {
    for (const entry of fs.readdirSync(path.join(repo, dir), { withFileTypes: true })) {
      const rel = dir ? `${dir}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        if (!rel.startsWith(".") && rel !== "node_modules" && rel !== "build") walk(rel);
      } else if (patterns.some((p) => p.test(rel))) files.push(rel);
    }
  };
  walk("");
  return files.sort();
}

const COMPILER = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ESNext,
  verbatimModuleSyntax: true,
  rewriteRelativeImportExtensions: true,
  allowImportingTsExtensions: true,
  strict: true,
};
/**
 * Declarations: one program over the published files, emitted without a type
 * check (`noCheck`; `deno task check` type-checks the sources). The sources have
 * no slow types, as JSR requires, so the emit needs no inference across files.
 */
function emitDeclarations(files, dir) {
  const program = ts.createProgram(files.map((f) => path.join(repo, f)), {
    ...COMPILER,
    declaration: true,
    emitDeclarationOnly: true,
    noCheck: true,
    rootDir: repo,
    outDir: dir,
    lib: ["lib.es2023.d.ts", "lib.dom.d.ts", "lib.dom.iterable.d.ts"],
    types: [],
  });
  const written = [];
  const result = program.emit(undefined, (file, text) => {
    const rel = path.relative(dir, file);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, rewriteDts(text, rel));
    written.push(rel);
  });
  diagnostics(result.diagnostics, "declaration emit");
  return written.length;
}

/** Relative `.ts` specifiers in a .d.ts (import/export from, import()) -> `.js`. */
function rewriteDts(text, file) {
  const rewritten = text.replace(
    /(\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)(["'])(\.{1,2}\/[^"']*?)\.ts\2/g,
    (_m, lead, q, spec) => `${lead}${q}${spec}.js${q}`,
  );
  const left = /(["'])\.{1,2}\/[^"']*\.ts\1/.exec(rewritten);
  if (left) throw new Error(`${file}: a .ts specifier was not rewritten: ${left[0]}`);
  return rewritten;
}

function diagnostics(list, file) {
  const errors = (list ?? []).filter((d) => d.category === ts.DiagnosticCategory.Error);
  if (errors.length === 0) return;
  const text = errors.map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"));
  throw new Error(`${file}:\n  ${text.join("\n  ")}`);
}

function buildPackage(dir) {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  let count = 0;
  for (const rel of publishedFiles()) {
    const src = path.join(repo, rel);
    const dest = path.join(dir, rel);
    fs.mkdirSync(path.dirname(dest), { recursive: true });
    if (!rel.endsWith(".ts")) {
      if (rel !== "deno.json") fs.copyFileSync(src, dest);
      continue;
    }
    const source = fs.readFileSync(src, "utf8");
    const js = ts.transpileModule(source, {
      compilerOptions: COMPILER,
      fileName: rel,
      reportDiagnostics: true,
    });
    diagnostics(js.diagnostics, rel);
    const jsText = js.outputText;
    const leftover = /(["'])\.{1,2}\/[^"']*\.ts\1/.exec(
      jsText.replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, ""),
    );
    if (leftover) throw new Error(`${rel}: a .ts specifier was not rewritten: ${leftover[0]}`);
    fs.writeFileSync(dest.replace(/\.ts$/, ".js"), jsText);
    count++;
  }
  const declarations = emitDeclarations(publishedFiles().filter((f) => f.endsWith(".ts")), dir);
  if (declarations !== count) throw new Error(`${declarations} .d.ts files for ${count} modules`);
  const exportsMap = {};
  for (const [sub, target] of Object.entries(deno.exports)) {
    const base = target.replace(/^\.\//, "./").replace(/\.ts$/, "");
    exportsMap[sub] = { types: `${base}.d.ts`, default: `${base}.js` };
  }
  const dependencies = {};
  for (const [key, value] of Object.entries(deno.imports ?? {})) {
    // jsr:@x/osauth(/sub) -> local files: for the JSDoc examples only (deno test --doc).
    if (key === `jsr:${jsrName}` || key.startsWith(`jsr:${jsrName}/`)) continue;
    const m = /^npm:((?:@[^/]+\/)?[^@]+)@(.+)$/.exec(value);
    if (!m) throw new Error(`deno.json imports.${key}: only npm: imports are supported`);
    if (m[1] !== key) throw new Error(`deno.json imports.${key}: maps to another name (${m[1]})`);
    dependencies[m[1]] = m[2];
  }
  const pkg = {
    name: npmName,
    version: deno.version,
    description: "OpenStack sessions and authentication for fetch-based JavaScript",
    license: deno.license,
    type: "module",
    exports: exportsMap,
    dependencies,
  };
  fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify(pkg, null, 2) + "\n");
  return count;
}

/** Relative imports of the package's entry files -> the package's import name. */
function entrySpecifiers() {
  const map = new Map();
  for (const [sub, target] of Object.entries(deno.exports)) {
    map.set(path.join(repo, target), sub === "." ? IMPORT_NAME : `${IMPORT_NAME}/${sub.slice(2)}`);
  }
  return map;
}

function transpileTest(rel, consumer, entries) {
  const src = path.join(repo, rel);
  const source = fs.readFileSync(src, "utf8");
  const rewrite = (context) => {
    const visit = (node) => {
      if (
        (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) &&
        node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)
      ) {
        const spec = node.moduleSpecifier.text;
        if (spec.startsWith(".")) {
          const resolved = path.resolve(path.dirname(src), spec);
          const sibling = TEST_FILES.find((f) => path.join(repo, f) === resolved);
          const target = entries.get(resolved) ??
            (sibling ? `./${path.basename(sibling).replace(/\.ts$/, ".js")}` : undefined);
          if (!target) {
            throw new Error(
              `${rel}: imports ${spec}, which is not an entry point of the package ` +
                "(runtime tests use only what users can import, and each other)",
            );
          }
          const literal = context.factory.createStringLiteral(target);
          return ts.isImportDeclaration(node)
            ? context.factory.updateImportDeclaration(
              node,
              node.modifiers,
              node.importClause,
              literal,
              node.attributes,
            )
            : context.factory.updateExportDeclaration(
              node,
              node.modifiers,
              node.isTypeOnly,
              node.exportClause,
              literal,
              node.attributes,
            );
        }
      }
      return ts.visitEachChild(node, visit, context);
    };
    return (file) => ts.visitNode(file, visit);
  };
  const js = ts.transpileModule(source, {
    compilerOptions: COMPILER,
    fileName: rel,
    reportDiagnostics: true,
    transformers: { before: [rewrite] },
  });
  diagnostics(js.diagnostics, rel);
  const dest = path.join(consumer, path.basename(rel).replace(/\.ts$/, ".js"));
  fs.writeFileSync(dest, js.outputText);
}

function buildConsumer(pkgDir, consumer) {
  const packed = execFileSync(
    "npm",
    ["pack", "--silent", "--pack-destination", out, pkgDir],
    { encoding: "utf8" },
  ).trim().split("\n").pop();
  const tarball = path.join(out, "x-osauth.tgz");
  fs.renameSync(path.join(out, packed), tarball);
  fs.mkdirSync(consumer, { recursive: true });
  fs.writeFileSync(
    path.join(consumer, "package.json"),
    JSON.stringify(
      {
        name: "osauth-consumer",
        private: true,
        type: "module",
        dependencies: { [IMPORT_NAME]: `file:${path.relative(consumer, tarball)}` },
      },
      null,
      2,
    ) + "\n",
  );
  fs.rmSync(path.join(consumer, "node_modules", IMPORT_NAME), { recursive: true, force: true });
  execFileSync(
    "npm",
    ["install", "--no-package-lock", "--no-audit", "--no-fund", "--loglevel=error"],
    { cwd: consumer, stdio: ["ignore", "inherit", "inherit"] },
  );
  const entries = entrySpecifiers();
  let count = 0;
  for (const rel of TEST_FILES) {
    if (!fs.existsSync(path.join(repo, rel))) continue;
    transpileTest(rel, consumer, entries);
    count++;
  }
  return count;
}

const started = Date.now();
fs.mkdirSync(out, { recursive: true });
const pkgDir = path.join(out, "npm");
const files = buildPackage(pkgDir);
const tests = buildConsumer(pkgDir, path.join(out, "consumer"));
console.log(
  `built ${npmName}@${deno.version} (${files} modules, .js + .d.ts) in ${pkgDir}; ` +
    `consumer ${path.join(out, "consumer")} with ${tests} transpiled test files ` +
    `(typescript ${ts.version}, ${Date.now() - started} ms)`,
);

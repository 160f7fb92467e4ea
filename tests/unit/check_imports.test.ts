/** scripts/check-imports.ts finds import cycles and reads only real import statements. */
import assert from "node:assert/strict";
import { cycles, importsOf } from "../../scripts/check-imports.ts";

Deno.test("check-imports: cycles, type-only imports included; JSDoc examples skipped", () => {
  const source = [
    "/**",
    " * ```ts",
    ' * import { x } from "./example.ts";',
    " * ```",
    " */",
    'import type { A } from "./a.ts";',
    "import {",
    "  b,",
    '} from "../b.ts";',
    'export { c } from "./c.ts";',
    'const lazy = () => import("./lazy.ts");',
    '// import("./commented.ts")',
  ].join("\n");
  assert.deepEqual(importsOf(source).sort(), ["../b.ts", "./a.ts", "./c.ts", "./lazy.ts"]);
  const graph = new Map([
    ["a", ["b"]],
    ["b", ["c"]],
    ["c", ["a"]],
    ["d", ["a"]],
    ["e", ["e"]],
  ]);
  assert.deepEqual(cycles(graph), [["a", "b", "c"], ["e"]]);
  assert.deepEqual(cycles(new Map([["a", ["b"]], ["b", []]])), []);
});

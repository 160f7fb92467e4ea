/**
 * The README's "Testing your code" example runs as written, with its jsr:
 * imports pointed at this checkout.
 */
import assert from "node:assert/strict";
import { childEnv, denoArgs } from "./_helpers.ts";

Deno.test("README: the test-kit example passes", async () => {
  const readme = await Deno.readTextFile(new URL("../../README.md", import.meta.url));
  const section = readme.split("## Testing your code")[1] ?? "";
  const code = section.match(/```ts\n([\s\S]*?)```/)?.[1];
  assert.ok(code, "README has a test-kit example");
  const root = new URL("../../", import.meta.url).href;
  const rewritten = code
    .replaceAll('"jsr:@x/osauth/testing"', JSON.stringify(`${root}src/testing/mod.ts`))
    .replaceAll('"jsr:@x/osauth"', JSON.stringify(`${root}mod.ts`));
  const dir = await Deno.makeTempDir({ prefix: "osauth-readme-" });
  try {
    const file = `${dir}/readme_example.test.ts`;
    await Deno.writeTextFile(file, rewritten);
    const out = await new Deno.Command(Deno.execPath(), {
      args: denoArgs(["test", "--no-prompt", "--no-check", "--allow-net=127.0.0.1", file]),
      env: childEnv(),
      clearEnv: true,
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
    assert.equal(out.code, 0, text);
    assert.match(text, /1 passed/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/**
 * The README's "Observability" example (hooks for request metrics and a trace header, timings,
 * rateLimit) runs as written, with its jsr: imports pointed at this checkout.
 */
import assert from "node:assert/strict";
import { childEnv, denoArgs } from "./_helpers.ts";

Deno.test("README: the Observability example runs", async () => {
  const readme = await Deno.readTextFile(new URL("../../README.md", import.meta.url));
  const section = readme.split("## Observability")[1] ?? "";
  const code = section.match(/```ts\n([\s\S]*?)```/)?.[1];
  assert.ok(code, "README has an Observability example");
  const root = new URL("../../", import.meta.url).href;
  const rewritten = code
    .replaceAll('"jsr:@x/osauth/testing"', JSON.stringify(`${root}src/testing/mod.ts`))
    .replaceAll('"jsr:@x/osauth"', JSON.stringify(`${root}mod.ts`));
  const dir = await Deno.makeTempDir({ prefix: "osauth-readme-obs-" });
  try {
    const file = `${dir}/observability.ts`;
    await Deno.writeTextFile(file, rewritten);
    const out = await new Deno.Command(Deno.execPath(), {
      args: denoArgs(["run", "--no-prompt", "--allow-net=127.0.0.1", file]),
      env: childEnv(),
      clearEnv: true,
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
    assert.equal(out.code, 0, text);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

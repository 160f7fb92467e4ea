import assert from "node:assert/strict";

Deno.test("examples/quickstart.ts runs with --allow-net=127.0.0.1 only", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--no-prompt", "--allow-net=127.0.0.1", "examples/quickstart.ts"],
    env: { NO_COLOR: "1" },
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stdout = new TextDecoder().decode(out.stdout);
  const stderr = new TextDecoder().decode(out.stderr);
  assert.equal(out.code, 0, stderr);
  assert.match(stdout, /embedded fake cloud/);
  assert.match(stdout, /Authenticated as admin \(u-admin\), project admin/);
  assert.match(stdout, /GET http:\/\/127\.0\.0\.1:\d+\/v3\/users -> 200/);
  assert.match(stdout, /Second session, same token: true/);
  assert.ok(!stdout.includes("secret"), "the password is never printed");
});

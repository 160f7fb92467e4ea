import assert from "node:assert/strict";
import { NetworkPermissionDenied } from "../../mod.ts";
import { hostPort, isPermissionError, permissionErrorFor } from "../../src/net/permissions.ts";
import { childEnv, denoArgs } from "./_helpers.ts";

const ROOT = new URL("../../", import.meta.url);

/** Runs `deno <args>` in `cwd` and returns its exit code and output. */
async function deno(
  args: string[],
  cwd: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: denoArgs(args),
    cwd,
    stdout: "piped",
    stderr: "piped",
    env: childEnv(),
    clearEnv: true,
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

async function script(dir: string, name: string, text: string): Promise<string> {
  const path = `${dir}/${name}`;
  await Deno.writeTextFile(path, text);
  return path;
}

Deno.test("permission helpers", () => {
  assert.equal(hostPort("http://127.0.0.1:8080/x"), "127.0.0.1:8080");
  assert.equal(hostPort("https://keystone.example.com/v3"), "keystone.example.com:443");
  assert.equal(hostPort("http://keystone.example.com/v3"), "keystone.example.com:80");
  assert.equal(hostPort("http://[::1]:5000/v3"), "[::1]:5000");
  assert.ok(isPermissionError(new Deno.errors.NotCapable("x")));
  assert.ok(isPermissionError(new Deno.errors.PermissionDenied("x")));
  assert.ok(!isPermissionError(new TypeError("x")));
  const err = permissionErrorFor(new Deno.errors.NotCapable("x"), "https://h.example:13000/");
  assert.ok(err instanceof NetworkPermissionDenied);
  assert.equal(err.host, "h.example:13000");
  assert.match(err.message, /--allow-net=h\.example:13000/);
  assert.equal(permissionErrorFor(new TypeError("x"), "http://h/"), undefined);
});

Deno.test("Deno permissions, in child processes", async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "osauth-perm-" });
  const allowed = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    () => Response.json({ ok: true }),
  );
  // a port nothing listens on: the permission check comes before any connection
  const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const deniedPort = (probe.addr as Deno.NetAddr).port;
  probe.close();
  try {
    await t.step("importing the entry points needs no permission", async () => {
      for (
        const entry of ["mod.ts", "src/discovery/mod.ts", "src/clouds/mod.ts", "src/testing/mod.ts"]
      ) {
        const path = await script(
          dir,
          "import_only.ts",
          `import * as m from ${JSON.stringify(new URL(entry, ROOT).href)};\n` +
            `console.log(Object.keys(m).length);\n`,
        );
        const r = await deno(["run", "--no-prompt", path], dir);
        assert.equal(r.code, 0, `${entry}: ${r.stderr}`);
        assert.ok(Number(r.stdout.trim()) > 0, entry);
      }
    });

    await t.step("a denied host gives NetworkPermissionDenied naming the flag", async () => {
      const path = await script(
        dir,
        "denied.ts",
        `import { NetworkPermissionDenied, Session, v3 } from ${
          JSON.stringify(new URL("mod.ts", ROOT).href)
        };
const [allowed, denied] = Deno.args;
const sess = new Session();
const ok = await sess.get(\`http://127.0.0.1:\${allowed}/\`);
const report = { allowedStatus: ok.status, errors: [] as unknown[] };
await ok.body?.cancel();
const attempts = [
  () => sess.get(\`http://127.0.0.1:\${denied}/x\`, { connectRetries: 2 }),
  () => new Session({ auth: new v3.Password({
    authUrl: \`http://127.0.0.1:\${denied}/v3\`, username: "u", password: "pw-not-shown",
    userDomainId: "default", projectId: "p" }) }).getToken(),
];
for (const attempt of attempts) {
  try {
    await attempt();
    report.errors.push(null);
  } catch (e) {
    const err = e as NetworkPermissionDenied;
    report.errors.push({
      isClass: e instanceof NetworkPermissionDenied, name: err.name, host: err.host,
      message: err.message,
    });
  }
}
console.log(JSON.stringify(report));
`,
      );
      const r = await deno([
        "run",
        "--no-prompt",
        `--allow-net=127.0.0.1:${allowed.addr.port}`,
        path,
        String(allowed.addr.port),
        String(deniedPort),
      ], dir);
      assert.equal(r.code, 0, r.stderr);
      const report = JSON.parse(r.stdout.trim());
      assert.equal(report.allowedStatus, 200);
      assert.equal(report.errors.length, 2);
      for (const e of report.errors) {
        assert.equal(e.isClass, true);
        assert.equal(e.name, "NetworkPermissionDenied");
        assert.equal(e.host, `127.0.0.1:${deniedPort}`);
        assert.ok(e.message.includes(`--allow-net=127.0.0.1:${deniedPort}`), e.message);
        assert.ok(!e.message.includes("pw-not-shown"));
      }
    });

    await t.step("the network tests pass with --allow-net=127.0.0.1 only", async () => {
      const files = ["logging", "trusted_origins", "redirects"].map((f) =>
        new URL(`tests/unit/${f}.test.ts`, ROOT).pathname
      );
      const r = await deno(
        ["test", "--no-prompt", "--allow-net=127.0.0.1", ...files],
        new URL(".", ROOT).pathname,
      );
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.match(r.stdout, /ok \| \d+ passed/);
    });
  } finally {
    await allowed.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});

// README's per-runtime parts: the install commands, the first example (which
// must run unchanged on every runtime: no runtime-only option) and the Workers
// example type-check against this checkout; the publish workflow publishes
// with OIDC. (The test-kit examples run in their runtimes' test runners:
// tests/unit/readme.test.ts for Deno, scripts/cross-runtime.sh for Bun and
// Node; the first example runs against a FakeCloud in tests/unit/readme_first_example.test.ts; the
// [cors] settings are checked by tests/runtimes/browser.test.ts.)
import assert from "node:assert/strict";
import { load } from "js-yaml";
import { childEnv, denoArgs } from "./_helpers.ts";

const root = new URL("../../", import.meta.url);
const readme = await Deno.readTextFile(new URL("README.md", root));

/** The first ```ts block after `heading`. */
function firstTsBlock(heading: string): string {
  const section = readme.split(heading)[1] ?? "";
  const code = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
  assert.ok(code, `README has a ts example under ${heading}`);
  return code;
}

Deno.test("README: install commands for every runtime and package manager", () => {
  const install = readme.split("## Install")[1]?.split("\n## ")[0] ?? "";
  for (
    const command of [
      "deno add jsr:@x/osauth",
      "npx jsr add @x/osauth",
      "pnpm dlx jsr add @x/osauth",
      "yarn dlx jsr add @x/osauth",
      "bunx jsr add @x/osauth",
    ]
  ) {
    assert.ok(install.includes(`\`${command}\``), command);
  }
  assert.ok(readme.includes("https://jsr.io/@x/osauth/doc"), "a link to the API docs");
  assert.match(readme, /## Contents\n/);
});

Deno.test("README: the first example and the Workers example type-check", async () => {
  const first = firstTsBlock("## Using sessions");
  assert.match(first, /from "@x\/osauth"/);
  // Runs unchanged everywhere: no option that only some runtimes take.
  assert.doesNotMatch(first, /\b(verify|cert)\s*:/);
  const worker = firstTsBlock("## Cloudflare Workers");
  const dir = await Deno.makeTempDir({ prefix: "osauth-readme-runtimes-" });
  try {
    const files: string[] = [];
    for (const [name, code] of [["first.ts", first], ["worker.ts", worker]] as const) {
      const file = `${dir}/${name}`;
      await Deno.writeTextFile(
        file,
        code.replaceAll('"@x/osauth"', JSON.stringify(new URL("mod.ts", root).href)) +
          "\nexport {};\n",
      );
      files.push(file);
    }
    const out = await new Deno.Command(Deno.execPath(), {
      args: denoArgs(["check", "--quiet", ...files]),
      env: childEnv(),
      clearEnv: true,
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

interface Workflow {
  on: { push?: { tags?: string[] } };
  jobs: Record<string, {
    permissions?: Record<string, string>;
    steps: { run?: string; uses?: string }[];
  }>;
}

Deno.test("publish workflow: deno publish from GitHub Actions with OIDC (provenance)", async () => {
  const text = await Deno.readTextFile(new URL(".github/workflows/publish.yml", root));
  const workflow = load(text) as Workflow;
  assert.deepEqual(workflow.on.push?.tags, ["v*"]);
  const jobs = Object.values(workflow.jobs);
  const publishing = jobs.filter((job) =>
    job.steps.some((step) => /^deno publish\s*$/m.test(step.run ?? ""))
  );
  assert.equal(publishing.length, 1, "one job runs `deno publish` (no token)");
  const job = publishing[0]!;
  assert.equal(job.permissions?.["id-token"], "write");
  assert.ok(!/--token|JSR_TOKEN|secrets\./.test(text), "OIDC, not a token secret");
  const runs = job.steps.map((s) => s.run ?? "");
  const at = (pattern: RegExp) => runs.findIndex((r) => pattern.test(r));
  assert.ok(at(/deno task check/) >= 0 && at(/deno task check/) < at(/^deno publish\s*$/m));
  assert.ok(at(/GITHUB_REF_NAME/) >= 0, "the tag is checked against deno.json's version");
  assert.ok(at(/CHANGELOG\.md/) >= 0, "the version has a CHANGELOG section");
});

Deno.test("CHANGELOG: Keep a Changelog, with Unreleased and this version", async () => {
  const changelog = await Deno.readTextFile(new URL("CHANGELOG.md", root));
  const { version } = JSON.parse(await Deno.readTextFile(new URL("deno.json", root)));
  assert.match(changelog, /keepachangelog\.com/);
  assert.match(changelog, /^## \[Unreleased\]$/m);
  assert.match(
    changelog,
    new RegExp(`^## \\[${version.replaceAll(".", "\\.")}\\] - \\d{4}-\\d\\d-\\d\\d$`, "m"),
  );
});

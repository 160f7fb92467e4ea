/**
 * osauth on Cloudflare Workers: tests/runtimes/worker.ts (transpiled against
 * the built package by scripts/build-npm.mjs), bundled by esbuild as wrangler
 * bundles a Worker, runs on workerd (npm `workerd`) with and without
 * `nodejs_compat`, against a FakeCloud this test serves on 127.0.0.1. The
 * Worker's outbound network is loopback only.
 *
 * Needs `build/consumer/worker.js` and the esbuild and workerd binaries
 * (scripts/cross-runtime.sh builds and installs them into
 * `$OSAUTH_TOOLS/jsbuild`). Without them the test is skipped, unless
 * OSAUTH_REQUIRE_RUNTIMES=1 (CI) makes that a failure.
 *
 *   deno test --allow-all tests/runtimes/workerd.test.ts
 *
 * @module
 */
import assert from "node:assert/strict";
import { FakeCloud } from "../../src/testing/mod.ts";
import type { Outcome, Where } from "./scenario.ts";
import { freePort, jsbuildBin, missingPrerequisites, waitForPort } from "./_tools.ts";

const repo = new URL("../../", import.meta.url).pathname;
const workerJs = `${repo}build/consumer/worker.js`;
const esbuild = jsbuildBin("esbuild");
const workerd = jsbuildBin("workerd");
const missing = missingPrerequisites([workerJs, esbuild, workerd]);
const required = Deno.env.get("OSAUTH_REQUIRE_RUNTIMES") === "1";

async function bundle(outDir: string): Promise<string> {
  const out = `${outDir}/worker.js`;
  const result = await new Deno.Command(esbuild, {
    args: [
      workerJs,
      "--bundle",
      "--format=esm",
      "--platform=neutral",
      "--conditions=workerd,worker,browser",
      "--main-fields=module,main",
      "--external:node:*",
      `--outfile=${out}`,
      "--log-level=warning",
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.ok(result.success, new TextDecoder().decode(result.stderr));
  return out;
}

function config(port: number, nodejsCompat: boolean): string {
  return `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    (name = "main", worker = .worker),
    (name = "internet", network = (allow = ["local"])),
  ],
  sockets = [(name = "http", address = "127.0.0.1:${port}", http = (), service = "main")],
);
const worker :Workerd.Worker = (
  modules = [(name = "worker.js", esModule = embed "worker.js")],
  compatibilityDate = "2025-09-01",
  compatibilityFlags = [${nodejsCompat ? '"nodejs_compat"' : ""}],
);
`;
}

async function runWorker(dir: string, where: Where): Promise<Outcome[]> {
  const cloud = new FakeCloud();
  const server = await cloud.serve();
  cloud.inject({
    path: "/compute/v2.1/p-admin/old",
    status: 302,
    headers: { Location: `${server.url}/compute/v2.1/p-admin/new` },
    times: 10,
  });
  const port = freePort();
  const capnp = `${dir}/${where}.capnp`;
  await Deno.writeTextFile(capnp, config(port, where === "workerd-nodejs_compat"));
  const child = new Deno.Command(workerd, {
    args: ["serve", capnp],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const output = child.output();
  try {
    await waitForPort(port, 30_000, output);
    const params = new URLSearchParams({ authUrl: server.authUrl, where });
    const resp = await fetch(`http://127.0.0.1:${port}/?${params}`, {
      signal: AbortSignal.timeout(60_000),
    });
    const text = await resp.text();
    assert.equal(resp.status, 200, text);
    return JSON.parse(text);
  } finally {
    try {
      child.kill("SIGTERM");
    } catch { /* already gone */ }
    const done = await output;
    if (!done.success && done.signal !== "SIGTERM") {
      console.error(new TextDecoder().decode(done.stderr));
    }
    await server.close();
  }
}

const skip = required ? undefined : missing;
Deno.test({
  name: skip
    ? `Cloudflare Workers (workerd): SKIPPED (${skip}; run scripts/cross-runtime.sh first)`
    : "Cloudflare Workers (workerd): the built package against a FakeCloud",
  ignore: skip !== undefined,
  async fn(t) {
    if (missing) throw new Error(`OSAUTH_REQUIRE_RUNTIMES=1 but ${missing}`);
    const dir = await Deno.makeTempDir({ prefix: "osauth-workerd-" });
    try {
      await bundle(dir);
      for (const where of ["workerd", "workerd-nodejs_compat"] as const) {
        const outcomes = await runWorker(dir, where);
        assert.ok(outcomes.length >= 10, `${where}: ${outcomes.length} checks ran`);
        for (const o of outcomes) {
          await t.step(`${where}: ${o.name}`, () => {
            if (!o.ok) throw new Error(o.error);
          });
        }
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

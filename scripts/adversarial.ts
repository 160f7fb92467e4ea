/**
 * Runs the adversarial suite (every tests/adversarial/*.test.ts) and prints
 * its counts as plain lines; exits non-zero when any count is non-zero, a
 * test fails, or no count was printed at all.
 *
 *   deno task test:adversarial          (deno run --allow-run --allow-read --allow-env ...)
 *   OSAUTH_FUZZ_SEED=<n> deno task test:adversarial     rerun a seed
 *
 * Each test file prints `adversarial <area>: <count>=<n> ...` lines (the
 * proxy, fuzz and heap files of this directory; any other file that
 * follows the convention, such as exfiltration.test.ts, is summed the same
 * way). The proxy part needs the dev cloud (`scripts/openstack-dev.sh
 * start`); without it that part is skipped unless OSAUTH_REQUIRE_DEVCLOUD=1.
 * The whole run is bounded by OSAUTH_ADVERSARIAL_TIMEOUT seconds (default 900).
 *
 * @module
 */
const root = new URL("../", import.meta.url).pathname.replace(/\/$/, "");
const dir = `${root}/tests/adversarial`;
const files = [...Deno.readDirSync(dir)]
  .filter((e) => e.isFile && e.name.endsWith(".test.ts"))
  .map((e) => `tests/adversarial/${e.name}`)
  .sort();
const seed = Deno.env.get("OSAUTH_FUZZ_SEED") || String(Math.floor(Math.random() * 2 ** 31));
const timeoutS = Number(Deno.env.get("OSAUTH_ADVERSARIAL_TIMEOUT") ?? 900);
console.log(`adversarial suite: ${files.length} files (${files.join(", ")}), seed ${seed}`);
console.log(`(rerun this seed: OSAUTH_FUZZ_SEED=${seed} deno task test:adversarial)`);

const child = new Deno.Command(Deno.execPath(), {
  args: [
    "test",
    `--config=${root}/deno.json`,
    "--v8-flags=--expose-gc",
    "--allow-net=127.0.0.1,127.0.0.2,127.0.0.3,localhost,[::1]",
    "--allow-read",
    "--allow-write",
    "--allow-env",
    "--allow-run",
    ...files,
  ],
  cwd: root,
  env: { OSAUTH_FUZZ_SEED: seed, NO_COLOR: "1" },
  stdout: "piped",
  stderr: "inherit",
}).spawn();
const timer = setTimeout(() => {
  console.log(`adversarial suite: not finished after ${timeoutS} s: stopped`);
  child.kill("SIGKILL");
}, timeoutS * 1000);

// Pass the output through while keeping it for the counts.
let text = "";
const decoder = new TextDecoder();
for await (const chunk of child.stdout) {
  await Deno.stdout.write(chunk);
  text += decoder.decode(chunk, { stream: true });
}
const status = await child.status;
clearTimeout(timer);

const areas = new Map<string, Record<string, number>>();
for (const line of text.split("\n")) {
  const m = /^adversarial ([\w.-]+): ((?:[\w-]+=\d+\s*)+)$/.exec(line.trim());
  if (!m) continue;
  const counts: Record<string, number> = {};
  for (const pair of m[2]!.trim().split(/\s+/)) {
    const [k, v] = pair.split("=");
    counts[k!] = Number(v);
  }
  areas.set(m[1]!, counts);
}

// The counts the suite always reports (first, even when no area had them), then the others.
const totals: Record<string, number> = {
  leaks: 0,
  duplicates: 0,
  hangs: 0,
  untyped: 0,
  "heap-growth": 0,
};
for (const counts of areas.values()) {
  for (const [k, v] of Object.entries(counts)) totals[k] = (totals[k] ?? 0) + v;
}

console.log(`\n=== adversarial summary (seed ${seed})`);
for (const [area, counts] of areas) {
  console.log(
    `adversarial ${area}: ${Object.entries(counts).map(([k, v]) => `${k}=${v}`).join(" ")}`,
  );
}
if (!areas.has("proxy")) console.log("adversarial proxy: skipped (no dev cloud)");
if (!areas.has("exfiltration")) console.log("adversarial exfiltration: not in this tree");
for (const [k, v] of Object.entries(totals)) console.log(`${k}: ${v}`);
const nonZero = Object.entries(totals).filter(([, v]) => v !== 0).map(([k]) => k);
const problems: string[] = [];
if (!status.success) problems.push(`deno test exited with ${status.code}`);
if (areas.size === 0) problems.push("no count line was printed");
if (nonZero.length > 0) problems.push(`non-zero: ${nonZero.join(", ")}`);
console.log(problems.length ? `adversarial: FAILED (${problems.join("; ")})` : "adversarial: ok");
Deno.exit(problems.length ? 1 : 0);

// Seeded random differential: osauth's YAML parsing (js-yaml 5 with PyYAML's
// rules, src/clouds/yaml.ts) against PyYAML's safe_load (what openstacksdk reads
// clouds.yaml with), through scripts/yaml_differential.py. Every case must give
// the same data, or fail on both sides (osauth with a CloudConfigError).
// Rerun a failure with OSAUTH_DIFF_SEED=<seed>; OSAUTH_DIFF_CASES sets how many.
import assert from "node:assert/strict";
import { parseYaml } from "../../src/clouds/yaml.ts";
import { CloudConfigError } from "../../src/errors.ts";
import { diffCases, diffSeed, PYTHON, Rng, runPythonJson, skipReason } from "./_differential.ts";

/** Plain scalars PyYAML's YAML 1.1 resolvers read as something other than a string, and near misses. */
const TRICKY = [
  "yes",
  "Yes",
  "YES",
  "no",
  "No",
  "NO",
  "true",
  "True",
  "TRUE",
  "false",
  "False",
  "FALSE",
  "on",
  "On",
  "ON",
  "off",
  "Off",
  "OFF",
  "y",
  "n",
  "Y",
  "N",
  "yEs",
  "oN",
  "tRUE",
  "~",
  "null",
  "Null",
  "NULL",
  "nULL",
  "None",
  "0",
  "00",
  "0123",
  "089",
  "0o17",
  "0x1F",
  "0X1f",
  "0xg",
  "0b101",
  "0b102",
  "1_000",
  "1__0",
  "_1",
  "1:30",
  "1:30:05",
  "-1:30",
  "1:70",
  "0:30",
  "1:30.5",
  "-42",
  "+7",
  "+0",
  "-0",
  "3.0",
  "2.10",
  "1.0e+1",
  "1.0e1",
  "1e5",
  "1E5",
  "1.e5",
  ".5",
  "-.5",
  "+.5",
  "1.5e-7",
  "1_0.5",
  "1.",
  "0.",
  ".",
  "._",
  "-.",
  ".inf",
  "-.Inf",
  "+.INF",
  ".iNf",
  "inf",
  ".NaN",
  ".nan",
  "-.nan",
  "NaN",
  "12abc",
  "1-2",
  "1.2.3",
  "0.1.2",
  "9007199254740993",
  "<<",
  "=",
  "-",
  "+",
];
const WORDS = ["alpha", "dev", "project", "region one", "RegionOne", "v3password", "x-y", "a_b"];
const EXPLICIT = ["!!str", "!!int", "!!float", "!!bool", "!!null"];

/** A scalar: plain, quoted, with an explicit tag. `inFlow`: inside a flow collection. */
function scalar(rng: Rng, inFlow: boolean): string {
  const roll = rng.next();
  const text = rng.chance(0.75) ? rng.pick(TRICKY) : rng.pick(WORDS);
  // A lone - in a flow collection is D-yaml-flow-dash (pinned in clouds_yaml.test.ts): quoted here.
  const lone = inFlow && text === "-";
  if (roll < 0.55) return lone ? `'-'` : text;
  if (roll < 0.65) return `'${text.replaceAll("'", "''")}'`;
  if (roll < 0.75) return `"${text}"`;
  if (roll < 0.95) {
    const t = rng.pick(EXPLICIT);
    return `${t} ${rng.chance(0.3) || lone ? `"${text}"` : text}`;
  }
  return rng.chance(0.5) ? `"esc\\t\\u00e9\\x41"` : `!!binary aGVsbG8=`;
}

function key(rng: Rng, used: Set<string>): string {
  // Mostly words; sometimes a tricky scalar (PyYAML keeps its type, JavaScript keys are strings).
  let k = rng.chance(0.85) ? `${rng.pick(WORDS).replace(" ", "_")}${rng.int(0, 9)}` : rng.pick([
    "1",
    "2",
    "3.5",
    "x1",
  ]);
  if (used.has(k) && rng.chance(0.7)) k = `${k}_${used.size}`; // a repeated key now and then
  used.add(k);
  return k;
}

interface Gen {
  anchors: string[];
  mappingAnchors: string[];
  next: number;
}

/** A new anchor name; now and then one already defined (PyYAML refuses a duplicate anchor). */
function anchorName(rng: Rng, g: Gen): string {
  if (g.anchors.length > 0 && rng.chance(0.05)) return rng.pick(g.anchors);
  return `a${g.next++}`;
}

/** A flow collection or scalar, `depth` levels at most. */
function flow(rng: Rng, depth: number, g: Gen, inFlow = false): string {
  if (depth <= 0 || rng.chance(0.5)) return scalar(rng, inFlow);
  if (rng.chance(0.5)) {
    const items = Array.from({ length: rng.int(0, 3) }, () => flow(rng, depth - 1, g, true));
    return `[${items.join(", ")}]`;
  }
  const used = new Set<string>();
  const items = Array.from(
    { length: rng.int(0, 3) },
    () => `${key(rng, used)}: ${flow(rng, depth - 1, g, true)}`,
  );
  return `{${items.join(", ")}}`;
}

/** A block mapping at `indent`, nested `depth` levels at most. */
function block(rng: Rng, indent: number, depth: number, g: Gen): string[] {
  const pad = " ".repeat(indent);
  const lines: string[] = [];
  const used = new Set<string>();
  const n = rng.int(1, 4);
  for (let i = 0; i < n; i++) {
    const k = key(rng, used);
    const roll = rng.next();
    // One << per mapping: two are D-yaml-merge-twice (pinned in clouds_yaml.test.ts).
    if (roll < 0.08 && g.mappingAnchors.length > 0 && !used.has("<<")) {
      used.add("<<");
      const merged = rng.sample(g.mappingAnchors, rng.int(1, Math.min(2, g.mappingAnchors.length)));
      lines.push(
        `${pad}<<: ${
          merged.length === 1 ? `*${merged[0]}` : `[${merged.map((a) => `*${a}`).join(", ")}]`
        }`,
      );
    } else if (roll < 0.14 && g.anchors.length > 0) {
      lines.push(`${pad}${k}: *${rng.pick(g.anchors)}`);
    } else if (roll < 0.4 && depth > 0) {
      const anchor = rng.chance(0.3) ? anchorName(rng, g) : undefined;
      lines.push(`${pad}${k}:${anchor ? ` &${anchor}` : ""}`);
      lines.push(...block(rng, indent + 2, depth - 1, g));
      if (anchor) {
        g.anchors.push(anchor);
        g.mappingAnchors.push(anchor);
      }
    } else if (roll < 0.5 && depth > 0) {
      lines.push(`${pad}${k}:`);
      for (let j = rng.int(1, 3); j > 0; j--) lines.push(`${pad}  - ${flow(rng, 1, g)}`);
    } else if (roll < 0.55) {
      const style = rng.pick(["|", ">", "|-", ">+", "|2"]);
      lines.push(`${pad}${k}: ${style}`);
      for (let j = rng.int(1, 2); j > 0; j--) {
        lines.push(`${pad}  ${rng.pick(WORDS)} ${scalar(rng, false)}`);
      }
    } else {
      const anchor = rng.chance(0.1) ? anchorName(rng, g) : undefined;
      lines.push(`${pad}${k}: ${anchor ? `&${anchor} ` : ""}${flow(rng, 2, g)}`);
      if (anchor) g.anchors.push(anchor);
      if (rng.chance(0.1)) lines.push(`${pad}# a comment: ${scalar(rng, false)}`);
    }
  }
  return lines;
}

function document(rng: Rng): string {
  const roll = rng.next();
  if (roll < 0.03) return rng.pick(["", "# only a comment\n", "---\n", "a: 1\n---\nb: 2\n"]);
  const g: Gen = { anchors: [], mappingAnchors: [], next: 0 };
  const lines = block(rng, 0, 3, g);
  if (roll < 0.08) lines.unshift("---");
  return lines.join("\n") + "\n";
}

/** osauth's parse in the JSON form scripts/yaml_differential.py gives PyYAML's. */
function encode(value: unknown): unknown {
  if (
    typeof value === "bigint" ||
    (typeof value === "number" && !Number.isSafeInteger(value) && Number.isInteger(value))
  ) {
    return { $int: String(value) };
  }
  if (value instanceof Uint8Array) {
    return { $bytes: [...value].map((b) => b.toString(16).padStart(2, "0")).join("") };
  }
  if (Array.isArray(value)) return value.map(encode);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, encode(v)]));
  }
  return value;
}

async function pyyamlMissing(): Promise<string | undefined> {
  try {
    const out = await new Deno.Command(PYTHON, {
      args: ["-c", "import yaml"],
      stdout: "null",
      stderr: "null",
    }).output();
    return out.success ? undefined : "python3-yaml is not installed";
  } catch {
    return `${PYTHON} is not available`;
  }
}

const missing = await pyyamlMissing();
const skip = skipReason(missing);

Deno.test({
  name: skip
    ? `YAML differential vs PyYAML safe_load: SKIPPED (${skip}; apt-get install python3-yaml)`
    : "YAML differential vs PyYAML safe_load: seeded random clouds.yaml-like documents parse alike",
  ignore: skip !== undefined,
  async fn() {
    if (missing) throw new Error(`OSAUTH_REQUIRE_PYTHON=1 but ${missing}`);
    const seed = diffSeed();
    const rng = new Rng(seed);
    const cases = Array.from({ length: diffCases(400) }, (_, i) => ({
      id: `c${i}`,
      text: document(rng),
    }));
    const report = await runPythonJson("yaml_differential.py", cases) as {
      pyyaml: string;
      results: { id: string; ok: boolean; value?: unknown; error?: string }[];
    };
    const mismatches: string[] = [];
    let failedAlike = 0;
    for (const [i, c] of cases.entries()) {
      const py = report.results[i]!;
      let ours: unknown;
      let error: unknown;
      try {
        ours = encode(await parseYaml(c.text, "t.yaml"));
      } catch (err) {
        error = err;
      }
      const show = `${c.id} ${JSON.stringify(c.text)}`;
      if (!py.ok) {
        if (error === undefined) {
          mismatches.push(
            `${show}: PyYAML fails (${py.error}), osauth gives ${JSON.stringify(ours)}`,
          );
        } else if (!(error instanceof CloudConfigError)) {
          mismatches.push(`${show}: osauth threw ${String(error)}, not a CloudConfigError`);
        } else failedAlike++;
        continue;
      }
      if (error !== undefined) {
        mismatches.push(
          `${show}: PyYAML gives ${JSON.stringify(py.value)}, osauth throws ${error}`,
        );
        continue;
      }
      try {
        // integers beyond 2^53 too, digit for digit (bigints)
        assert.deepStrictEqual(ours, py.value);
      } catch {
        mismatches.push(
          `${show}: PyYAML ${JSON.stringify(py.value)}, osauth ${JSON.stringify(ours)}`,
        );
      }
    }
    assert.deepEqual(
      mismatches.slice(0, 10),
      [],
      `seed ${seed} (OSAUTH_DIFF_SEED=${seed} reruns it), PyYAML ${report.pyyaml}: ` +
        `${mismatches.length} of ${cases.length} cases differ`,
    );
    // The generator must reach PyYAML's failures too (explicit tags on the wrong text).
    assert.ok(failedAlike > 0, `seed ${seed}: no case failed on both sides`);
  },
});

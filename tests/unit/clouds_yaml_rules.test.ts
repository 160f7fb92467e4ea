// PyYAML's safe_load rules on top of js-yaml 5 (src/clouds/yaml.ts), each
// checked against PyYAML itself where python3-yaml is installed, and the
// deliberate differences of docs/DIFFERENCES.md (D-yaml-*) pinned.
import assert from "node:assert/strict";
import { parseYaml } from "../../src/clouds/yaml.ts";
import { CloudConfigError } from "../../src/errors.ts";
import { PYTHON, runPythonJson } from "./_differential.ts";

async function pyyaml(texts: string[]): Promise<{ ok: boolean; value?: unknown }[] | undefined> {
  try {
    await Deno.stat(PYTHON);
  } catch {
    return undefined;
  }
  const report = await runPythonJson(
    "yaml_differential.py",
    texts.map((text, i) => ({ id: `r${i}`, text })),
  ).catch(() => undefined) as { results: { ok: boolean; value?: unknown }[] } | undefined;
  return report?.results;
}

async function parses(text: string): Promise<unknown> {
  return await parseYaml(text, "rules.yaml");
}

async function refused(text: string, message: RegExp): Promise<void> {
  await assert.rejects(parses(text), (err: unknown) => {
    assert.ok(err instanceof CloudConfigError, String(err));
    assert.match(err.message, message);
    return true;
  });
}

Deno.test("safe_load rules: streams, explicit tags, anchors, = and <<, as PyYAML", async (t) => {
  const cases: [string, unknown][] = [
    ["", null],
    ["# only a comment\n", null],
    ["---\n", null],
    ["a: 1\n...\n", { a: 1 }],
    ["a: !!int '0o17'\nb: !!int \"0x1F\"\nc: !!int 1_000\nd: !!int '-1:30'", {
      a: 15,
      b: 31,
      c: 1000,
      d: -90,
    }],
    ["a: !!float 1\nb: !!float '1e5'\nc: !!float infinity\nd: !!float '-inf'\ne: !!float NaN", {
      a: "1.0",
      b: "100000.0",
      c: "inf",
      d: "-inf",
      e: "nan",
    }],
    ["a: !!bool yEs\nb: !!bool 'OFF'", { a: true, b: false }],
    ["a: !!null anything\nb: !!null ''", { a: null, b: null }],
    ["a: !!str 012\nb: !!str yes", { a: "012", b: "yes" }],
    ["a: !!set {x, y}", { a: { x: null, y: null } }],
    ["a: !!pairs [{x: 1}, {x: 2}]", { a: [["x", 1], ["x", 2]] }],
    ["a: &x 1\nb: [*x, *x]", { a: 1, b: [1, 1] }],
    ["a: '='\nb: \"<<\"\n<<: {c: 1}", { a: "=", b: "<<", c: 1 }],
  ];
  const refusals: [string, RegExp][] = [
    ["a: 1\n---\nb: 2\n", /expected a single document in the stream, but found 2/],
    ["a: &x 1\nb: &x 2\n", /at line 2, column 4: found duplicate anchor/],
    ["a: =\n", /at line 1, column 4: could not determine a constructor .*value/],
    ["a: [1, <<]\n", /at line 1, column 8: could not determine a constructor .*merge/],
    ["a: !!int 1.5\n", /invalid YAML in rules\.yaml at line 1/],
    ["a: !!bool maybe\n", /invalid YAML in rules\.yaml at line 1/],
    ["a: !!float 1.2.3\n", /invalid YAML in rules\.yaml at line 1/],
    ["a: !!python/object:os.system x\n", /unknown scalar tag/],
  ];
  for (const [text, expected] of cases) {
    await t.step(JSON.stringify(text), async () => assert.deepEqual(await parses(text), expected));
  }
  for (const [text, message] of refusals) {
    await t.step(`${JSON.stringify(text)} refused`, () => refused(text, message));
  }
  const py = await pyyaml([...cases.map(([text]) => text), ...refusals.map(([text]) => text)]);
  if (py) {
    await t.step("PyYAML agrees on every case", () => {
      cases.forEach(([text, expected], i) => {
        assert.equal(py[i]!.ok, true, text);
        assert.deepEqual(py[i]!.value, expected, text);
      });
      refusals.forEach(([text], i) => assert.equal(py[cases.length + i]!.ok, false, text));
    });
  }
});

Deno.test("D-yaml-* differences from PyYAML are as documented", async (t) => {
  await t.step("D-yaml-timestamps: a timestamp stays its text", async () => {
    assert.deepEqual(await parses("a: 2001-12-14\nb: 2001-12-14 21:59:43.10 -5\n"), {
      a: "2001-12-14",
      b: "2001-12-14 21:59:43.10 -5",
    });
  });
  await t.step(
    "D-yaml-flow-dash: a lone - in a flow collection is refused (quote it)",
    async () => {
      await refused("a: [x, -]\n", /missed comma between flow collection entries/);
      assert.deepEqual(await parses("a: [x, '-']\n"), { a: ["x", "-"] });
    },
  );
  await t.step("D-yaml-merge-twice: of two << keys in one mapping the first wins", async () => {
    const text = "x: &x {k: 1}\ny: &y {k: 2}\nb:\n  <<: *x\n  <<: *y\n";
    assert.deepEqual((await parses(text) as Record<string, unknown>).b, { k: 1 });
    assert.deepEqual(
      (await parses("x: &x {k: 1}\ny: &y {k: 2}\nb:\n  <<: [*x, *y]\n") as Record<string, unknown>)
        .b,
      { k: 1 },
      "one << with a list: the first mapping wins, as in PyYAML",
    );
  });
  await t.step("D-yaml-limits: 100 levels of nesting at most", async () => {
    assert.ok(await parses("[".repeat(99) + "]".repeat(99)));
    await refused("[".repeat(101) + "]".repeat(101), /nesting exceeded maxDepth \(100\)/);
  });
  await t.step("integers beyond 2^53 keep every digit (a bigint), as PyYAML's ints", async () => {
    assert.deepEqual(await parses("a: 9007199254740993\n"), { a: 9007199254740993n });
  });
});

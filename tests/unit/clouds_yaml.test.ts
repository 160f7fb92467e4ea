// YAML as PyYAML's safe_load reads it, and the Python semantics openstacksdk
// applies to the parsed values.
import assert from "node:assert/strict";
import { parseYaml } from "../../src/clouds/yaml.ts";
import { parseJson } from "../../src/clouds/files.ts";
import { FormatKeyError, pyFloatRepr, pyFormat, pyStr, pyTruthy } from "../../src/clouds/pystr.ts";
import { authUpdate, mergeClouds, normalizeKeys } from "../../src/clouds/merge.ts";
import { isSecretKey, redact } from "../../src/clouds/cloud_config.ts";
import { CloudConfigError } from "../../src/errors.ts";

Deno.test("YAML 1.1 booleans: yes/no/on/off/true/false in any PyYAML casing; quoted ones stay strings", async () => {
  const doc = await parseYaml(
    "a: yes\nb: No\nc: ON\nd: off\ne: True\nf: FALSE\ng: 'yes'\nh: \"off\"\ni: y\nj: n\nk: yEs\n",
    "t.yaml",
  );
  assert.deepEqual(doc, {
    a: true,
    b: false,
    c: true,
    d: false,
    e: true,
    f: false,
    g: "yes",
    h: "off",
    i: "y",
    j: "n",
    k: "yEs",
  });
});

Deno.test("YAML 1.1 numbers: octal, hex, binary, underscores, sexagesimal; floats need a dot", async () => {
  const doc = await parseYaml(
    [
      "oct: 0123",
      "notoct: 089",
      "hex: 0x1F",
      "bin: 0b101",
      "under: 1_000",
      "sexa: 1:30",
      "neg: -42",
      "f1: 3.0",
      "f2: 2.10",
      "f3: 1.0e+1",
      "f4: 1e5",
      "f5: .5",
      "f6: 1.5e-7",
      "f7: .inf",
      "f8: -.Inf",
      "f9: .NaN",
      "f10: 1:30.5",
      "n1: ~",
      "n2: null",
      "n3:",
      "s: 12abc",
    ].join("\n"),
    "t.yaml",
  );
  assert.deepEqual(doc, {
    oct: 83,
    notoct: "089",
    hex: 31,
    bin: 5,
    under: 1000,
    sexa: 90,
    neg: -42,
    f1: "3.0",
    f2: "2.1",
    f3: "10.0",
    f4: "1e5",
    f5: "0.5",
    f6: "1.5e-07",
    f7: "inf",
    f8: "-inf",
    f9: "nan",
    f10: "90.5",
    n1: null,
    n2: null,
    n3: null,
    s: "12abc",
  });
});

Deno.test("YAML merge keys and repeated keys (the last wins, as in PyYAML)", async () => {
  const doc = await parseYaml(
    "base: &b {x: 1, y: 2}\nmore: &m {z: 3}\nc:\n  <<: [*b, *m]\n  y: 20\nd: 1\nd: 2\n",
    "t.yaml",
  );
  assert.deepEqual(doc, { base: { x: 1, y: 2 }, more: { z: 3 }, c: { x: 1, y: 20, z: 3 }, d: 2 });
});

Deno.test("YAML errors: CloudConfigError with the file and 1-based line, never the text", async () => {
  await assert.rejects(
    parseYaml("a: 1\nb:\n  - c\n  d: hunter2\n", "/etc/openstack/clouds.yaml"),
    (err: unknown) => {
      assert.ok(err instanceof CloudConfigError);
      assert.match(
        err.message,
        /^invalid YAML in \/etc\/openstack\/clouds\.yaml at line 4, column \d+: /,
      );
      assert.doesNotMatch(err.message, /hunter2/);
      return true;
    },
  );
});

Deno.test("JSON: floats stay floats as in Python's json module; errors give the position only", () => {
  assert.deepEqual(parseJson('{"a": 3.0, "b": 3, "c": 1e2, "d": "x"}', "c.json"), {
    a: "3.0",
    b: 3,
    c: "100.0",
    d: "x",
  });
  assert.throws(() => parseJson('{\n "password": "hunter2",\n}', "c.json"), (err: unknown) => {
    assert.ok(err instanceof CloudConfigError);
    assert.match(err.message, /^invalid JSON in c\.json at line 3/);
    assert.doesNotMatch(err.message, /hunter2/);
    return true;
  });
});

Deno.test("Python semantics: str(), truthiness, float repr and str.format", () => {
  assert.equal(pyStr(true), "True");
  assert.equal(pyStr(null), "None");
  assert.equal(pyStr(12), "12");
  assert.equal(pyStr(0.5), "0.5");
  assert.equal(pyStr(["a", 1]), "['a', 1]");
  assert.equal(pyStr({ a: "b" }), "{'a': 'b'}");
  assert.equal(pyFloatRepr(1e16), "1e+16");
  assert.equal(pyFloatRepr(123456789.0), "123456789.0");
  assert.equal(pyFloatRepr(0.0001), "0.0001");
  assert.equal(pyFloatRepr(0.00001), "1e-05");
  assert.equal(pyFloatRepr(-0), "-0.0");
  assert.equal(pyTruthy(""), false);
  assert.equal(pyTruthy([]), false);
  assert.equal(pyTruthy({}), false);
  assert.equal(pyTruthy("0"), true);
  assert.equal(
    pyFormat("https://{region_name}.x/{{v3}}", { region_name: "r1" }),
    "https://r1.x/{v3}",
  );
  assert.equal(pyFormat("{n:>5}", { n: "a" }), "a");
  assert.throws(() => pyFormat("{missing}", {}), FormatKeyError);
  assert.throws(() => pyFormat("a}b", {}), /Single '}'/);
  assert.throws(() => pyFormat("a{b", {}), /Single '{'/);
});

Deno.test("openstacksdk's dict helpers: normalize_keys, merge_clouds, _auth_update", () => {
  assert.deepEqual(
    normalizeKeys({
      "a-b": 1,
      api_timeout: 5,
      verbose_level: 2,
      n: { "c-d": 2.5 },
      l: [{ "x-y": 1 }],
    }),
    { a_b: "1", api_timeout: 5, verbose_level: 2, n: { c_d: "2.5" }, l: [{ "x-y": 1 }] },
  );
  assert.deepEqual(
    mergeClouds({ clouds: { a: { auth: { u: 1, p: 2 } } } }, {
      clouds: { a: { auth: { p: 3 } }, b: {} },
    }),
    { clouds: { a: { auth: { u: 1, p: 3 } }, b: {} } },
  );
  const target = { auth: { u: 1 }, x: { deep: 1 } };
  const source = { auth: { p: 2 }, x: { other: 2 } };
  assert.deepEqual(authUpdate(target, source), { auth: { u: 1, p: 2 }, x: { other: 2 } });
  source.x.other = 3; // copies, not shares
  assert.deepEqual(target.x, { other: 2 });
});

Deno.test("secret keys are redacted, names and URLs are not", () => {
  for (
    const k of [
      "password",
      "token",
      "auth_token",
      "application_credential_secret",
      "passcode",
      "secret",
    ]
  ) {
    assert.ok(isSecretKey(k), k);
  }
  for (
    const k of [
      "username",
      "auth_url",
      "application_credential_id",
      "token_endpoint",
      "auth_type",
      "key",
    ]
  ) {
    assert.ok(!isSecretKey(k), k);
  }
  assert.deepEqual(redact({ auth: { password: "p", username: "u", token: "" } }), {
    auth: { password: "***", username: "u", token: "" },
  });
});

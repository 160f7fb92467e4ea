import assert from "node:assert/strict";
import { OptionError } from "../../mod.ts";
import {
  compareVersions,
  LATEST,
  normalizeVersionBounds,
  parseVersion,
  tryParseVersion,
  versionBetween,
  versionFromUrl,
  versionMatch,
  versionToString,
} from "../../src/discovery/mod.ts";
import {
  describeBounds,
  impliedVersion,
  isLatest,
  latestSoftMatch,
} from "../../src/discovery/version.ts";

Deno.test("parseVersion: every accepted form", async (t) => {
  await t.step("strings", () => {
    assert.deepEqual(parseVersion("2"), [2, 0]);
    assert.deepEqual(parseVersion("v2"), [2, 0]);
    assert.deepEqual(parseVersion("v2.1"), [2, 1]);
    assert.deepEqual(parseVersion("2.10"), [2, 10]);
    assert.deepEqual(parseVersion("1.20.3"), [1, 20, 3]);
    assert.deepEqual(parseVersion("v3.14"), [3, 14]);
    assert.deepEqual(parseVersion(" 1.0 "), [1, 0]);
  });
  await t.step("latest", () => {
    assert.deepEqual(parseVersion("latest"), [LATEST, LATEST]);
    assert.deepEqual(parseVersion("vlatest"), [LATEST, LATEST]);
    assert.deepEqual(parseVersion("2.latest"), [2, LATEST]);
    assert.deepEqual(parseVersion(["2", "latest"]), [2, LATEST]);
    assert.deepEqual(parseVersion(LATEST), [LATEST, LATEST]);
  });
  await t.step("numbers and lists", () => {
    assert.deepEqual(parseVersion(3), [3, 0]);
    assert.deepEqual(parseVersion(2.1), [2, 1]);
    assert.deepEqual(parseVersion([2, 1]), [2, 1]);
    assert.deepEqual(parseVersion([1]), [1, 0]);
    assert.deepEqual(parseVersion(["1", "20", "3"]), [1, 20, 3]);
  });
  await t.step("bad input throws OptionError naming the value", () => {
    for (const bad of ["", "v", "abc", "2.x", "1..2", "-1", "2.-1"]) {
      assert.throws(() => parseVersion(bad), (e: unknown) => {
        assert.ok(e instanceof OptionError, String(e));
        assert.match((e as Error).message, /invalid version/);
        return true;
      });
    }
    assert.throws(() => parseVersion(-1), OptionError);
    assert.throws(() => parseVersion(NaN), OptionError);
    assert.throws(() => parseVersion([]), OptionError);
    assert.throws(() => parseVersion({} as never), OptionError);
    assert.equal(tryParseVersion(null), undefined);
    assert.equal(tryParseVersion([true] as never), undefined);
  });
});

Deno.test("versionToString, compareVersions, between, match", () => {
  assert.equal(versionToString([2, 1]), "2.1");
  assert.equal(versionToString([LATEST, LATEST]), "latest");
  assert.equal(versionToString([2, LATEST]), "2.latest");
  assert.ok(isLatest([LATEST, LATEST]));
  assert.ok(!isLatest([2, LATEST]));
  assert.ok(compareVersions([2, 10], [2, 9]) > 0);
  assert.ok(compareVersions([2, 9], [2, 10]) < 0);
  assert.equal(compareVersions([2, 1], [2, 1]), 0);
  assert.ok(compareVersions([1, 0], [1, 0, 0]) < 0);
  assert.ok(compareVersions([2, LATEST], [2, 95]) > 0);
  assert.ok(versionBetween([1, 0], [1, 39], [1, 10]));
  assert.ok(versionBetween(undefined, undefined, [9, 9]));
  assert.ok(!versionBetween([2, 0], undefined, [1, 10]));
  assert.ok(!versionBetween(undefined, [1, 5], [1, 10]));
  assert.ok(versionMatch([3, 1], [3, 3]));
  assert.ok(!versionMatch([3, 1], [4, 1]));
  assert.ok(!versionMatch([3, 4], [3, 3]));
  assert.ok(latestSoftMatch([LATEST, LATEST], [1, 0]));
  assert.ok(latestSoftMatch([2, LATEST], [2, 5]));
  assert.ok(!latestSoftMatch([2, LATEST], [3, 0]));
  assert.ok(!latestSoftMatch([2, 1], [2, 1]));
  assert.ok(!latestSoftMatch(undefined, [2, 1]));
});

Deno.test("versionFromUrl reads v-prefixed segments only", () => {
  assert.deepEqual(versionFromUrl("http://127.0.0.1:8774/v2.1/123456"), [2, 1]);
  assert.deepEqual(versionFromUrl("http://127.0.0.1/volume/v3/abc/"), [3, 0]);
  assert.equal(versionFromUrl("http://127.0.0.1:8778/placement"), undefined);
  assert.equal(versionFromUrl("http://127.0.0.1/12345"), undefined);
  assert.equal(versionFromUrl("not a url"), undefined);
  assert.equal(versionFromUrl(undefined), undefined);
});

Deno.test("normalizeVersionBounds follows keystoneauth1", async (t) => {
  await t.step("version means major with any higher minor", () => {
    const b = normalizeVersionBounds({ version: "2" });
    assert.deepEqual(b.min, [2, 0]);
    assert.deepEqual(b.max, [2, LATEST]);
    assert.equal(describeBounds(b), "between 2.0 and 2.latest");
  });
  await t.step("minVersion alone goes up to latest", () => {
    const b = normalizeVersionBounds({ minVersion: "2.1" });
    assert.deepEqual(b.max, [LATEST, LATEST]);
    assert.equal(describeBounds(b), "between 2.1 and latest");
  });
  await t.step("latest", () => {
    const b = normalizeVersionBounds({ minVersion: "latest" });
    assert.deepEqual(b.min, [LATEST, LATEST]);
    assert.deepEqual(b.max, [LATEST, LATEST]);
    assert.equal(describeBounds(b), "latest");
    assert.deepEqual(normalizeVersionBounds({ version: "latest" }).min, [LATEST, LATEST]);
    assert.deepEqual(normalizeVersionBounds({ minVersion: "latest", maxVersion: "latest" }).max, [
      LATEST,
      LATEST,
    ]);
  });
  await t.step("maxVersion alone and nothing", () => {
    const b = normalizeVersionBounds({ maxVersion: "2.5" });
    assert.equal(b.min, undefined);
    assert.equal(describeBounds(b), "<= 2.5");
    assert.equal(describeBounds(normalizeVersionBounds({})), "any");
    assert.equal(describeBounds({ min: [2, 0], max: undefined }), ">= 2.0");
    assert.deepEqual(normalizeVersionBounds({ version: "" }), { min: undefined, max: undefined });
  });
  await t.step("contradictions are OptionErrors", () => {
    assert.throws(
      () => normalizeVersionBounds({ version: "2", minVersion: "2.1" }),
      /mutually exclusive/,
    );
    assert.throws(() => normalizeVersionBounds({ minVersion: "3", maxVersion: "2" }), OptionError);
    assert.throws(
      () => normalizeVersionBounds({ minVersion: "latest", maxVersion: "2" }),
      /may only be "latest"/,
    );
    assert.throws(() => normalizeVersionBounds({ version: "two" }), OptionError);
  });
  await t.step("versioned service type aliases imply their major version", () => {
    assert.deepEqual(impliedVersion("volumev3"), [3, 0]);
    assert.equal(impliedVersion("block-storage"), undefined);
    assert.equal(impliedVersion("myservicev2"), undefined, "unknown types imply nothing");
    const b = normalizeVersionBounds({}, "volumev3");
    assert.deepEqual(b.min, [3, 0]);
    assert.deepEqual(b.max, [3, LATEST]);
    assert.deepEqual(normalizeVersionBounds({ minVersion: "latest" }, "volumev3"), {
      min: [3, LATEST],
      max: [3, LATEST],
    });
    assert.deepEqual(normalizeVersionBounds({ version: "latest" }, "volumev3").min, [3, LATEST]);
    assert.deepEqual(normalizeVersionBounds({ version: "3.5" }, "volumev3").min, [3, 5]);
    assert.throws(() => normalizeVersionBounds({ version: "2" }, "volumev3"), /implies major/);
    assert.throws(() => normalizeVersionBounds({ minVersion: "2" }, "volumev3"), /implies major/);
    assert.throws(
      () => normalizeVersionBounds({ minVersion: "3", maxVersion: "4" }, "volumev3"),
      /implies major/,
    );
  });
});

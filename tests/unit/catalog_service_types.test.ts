/**
 * The service-type table against os-service-types 1.7 itself (the registry
 * keystoneauth1 5.0 uses): the generated data file is what the installed
 * package holds, and isKnownServiceType / officialServiceType /
 * allServiceTypes / serviceTypeMatches answer as its is_known /
 * get_service_type / get_all_types / is_match do, for every registered name,
 * its `_` spelling, unknown names and names of Object.prototype.
 */
import assert from "node:assert/strict";
import { fileURLToPath as fromFileUrl } from "node:url";
import { OptionError } from "../../mod.ts";
import {
  allServiceTypes,
  isKnownServiceType,
  officialServiceType,
  serviceTypeMatches,
} from "../../src/catalog/service_types.ts";
import { ALL_TYPES_BY_SERVICE_TYPE } from "../../src/catalog/service_types_data.ts";
import { keystoneauthTest, PYTHON, runPythonJson } from "./_differential.ts";

const registered = ALL_TYPES_BY_SERVICE_TYPE.flat();
const NAMES = [
  ...registered,
  ...registered.filter((n) => n.includes("-")).map((n) => n.replaceAll("-", "_")),
  "block_storage",
  "Block-Storage",
  "volumev4",
  "my-service",
  "my_service",
  "constructor",
  "toString",
  "hasOwnProperty",
  "__proto__",
  "valueOf",
];

interface PyTypes {
  known: Record<string, boolean>;
  official: Record<string, string | null>;
  all: Record<string, string[]>;
  match: Record<string, string[]>;
  data: Record<string, string[]>;
}

Deno.test("service types: prototype names are unknown types, bad input an OptionError", () => {
  for (const name of ["constructor", "toString", "__proto__", "hasOwnProperty"]) {
    assert.equal(isKnownServiceType(name), false);
    assert.equal(officialServiceType(name), name);
    assert.deepEqual(allServiceTypes(name), [name.replaceAll("_", "-")]);
    assert.equal(serviceTypeMatches(name, name), true);
    assert.equal(serviceTypeMatches(name, "compute"), false);
  }
  for (const bad of [null, undefined, 3, ["compute"]]) {
    assert.throws(() => officialServiceType(bad as never), OptionError);
    assert.throws(() => allServiceTypes(bad as never), OptionError);
    assert.throws(() => isKnownServiceType(bad as never), OptionError);
    assert.throws(() => serviceTypeMatches(bad as never, "compute"), OptionError);
    assert.throws(() => serviceTypeMatches("compute", bad as never), OptionError);
  }
});

await keystoneauthTest(
  "service types vs os-service-types: same table, same answers for every name",
  async () => {
    const py = await runPythonJson("catalog_differential.py", { service_types: NAMES }) as PyTypes;
    assert.deepEqual(
      Object.fromEntries(ALL_TYPES_BY_SERVICE_TYPE.map((names) => [names[0], names])),
      py.data,
      "src/catalog/service_types_data.ts is stale: run scripts/gen_service_types.py",
    );
    for (const name of NAMES) {
      assert.equal(isKnownServiceType(name), py.known[name], `is_known(${name})`);
      assert.equal(officialServiceType(name), py.official[name] ?? name, `official(${name})`);
      assert.deepEqual(allServiceTypes(name), py.all[name], `get_all_types(${name})`);
      const matches = NAMES.filter((found) => serviceTypeMatches(name, found));
      assert.deepEqual(matches, py.match[name], `is_match(${name}, *)`);
    }
    // The generator agrees that the file is current (the same check, byte for byte).
    const script = fromFileUrl(new URL("../../scripts/gen_service_types.py", import.meta.url));
    const out = await new Deno.Command(PYTHON, { args: [script, "--check"], stderr: "piped" })
      .output();
    assert.ok(out.success, new TextDecoder().decode(out.stderr));
  },
);

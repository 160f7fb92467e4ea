/**
 * Seeded random differential of the auth type registry against keystoneauth1
 * 5.0: for each keystoneauth1 plugin name, random loader options (auth URL
 * forms with and without `/v3` or `/v2.0`, trailing slashes, version
 * documents listing v3, v2.0, both or none), then
 * `loading.get_plugin_loader(name).load_from_options(**opts)` + get_auth_ref
 * on python's side and `loadAuthPlugin(name, opts)` + `getAccess` on ours,
 * both against the same recording server: the requests sent (method, path,
 * Accept/Content-Type, JSON body) must be the same, and so must the outcome
 * (refused when loading, failed when authenticating, or authenticated).
 * OSAUTH_DIFF_SEED=<seed> reruns a failure; OSAUTH_DIFF_CASES the count.
 */
import assert from "node:assert/strict";
import { loadAuthPlugin, OptionError, OsAuthError, Session } from "../../mod.ts";
import { AUTH_TYPES } from "../../src/clouds/mod.ts";
import { getAuthTypeLoader, loaderOptions, type LoadOptions } from "../../src/loading/registry.ts";
import { diffCases, diffSeed, keystoneauthTest, Rng } from "./_differential.ts";
import { type Recorder, startRecorder } from "./_recorder.ts";
import { authenticate, compareOutcomes, type Outcome, pythonOutcomes } from "./_request_diff.ts";
import { strictRefusal } from "./_auth_differences.ts";

const NAMES = [
  "password",
  "token",
  "v2password",
  "v2token",
  "v3password",
  "v3token",
  "v3applicationcredential",
  "v3totp",
  "v3multifactor",
  "admin_token",
  "none",
  "http_basic",
] as const;
const KINDS = ["k-both", "k-v3", "k-v2", "k-none"] as const;
const SUFFIXES = [
  "",
  "/",
  "/v3",
  "/v3/",
  "/v2.0",
  "/v2.0/",
  "/identity",
  "/identity/",
  "/identity/v3",
  "/identity/v3//",
  "/v3.0",
  "/prefixv3",
  "/V3",
  "/v2.0/v3",
  "/identity/v3.14",
  "/v3/?a=b",
];
const METHODS = ["v3password", "v3totp", "v3token", "v3applicationcredential"];

export interface LoaderCase {
  id: number;
  kind: "loader";
  name: string;
  options: Record<string, unknown>;
}

/** A random value for an option. */
function value(rng: Rng, name: string): unknown {
  if (name === "system_scope") return rng.chance(0.8) ? "all" : "domain";
  if (name === "auth_methods") {
    // a list: keystoneauth1's loader iterates a string's characters (openstacksdk
    // splits a clouds.yaml string at commas first; loadAuthPlugin does too)
    return rng.sample(METHODS, rng.int(1, 3));
  }
  if (name === "endpoint") return `http://127.0.0.1:9/ep${rng.int(0, 9)}`;
  const word = rng.pick(["a", "demo", "Default", "default", "proj-ü", "x y", "0", "42"]);
  return name.endsWith("_id") ? `${word}-${rng.int(0, 999)}` : word;
}

export function loaderCase(rng: Rng, id: number, rec: Recorder): LoaderCase {
  const name = rng.pick(NAMES);
  const loader = getAuthTypeLoader(name)!;
  const options: Record<string, unknown> = {};
  // auth_methods first: it decides v3multifactor's further options
  if (name === "v3multifactor" && rng.chance(0.95)) {
    options.auth_methods = value(rng, "auth_methods");
  }
  const given: LoadOptions = options.auth_methods === undefined
    ? {}
    : { auth_methods: [options.auth_methods].flat().join(",").split(",") };
  for (const opt of loaderOptions(loader, given)) {
    if (opt.name === "auth_methods") continue;
    if (opt.name === "auth_url") {
      if (rng.chance(0.97)) options.auth_url = rec.base(id, rng.pick(KINDS)) + rng.pick(SUFFIXES);
      continue;
    }
    const p = opt.secret ? 0.9 : opt.name.includes("domain") ? 0.5 : 0.3;
    if (rng.chance(p)) options[opt.name] = value(rng, opt.name);
  }
  // keystoneauth1's plugin keywords that are no loader options
  if (name.startsWith("v3") || name === "password" || name === "token") {
    if (rng.chance(0.1)) options.include_catalog = rng.chance(0.5);
    if (rng.chance(0.05) && name.startsWith("v3")) options.unscoped = true;
  }
  // Mostly one scope target (several: keystoneauth1 refuses when authenticating).
  if (rng.chance(0.85)) {
    const groups = [["project_id", "project_name"], ["domain_id", "domain_name"], [
      "system_scope",
    ], ["trust_id"]].filter((g) => g.some((k) => options[k] !== undefined));
    const keep = groups.length > 0 ? rng.pick(groups) : [];
    for (const g of groups) if (g !== keep) { for (const k of g) delete options[k]; }
  }
  // A v3 username comes with its domain most of the time (else both refuse).
  if (options.username && rng.chance(0.8) && name.startsWith("v3")) {
    options.user_domain_id ??= "default";
  }
  if (options.project_name && rng.chance(0.8) && name.startsWith("v3")) {
    options.project_domain_id ??= "default";
  }
  return { id, kind: "loader", name, options };
}

/** osauth-only refusals keystoneauth1 does not make, each a DIFFERENCES.md entry. */
function allowedDifference(c: LoaderCase, _py: Outcome, ours: Outcome): string | undefined {
  if (ours.stage === "ok" || ours.error !== "OptionError") return undefined;
  return strictRefusal(c.name, c.options);
}

await keystoneauthTest(
  "auth types differential vs keystoneauth1 loaders: same token request for random options",
  async () => {
    const seed = diffSeed();
    const rng = new Rng(seed);
    const rec = startRecorder();
    try {
      const cases = Array.from({ length: diffCases(800) }, (_, i) => loaderCase(rng, i, rec));
      const { outcomes: py } = await pythonOutcomes(cases, rec);
      const mismatches: string[] = [];
      const allowed = new Map<string, number>();
      for (const [i, c] of cases.entries()) {
        const ours: Outcome = { stage: "ok", requests: [] };
        let plugin: unknown;
        try {
          plugin = loadAuthPlugin(c.name, c.options);
        } catch (err) {
          ours.stage = "load";
          ours.error = (err as Error).name;
          if (!(err instanceof OptionError)) {
            mismatches.push(`case ${i} (${c.name}): load threw ${String(err)}, not OptionError`);
          }
        }
        if (ours.stage === "ok") {
          try {
            await authenticate(plugin, new Session(), ours);
          } catch (err) {
            ours.stage = "auth";
            ours.error = (err as Error).name;
            if (!(err instanceof OsAuthError)) {
              mismatches.push(`case ${i} (${c.name}): auth threw ${String(err)}`);
            }
          }
        }
        ours.requests = rec.take().get(c.id) ?? [];
        const diff = compareOutcomes(py[i]!, ours);
        if (diff === undefined) continue;
        const d = allowedDifference(c, py[i]!, ours);
        if (d) {
          allowed.set(d, (allowed.get(d) ?? 0) + 1);
          continue;
        }
        mismatches.push(`case ${i} ${c.name} ${JSON.stringify(c.options)}: ${diff}`);
      }
      assert.deepEqual(
        mismatches.slice(0, Deno.env.get("OSAUTH_DIFF_ALL") ? undefined : 8),
        [],
        `seed ${seed} (OSAUTH_DIFF_SEED=${seed} reruns it): ${mismatches.length} mismatches`,
      );
      console.log(`seed ${seed}: ${cases.length} cases; allowed: ${JSON.stringify([...allowed])}`);
      // The generator reaches every outcome on both sides.
      const stages = new Set(py.map((o) => o.stage));
      assert.deepEqual([...stages].sort(), ["auth", "load", "ok"], `seed ${seed}`);
    } finally {
      await rec.close();
    }
  },
);

Deno.test("clouds' AUTH_TYPES are the registry's built-in rows, the names this differential covers", () => {
  assert.deepEqual([...AUTH_TYPES], [...NAMES]);
});

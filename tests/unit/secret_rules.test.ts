/**
 * The one module of secret rules (src/util/secrets.ts) against keystoneauth1's
 * own list: every plugin option keystoneauth1 marks `secret` is a secret
 * clouds.yaml key, and its options that only name or locate something stay
 * visible; every JSON key oslo.utils' mask_dict_password masks is masked in
 * logged bodies too (seeded: OSAUTH_DIFF_SEED reruns a case); and the one
 * request-id reader, in log lines as in errors.
 */
import assert from "node:assert/strict";
import { HttpError, type Logger, Session, TokenEndpoint } from "../../mod.ts";
import { isSecretKey, isSecretOptionKey, redactBody } from "../../src/util/secrets.ts";
import { requestIdOf } from "../../src/util/request_id.ts";
import { authTypeNames, getAuthTypeLoader } from "../../src/loading/registry.ts";
import { diffCases, diffSeed, keystoneauthTest, PYTHON, Rng, skipReason } from "./_differential.ts";

const OPTIONS_SCRIPT = `
import json
from keystoneauth1 import loading
secret, plain = set(), set()
for name in loading.get_available_plugin_names():
    try:
        opts = loading.get_plugin_options(name)
    except Exception:
        continue
    for o in opts:
        (secret if o.secret else plain).add(o.dest)
print(json.dumps({"secret": sorted(secret), "plain": sorted(plain - secret)}))
`;

await keystoneauthTest(
  "clouds.yaml secret keys: keystoneauth1's secret plugin options",
  async () => {
    const out = await new Deno.Command(PYTHON, {
      args: ["-c", OPTIONS_SCRIPT],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.ok(out.success, new TextDecoder().decode(out.stderr));
    const { secret, plain } = JSON.parse(new TextDecoder().decode(out.stdout)) as {
      secret: string[];
      plain: string[];
    };
    assert.ok(secret.includes("password") && secret.includes("code"), secret.join(","));
    for (const key of secret) {
      assert.ok(
        isSecretOptionKey(key),
        `${key} is secret in keystoneauth1`,
      );
    }
    // keystoneauth1 leaves OAuth1's access_secret and consumer_secret unmarked; they are secrets.
    for (const key of plain.filter((k) => !/secret/.test(k))) {
      assert.ok(!isSecretOptionKey(key), `${key} only names or locates something`);
    }
    assert.ok(plain.includes("token_endpoint") || plain.includes("access_token_endpoint"));
  },
);

Deno.test("the auth type registry marks secret exactly the options the clouds rule hides", () => {
  let checked = 0;
  for (const name of authTypeNames()) {
    const loader = getAuthTypeLoader(name)!;
    const options = [
      ...loader.options,
      ...(loader.moreOptions?.({
        auth_methods: ["v3password", "v3token", "v3totp", "v3applicationcredential"],
      }) ?? []),
    ];
    for (const o of options) {
      for (const key of [o.name, ...(o.deprecated ?? [])]) {
        assert.equal(isSecretOptionKey(key), o.secret === true, `${name}: ${key}`);
        checked++;
      }
    }
  }
  assert.ok(checked > 50, `${checked} options`);
});

Deno.test("the log rule hides what the clouds rule hides, and more", () => {
  for (const key of ["password", "token", "passcode", "application_credential_secret", "api_key"]) {
    assert.ok(isSecretKey(key) && isSecretOptionKey(key), key);
  }
  // a JSON body or query parameter named token_endpoint is hidden in logs; the option is a URL
  assert.ok(isSecretKey("token_endpoint") && !isSecretOptionKey("token_endpoint"));
  assert.ok(!isSecretKey("key") && !isSecretOptionKey("key"));
});

Deno.test("one request-id reader: log lines and errors read the same header", async (t) => {
  for (
    const [header, expected] of [
      ["X-OpenStack-Request-Id", "req-os"],
      ["X-Compute-Request-Id", "req-compute"],
      ["Openstack-Request-Id", "req-ironic"],
    ] as const
  ) {
    await t.step(header, async () => {
      const server = Deno.serve(
        { hostname: "127.0.0.1", port: 0, onListen() {} },
        () => new Response("{}", { status: 404, headers: { [header]: expected } }),
      );
      try {
        const lines: string[] = [];
        const logger: Logger = { debug: (m: string) => lines.push(m) };
        const url = `http://127.0.0.1:${server.addr.port}/x`;
        const sess = new Session({
          auth: new TokenEndpoint({ endpoint: url, token: "t" }),
          logger,
        });
        const err = await sess.get(url).then(() => undefined, (e: unknown) => e);
        assert.ok(err instanceof HttpError);
        assert.equal(err.requestId, expected);
        assert.ok(lines.some((l) => l.includes(` request-id=${expected}`)), lines.join("\n"));
        assert.equal(requestIdOf(new Headers({ [header]: expected })), expected);
      } finally {
        await server.shutdown();
      }
    });
  }
  assert.equal(
    requestIdOf(new Headers({ "Openstack-Request-Id": "c", "X-Compute-Request-Id": "b" })),
    "b",
  );
  assert.equal(
    requestIdOf(new Headers({ "X-Compute-Request-Id": "b", "X-OpenStack-Request-Id": "a" })),
    "a",
  );
});

/** Runs python with `script`, `input` as JSON on stdin; its stdout as JSON. */
async function python(script: string, input: unknown): Promise<unknown> {
  const child = new Deno.Command(PYTHON, {
    args: ["-c", script],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(JSON.stringify(input)));
  await writer.close();
  const out = await child.output();
  assert.ok(out.success, new TextDecoder().decode(out.stderr));
  return JSON.parse(new TextDecoder().decode(out.stdout));
}

const OSLO_SCRIPT = `
import json, sys
from oslo_utils import strutils
cases = json.load(sys.stdin)
if cases is None:
    print(json.dumps(strutils._SANITIZE_KEYS))
else:
    print(json.dumps([strutils.mask_dict_password(c) for c in cases]))
`;

async function osloMissing(): Promise<string | undefined> {
  try {
    const out = await new Deno.Command(PYTHON, {
      args: ["-c", "import oslo_utils.strutils"],
      stdout: "null",
      stderr: "null",
    }).output();
    return out.success ? undefined : "python3-oslo.utils is not installed";
  } catch {
    return `${PYTHON} is not available`;
  }
}

const osloMissingReason = await osloMissing();
const osloSkip = skipReason(osloMissingReason);

Deno.test({
  name: osloSkip
    ? `logged JSON keys: oslo.utils' mask_dict_password: SKIPPED (${osloSkip})`
    : "logged JSON keys: every key oslo.utils' mask_dict_password masks is masked",
  ignore: osloSkip !== undefined,
  async fn() {
    if (osloMissingReason) throw new Error(`OSAUTH_REQUIRE_PYTHON=1 but ${osloMissingReason}`);
    const seed = diffSeed();
    const rng = new Rng(seed);
    const sanitize = await python(OSLO_SCRIPT, null) as string[];
    assert.ok(sanitize.includes("password") && sanitize.length > 20, sanitize.join());
    const benign = ["name", "id", "url", "region", "status", "description", "key", "public_key"];
    const affixes = ["", "x_", "new", "os-", "Admin", "_1", "s", "Value"];
    const mixCase = (k: string): string =>
      [...k].map((c) => rng.chance(0.3) ? c.toUpperCase() : c).join("");
    const cases: Record<string, string>[] = [];
    for (let i = 0; i < diffCases(300); i++) {
      const c: Record<string, string> = {};
      for (let j = rng.int(1, 6); j > 0; j--) {
        const base = rng.chance(0.6) ? rng.pick(sanitize) : rng.pick(benign);
        c[rng.pick(affixes) + mixCase(base) + rng.pick(affixes)] = `v${i}-${j}`;
      }
      cases.push(c);
    }
    const masked = await python(OSLO_SCRIPT, cases) as Record<string, string>[];
    let theirs = 0;
    for (const [i, c] of cases.entries()) {
      const ours = JSON.parse(redactBody(JSON.stringify(c))) as Record<string, string>;
      for (const [k, v] of Object.entries(masked[i]!)) {
        if (v !== "***") continue;
        theirs++;
        assert.equal(ours[k], "***", `seed ${seed}, case ${i}: ${k} is masked by oslo.utils`);
        assert.ok(isSecretKey(k), `seed ${seed}: ${k}`);
      }
    }
    assert.ok(theirs > 100, `seed ${seed}: only ${theirs} masked keys compared`);
  },
});

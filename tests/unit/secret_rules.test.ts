/**
 * The one module of secret rules (src/util/secrets.ts) against keystoneauth1's
 * own list: every plugin option keystoneauth1 marks `secret` is a secret
 * clouds.yaml key, and its options that only name or locate something stay
 * visible; and the one request-id reader, in log lines as in errors.
 */
import assert from "node:assert/strict";
import { HttpError, type Logger, Session, TokenEndpoint } from "../../mod.ts";
import { isSecretKey, isSecretOptionKey } from "../../src/util/secrets.ts";
import { requestIdOf } from "../../src/util/request_id.ts";
import { keystoneauthTest, PYTHON } from "./_differential.ts";

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

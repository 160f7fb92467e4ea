/**
 * Multi-factor rules: a 401 with an auth receipt becomes MissingAuthMethods,
 * and the v3 plugins' `receipt` option continues the authentication.
 */
import assert from "node:assert/strict";
import {
  httpErrorFromResponse,
  MissingAuthMethods,
  OptionError,
  Session,
  Unauthorized,
  v3,
} from "../../mod.ts";
import { serveCloud } from "./_helpers.ts";

const MFA_USER = {
  id: "u-mfa",
  name: "mfa",
  password: "mfa-secret-pw",
  domainId: "default",
  totpPasscode: "654321",
  mfaRules: [["password", "totp"]],
  projects: [{ id: "p-mfa", name: "mfa", domainId: "default", roles: ["member"] }],
};

const user = { username: "mfa", userDomainId: "default", projectId: "p-mfa" };

Deno.test("MFA: too few methods give MissingAuthMethods; the receipt continues", async (t) => {
  const s = await serveCloud({ users: [MFA_USER] });
  try {
    const lines: string[] = [];
    const logger = { debug: (m: string) => lines.push(m) };
    const first = new Session({ logger });
    const err = await first.getAccess(
      new v3.Password({ authUrl: s.authUrl, ...user, password: MFA_USER.password }),
    ).then(() => undefined, (e: unknown) => e);

    await t.step("the error names what is missing, and nothing secret", () => {
      assert.ok(err instanceof MissingAuthMethods, String(err));
      assert.ok(err instanceof Unauthorized, "still an Unauthorized (401)");
      assert.equal(err.status, 401);
      assert.deepEqual(err.methods, ["password"]);
      assert.deepEqual(err.requiredAuthMethods, [["password", "totp"]]);
      assert.ok(err.expiresAt instanceof Date && err.expiresAt.getTime() > Date.now());
      assert.match(err.receipt, /^rcpt-/);
      assert.match(err.message, /needs password\+totp \(succeeded: password\)/);
      const shown = [err.message, err.stack, Deno.inspect(err), JSON.stringify(err), ...lines]
        .join("\n");
      assert.ok(!shown.includes(err.receipt), "the receipt is not shown or logged");
      assert.ok(!shown.includes(MFA_USER.password));
      assert.ok(lines.some((l) => /openstack-auth-receipt: \{SHA256\}/i.test(l)), "hashed in logs");
    });

    await t.step("the missing method with the receipt gives a token with both", async () => {
      assert.ok(err instanceof MissingAuthMethods);
      const totp = new v3.Totp({
        authUrl: s.authUrl,
        ...user,
        passcode: MFA_USER.totpPasscode,
        receipt: err.receipt,
      });
      const shown = `${Deno.inspect(totp)} ${JSON.stringify(totp)}`;
      assert.ok(!shown.includes(err.receipt), "the plugin does not show its receipt");
      const access = await new Session({ logger }).getAccess(totp);
      assert.deepEqual([...access.methods].sort(), ["password", "totp"]);
      assert.equal(access.projectId, "p-mfa");
      assert.ok(!lines.join("\n").includes(err.receipt), "the sent receipt is hashed in logs");
    });

    await t.step(
      "without a receipt, or with an unknown one, TOTP alone is not enough",
      async () => {
        const alone = new v3.Totp({ authUrl: s.authUrl, ...user, passcode: MFA_USER.totpPasscode });
        await assert.rejects(new Session().getAccess(alone), MissingAuthMethods);
        const forged = new v3.Totp({
          authUrl: s.authUrl,
          ...user,
          passcode: MFA_USER.totpPasscode,
          receipt: "rcpt-forged",
        });
        await assert.rejects(
          new Session().getAccess(forged),
          (e: unknown) => e instanceof Unauthorized && !(e instanceof MissingAuthMethods),
        );
      },
    );

    await t.step("both methods at once need no receipt", async () => {
      const both = new v3.MultiFactor({
        authUrl: s.authUrl,
        ...user,
        methods: ["password", "totp"],
        password: MFA_USER.password,
        passcode: MFA_USER.totpPasscode,
      });
      const access = await new Session().getAccess(both);
      assert.deepEqual([...access.methods].sort(), ["password", "totp"]);
    });
  } finally {
    await s.close();
  }
});

Deno.test("receipt option: an empty receipt is an OptionError", () => {
  assert.throws(
    () =>
      new v3.Totp({ authUrl: "http://127.0.0.1:5000/v3", passcode: "1", userId: "u", receipt: "" }),
    OptionError,
  );
});

Deno.test("httpErrorFromResponse: a 401 with a receipt header is MissingAuthMethods, whatever the body", async () => {
  const url = "http://127.0.0.1:5000/v3/auth/tokens";
  const parsed = await httpErrorFromResponse(
    new Response(
      JSON.stringify({
        receipt: { methods: ["password"], expires_at: "2026-11-23T12:05:00.000000Z" },
        required_auth_methods: [["password", "totp"], ["password", "application_credential"]],
      }),
      {
        status: 401,
        headers: { "openstack-auth-receipt": "r-1", "content-type": "application/json" },
      },
    ),
    "POST",
    url,
  );
  assert.ok(parsed instanceof MissingAuthMethods);
  assert.equal(parsed.receipt, "r-1");
  assert.equal(parsed.expiresAt?.toISOString(), "2026-11-23T12:05:00.000Z");
  assert.match(parsed.message, /needs password\+totp or password\+application_credential/);
  const bare = await httpErrorFromResponse(
    new Response("nope", { status: 401, headers: { "openstack-auth-receipt": "r-2" } }),
    "POST",
    url,
  );
  assert.ok(bare instanceof MissingAuthMethods);
  assert.deepEqual([bare.methods, bare.requiredAuthMethods, bare.expiresAt], [[], [], undefined]);
  const other = await httpErrorFromResponse(
    new Response("{}", { status: 403, headers: { "openstack-auth-receipt": "r-3" } }),
    "POST",
    url,
  );
  assert.ok(!(other instanceof MissingAuthMethods), "only a 401 carries a receipt");
});

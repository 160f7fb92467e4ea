import assert from "node:assert/strict";
import { inspect } from "node:util";
import {
  AccessInfo,
  HttpBasic,
  Password,
  Session,
  Token,
  TokenEndpoint,
  v2,
  v3,
} from "../../mod.ts";
import { FAKE_CLOUD_DEFAULTS as D } from "../../src/testing/mod.ts";
import { serveCloud } from "./_helpers.ts";

const SECRETS = ["pw-Secret-1", "tok-Secret-2", "ac-Secret-3", "987654", "basic-Secret-5"];

function renderings(value: unknown): string[] {
  return [
    Deno.inspect(value, { depth: 10, showHidden: true }),
    inspect(value, { depth: 10, showHidden: false }),
    JSON.stringify(value) ?? "",
    String(value),
    `${JSON.stringify({ nested: value })}`,
  ];
}

function assertNoSecret(value: unknown, label: string): void {
  for (const text of renderings(value)) {
    for (const secret of SECRETS) {
      assert.ok(!text.includes(secret), `${label} printed a secret: ${text}`);
    }
  }
}

Deno.test("plugins never print their secrets (Deno.inspect, node:util.inspect, JSON)", () => {
  const authUrl = "http://127.0.0.1:1/v3";
  const plugins: [string, unknown][] = [
    [
      "v3.Password",
      new v3.Password({ authUrl, userId: "u", password: SECRETS[0]!, projectId: "p" }),
    ],
    ["v3.Token", new v3.Token({ authUrl, token: SECRETS[1]! })],
    [
      "v3.ApplicationCredential",
      new v3.ApplicationCredential({
        authUrl,
        applicationCredentialId: "i",
        applicationCredentialSecret: SECRETS[2]!,
      }),
    ],
    ["v3.Totp", new v3.Totp({ authUrl, userId: "u", passcode: SECRETS[3]! })],
    [
      "v3.MultiFactor",
      new v3.MultiFactor({
        authUrl,
        methods: ["password", "totp"],
        userId: "u",
        password: SECRETS[0]!,
        passcode: SECRETS[3]!,
      }),
    ],
    ["v2.Password", new v2.Password({ authUrl, username: "u", password: SECRETS[0]! })],
    ["v2.Token", new v2.Token({ authUrl, token: SECRETS[1]! })],
    ["Password", new Password({ authUrl, userId: "u", password: SECRETS[0]! })],
    ["Token", new Token({ authUrl, token: SECRETS[1]! })],
    ["TokenEndpoint", new TokenEndpoint({ endpoint: "http://127.0.0.1:1", token: SECRETS[1]! })],
    ["HttpBasic", new HttpBasic({ username: "u", password: SECRETS[4]! })],
  ];
  for (const [label, plugin] of plugins) {
    assertNoSecret(plugin, label);
    assertNoSecret(new Session({ auth: plugin as v3.Password }), `Session(${label})`);
  }
  // The summary is still useful.
  assert.match(Deno.inspect(plugins[0]![1]), /authUrl/);
  assert.match(inspect(plugins[0]![1]), /v3\.Password|Password/);
});

Deno.test("AccessInfo hides its token but shows who and where", async () => {
  const s = await serveCloud();
  try {
    const sess = new Session({
      auth: new v3.Password({
        authUrl: s.authUrl,
        userId: D.userId,
        password: D.password,
        projectId: D.projectId,
      }),
    });
    const access = await sess.getAccess();
    const token = access.token;
    assert.ok(token.length > 20);
    for (const text of renderings(access)) {
      assert.ok(!text.includes(token), `AccessInfo printed its token: ${text}`);
    }
    assert.match(Deno.inspect(access), /p-admin/);
    assertNoSecret(sess.auth, "authenticated plugin");
    for (const text of renderings(sess.auth)) assert.ok(!text.includes(token));
    const v2access = AccessInfo.fromV2({
      access: { token: { id: SECRETS[1], expires: "2030-01-01T00:00:00Z" }, user: { id: "u" } },
    });
    assertNoSecret(v2access, "v2 AccessInfo");
  } finally {
    await s.close();
  }
});

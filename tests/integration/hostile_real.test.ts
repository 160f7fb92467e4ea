/**
 * Issue #12 against the REAL Keystone 22 and Placement 8 of
 * `scripts/openstack-dev.sh`: what their 400s quote back (checked first with
 * a plain fetch, so the test shows the echo is real) is scrubbed by osauth;
 * and 1,000 concurrent Placement requests after the token was revoked all
 * succeed with one token request (the dev cloud's keystonemiddleware runs
 * with `token_cache_time = -1`, so Placement sees the revocation at once).
 *
 * Differences: docs/DIFFERENCES.md D-echoed-secrets, D-shared-reauth.
 *
 * Token requests are counted through the Session's `fetch` option (the
 * global fetch, wrapped), never a stub.
 */
import assert from "node:assert/strict";
import { BadRequest, Session } from "../../mod.ts";
import { type DevCloudFixtures, loadFixturesOrWarn, passwordPlugins } from "./_devcloud.ts";

const fx: DevCloudFixtures | undefined = await loadFixturesOrWarn("hostile_real");

/** Every text an error is shown as, plus the log lines. */
function shown(err: unknown, lines: string[]): string[] {
  const e = err as Error & { details?: unknown };
  return [
    e.message,
    String(e),
    Deno.inspect(e, { depth: 20 }),
    JSON.stringify(e.details) ?? "",
    ...lines,
  ];
}

Deno.test({
  name: "real Keystone and Placement: quoted secrets are scrubbed",
  ignore: !fx,
  async fn(t) {
    const f = fx!;
    const { adminProject } = passwordPlugins(f);
    const lines: string[] = [];
    const sess = new Session({
      auth: adminProject(),
      logger: { debug: (m: string) => void lines.push(m) },
    });
    const token = await sess.getToken();
    const userId = (await sess.getAccess()).userId!;

    await t.step("Keystone: a change-password 400 quotes both passwords", async () => {
      const body = {
        user: { password: "New-Pw-Echo-7f3a", original_password: "Old-Pw-Echo-9c1e", bogus: 1 },
      };
      const url = `${f.auth_url}/users/${userId}/password`;
      // What Keystone really answers:
      const raw = await (await fetch(url, {
        method: "POST",
        headers: { "x-auth-token": token, "content-type": "application/json" },
        body: JSON.stringify(body),
      })).text();
      assert.match(raw, /Old-Pw-Echo-9c1e/);
      assert.match(raw, /New-Pw-Echo-7f3a/);
      lines.length = 0;
      const err = await sess.post(url, { json: body }).then(() => assert.fail(), (e) => e);
      assert.ok(err instanceof BadRequest, String(err));
      assert.match(err.message, /Additional properties are not allowed/);
      // The message is capped (D-error-message-text); the whole quote is in details.
      assert.match(JSON.stringify(err.details), /'original_password': '\*\*\*'/);
      for (const text of shown(err, lines)) {
        assert.ok(!/Old-Pw-Echo-9c1e|New-Pw-Echo-7f3a/.test(text), text);
      }
      assert.ok(lines.some((l) => l.startsWith("RESP BODY:")), "the response body was logged");
    });

    await t.step("Keystone: a token request 400 quotes the password (non-string)", async () => {
      // A custom request with a password Keystone cannot take: it quotes the value.
      const body = {
        auth: {
          identity: {
            methods: ["password"],
            password: {
              user: {
                name: "admin",
                domain: { id: "default" },
                password: ["Tok-Pw-Echo-41d2"],
              },
            },
          },
        },
      };
      const url = `${f.auth_url}/auth/tokens`;
      const raw = await (await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      })).text();
      assert.match(raw, /Tok-Pw-Echo-41d2/);
      lines.length = 0;
      const err = await sess.post(url, { json: body, authenticated: false }).then(
        () => assert.fail(),
        (e) => e,
      );
      assert.ok(err instanceof BadRequest, String(err));
      for (const text of shown(err, lines)) assert.ok(!text.includes("Tok-Pw-Echo-41d2"), text);
    });

    await t.step("Placement: a schema 400 quotes the whole instance", async () => {
      const body = { name: "osauth-echo", password: "Pl-Pw-Echo-5b8e" };
      const url = `${f.placement.url}/resource_providers`;
      const raw = await (await fetch(url, {
        method: "POST",
        headers: { "x-auth-token": token, "content-type": "application/json" },
        body: JSON.stringify(body),
      })).text();
      assert.match(raw, /Pl-Pw-Echo-5b8e/);
      lines.length = 0;
      const err = await sess.post("/resource_providers", {
        json: body,
        endpointFilter: { serviceType: "placement" },
      }).then(() => assert.fail(), (e) => e);
      assert.ok(err instanceof BadRequest, String(err));
      assert.match(JSON.stringify(err.details), /'password': '\*\*\*'/);
      for (const text of shown(err, lines)) assert.ok(!text.includes("Pl-Pw-Echo-5b8e"), text);
    });

    await t.step("a token the server repeats is scrubbed too", async () => {
      // Placement quotes a request body value equal to the token (a header secret).
      const err = await sess.post("/resource_providers", {
        json: { name: `${token}${token}` }, // over the 200 characters a name may have
        endpointFilter: { serviceType: "placement" },
      }).then(() => assert.fail(), (e) => e);
      assert.ok(err instanceof BadRequest, String(err));
      assert.match(err.message, /is too long/);
      for (const text of shown(err, [])) assert.ok(!text.includes(token), text);
    });
  },
});

Deno.test({
  name: "real Placement: 1,000 concurrent requests after revocation, 1 token request",
  ignore: !fx,
  async fn() {
    const f = fx!;
    const N = 1000;
    const { adminProject } = passwordPlugins(f);
    const admin = new Session({ auth: adminProject() });
    let tokenRequests = 0;
    let old = "";
    // Placement answers one request at a time; a deployment with many workers
    // answers them together. The real 401s for the revoked token are held here
    // until all N have arrived and then handed over at once. A request with the old token that
    // fails or gets another status counts as arrived too (and fails the test below): otherwise
    // the held ones would wait for it for ever.
    const held: (() => void)[] = [];
    let arrived = 0;
    const arrive = () => {
      if (++arrived === N) { for (const r of held) r(); }
    };
    const sess = new Session({
      auth: adminProject(),
      fetch: async (input, init) => {
        const url = String(input);
        if (init?.method === "POST" && /\/auth\/tokens(\?|$)/.test(url)) tokenRequests++;
        const withOld = old !== "" && new Headers(init?.headers).get("x-auth-token") === old;
        let resp: Response;
        try {
          resp = await fetch(input, init);
        } catch (err) {
          if (withOld) arrive();
          throw err;
        }
        if (withOld) {
          if (resp.status !== 401) arrive();
          assert.equal(resp.status, 401);
          await new Promise<void>((release) => {
            held.push(release);
            arrive();
          });
        }
        return resp;
      },
    });
    old = await sess.getToken();
    assert.equal(tokenRequests, 1);
    const revoked = await admin.delete(`${f.auth_url}/auth/tokens`, {
      headers: { "X-Subject-Token": old },
    });
    assert.equal(revoked.status, 204);
    const pl = { endpointFilter: { serviceType: "placement" } } as const;
    const settled = await Promise.allSettled(
      Array.from(
        { length: N },
        (_, i) =>
          (i % 2
            ? sess.get("/resource_providers", pl)
            : sess.get("/traits?name=startswith:HW_CPU", { ...pl, microversion: "1.6" }))
            .then((r) => r.body?.cancel()),
      ),
    );
    const failures = settled.flatMap((s) => s.status === "rejected" ? [String(s.reason)] : []);
    assert.deepEqual(failures.slice(0, 3), []);
    assert.equal(failures.length, 0);
    assert.equal(held.length, N, "every request got the real 401 first");
    assert.equal(tokenRequests, 2, "one new token for all 1,000");
    assert.notEqual(await sess.getToken(), old);
    admin.close();
  },
});

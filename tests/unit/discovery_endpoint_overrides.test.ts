/**
 * Endpoint overrides on every route (issue #11): `{project_id}`,
 * `%(project_id)s`, `%(tenant_id)s` and `%(user_id)s` are filled in whether
 * the override comes from the Session's `endpointOverrides` (clouds.yaml
 * `*_endpoint_override`), an `endpointFilter.endpointOverride`, a request's
 * `endpointOverride` or an Adapter, and whether the URL is used by a request,
 * `getEndpoint()` or `getEndpointData()`. The precedence is request >
 * filter > session > catalog. Checked on the request actually sent (a real
 * server on 127.0.0.1 records the path).
 */
import assert from "node:assert/strict";
import { Adapter, EndpointNotFound, OptionError, Session } from "../../mod.ts";
import { BodyPlugin, tokenBody } from "./_differential.ts";
import { echoServer } from "./_helpers.ts";

const PROJECT = "a1b2c3d4";

function session(origin: string, extra: ConstructorParameters<typeof Session>[0] = {}) {
  const auth = new BodyPlugin(
    tokenBody(PROJECT, [
      { type: "compute", urls: `${origin}/catalog/compute/v2.1/${PROJECT}` },
      { type: "volumev3", urls: `${origin}/catalog/volume/v3/${PROJECT}` },
    ]),
  );
  return new Session({ auth, trustedOrigins: [origin], ...extra });
}

Deno.test("endpoint overrides: project-id templates are filled on every route", async (t) => {
  const echo = echoServer();
  const o = echo.url;
  const sent = async (p: Promise<Response>) => {
    await (await p).body?.cancel();
    return echo.seen.at(-1)!.path;
  };
  try {
    for (const template of ["{project_id}", "%(project_id)s", "%(tenant_id)s"]) {
      const override = `${o}/over/v2.1/${template}`;
      const filled = `/over/v2.1/${PROJECT}`;
      await t.step(`${template}: Session endpointOverrides (clouds.yaml)`, async () => {
        const sess = session(o, { endpointOverrides: { compute: override } });
        const filter = { serviceType: "compute" };
        // the case: was a literal %(project_id)s
        assert.equal(
          await sent(sess.get("/servers", { endpointFilter: filter })),
          `${filled}/servers`,
        );
        assert.equal(await sess.getEndpoint(filter), `${o}${filled}`);
        assert.equal((await sess.getEndpointData(filter)).catalogUrl, `${o}${filled}`);
        const adapter = new Adapter(sess, { serviceType: "compute" });
        assert.equal(await sent(adapter.get("/flavors")), `${filled}/flavors`);
        assert.equal(await adapter.getEndpoint(), `${o}${filled}`);
        assert.equal((await adapter.getEndpointData()).catalogUrl, `${o}${filled}`);
      });
      await t.step(`${template}: endpointFilter.endpointOverride`, async () => {
        const sess = session(o);
        const filter = { serviceType: "compute", endpointOverride: override };
        assert.equal(
          await sent(sess.get("/servers", { endpointFilter: filter })),
          `${filled}/servers`,
        );
        assert.equal(await sess.getEndpoint(filter), `${o}${filled}`);
        assert.equal((await sess.getEndpointData(filter)).catalogUrl, `${o}${filled}`);
      });
      await t.step(`${template}: a request's endpointOverride`, async () => {
        const sess = session(o);
        assert.equal(
          await sent(sess.get("/servers", { endpointOverride: override })),
          `${filled}/servers`,
        );
        const adapter = new Adapter(sess, { serviceType: "compute" });
        assert.equal(
          await sent(adapter.get("/servers", { endpointOverride: override })),
          `${filled}/servers`,
        );
      });
      await t.step(`${template}: an Adapter's endpointOverride`, async () => {
        const adapter = new Adapter(session(o), {
          serviceType: "compute",
          endpointOverride: override,
        });
        assert.equal(await sent(adapter.get("/flavors")), `${filled}/flavors`);
        assert.equal(await adapter.getEndpoint(), `${o}${filled}`);
        assert.equal((await adapter.getEndpointData()).catalogUrl, `${o}${filled}`);
      });
    }
    await t.step(
      "%(user_id)s is filled too (keystoneauth1 fills it in a request's override)",
      async () => {
        const sess = session(o);
        assert.equal(
          await sent(sess.get("/x", { endpointOverride: `${o}/u/%(user_id)s` })),
          "/u/u1/x",
        );
      },
    );
    await t.step("precedence: request > filter > session > catalog", async () => {
      const sess = session(o, { endpointOverrides: { compute: `${o}/session` } });
      const filter = { serviceType: "compute" };
      const withFilter = { ...filter, endpointOverride: `${o}/filter` };
      assert.equal(
        await sent(
          sess.get("/a", { endpointFilter: withFilter, endpointOverride: `${o}/request` }),
        ),
        "/request/a",
      );
      assert.equal(await sent(sess.get("/a", { endpointFilter: withFilter })), "/filter/a");
      assert.equal(await sent(sess.get("/a", { endpointFilter: filter })), "/session/a");
      assert.equal(
        await sent(session(o).get("/a", { endpointFilter: filter })),
        `/catalog/compute/v2.1/${PROJECT}/a`,
      );
      // an alias finds the official type's override, and "" means "not set"
      const vol = session(o, { endpointOverrides: { "block-storage": `${o}/vol/%(project_id)s` } });
      assert.equal(await vol.getEndpoint({ serviceType: "volumev3" }), `${o}/vol/${PROJECT}`);
      assert.equal(
        await sent(
          vol.get("/a", { endpointFilter: { serviceType: "volumev3", endpointOverride: "" } }),
        ),
        `/vol/${PROJECT}/a`,
      );
    });
    await t.step("no project id: OptionError, nothing sent", async () => {
      const count = echo.seen.length;
      const unscoped = new Session({
        auth: new BodyPlugin(tokenBody(undefined, [{ type: "compute", urls: `${o}/c` }])),
        endpointOverrides: { compute: `${o}/c/%(project_id)s` },
      });
      await assert.rejects(
        unscoped.get("/x", { endpointFilter: { serviceType: "compute" } }),
        OptionError,
      );
      await assert.rejects(unscoped.getEndpoint({ serviceType: "compute" }), OptionError);
      await assert.rejects(
        new Adapter(unscoped, { serviceType: "compute" }).getEndpoint(),
        OptionError,
      );
      await assert.rejects(
        new Session().get("/x", { endpointOverride: `${o}/{project_id}` }),
        OptionError,
      );
      assert.equal(echo.seen.length, count);
    });
    await t.step(
      "wrong types are OptionError; prototype names are plain service types",
      async () => {
        assert.throws(
          () => new Session({ endpointOverrides: { compute: 5 as never } }),
          OptionError,
        );
        assert.throws(() => new Session({ endpointOverrides: null as never }), OptionError);
        const sess = session(o);
        await assert.rejects(sess.get("/x", { endpointOverride: 5 as never }), OptionError);
        await assert.rejects(
          sess.get("/x", {
            endpointFilter: { serviceType: "compute", endpointOverride: {} as never },
          }),
          OptionError,
        );
        for (const type of ["constructor", "toString", "__proto__"]) {
          await assert.rejects(sess.getEndpoint({ serviceType: type }), EndpointNotFound);
          assert.equal(new Adapter(sess, { serviceType: type }).endpointOverride, undefined);
        }
      },
    );
  } finally {
    await echo.close();
  }
});

/**
 * AccessInfo on REAL Keystone token bodies, field by field against keystoneauth1's
 * (scripts/access_differential.py): project, domain, system and unscoped tokens, an
 * application credential token, a trust token (the fixtures' trust admin -> demo, with
 * impersonation) and a rescoped token (audit chain). Needs `bash scripts/openstack-dev.sh
 * start` and /usr/bin/python3 with keystoneauth1.
 */
import assert from "node:assert/strict";
import { type AccessInfo, type AuthPlugin, Session, v3 } from "../../mod.ts";
import { ksaAccessFields, osauthAccessFields, sameField } from "../unit/_access_fields.ts";
import { type DevCloudFixtures, loadFixturesOrWarn, passwordPlugins } from "./_devcloud.ts";

const fx: DevCloudFixtures | undefined = await loadFixturesOrWarn("access_real");

Deno.test({
  name: "real Keystone tokens: AccessInfo field by field against keystoneauth1",
  ignore: !fx?.trusts,
  async fn(t) {
    const f = fx!;
    const { password, adminProject } = passwordPlugins(f);
    const trust = f.trusts!.admin_to_demo;
    const ac = f.application_credentials.admin;
    const unscoped = await new Session({ auth: password(f.users.admin) }).getAccess();
    const plugins: Record<string, AuthPlugin> = {
      project: adminProject(),
      domain: password(f.users.admin, { domainId: "default" }),
      system: password(f.users.admin, { systemScope: "all" }),
      application_credential: new v3.ApplicationCredential({
        authUrl: f.auth_url,
        applicationCredentialId: ac.id,
        applicationCredentialSecret: ac.secret,
      }),
      trust: password(f.users.demo, { trustId: trust.id }),
      rescoped: new v3.Token({
        authUrl: f.auth_url,
        token: unscoped.token,
        projectName: "admin",
        projectDomainId: "default",
      }),
    };
    const access: Record<string, AccessInfo> = { unscoped };
    for (const [name, plugin] of Object.entries(plugins)) {
      access[name] = await new Session({ auth: plugin }).getAccess();
    }
    const theirs = await ksaAccessFields(
      Object.entries(access).map(([id, a]) => ({ id, token: a.token, body: a.body })),
    );
    for (const [name, a] of Object.entries(access)) {
      await t.step(name, async () => {
        const ours = await osauthAccessFields(a);
        const diffs = Object.entries(theirs[name]!).flatMap(([field, value]) =>
          sameField(field, ours[field]!, value) ? [] : [
            `${field}: osauth ${JSON.stringify(ours[field])} / keystoneauth1 ${
              JSON.stringify(value)
            }`,
          ]
        );
        assert.deepEqual(diffs, []);
      });
    }

    await t.step("the values themselves (what the comparison rests on)", () => {
      const tr = access.trust!;
      assert.deepEqual(tr.trust, {
        id: trust.id,
        trusteeUserId: trust.trustee_user_id,
        trustorUserId: trust.trustor_user_id,
        impersonation: true,
      });
      // impersonation: the token acts as the trustor, on the trust's project and roles
      assert.equal(tr.userId, trust.trustor_user_id);
      assert.equal(tr.projectId, trust.project_id);
      assert.deepEqual([...tr.roleNames].sort(), ["member", "reader"]);
      const app = access.application_credential!;
      assert.equal(app.applicationCredential?.id, ac.id);
      assert.equal(app.applicationCredential?.name, ac.name);
      assert.equal(app.applicationCredential?.restricted, true);
      assert.equal(access.project!.applicationCredential, undefined);
      for (const a of Object.values(access)) {
        assert.equal(a.isFederated, false);
        assert.deepEqual(a.serviceProviders, []);
        assert.equal(a.bind, undefined);
        assert.equal(a.auditIds.length >= 1, true);
        assert.equal(a.initialAuditId, a.auditChainId ?? a.auditId);
        assert.ok(a.issuedAt instanceof Date);
      }
      assert.equal(access.project!.projectIsDomain, false);
      assert.equal(access.project!.isAdminProject, true);
      assert.equal(access.domain!.projectIsDomain, undefined);
      // the rescoped token carries the audit id of the unscoped one it came from
      assert.equal(access.rescoped!.auditChainId, unscoped.auditId);
      assert.equal(access.rescoped!.initialAuditId, unscoped.auditId);
      assert.deepEqual(
        access.rescoped!.roleIds.length,
        access.rescoped!.roles.length,
      );
    });
  },
});

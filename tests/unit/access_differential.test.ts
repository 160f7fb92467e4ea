// AccessInfo against keystoneauth1's, field by field (scripts/access_differential.py runs
// keystoneauth1.access.create on the same bodies): seeded random v3 and v2 token bodies with
// every optional section keystoneauth1 reads, the jsr:@x/osauth/testing fixture bodies, and the
// hand-written edge cases below. OSAUTH_SEED=<n> reproduces a run (printed on failure).
import assert from "node:assert/strict";
import { AccessInfo } from "../../mod.ts";
import { V2Token, V3Token } from "../../src/testing/mod.ts";
import { ksaAccessFields, osauthAccessFields, sameField } from "./_access_fields.ts";

const PYTHON = "/usr/bin/python3";
const SEED = Number(Deno.env.get("OSAUTH_SEED") ?? Math.floor(Math.random() * 2 ** 31));
const CASES = 400;

async function keystoneauth1Missing(): Promise<string | undefined> {
  try {
    const out = await new Deno.Command(PYTHON, {
      args: ["-c", "import keystoneauth1.access"],
      stdout: "null",
      stderr: "null",
    }).output();
    return out.success ? undefined : "python3-keystoneauth1 is not installed";
  } catch {
    return `${PYTHON} is not available`;
  }
}

/** mulberry32: a small seeded generator. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Body = Record<string, unknown>;

function generator(seed: number) {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const chance = (p: number): boolean => r() < p;
  const hex = (): string =>
    Array.from({ length: 8 }, () => Math.floor(r() * 16).toString(16)).join("");
  const time = (): string =>
    pick([
      "2031-02-03T04:05:06.789012Z",
      "2031-02-03T04:05:06Z",
      "2031-02-03T04:05:06.000000",
      "2031-02-03T04:05:06+02:00",
      "2031-02-03T04:05:06.5-0130",
    ]);
  const domain = () => ({ id: hex(), name: hex() });
  const auditIds = (): string[] => pick([[], [hex()], [hex(), hex()]]);

  function v3(): Body {
    const user: Body = { id: hex(), name: hex(), password_expires_at: null };
    if (chance(0.2)) {
      user["OS-FEDERATION"] = {
        identity_provider: { id: hex() },
        protocol: { id: "mapped" },
        groups: [],
      };
      if (chance(0.5)) user.domain = domain();
    } else user.domain = domain();
    const t: Body = {
      methods: [pick(["password", "token", "application_credential", "totp", "mapped"])],
      user,
      expires_at: time(),
      audit_ids: auditIds(),
    };
    if (chance(0.85)) t.issued_at = chance(0.85) ? time() : pick(["yesterday", "", "2031-13-99"]);
    const scope = pick(["project", "domain", "system", "unscoped", "trust", "appcred"]);
    if (scope === "project" || scope === "trust" || scope === "appcred") {
      t.project = { id: hex(), name: hex(), domain: domain() };
      if (chance(0.6)) t.is_domain = chance(0.2);
    }
    if (scope === "domain") t.domain = domain();
    if (scope === "system") t.system = { all: true };
    if (scope === "trust") {
      t["OS-TRUST:trust"] = {
        id: hex(),
        impersonation: chance(0.5),
        trustee_user: { id: hex() },
        trustor_user: { id: hex() },
      };
    }
    if (scope === "appcred") {
      const ac: Body = { id: hex(), name: hex(), restricted: chance(0.5) };
      if (chance(0.5)) {
        ac.access_rules = [{ id: hex(), service: "compute", method: "GET", path: "/servers" }];
      }
      t.application_credential = ac;
    }
    if (scope !== "unscoped") {
      t.roles = Array.from({ length: Math.floor(r() * 3) }, () => ({ id: hex(), name: hex() }));
      t.catalog = [];
      if (chance(0.3)) t.is_admin_project = chance(0.5);
    }
    if (chance(0.2)) t.bind = { kerberos: { principal: hex() } };
    if (chance(0.2)) {
      t.service_providers = [
        { id: hex(), auth_url: `https://sp.example/${hex()}`, sp_url: `https://sp.example/s` },
        { auth_url: "https://sp.example/no-id" },
      ];
    }
    if (chance(0.1)) t["OS-OAUTH1"] = { access_token_id: hex(), consumer_id: hex() };
    return { token: t };
  }

  function v2(): Body {
    const roles = Array.from({ length: Math.floor(r() * 3) }, () => ({ name: hex() }));
    const user: Body = { id: hex(), roles, roles_links: [] };
    if (chance(0.8)) user.name = hex();
    else user.username = hex();
    const token: Body = { id: `v2-${hex()}`, expires: time(), audit_ids: auditIds() };
    if (chance(0.8)) token.issued_at = chance(0.85) ? time() : "not a time";
    const tenancy = pick(["tenant", "pre-grizzly", "pre-diablo", "none"]);
    if (tenancy === "tenant") token.tenant = { id: hex(), name: hex(), enabled: true };
    if (tenancy === "pre-grizzly") {
      user.tenantId = hex();
      user.tenantName = hex();
    }
    if (tenancy === "pre-diablo") token.tenantId = hex();
    if (chance(0.2)) token.bind = { kerberos: { principal: hex() } };
    const access: Body = { token, user, serviceCatalog: [] };
    if (chance(0.8)) access.metadata = { is_admin: 0, roles: roles.map(() => hex()) };
    if (chance(0.2)) {
      access.trust = {
        id: hex(),
        trustee_user_id: hex(),
        trustor_user_id: hex(),
        impersonation: chance(0.5),
      };
    }
    return { access };
  }
  return { v3, v2, hex, chance };
}

interface Case {
  id: string;
  token: string | null;
  body: Body;
}

/** Bodies written down on purpose (each is a reason a field exists). */
function edgeCases(): Case[] {
  const base = {
    methods: ["password"],
    user: { id: "u", name: "n", domain: { id: "d", name: "D" } },
    expires_at: "2031-01-01T00:00:00.000000Z",
    audit_ids: ["a1"],
  };
  return [
    { id: "edge.v3.issued_garbage", token: "t", body: { token: { ...base, issued_at: "x" } } },
    {
      id: "edge.v3.not_admin_project_is_domain",
      token: "t",
      body: {
        token: {
          ...base,
          project: { id: "p", name: "P", domain: { id: "d", name: "D" } },
          is_domain: true,
          is_admin_project: false,
          roles: [{ id: "r1", name: "admin" }],
        },
      },
    },
    {
      id: "edge.v3.federated_no_domain",
      token: "t",
      body: { token: { ...base, user: { id: "u", name: "n", "OS-FEDERATION": {} } } },
    },
    {
      id: "edge.v2.metadata_roles",
      token: null,
      body: {
        access: {
          token: { id: "v2tok", expires: "2031-01-01T00:00:00Z", tenant: { id: "p", name: "P" } },
          user: { id: "u", name: "n", roles: [{ name: "admin" }, { name: "member" }] },
          metadata: { is_admin: 0, roles: ["id-admin", "id-member"] },
        },
      },
    },
    {
      id: "edge.v2.issued_garbage",
      token: null,
      body: {
        access: {
          token: { id: "v2tok", expires: "2031-01-01T00:00:00Z", issued_at: "soon" },
          user: { id: "u", name: "n", roles: [] },
        },
      },
    },
  ];
}

function fixtureCases(): Case[] {
  const v3 = new V3Token({ userName: "admin", projectId: "p1", projectName: "demo" });
  v3.addRole({ id: "r1", name: "member" });
  const v3domain = new V3Token({ auditChainId: "chain" }).setDomainScope({ id: "d1" });
  const v3system = new V3Token().setSystemScope();
  const v2 = new V2Token({ tenantId: "t1", tenantName: "demo", roles: [{ name: "admin" }] });
  const v2trust = new V2Token({ trustId: "tr1", trusteeUserId: "u2", trustorUserId: "u1" });
  return [
    { id: "fixture.v3.project", token: "tok3", body: v3.toJSON() as unknown as Body },
    { id: "fixture.v3.domain", token: "tok3", body: v3domain.toJSON() as unknown as Body },
    { id: "fixture.v3.system", token: "tok3", body: v3system.toJSON() as unknown as Body },
    { id: "fixture.v2.project", token: null, body: v2.toJSON() as unknown as Body },
    { id: "fixture.v2.trust", token: null, body: v2trust.toJSON() as unknown as Body },
  ];
}

function parse(c: Case): AccessInfo {
  return "token" in c.body ? AccessInfo.fromV3(c.token ?? "", c.body) : AccessInfo.fromV2(c.body);
}

const missing = await keystoneauth1Missing();
const required = Deno.env.get("OSAUTH_REQUIRE_PYTHON") === "1";
const skip = required ? undefined : missing;

Deno.test({
  name: skip
    ? `AccessInfo differential vs keystoneauth1: SKIPPED (${skip})`
    : "AccessInfo differential vs keystoneauth1: random, fixture and edge-case bodies",
  ignore: skip !== undefined,
  async fn() {
    if (missing) throw new Error(`OSAUTH_REQUIRE_PYTHON=1 but ${missing}`);
    const g = generator(SEED);
    const cases: Case[] = [...edgeCases(), ...fixtureCases()];
    for (let i = 0; i < CASES; i++) {
      const v3 = g.chance(0.65);
      cases.push({
        id: `random.${i}.${v3 ? "v3" : "v2"}`,
        token: v3 ? `gAAAA${g.hex()}` : null,
        body: v3 ? g.v3() : g.v2(),
      });
    }
    const theirs = await ksaAccessFields(cases);
    const problems: string[] = [];
    let compared = 0;
    for (const c of cases) {
      const ours = await osauthAccessFields(parse(c));
      const t = theirs[c.id]!;
      for (const [name, value] of Object.entries(t)) {
        compared++;
        if (!(name in ours)) problems.push(`${c.id}: osauth has no ${name}`);
        else if (!sameField(name, ours[name]!, value)) {
          problems.push(
            `${c.id} ${name}: osauth ${JSON.stringify(ours[name])} / keystoneauth1 ` +
              `${JSON.stringify(value)}\n    body ${JSON.stringify(c.body)}`,
          );
        }
      }
    }
    assert.ok(compared > CASES * 30, `only ${compared} fields compared`);
    assert.deepEqual(problems.slice(0, 20), [], `seed ${SEED}: ${problems.length} differences`);
  },
});

Deno.test("AccessInfo: trust impersonation, accessors without a keystoneauth1 twin", () => {
  const t = new V3Token({ projectId: "p" });
  const body = t.toJSON() as unknown as { token: Record<string, unknown> };
  body.token["OS-TRUST:trust"] = {
    id: "tr",
    impersonation: true,
    trustee_user: { id: "ee" },
    trustor_user: { id: "or" },
  };
  const a = AccessInfo.fromV3("tok", body);
  assert.deepEqual(a.trust, {
    id: "tr",
    impersonation: true,
    trusteeUserId: "ee",
    trustorUserId: "or",
  });
  assert.equal(a.trustId, "tr");
  const v2 = AccessInfo.fromV2(
    new V2Token({ trustId: "t2", trusteeUserId: "u2", trustImpersonation: false }).toJSON(),
  );
  // v2 bodies carry no trustor keystoneauth1 reads (its bug 1331882): none here either
  assert.deepEqual(v2.trust, { id: "t2", trusteeUserId: "u2", impersonation: false });
  const none = AccessInfo.fromV3("tok", new V3Token().toJSON());
  assert.equal(none.trust, undefined);
  assert.equal(none.applicationCredential, undefined);
  assert.deepEqual(none.serviceProviders, []);
  assert.equal(none.isAdminProject, true);
  // an unreadable issued_at is unknown, the token still usable; an unreadable expiry is not
  const garbled = structuredClone(new V3Token().toJSON()) as unknown as {
    token: Record<string, unknown>;
  };
  garbled.token.issued_at = "not a time";
  assert.equal(AccessInfo.fromV3("tok", garbled).issuedAt, undefined);
  garbled.token.expires_at = "not a time";
  assert.throws(() => AccessInfo.fromV3("tok", garbled), /unreadable expires_at/);
});

/**
 * getCacheId() against keystoneauth1's get_cache_id() on the same inputs
 * (scripts/state_differential.py): seeded random plugins of every type, same
 * elements and the same digest, except where DIFFERENCES.md says otherwise
 * (D-cache-id-totp, D-cache-id-scope; there the digest equals keystoneauth1's
 * elements with exactly the documented change).
 */
import assert from "node:assert/strict";
import { type BaseIdentityPlugin, OptionError, Password, Token, v2, v3 } from "../../mod.ts";
import { type CacheIdElements, cacheIdentity } from "../../src/identity/state.ts";
import {
  keystoneauth,
  keystoneauthMissing,
  PYTHON_REQUIRED,
  rng,
  seedOf,
  withSeed,
} from "./_stores.ts";

type Args = Record<string, string | boolean | string[]>;

interface Case {
  name: string;
  plugin: BaseIdentityPlugin;
  py: { plugin: string; args: Args; receipt?: string };
  /** How osauth's elements differ from keystoneauth1's (a DIFFERENCES.md entry). */
  adjust?: (elements: Record<string, string>) => Record<string, string>;
}

/** Drops undefined values (keystoneauth1 gets no keyword for them). */
function defined<T extends Record<string, unknown>>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

function generator(random: () => number) {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
  const chance = (p: number) => random() < p;
  const word = (prefix: string) => {
    const alphabet = ["a", "b", "Z", "9", "-", "_", " ", "é", "ü", "日", "🔑"];
    let s = prefix;
    const n = 1 + Math.floor(random() * 8);
    for (let i = 0; i < n; i++) s += pick(alphabet);
    return s;
  };
  const authUrl = (v: "v3" | "v2.0" | "") =>
    `http://127.0.0.${1 + Math.floor(random() * 9)}:${5000 + Math.floor(random() * 100)}` +
    (v ? `/${v}` : pick(["", "/", "/identity"]));
  /** v3 user: an id, or a name with a domain id or name (sometimes both given). */
  const user = () => {
    if (chance(0.4)) return { userId: word("u-") };
    return chance(0.5)
      ? { username: word("user"), userDomainId: word("d-") }
      : { username: word("user"), userDomainName: word("Dom") };
  };
  /** v3 scope: none, project by id or name, domain, trust, and the osauth-only ones. */
  const scope = (): Record<string, string | boolean | undefined> => {
    switch (pick(["none", "pid", "pname", "did", "dname", "trust", "system", "unscoped"])) {
      case "pid":
        return { projectId: word("p-") };
      case "pname":
        return chance(0.5)
          ? { projectName: word("proj"), projectDomainId: word("d-") }
          : { projectName: word("proj"), projectDomainName: word("Dom") };
      case "did":
        return { domainId: word("d-") };
      case "dname":
        return { domainName: word("Dom") };
      case "trust":
        return { trustId: word("t-") };
      case "system":
        return { systemScope: "all" };
      case "unscoped":
        return { unscoped: true };
      default:
        return {};
    }
  };
  return { pick, chance, word, authUrl, user, scope };
}

const PY_NAMES: Record<string, string> = {
  authUrl: "auth_url",
  userId: "user_id",
  username: "username",
  userDomainId: "user_domain_id",
  userDomainName: "user_domain_name",
  password: "password",
  passcode: "passcode",
  token: "token",
  projectId: "project_id",
  projectName: "project_name",
  projectDomainId: "project_domain_id",
  projectDomainName: "project_domain_name",
  domainId: "domain_id",
  domainName: "domain_name",
  trustId: "trust_id",
  systemScope: "system_scope",
  unscoped: "unscoped",
  includeCatalog: "include_catalog",
  tenantId: "tenant_id",
  tenantName: "tenant_name",
  defaultDomainId: "default_domain_id",
  defaultDomainName: "default_domain_name",
  applicationCredentialId: "application_credential_id",
  applicationCredentialName: "application_credential_name",
  applicationCredentialSecret: "application_credential_secret",
};

function pyArgs(o: Record<string, unknown>): Args {
  const out: Args = {};
  for (const [k, v] of Object.entries(o)) {
    if (v === undefined) continue;
    const name = PY_NAMES[k];
    if (!name) throw new Error(`no keystoneauth1 name for ${k}`);
    out[name] = v as string | boolean;
  }
  return out;
}

/** The documented additions: system_scope, unscoped, include_catalog (D-cache-id-scope). */
function scopeAdditions(o: Record<string, unknown>) {
  return (e: Record<string, string>) => {
    const out = { ...e };
    if (o.systemScope) out.system_scope = String(o.systemScope);
    if (o.unscoped) out.unscoped = "true";
    if (o.includeCatalog === false) out.include_catalog = "false";
    return out;
  };
}

function makeCase(g: ReturnType<typeof generator>, i: number): Case {
  const kind = g.pick(
    [
      "v3password",
      "v3token",
      "v3applicationcredential",
      "v3totp",
      "v3multifactor",
      "v2password",
      "v2token",
      "password",
      "token",
    ] as const,
  );
  const name = `${i}:${kind}`;
  switch (kind) {
    case "v3password": {
      const o = defined({
        authUrl: g.authUrl("v3"),
        ...g.user(),
        password: g.word("pw"),
        ...g.scope(),
        includeCatalog: g.chance(0.2) ? false : undefined,
      });
      const receipt = g.chance(0.15) ? g.word("rcpt") : undefined;
      return {
        name,
        plugin: new v3.Password({ ...o, receipt }),
        py: { plugin: kind, args: pyArgs(o), receipt },
        adjust: scopeAdditions(o),
      };
    }
    case "v3token": {
      const o = defined({ authUrl: g.authUrl("v3"), token: g.word("gAAAA"), ...g.scope() });
      return {
        name,
        plugin: new v3.Token(o),
        py: { plugin: kind, args: pyArgs(o) },
        adjust: scopeAdditions(o),
      };
    }
    case "v3applicationcredential": {
      const o = defined({
        authUrl: g.authUrl("v3"),
        applicationCredentialSecret: g.word("s"),
        ...(g.chance(0.5)
          ? { applicationCredentialId: g.word("ac-") }
          : { applicationCredentialName: g.word("cred"), ...g.user() }),
      });
      return {
        name,
        plugin: new v3.ApplicationCredential(o),
        py: { plugin: kind, args: pyArgs(o) },
      };
    }
    case "v3totp": {
      const o = defined({
        authUrl: g.authUrl("v3"),
        ...g.user(),
        passcode: String(100000 + Math.floor(g.chance(0.5) ? 23456 : 99999)),
        ...g.scope(),
      });
      return {
        name,
        plugin: new v3.Totp(o),
        py: { plugin: kind, args: pyArgs(o) },
        // D-cache-id-totp: keystoneauth1 hashes totp_passcode in, osauth leaves it out.
        adjust: (e) => {
          const { totp_passcode: _p, ...rest } = scopeAdditions(o)(e);
          return rest;
        },
      };
    }
    case "v3multifactor": {
      const o = defined({
        authUrl: g.authUrl("v3"),
        ...g.user(),
        password: g.word("pw"),
        passcode: "654321",
        ...g.scope(),
      });
      return {
        name,
        plugin: new v3.MultiFactor({ ...o, methods: ["password", "totp"] }),
        py: { plugin: kind, args: { ...pyArgs(o), auth_methods: ["v3password", "v3totp"] } },
        adjust: (e) => {
          const { totp_passcode: _p, ...rest } = scopeAdditions(o)(e);
          return rest;
        },
      };
    }
    case "v2password": {
      const o = defined({
        authUrl: g.authUrl("v2.0"),
        ...(g.chance(0.5) ? { userId: g.word("u-") } : { username: g.word("user") }),
        password: g.word("pw"),
        ...g.pick([{}, { tenantId: g.word("t-") }, { tenantName: g.word("ten") }]),
        trustId: g.chance(0.2) ? g.word("tr-") : undefined,
      });
      return { name, plugin: new v2.Password(o), py: { plugin: kind, args: pyArgs(o) } };
    }
    case "v2token": {
      const o = defined({
        authUrl: g.authUrl("v2.0"),
        token: g.word("tok"),
        ...g.pick([{}, { tenantId: g.word("t-") }, { tenantName: g.word("ten") }]),
      });
      return { name, plugin: new v2.Token(o), py: { plugin: kind, args: pyArgs(o) } };
    }
    case "password":
    case "token": {
      const scope = g.scope();
      delete scope.unscoped; // keystoneauth1's generic plugins have no unscoped option
      const o = defined({
        authUrl: g.authUrl(""),
        ...(kind === "password" ? { ...g.user(), password: g.word("pw") } : {
          token: g.word("tok"),
        }),
        ...scope,
        ...(g.chance(0.3) && !scope.projectId && !scope.projectName
          ? g.pick([{ tenantId: g.word("t-") }, { tenantName: g.word("ten") }])
          : {}),
        ...g.pick([{}, { defaultDomainId: g.word("dd-") }, { defaultDomainName: g.word("DD") }]),
      });
      return {
        name,
        plugin: kind === "password" ? new Password(o) : new Token(o),
        py: { plugin: kind, args: pyArgs(o) },
        adjust: scopeAdditions(o),
      };
    }
  }
}

const missing = await keystoneauthMissing();

Deno.test({
  name: "getCacheId equals keystoneauth1's get_cache_id on the same random plugins",
  ignore: missing !== undefined && !PYTHON_REQUIRED,
  async fn() {
    if (missing) throw new Error(`OSAUTH_REQUIRE_PYTHON=1 but ${missing}`);
    const seed = seedOf();
    await withSeed(seed, async () => {
      const g = generator(rng(seed));
      const cases = Array.from({ length: 150 }, (_, i) => makeCase(g, i));
      const py = await keystoneauth<{
        ids: (string | null)[];
        elements: (Record<string, string | null> | null)[];
      }>({ op: "cache_ids", cases: cases.map((c) => c.py) });
      let same = 0;
      for (const [i, c] of cases.entries()) {
        const pyId = py.ids[i];
        const pyElements = py.elements[i];
        assert.ok(pyId && pyElements, `${c.name}: keystoneauth1 gave no cache id`);
        const ours = await c.plugin.getCacheId();
        // keystoneauth1's digest of its own elements is what our hash of them gives
        assert.equal((await cacheIdentity(pyElements, "py")).id, pyId, `${c.name}: hash`);
        const plain: Record<string, string> = {};
        for (const [k, v] of Object.entries(pyElements)) if (v !== null) plain[k] = String(v);
        const expected = c.adjust ? c.adjust(plain) : plain;
        const unchanged = JSON.stringify(expected) === JSON.stringify(plain);
        assert.equal(
          ours,
          (await cacheIdentity(expected as CacheIdElements, "py")).id,
          `${c.name}: elements ${JSON.stringify(Object.keys(expected).sort())}`,
        );
        if (unchanged) {
          assert.equal(ours, pyId, `${c.name}: the same digest as keystoneauth1`);
          same++;
        } else {
          assert.notEqual(ours, pyId, `${c.name}: a documented difference changes the id`);
        }
      }
      assert.ok(same > 60, `most cases have keystoneauth1's exact digest (${same})`);
    });
  },
});

Deno.test("getCacheId: same credentials and scope share it; any other element changes it", async () => {
  const base = {
    authUrl: "http://127.0.0.1:5000/v3",
    userId: "u1",
    password: "pw",
    projectId: "p1",
  };
  const id = await new v3.Password(base).getCacheId();
  assert.equal(await new v3.Password({ ...base }).getCacheId(), id);
  assert.match(id, /^[A-Za-z0-9+/]{43}=$/);
  for (
    const other of [
      { ...base, password: "pw2" },
      { ...base, userId: "u2" },
      { ...base, projectId: "p2" },
      { ...base, authUrl: "http://127.0.0.1:5001/v3" },
      { ...base, projectId: undefined, domainId: "d1" },
      { ...base, projectId: undefined, systemScope: "all" },
      { ...base, includeCatalog: false },
    ]
  ) {
    assert.notEqual(await new v3.Password(other).getCacheId(), id, JSON.stringify(other));
  }
  assert.ok(!id.includes("pw"));
  // a v3.Totp's id does not change with the passcode (D-cache-id-totp)
  const totp = { authUrl: base.authUrl, userId: "u1", projectId: "p1" };
  assert.equal(
    await new v3.Totp({ ...totp, passcode: "111111" }).getCacheId(),
    await new v3.Totp({ ...totp, passcode: "222222" }).getCacheId(),
  );
});

// D-get-cache-id-unsupported
Deno.test("getCacheId of a plugin without cache id elements rejects with OptionError", async () => {
  class Custom extends v3.Password {
    override authMethods() {
      return [{ name: "custom", payload: () => ({}) }];
    }
  }
  const plugin = new Custom({
    authUrl: "http://127.0.0.1:5000/v3",
    userId: "u",
    password: "p",
  });
  await assert.rejects(plugin.getCacheId(), OptionError);
  await assert.rejects(plugin.getCacheId(), /Custom has no cache id/);
});

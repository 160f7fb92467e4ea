/**
 * Auth states with the real Keystone's token bodies: a state osauth writes is
 * accepted by keystoneauth1's set_auth_state (same token, user, project,
 * expiry, catalog), and a state keystoneauth1 got from Keystone is accepted
 * by setAuthState and works for real requests (Keystone's own API
 * through the catalog) without a token request. And the shared store's 401 path against
 * Keystone's own revocation.
 */
import assert from "node:assert/strict";
import { Session, v3 } from "../../mod.ts";
import { MemoryStateStore } from "../../src/stores/mod.ts";
import { type DevCloudFixtures, loadFixturesOrWarn } from "./_devcloud.ts";
import { keystoneauth, keystoneauthMissing } from "../unit/_stores.ts";

const fx: DevCloudFixtures | undefined = await loadFixturesOrWarn("stores_keystone");
const missing = fx ? await keystoneauthMissing() : "no dev cloud";

function demo(f: DevCloudFixtures, extra: Partial<v3.PasswordOptions> = {}): v3.Password {
  return new v3.Password({
    authUrl: f.auth_url,
    username: f.users.demo.name,
    userDomainId: f.users.demo.domain_id,
    password: f.users.demo.password,
    projectName: f.projects.demo.name,
    projectDomainId: f.projects.demo.domain_id,
    ...extra,
  });
}

function pyArgs(f: DevCloudFixtures) {
  return {
    auth_url: f.auth_url,
    username: f.users.demo.name,
    user_domain_id: f.users.demo.domain_id,
    password: f.users.demo.password,
    project_name: f.projects.demo.name,
    project_domain_id: f.projects.demo.domain_id,
  };
}

/** Counts token POSTs through the Session's fetch (a wrapper of the real fetch). */
function counting() {
  let posts = 0;
  const fetchFn: typeof fetch = (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    if ((init?.method ?? "GET") === "POST" && url.includes("/auth/tokens")) posts++;
    return fetch(input, init);
  };
  return { fetch: fetchFn, posts: () => posts };
}

interface PyAccess {
  token: string;
  user_id: string;
  project_id: string;
  expires: string;
  catalog_urls: string[];
}

Deno.test({
  name: "keystoneauth1 accepts osauth's state of a real Keystone token, and osauth keystoneauth1's",
  ignore: !fx || missing !== undefined,
  async fn() {
    const f = fx!;
    const ours = demo(f);
    await ours.getAccess(new Session({ auth: ours }));
    const state = ours.getAuthState()!;
    const loaded = await keystoneauth<{ access: PyAccess; state: string }>({
      op: "load_state",
      plugin: "v3password",
      args: pyArgs(f),
      state,
    });
    const access = ours.cachedAccess!;
    assert.equal(loaded.access.token, access.token);
    assert.equal(loaded.access.user_id, access.userId);
    assert.equal(loaded.access.project_id, access.projectId);
    assert.equal(new Date(loaded.access.expires).getTime(), access.expiresAt.getTime());
    assert.deepEqual(loaded.access.catalog_urls, access.catalog.endpoints.map((e) => e.url).sort());

    // keystoneauth1 authenticates against Keystone; osauth takes its state
    const theirs = await keystoneauth<{ access: PyAccess; state: string }>({
      op: "authenticate",
      plugin: "v3password",
      args: pyArgs(f),
    });
    const count = counting();
    const plugin = demo(f);
    plugin.setAuthState(theirs.state);
    assert.equal(plugin.cachedAccess!.token, theirs.access.token);
    const session = new Session({ auth: plugin, fetch: count.fetch });
    const resp = await session.get("/auth/projects", {
      endpointFilter: { serviceType: "identity" },
    });
    assert.equal(resp.status, 200);
    await resp.body?.cancel();
    assert.equal(count.posts(), 0, "keystoneauth1's token was used, no new one requested");
    assert.equal(plugin.getAuthState(), JSON.stringify(JSON.parse(theirs.state)));
  },
});

Deno.test({
  name:
    "a token Keystone revoked: the 401 deletes the shared entry and the next process re-authenticates",
  ignore: !fx,
  async fn() {
    const f = fx!;
    const store = new MemoryStateStore();
    const count = counting();
    const a = demo(f, { stateStore: store });
    const sa = new Session({ auth: a, fetch: count.fetch });
    await a.getAccess(sa);
    const revoked = a.cachedAccess!.token;
    // revoke it in Keystone itself (the user's own token: DELETE /v3/auth/tokens)
    const del = await fetch(`${f.auth_url}/auth/tokens`, {
      method: "DELETE",
      headers: { "X-Auth-Token": revoked, "X-Subject-Token": revoked },
    });
    assert.equal(del.status, 204);
    const b = demo(f, { stateStore: store });
    const sb = new Session({ auth: b, fetch: count.fetch });
    // b reads the revoked token from the store, Keystone refuses it, b deletes and re-authenticates
    const resp = await sb.get("/auth/projects", {
      endpointFilter: { serviceType: "identity" },
    });
    assert.equal(resp.status, 200);
    await resp.body?.cancel();
    assert.notEqual(b.cachedAccess!.token, revoked);
    assert.equal(count.posts(), 2);
    const c = demo(f, { stateStore: store });
    await c.getAccess(new Session({ auth: c, fetch: count.fetch }));
    assert.equal(c.cachedAccess!.token, b.cachedAccess!.token);
    assert.equal(count.posts(), 2);
  },
});

/**
 * `AuthPlugin.currentCredentials`: a third-party plugin that gives its
 * current credentials without awaiting is used as its asynchronous methods
 * would be (same headers, endpoints and trusted origins), and the Session
 * falls back to those methods whenever it answers `undefined`.
 */
import assert from "node:assert/strict";
import { Adapter, Session, UntrustedOrigin } from "../../mod.ts";
import type { AuthPlugin, CurrentCredentials, EndpointFilter } from "../../mod.ts";
import { echoServer } from "./_helpers.ts";

/** A plugin with an API key per "generation"; counts its asynchronous calls. */
class KeyPlugin implements AuthPlugin {
  calls = { getHeaders: 0, getEndpoint: 0, getTrustedOrigins: 0, current: 0 };
  generation = 1;
  atHand = true;
  sessions: unknown[] = [];
  #cache: { generation: number; current: CurrentCredentials } | undefined;
  readonly endpoint: string;
  readonly withOrigins: boolean;
  constructor(endpoint: string, withOrigins = true) {
    this.endpoint = endpoint;
    this.withOrigins = withOrigins;
  }
  #headers(): Record<string, string> {
    return { "X-Api-Key": `key-${this.generation}` };
  }
  getHeaders(): Promise<Record<string, string>> {
    this.calls.getHeaders++;
    return Promise.resolve(this.#headers());
  }
  getEndpoint(_s: unknown, f: EndpointFilter): Promise<string | undefined> {
    this.calls.getEndpoint++;
    return Promise.resolve(`${this.endpoint}/${f.serviceType}`);
  }
  getTrustedOrigins(): Promise<string[]> {
    this.calls.getTrustedOrigins++;
    return Promise.resolve([new URL(this.endpoint).origin]);
  }
  invalidate(): boolean {
    this.generation++;
    return true;
  }
  currentCredentials(session: unknown): CurrentCredentials | undefined {
    this.calls.current++;
    this.sessions.push(session);
    if (!this.atHand) return undefined;
    if (this.#cache?.generation !== this.generation) {
      const origins = Object.freeze([new URL(this.endpoint).origin]);
      this.#cache = {
        generation: this.generation,
        current: Object.freeze({
          headers: Object.freeze(this.#headers()),
          ...(this.withOrigins ? { trustedOrigins: origins } : {}),
          endpoint: (f: EndpointFilter) => `${this.endpoint}/${f.serviceType}`,
        }),
      };
    }
    return this.#cache.current;
  }
}

/** The same plugin without getTrustedOrigins: its headers go to the endpoints it gave. */
class KeyPluginNoOrigins extends KeyPlugin {
  constructor(endpoint: string) {
    super(endpoint, false);
  }
  declare getTrustedOrigins: never;
}
Object.defineProperty(KeyPluginNoOrigins.prototype, "getTrustedOrigins", { value: undefined });

Deno.test("a third-party plugin's current credentials are sent without its async methods", async () => {
  const e = echoServer();
  try {
    const auth = new KeyPlugin(e.url);
    const sess = new Session({ auth });
    const filter = { endpointFilter: { serviceType: "compute" } };
    for (let i = 0; i < 3; i++) await (await sess.get("/x", filter)).body?.cancel();
    // a fresh filter literal every call, as the README writes it
    await (await sess.get("/y", { endpointFilter: { serviceType: "image" } })).body?.cancel();
    const adapter = new Adapter(sess, { serviceType: "network" });
    await (await adapter.get("/z")).body?.cancel();
    assert.deepEqual(e.seen.map((r) => r.path), [
      "/compute/x",
      "/compute/x",
      "/compute/x",
      "/image/y",
      "/network/z",
    ]);
    assert.deepEqual(e.seen.map((r) => r.headers.get("x-api-key")), Array(5).fill("key-1"));
    assert.deepEqual(
      [auth.calls.getHeaders, auth.calls.getEndpoint, auth.calls.getTrustedOrigins],
      [0, 0, 0],
      "nothing awaited while the credentials are at hand",
    );
    assert.ok(auth.calls.current >= 5);
    assert.ok(auth.sessions.every((s) => s === sess), "the plugin is given the session");
    // new credentials (a new frozen object): the next request sends them
    auth.invalidate();
    await (await sess.get("/x", filter)).body?.cancel();
    assert.equal(e.seen.at(-1)?.headers.get("x-api-key"), "key-2");
  } finally {
    await e.close();
  }
});

Deno.test("a plugin whose current credentials are not at hand is asked asynchronously", async () => {
  const e = echoServer();
  try {
    const auth = new KeyPlugin(e.url);
    auth.atHand = false;
    const sess = new Session({ auth });
    await (await sess.get("/x", { endpointFilter: { serviceType: "compute" } })).body?.cancel();
    assert.equal(e.seen[0]?.path, "/compute/x");
    assert.equal(e.seen[0]?.headers.get("x-api-key"), "key-1");
    assert.deepEqual(
      [auth.calls.getHeaders, auth.calls.getEndpoint, auth.calls.getTrustedOrigins],
      [1, 1, 1],
    );
    // at hand again, and a subclass of Session that replaces getAuthHeaders still sees every call
    auth.atHand = true;
    class Extra extends Session {
      override async getAuthHeaders(a?: AuthPlugin): Promise<Record<string, string>> {
        return { ...await super.getAuthHeaders(a), "X-Extra": "1" };
      }
    }
    const sub = new Extra({ auth });
    await (await sub.get("/x", { endpointFilter: { serviceType: "compute" } })).body?.cancel();
    assert.equal(e.seen.at(-1)?.headers.get("x-extra"), "1");
    assert.equal(e.seen.at(-1)?.headers.get("x-api-key"), "key-1");
  } finally {
    await e.close();
  }
});

Deno.test("current credentials go only to their trusted origins (or the endpoints given)", async () => {
  const e = echoServer();
  const other = echoServer();
  try {
    for (const auth of [new KeyPlugin(e.url), new KeyPluginNoOrigins(e.url)]) {
      const sess = new Session({ auth });
      await (await sess.get("/x", { endpointFilter: { serviceType: "compute" } })).body?.cancel();
      const label = auth.constructor.name;
      assert.equal(e.seen.at(-1)?.headers.get("x-api-key"), "key-1", label);
      await assert.rejects(sess.get(`${other.url}/steal`), UntrustedOrigin, label);
      // the endpoint's own origin, absolute, is trusted
      await (await sess.get(`${e.url}/abs`)).body?.cancel();
      assert.equal(e.seen.at(-1)?.path, "/abs", label);
    }
    assert.equal(other.seen.length, 0, "nothing reached the untrusted origin");
  } finally {
    await other.close();
    await e.close();
  }
});

Deno.test("current credentials marked noCredential go to any origin", async () => {
  const e = echoServer();
  try {
    const current: CurrentCredentials = Object.freeze({
      headers: Object.freeze({ "X-Placeholder": "none" }),
      noCredential: true,
    });
    const auth: AuthPlugin = {
      getHeaders: () => Promise.resolve({ "X-Placeholder": "none" }),
      getEndpoint: () => Promise.resolve(undefined),
      invalidate: () => false,
      currentCredentials: () => current,
    };
    const sess = new Session({ auth });
    await (await sess.get(`${e.url}/anywhere`)).body?.cancel();
    assert.equal(e.seen[0]?.headers.get("x-placeholder"), "none");
  } finally {
    await e.close();
  }
});

Deno.test("an AuthPlugin's currentCredentials that is not a function is an OptionError", () => {
  const auth = {
    getHeaders: () => Promise.resolve({}),
    getEndpoint: () => Promise.resolve(undefined),
    invalidate: () => false,
    currentCredentials: 5,
  } as unknown as AuthPlugin;
  assert.throws(() => new Session({ auth }), /currentCredentials/);
});

Deno.test("a frozen filter's endpoint follows new credentials (its memo is per credentials)", async () => {
  const e = echoServer();
  try {
    let generation = 1;
    const currents = new Map<number, CurrentCredentials>();
    const currentOf = (): CurrentCredentials => {
      let c = currents.get(generation);
      if (!c) {
        const g = generation;
        c = Object.freeze({
          headers: Object.freeze({ "X-Api-Key": `key-${g}` }),
          trustedOrigins: Object.freeze([e.url]),
          endpoint: (f: EndpointFilter) => `${e.url}/g${g}/${f.serviceType}`,
        });
        currents.set(g, c);
      }
      return c;
    };
    const auth: AuthPlugin = {
      getHeaders: () => Promise.resolve({ ...currentOf().headers }),
      getEndpoint: (_s, f) => Promise.resolve(currentOf().endpoint!(f)),
      getTrustedOrigins: () => Promise.resolve([e.url]),
      invalidate: () => (generation++, true),
      currentCredentials: () => currentOf(),
    };
    const sess = new Session({ auth });
    const options = { endpointFilter: Object.freeze({ serviceType: "compute" }) };
    for (let i = 0; i < 2; i++) await (await sess.get("/x", options)).body?.cancel();
    auth.invalidate();
    await (await sess.get("/x", options)).body?.cancel();
    assert.deepEqual(e.seen.map((r) => `${r.path} ${r.headers.get("x-api-key")}`), [
      "/g1/compute/x key-1",
      "/g1/compute/x key-1",
      "/g2/compute/x key-2",
    ]);
  } finally {
    await e.close();
  }
});

/**
 * Test kit for code that uses osauth (`jsr:@x/osauth/testing`): token
 * fixture builders like keystoneauth1's `fixture` module, and
 * {@linkcode FakeCloud}, an in-memory fake Keystone plus services that answers
 * standard `Request`s: `cloud.serve()` serves it on 127.0.0.1 on Deno, Bun and
 * Node, and it also runs under any server that takes a fetch-style handler, or
 * as a Session's injected `fetch`. With `cors` it answers browsers as a
 * Keystone with oslo.middleware's CORS does.
 *
 * @example Serve a fake cloud and authenticate against it
 * ```ts
 * import { FakeCloud } from "jsr:@x/osauth/testing";
 *
 * const cloud = new FakeCloud(); // user admin / "secret", project "admin" (id p-admin)
 * const resp = await cloud.fetch(`${cloud.baseUrl}/v3/auth/tokens`, {
 *   method: "POST",
 *   headers: { "Content-Type": "application/json" },
 *   body: JSON.stringify({
 *     auth: {
 *       identity: {
 *         methods: ["password"],
 *         password: { user: { name: "admin", domain: { id: "default" }, password: "secret" } },
 *       },
 *       scope: { project: { id: "p-admin" } },
 *     },
 *   }),
 * });
 * console.assert(resp.status === 201 && resp.headers.has("X-Subject-Token"));
 * await resp.body?.cancel();
 * ```
 *
 * @example Build a token body
 * ```ts
 * import { V3Token } from "jsr:@x/osauth/testing";
 * const token = new V3Token({ projectId: "p1", projectName: "demo" });
 * token.addService("compute").addStandardEndpoints({ public: "http://127.0.0.1:8774/v2.1" });
 * console.assert(token.toJSON().token.catalog?.length === 1);
 * ```
 *
 * @module
 */
export {
  type FixtureRoleInput,
  type StandardEndpoints,
  type V3CatalogEndpoint,
  type V3CatalogEntry,
  type V3DomainRef,
  type V3DomainScope,
  type V3EndpointOptions,
  V3FixtureService,
  type V3ProjectScope,
  V3Token,
  type V3TokenBody,
  type V3TokenData,
  type V3TokenOptions,
  type V3TokenRole,
  type V3TrustData,
  type V3TrustScope,
} from "./fixtures/v3.ts";
export {
  type V2AccessData,
  type V2CatalogEndpoint,
  type V2CatalogEntry,
  type V2EndpointOptions,
  V2FixtureService,
  V2Token,
  type V2TokenBody,
  type V2TokenOptions,
} from "./fixtures/v2.ts";
export { FakeCloud } from "./fake_cloud.ts";
export {
  FAKE_CLOUD_DEFAULTS,
  type FakeApplicationCredential,
  type FakeCloudDefaults,
  type FakeCloudOptions,
  type FakeCloudStats,
  type FakeDomain,
  type FakeEcho,
  type FakeFault,
  type FakeFaultHandle,
  type FakeInterface,
  type FakeListItem,
  type FakeMicroversions,
  type FakeProject,
  type FakeRequestRecord,
  type FakeServer,
  type FakeService,
  type FakeTokenInfo,
  type FakeTokenOptions,
  type FakeTrust,
  type FakeUser,
  type FakeVersion,
} from "./fake/types.ts";
export { FAKE_CORS_ALLOW_HEADERS, FAKE_CORS_EXPOSE_HEADERS, type FakeCors } from "./cors.ts";

/**
 * osauth: OpenStack sessions and authentication for `fetch`-based runtimes
 * (Deno, Deno Deploy, Bun, Node), after Python's keystoneauth1.
 *
 * A {@linkcode Session} holds an auth plugin and connection settings; it
 * authenticates on demand, caches and refreshes the token, resolves
 * endpoints from the service catalog and sends requests with `fetch`.
 *
 * @example Authenticate and call a service through the catalog
 * ```ts
 * import assert from "node:assert/strict";
 * import { Session, v3 } from "jsr:@x/osauth";
 * import { FakeCloud } from "jsr:@x/osauth/testing";
 *
 * // stands in for https://my.keystone.com:5000: a Keystone with this user, project and region
 * const server = await new FakeCloud({
 *   users: [{
 *     id: "u-1", name: "myuser", password: "mypassword", projects: [{ id: "p-1", name: "proj" }],
 *   }],
 *   regions: ["myregion"],
 * }).serve();
 *
 * const auth = new v3.Password({
 *   authUrl: `${server.url}/v3`, // "https://my.keystone.com:5000/v3"
 *   username: "myuser", password: "mypassword", projectName: "proj",
 *   userDomainId: "default", projectDomainId: "default",
 * });
 * const sess = new Session({ auth });
 * const resp = await sess.get("/v3/users", {
 *   endpointFilter: { serviceType: "identity", interface: "public", regionName: "myregion" },
 * });
 * const users = await resp.json();
 * assert.equal(resp.url, `${server.url}/v3/users`); // the catalog's identity URL + the path
 * await server.close();
 * ```
 *
 * @example Share one plugin between sessions, or override it per request
 * ```ts
 * import assert from "node:assert/strict";
 * import { Session, v3 } from "jsr:@x/osauth";
 * import { FakeCloud } from "jsr:@x/osauth/testing";
 *
 * const cloud = new FakeCloud(); // stands in for https://my.keystone.com:5000
 * const server = await cloud.serve();
 * const sess = new Session({
 *   auth: new v3.Password({
 *     authUrl: server.authUrl, username: "admin", password: "secret", projectName: "admin",
 *     userDomainId: "default", projectDomainId: "default",
 *   }),
 * });
 * // Other connection settings (on Deno and Bun e.g. verify: "/path/to/different-cas.cert",
 * // see README's "TLS per runtime"), the same plugin and so the same token:
 * const other = new Session({ auth: sess.auth, timeout: 10_000 });
 * const compute = { endpointFilter: { serviceType: "compute" } };
 * await sess.getJson("/servers", compute);
 * await other.getJson("/servers", compute);
 * assert.equal(cloud.stats.tokenRequests, 1);
 *
 * // Per request: no token (Keystone's version document), or another plugin with `auth`.
 * const resp = await sess.get(server.authUrl, { authenticated: false });
 * await resp.body?.cancel();
 * assert.equal(cloud.stats.requests.at(-1)?.headers["x-auth-token"], undefined);
 * await server.close();
 * ```
 *
 * @module
 */
export { Session } from "./src/session/session.ts";
export { RequestMethods } from "./src/session/verbs.ts";
export type { RequestOptions, SessionOptions } from "./src/session/options.ts";
export type {
  AfterResponseHook,
  AuthContext,
  AuthPlugin,
  BeforeErrorHook,
  BeforeRequestHook,
  BeforeRetryHook,
  CurrentCredentials,
  EndpointDataFilter,
  EndpointFilter,
  HookRequest,
  Hooks,
  Logger,
  RetryState,
} from "./src/types.ts";
export type { BodyLike, CryptoKeyLike, HeadersLike } from "./src/util/web_types.ts";
export type { PaginateOptions } from "./src/session/paginate.ts";
export type { QueryInit, QueryValue } from "./src/types.ts";
export { type RequestTiming, TIMINGS_LIMIT } from "./src/session/timings.ts";
export { JSON_BODY_LIMIT } from "./src/session/json.ts";
export type { AuthStateLease, AuthStateStore } from "./src/stores/interface.ts";
export type { CacheIdElements } from "./src/identity/state.ts";
export {
  AuthorizationFailure,
  BadGateway,
  BadRequest,
  CloudConfigError,
  Conflict,
  ConnectFailure,
  ConnectTimeout,
  DiscoveryFailure,
  EmptyCatalog,
  EndpointNotFound,
  Forbidden,
  GatewayTimeout,
  Gone,
  HttpError,
  httpErrorFromResponse,
  type HttpErrorInit,
  HttpNotImplemented,
  InternalServerError,
  InvalidResponse,
  MethodNotAllowed,
  MissingAuthMethods,
  MissingAuthPlugin,
  NetworkPermissionDenied,
  NotAcceptable,
  NotFound,
  OptionError,
  OsAuthError,
  PaginationError,
  RequestEntityTooLarge,
  RequestTimeout,
  ServiceUnavailable,
  TooManyRedirects,
  TooManyRequests,
  Unauthorized,
  UnprocessableEntity,
  UnsupportedMediaType,
  UntrustedOrigin,
  VersionNotAvailable,
} from "./src/errors.ts";
export {
  AccessInfo,
  type ApplicationCredentialRef,
  type IdentityRef,
  type RoleRef,
  type ServiceProviderRef,
  type TrustRef,
} from "./src/access/access_info.ts";
export type { AccessInfoInit } from "./src/access/access_info.ts";
export {
  type CatalogEndpoint,
  normalizeInterface,
  ServiceCatalog,
} from "./src/catalog/service_catalog.ts";
export { allServiceTypes, officialServiceType } from "./src/catalog/service_types.ts";
export {
  type BaseIdentityOptions,
  BaseIdentityPlugin,
  MIN_TOKEN_LIFE_SECONDS,
} from "./src/identity/base.ts";
export * as v3 from "./src/identity/v3/mod.ts";
export type { ScopeOptions, UserOptions } from "./src/identity/v3/base.ts";
export * as v2 from "./src/identity/v2/mod.ts";
export {
  GenericIdentityPlugin,
  type GenericOptions,
  type GenericPasswordOptions,
  type GenericTokenOptions,
  Password,
  Token,
} from "./src/identity/generic.ts";
export { TokenEndpoint, type TokenEndpointOptions } from "./src/plugins/token_endpoint.ts";
export { NoAuth, type NoAuthOptions } from "./src/plugins/noauth.ts";
export { HttpBasic, type HttpBasicOptions } from "./src/plugins/http_basic.ts";
export {
  type AuthOption,
  type AuthTypeLoader,
  authTypeNames,
  loadAuthPlugin,
  type LoadOptions,
  registerAuthType,
} from "./src/loading/registry.ts";
export {
  SERVICE_TOKEN_HEADER,
  ServiceTokenAuth,
  type ServiceTokenAuthOptions,
} from "./src/plugins/service_token.ts";
export {
  DEFAULT_DISCOVERY_CACHE_SIZE,
  DiscoveryCache,
  type DiscoveryCacheOptions,
} from "./src/discovery/cache.ts";
export { EndpointData, type EndpointDataInit } from "./src/discovery/endpoint_data.ts";
export type {
  AllVersionData,
  AllVersionDataFilter,
  VersionStringData,
} from "./src/discovery/all_versions.ts";
export {
  type DiscoveryContext,
  type DiscoveryOptions,
  getEndpointData,
} from "./src/discovery/discover.ts";
export type { EndpointSource } from "./src/discovery/endpoint.ts";
export type { VersionStatus, VersionStatusFilter } from "./src/discovery/document.ts";
export {
  type ClientMicroversions,
  type MicroversionRange,
  negotiateMicroversion,
  type ServerMicroversions,
} from "./src/discovery/negotiate.ts";
export { Adapter, type AdapterOptions, type AdapterRequestOptions } from "./src/adapter.ts";
export { VERSION } from "./src/version.ts";

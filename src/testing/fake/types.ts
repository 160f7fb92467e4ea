/**
 * The public option and result types of {@linkcode FakeCloud}, and
 * {@linkcode FAKE_CLOUD_DEFAULTS}: the users, projects and credentials a
 * cloud built without `users` has.
 *
 * @module
 */
import type { FakeCors } from "../cors.ts";

/** A project a {@linkcode FakeUser} has roles on. */
export interface FakeProject {
  /** Project id. */
  id: string;
  /** Project name. */
  name: string;
  /** Domain of the project (default `"default"`). */
  domainId?: string;
  /** Role names the user has on the project (default `["member"]`). */
  roles?: string[];
}

/** A user of a {@linkcode FakeCloud}. */
export interface FakeUser {
  /** User id. */
  id: string;
  /** User name (unique within its domain). */
  name: string;
  /** Password for the `password` method and v2.0 `passwordCredentials`. */
  password: string;
  /** Domain of the user (default `"default"`). */
  domainId?: string;
  /** The passcode the `totp` method accepts; TOTP fails when unset. */
  totpPasscode?: string;
  /** Projects the user has roles on. */
  projects?: FakeProject[];
  /** Role names by domain id, for domain-scoped tokens. */
  domainRoles?: Record<string, string[]>;
  /** Role names on the system, for system-scoped tokens. */
  systemRoles?: string[];
  /** Project a password authentication without scope is scoped to, as Keystone does. */
  defaultProjectId?: string;
  /**
   * Multi-factor rules, as Keystone's `multi_factor_auth_rules`: a token
   * needs every method of one rule (e.g. `[["password", "totp"]]`). Fewer
   * methods get a 401 with an `Openstack-Auth-Receipt` that a later request
   * with the missing methods can send back (receipts last 5 minutes and, as
   * Keystone's, can be used again until then).
   */
  mfaRules?: string[][];
}

/** A domain of a {@linkcode FakeCloud}. */
export interface FakeDomain {
  /** Domain id. */
  id: string;
  /** Domain name. */
  name: string;
}

/** An application credential of a {@linkcode FakeCloud}. */
export interface FakeApplicationCredential {
  /** Credential id. */
  id: string;
  /** Credential name (unique per user). */
  name: string;
  /** The secret. */
  secret: string;
  /** Owner. */
  userId: string;
  /** The project tokens obtained with it are scoped to. */
  projectId: string;
  /** Role names (default: the owner's roles on the project). */
  roles?: string[];
  /** Restricted flag shown in tokens (default true). */
  restricted?: boolean;
}

/** A trust of a {@linkcode FakeCloud} (`OS-TRUST:trust` scope). */
export interface FakeTrust {
  /** Trust id. */
  id: string;
  /** The user delegating. */
  trustorUserId: string;
  /** The user allowed to use the trust. */
  trusteeUserId: string;
  /** The project the trust is for. */
  projectId: string;
  /** Delegated role names (default: the trustor's roles on the project). */
  roles?: string[];
  /** When true the token's user is the trustor (default false). */
  impersonation?: boolean;
}

/** An API version a fake service advertises in its version documents. */
export interface FakeVersion {
  /** Version id, e.g. `"v2.1"`. */
  id: string;
  /** Status, e.g. `"CURRENT"`, `"SUPPORTED"`, `"stable"`. */
  status: string;
  /**
   * Path of this version below the service root, e.g. `"v2.1"` (default: the
   * id). `""` means the service root itself (as Placement does).
   */
  path?: string;
  /** Nova-style maximum microversion (`"version"` field). */
  version?: string;
  /** Minimum microversion (`"min_version"` field). */
  minVersion?: string;
  /** Placement-style maximum microversion (`"max_version"` field). */
  maxVersion?: string;
  /** `"updated"` field. */
  updated?: string;
}

/** Microversion bounds a fake service enforces. */
export interface FakeMicroversions {
  /** Lowest accepted microversion, e.g. `"2.1"` (also the default). */
  min: string;
  /** Highest accepted microversion, e.g. `"2.95"` (what `latest` means). */
  max: string;
}

/** Endpoint interfaces. */
export type FakeInterface = "public" | "internal" | "admin";

/** A service of a {@linkcode FakeCloud}. */
export interface FakeService {
  /** Service type, e.g. `"compute"`. */
  type: string;
  /** Service name in the catalog. */
  name?: string;
  /** Service id in the catalog (default `"svc-<type>"`). */
  id?: string;
  /** URL path of the service root (default `"/<type>"`; identity: `""`). */
  path?: string;
  /** Versions listed at the service root (unauthenticated); none: the root needs a token. */
  versions?: FakeVersion[];
  /** Status of the root version list (default 200). */
  versionsStatus?: number;
  /** Microversion bounds: enables `OpenStack-API-Version` handling. */
  microversions?: FakeMicroversions;
  /** Legacy microversion header (default for compute: `X-OpenStack-Nova-API-Version`). */
  legacyMicroversionHeader?: string;
  /**
   * Appended to the service root in catalog URLs, e.g. `"v2.1/{project_id}"`.
   * Endpoints whose path needs `{project_id}` are left out of tokens without a project.
   */
  catalogVersionPath?: string;
  /** Regions with endpoints (default: the cloud's `regions`). */
  regions?: string[];
  /** Interfaces with endpoints (default all three). */
  interfaces?: FakeInterface[];
}

/**
 * An item of a paginated list of a {@linkcode FakeCloud} (see
 * {@linkcode FakeCloudOptions.lists}): a resource as the service lists it,
 * e.g. a flavor `{ id: "1", name: "m1.tiny" }`; its `id` is its marker.
 */
export interface FakeListItem {
  /** The id, which a next page's `marker` names. */
  id: string;
  /** The other fields, served as given. */
  [field: string]: unknown;
}

/** Options of {@linkcode FakeCloud}; all optional. */
export interface FakeCloudOptions {
  /** Users (default: {@linkcode FAKE_CLOUD_DEFAULTS}'s admin user). */
  users?: FakeUser[];
  /** Domain names (default `default`/`Default`; others referenced get their id as name). */
  domains?: FakeDomain[];
  /** Application credentials (default: one for the default admin user, when `users` is unset). */
  applicationCredentials?: FakeApplicationCredential[];
  /** Trusts (default none). */
  trusts?: FakeTrust[];
  /**
   * Services besides identity (default: compute, placement, image). An entry of
   * type `identity` customises the identity service (name, id, path, regions,
   * interfaces, catalogVersionPath).
   */
  services?: FakeService[];
  /** Default regions of services (default `["RegionOne"]`); the first has no URL prefix. */
  regions?: string[];
  /** Serve Keystone v3 (default true). */
  identityV3?: boolean;
  /** Serve Keystone v2.0 (default true). */
  identityV2?: boolean;
  /** Token lifetime (default 3600). */
  tokenTtlSeconds?: number;
  /** Clock in ms since the epoch (default `Date.now`). */
  now?: () => number;
  /** `"fernet"` (default: long opaque ids) or `"uuid"` (32 hex characters). */
  tokenFormat?: "fernet" | "uuid";
  /** Origin `cloud.fetch` resolves relative URLs against (default `http://127.0.0.1:5000`). */
  baseUrl?: string;
  /**
   * Paginated lists, by service type and then list name, e.g.
   * `{ compute: { flavors: [...] }, image: { images: [...] } }`. With a
   * valid token, a `GET` of a path below that service whose last segment is
   * the name (`/compute/v2.1/<project>/flavors`, `/image/v2/images`) answers
   * one page of the items (in the given order), as the real service pages:
   * `limit` (Nova and the others: default and maximum 1000; Glance
   * (`image`): default 25, maximum 1000; `0`: an empty page), `marker` (the
   * `id` of the last item already seen: the page starts after it; an unknown
   * one is a 400), and a next link on a full page: Glance's root-relative `next`
   * (`/v2/images?limit=..&marker=..`, with `first` and `schema`), the
   * others' `<name>_links: [{ rel: "next", href }]` (absolute, as Nova,
   * Cinder and Neutron give it). Other query parameters are kept in the
   * next link, not filtered on. Other methods and paths echo the request.
   * Services other than identity only.
   */
  lists?: Record<string, Record<string, FakeListItem[]>>;
  /**
   * CORS as oslo.middleware answers it (default: none, as a Keystone without
   * `[cors] allowed_origin`): preflights, allowed and exposed headers, for
   * tests that run osauth in a browser.
   */
  cors?: FakeCors;
}

/** A fault to inject with {@linkcode FakeCloud.inject}. */
export interface FakeFault {
  /** Only requests with this method (default any). */
  method?: string;
  /**
   * Request path: a string matches that path and everything below it
   * (`"/compute"` matches `/compute/servers`); a RegExp is tested on the path.
   * Paths include any `/region/<r>` and `/internal`/`/admin` prefix.
   */
  path: string | RegExp;
  /** Status to answer; when unset the request proceeds normally after `delayMs`. */
  status?: number;
  /** Extra response headers, e.g. `{ "Retry-After": "1" }`. */
  headers?: Record<string, string>;
  /** Body: a string as is, anything else as JSON (default: a Keystone-like error body). */
  body?: unknown;
  /** How many matching requests it applies to (default 1; `Infinity` allowed). */
  times?: number;
  /**
   * Stall this long (ms) before answering. Through `cloud.fetch` a stall ends
   * when the caller aborts; `clearFaults()` and the `close()` of `serve()` end
   * every stall.
   */
  delayMs?: number;
}

/** Returned by {@linkcode FakeCloud.inject}. */
export interface FakeFaultHandle {
  /** Requests the fault was applied to so far. */
  readonly hits: number;
  /** Applications left. */
  readonly remaining: number;
  /** Stops applying the fault. */
  cancel(): void;
}

/** A request seen by a {@linkcode FakeCloud}; tokens are replaced by `<redacted>`. */
export interface FakeRequestRecord {
  /** HTTP method. */
  method: string;
  /** URL path (with any region/interface prefix). */
  path: string;
  /** Query string without `?` (`""` if none). */
  query: string;
  /** Request headers, lower-cased names. */
  headers: Record<string, string>;
}

/** Counters of a {@linkcode FakeCloud}. */
export interface FakeCloudStats {
  /** Number of `POST /v3/auth/tokens` and `POST /v2.0/tokens` requests. */
  readonly tokenRequests: number;
  /** Every request, in order. */
  readonly requests: readonly FakeRequestRecord[];
  /** Clears the counters. */
  reset(): void;
}

/** A token issued by a {@linkcode FakeCloud}; `id` is not enumerable, so it is not logged. */
export interface FakeTokenInfo {
  /** The token id (non-enumerable). */
  readonly id: string;
  /** 3 (from `/v3/auth/tokens`) or 2 (from `/v2.0/tokens`). */
  readonly version: 2 | 3;
  /** The token's user. */
  readonly userId: string;
  /** Project scope. */
  readonly projectId: string | undefined;
  /** Domain scope. */
  readonly domainId: string | undefined;
  /** System scope. */
  readonly system: boolean;
  /** Trust scope. */
  readonly trustId: string | undefined;
  /** Application credential used. */
  readonly applicationCredentialId: string | undefined;
  /** Methods. */
  readonly methods: readonly string[];
  /** Role names. */
  readonly roles: readonly string[];
  /** Issue time. */
  readonly issuedAt: Date;
  /** Expiry. */
  readonly expiresAt: Date;
  /** Revoked via `DELETE /v3/auth/tokens`, `revokeToken` or `revokeAll`. */
  readonly revoked: boolean;
}

/** Options of {@linkcode FakeCloud.createToken}. */
export interface FakeTokenOptions {
  /** The user (default: the first user). */
  userId?: string;
  /** Project scope (must be one of the user's projects). */
  projectId?: string;
  /** Domain scope. */
  domainId?: string;
  /** System scope. */
  system?: boolean;
  /** Methods (default `["password"]`). */
  methods?: string[];
  /** Expiry (default now + tokenTtlSeconds). */
  expiresAt?: Date | number;
}

/** What {@linkcode FakeCloud.serve} returns. */
export interface FakeServer {
  /** Origin, e.g. `http://127.0.0.1:41234`. */
  url: string;
  /** Keystone v3 URL (`<url>/v3`, or `<url>/v2.0` when v3 is disabled). */
  authUrl: string;
  /** Stops the server. */
  close(): Promise<void>;
}

/** The JSON body authenticated service requests are answered with. */
export interface FakeEcho {
  /** Service type. */
  service: string;
  /** Interface of the URL used. */
  interface: FakeInterface;
  /** Region of the URL used. */
  region: string;
  /** HTTP method. */
  method: string;
  /** Path without region/interface prefix, e.g. `/compute/v2.1/p-admin/servers`. */
  path: string;
  /** Query parameters (repeated ones as arrays). */
  query: Record<string, string | string[]>;
  /** Request headers, lower-cased, `x-auth-token` as `<redacted>`. */
  headers: Record<string, string>;
  /** Parsed JSON body (a string if not JSON, null if none). */
  body: unknown;
  /** Negotiated microversion, for services with microversions. */
  microversion?: string;
  /** Who the token belongs to. */
  auth: {
    userId: string;
    projectId: string | null;
    domainId: string | null;
    system: boolean;
    roles: string[];
  };
}

/** Default ids and credentials of a {@linkcode FakeCloud} built without `users`. */
export interface FakeCloudDefaults {
  /** `"u-admin"`. */
  readonly userId: string;
  /** `"admin"`. */
  readonly username: string;
  /** `"secret"`. */
  readonly password: string;
  /** `"default"`. */
  readonly domainId: string;
  /** `"Default"`. */
  readonly domainName: string;
  /** `"p-admin"`. */
  readonly projectId: string;
  /** `"admin"`. */
  readonly projectName: string;
  /** `"p-demo"` (role member). */
  readonly demoProjectId: string;
  /** `"demo"`. */
  readonly demoProjectName: string;
  /** `"123456"`. */
  readonly totpPasscode: string;
  /** `"ac-admin"`. */
  readonly applicationCredentialId: string;
  /** `"admin-cred"`. */
  readonly applicationCredentialName: string;
  /** `"ac-secret"`. */
  readonly applicationCredentialSecret: string;
  /** `"RegionOne"`. */
  readonly region: string;
}

/** The defaults used when {@linkcode FakeCloudOptions} leaves things unset. */
export const FAKE_CLOUD_DEFAULTS: FakeCloudDefaults = Object.freeze({
  userId: "u-admin",
  username: "admin",
  password: "secret",
  domainId: "default",
  domainName: "Default",
  projectId: "p-admin",
  projectName: "admin",
  demoProjectId: "p-demo",
  demoProjectName: "demo",
  totpPasscode: "123456",
  applicationCredentialId: "ac-admin",
  applicationCredentialName: "admin-cred",
  applicationCredentialSecret: "ac-secret",
  region: "RegionOne",
});

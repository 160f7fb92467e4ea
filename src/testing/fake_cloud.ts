/**
 * {@linkcode FakeCloud}: an in-memory fake Keystone (v3 and v2.0) plus fake
 * OpenStack services, as a standard `(req: Request) => Promise<Response>`
 * handler.
 *
 * @module
 */
import { isoMicro, randomBase64Url, randomHex } from "./_util.ts";
import {
  type CorsPolicy,
  corsPolicy,
  type FakeCors,
  preflightResponse,
  withCorsHeaders,
} from "./cors.ts";
import { serveHandler } from "./serve.ts";
import {
  V2Token,
  type V2TokenBody,
  type V3CatalogEntry,
  V3Token,
  type V3TokenBody,
} from "./fixtures.ts";

// ---------------------------------------------------------------------------
// Public option and result types
// ---------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------
// Internals
// ---------------------------------------------------------------------------

const D = FAKE_CLOUD_DEFAULTS;

const LEGACY_MICROVERSION_HEADERS: Record<string, string> = {
  compute: "X-OpenStack-Nova-API-Version",
  baremetal: "X-OpenStack-Ironic-API-Version",
  "shared-file-system": "X-OpenStack-Manila-API-Version",
};

const STATUS_TITLES: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  406: "Not Acceptable",
  409: "Conflict",
  413: "Request Entity Too Large",
  429: "Too Many Requests",
  500: "Internal Server Error",
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Gateway Timeout",
};

const UNAUTHORIZED_MESSAGE = "The request you have made requires authentication.";

interface TokenRecord {
  id: string;
  version: 2 | 3;
  userId: string;
  methods: string[];
  issuedAt: number;
  expiresAt: number;
  auditId: string;
  auditChainId: string | undefined;
  projectId: string | undefined;
  domainId: string | undefined;
  system: boolean;
  trustId: string | undefined;
  appCredId: string | undefined;
  roles: string[];
  revoked: boolean;
}

interface ServiceDef {
  type: string;
  name: string | undefined;
  id: string;
  path: string;
  identity: boolean;
  versions: FakeVersion[] | undefined;
  versionsStatus: number;
  microversions: FakeMicroversions | undefined;
  legacyHeader: string | undefined;
  catalogVersionPath: string | undefined;
  regions: string[];
  interfaces: FakeInterface[];
}

interface Route {
  origin: string;
  region: string;
  iface: FakeInterface;
  /** Path without region/interface prefix. */
  path: string;
  /** origin + region/interface prefix. */
  base: string;
}

interface FaultState {
  fault: FakeFault;
  remaining: number;
  hits: number;
}

class StatsImpl implements FakeCloudStats {
  tokenRequests = 0;
  requests: FakeRequestRecord[] = [];
  reset(): void {
    this.tokenRequests = 0;
    this.requests = [];
  }
}

/** Thrown inside request handling; turned into a Keystone-like error response. */
class FakeHttpError extends Error {
  status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

/** Keystone's answer to too few methods for the user's MFA rules: a 401 with a receipt. */
class FakeReceiptError extends FakeHttpError {
  receipt: string;
  body: unknown;
  constructor(receipt: string, body: unknown) {
    super(401, "Insufficient auth methods received.");
    this.receipt = receipt;
    this.body = body;
  }
}

/** An auth receipt: the methods a user already passed. */
interface FakeReceipt {
  userId: string;
  methods: string[];
  expiresAt: number;
}

type Json = Record<string, unknown>;

function obj(value: unknown): Json | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? value as Json
    : undefined;
}

function str(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

function requestId(): string {
  return `req-${crypto.randomUUID()}`;
}

function errorBody(status: number, message: string): Json {
  return { error: { code: status, title: STATUS_TITLES[status] ?? "Error", message } };
}

function jsonResponse(
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): Response {
  const h = new Headers(headers);
  h.set("Content-Type", "application/json");
  if (!h.has("X-Openstack-Request-Id")) h.set("X-Openstack-Request-Id", requestId());
  return new Response(JSON.stringify(body), { status, headers: h });
}

function emptyResponse(status: number, headers: Record<string, string> = {}): Response {
  const h = new Headers(headers);
  if (!h.has("X-Openstack-Request-Id")) h.set("X-Openstack-Request-Id", requestId());
  return new Response(null, { status, headers: h });
}

const REDACTED_HEADERS = new Set(["x-auth-token", "x-subject-token", "authorization"]);

function redactedHeaders(headers: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  headers.forEach((value, key) => {
    out[key] = REDACTED_HEADERS.has(key.toLowerCase()) ? "<redacted>" : value;
  });
  return out;
}

function parseMicroversion(value: string): [number, number] | undefined {
  const m = /^(\d+)\.(\d+)$/.exec(value.trim());
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

function compareVersions(a: [number, number], b: [number, number]): number {
  return a[0] !== b[0] ? a[0] - b[0] : a[1] - b[1];
}

function defaultServices(): FakeService[] {
  return [
    {
      type: "compute",
      name: "nova",
      catalogVersionPath: "v2.1/{project_id}",
      microversions: { min: "2.1", max: "2.95" },
      versions: [
        {
          id: "v2.0",
          status: "SUPPORTED",
          path: "v2",
          version: "",
          minVersion: "",
          updated: "2011-01-21T11:33:21Z",
        },
        {
          id: "v2.1",
          status: "CURRENT",
          path: "v2.1",
          version: "2.95",
          minVersion: "2.1",
          updated: "2013-07-23T11:33:21Z",
        },
      ],
    },
    {
      type: "placement",
      name: "placement",
      microversions: { min: "1.0", max: "1.39" },
      versions: [{
        id: "v1.0",
        status: "CURRENT",
        path: "",
        minVersion: "1.0",
        maxVersion: "1.39",
      }],
    },
    {
      type: "image",
      name: "glance",
      versionsStatus: 300,
      versions: [
        "v2.9",
        "v2.8",
        "v2.7",
        "v2.6",
        "v2.5",
        "v2.4",
        "v2.3",
        "v2.2",
        "v2.1",
        "v2.0",
      ].map((id, i) => ({ id, status: i === 0 ? "CURRENT" : "SUPPORTED", path: "v2" })),
    },
  ];
}

function defaultUsers(): FakeUser[] {
  return [{
    id: D.userId,
    name: D.username,
    password: D.password,
    domainId: D.domainId,
    totpPasscode: D.totpPasscode,
    projects: [
      {
        id: D.projectId,
        name: D.projectName,
        domainId: D.domainId,
        roles: ["admin", "member", "reader"],
      },
      {
        id: D.demoProjectId,
        name: D.demoProjectName,
        domainId: D.domainId,
        roles: ["member", "reader"],
      },
    ],
    domainRoles: { [D.domainId]: ["admin"] },
    systemRoles: ["admin"],
  }];
}

function abortError(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException("The operation was aborted.", "AbortError");
}

// ---------------------------------------------------------------------------
// FakeCloud
// ---------------------------------------------------------------------------

/**
 * An in-memory fake OpenStack cloud: Keystone v3 and v2.0 token APIs plus fake
 * services (compute, placement, image by default) whose version documents look
 * like the real ones and whose other paths echo the request back once given a
 * valid token.
 *
 * It answers standard `Request`s through {@linkcode FakeCloud.handler}, and
 * derives its origin from each request's URL, so catalog URLs are absolute for
 * whatever host and port it is served on. Endpoint URLs tell interfaces and
 * regions apart: public `<origin>/compute/v2.1/<project>`, internal
 * `<origin>/internal/compute/...`, admin `<origin>/admin/compute/...`, and for
 * regions after the first `<origin>/region/<name>/...`.
 *
 * Secrets (passwords, application credential secrets, token ids) never appear
 * in `console.log(cloud)` or `JSON.stringify(cloud)`.
 *
 * @example
 * ```ts ignore
 * import { FakeCloud } from "jsr:@x/osauth/testing";
 * const cloud = new FakeCloud();
 * const server = await cloud.serve(); // Deno: 127.0.0.1, random port
 * // server.authUrl is "http://127.0.0.1:<port>/v3"; user admin / "secret".
 * await server.close();
 * ```
 */
export class FakeCloud {
  /** The request handler (bound), for `Deno.serve`, `Bun.serve` or a node:http adapter. */
  readonly handler: (req: Request) => Promise<Response>;
  /** A `fetch` that answers from this cloud in memory, for a Session's `fetch` option. */
  readonly fetch: typeof fetch;
  /** Origin `fetch` resolves relative URLs against (default `http://127.0.0.1:5000`). */
  readonly baseUrl: string;
  /** Request counters. */
  readonly stats: FakeCloudStats;

  #users = new Map<string, FakeUser>();
  #domains = new Map<string, FakeDomain>();
  #projects = new Map<string, { id: string; name: string; domainId: string }>();
  #appCreds = new Map<string, FakeApplicationCredential>();
  #trusts = new Map<string, FakeTrust>();
  #services: ServiceDef[] = [];
  #identity: ServiceDef;
  #tokens = new Map<string, TokenRecord>();
  #receipts = new Map<string, FakeReceipt>();
  #faults: FaultState[] = [];
  #stalls = new Set<() => void>();
  #v2: boolean;
  #v3: boolean;
  #ttlMs: number;
  #now: () => number;
  #format: "fernet" | "uuid";
  #primaryRegion: string;
  #stats = new StatsImpl();
  #cors: CorsPolicy | undefined;

  /** Creates the cloud; see {@linkcode FakeCloudOptions} for the defaults. */
  constructor(options: FakeCloudOptions = {}) {
    this.#v2 = options.identityV2 ?? true;
    this.#v3 = options.identityV3 ?? true;
    this.#ttlMs = (options.tokenTtlSeconds ?? 3600) * 1000;
    this.#now = options.now ?? Date.now;
    this.#format = options.tokenFormat ?? "fernet";
    this.baseUrl = (options.baseUrl ?? "http://127.0.0.1:5000").replace(/\/+$/, "");

    this.#domains.set(D.domainId, { id: D.domainId, name: D.domainName });
    for (const d of options.domains ?? []) this.#domains.set(d.id, { ...d });

    const users = options.users ?? defaultUsers();
    for (const u of users) {
      const user: FakeUser = {
        ...u,
        domainId: u.domainId ?? D.domainId,
        projects: (u.projects ?? []).map((p) => ({
          ...p,
          domainId: p.domainId ?? D.domainId,
          roles: [...(p.roles ?? ["member"])],
        })),
      };
      this.#users.set(user.id, user);
      this.#ensureDomain(user.domainId ?? D.domainId);
      for (const p of user.projects ?? []) {
        const domainId = p.domainId ?? D.domainId;
        this.#ensureDomain(domainId);
        if (!this.#projects.has(p.id)) {
          this.#projects.set(p.id, { id: p.id, name: p.name, domainId });
        }
      }
      for (const domainId of Object.keys(user.domainRoles ?? {})) this.#ensureDomain(domainId);
    }

    const creds = options.applicationCredentials ?? (options.users ? [] : [{
      id: D.applicationCredentialId,
      name: D.applicationCredentialName,
      secret: D.applicationCredentialSecret,
      userId: D.userId,
      projectId: D.projectId,
    }]);
    for (const c of creds) this.#appCreds.set(c.id, { ...c });
    for (const t of options.trusts ?? []) this.#trusts.set(t.id, { ...t });

    const regions = options.regions && options.regions.length > 0
      ? [...options.regions]
      : [D.region];
    this.#primaryRegion = regions[0] ?? D.region;
    const given = options.services ?? defaultServices();
    const identityOpts = given.find((s) => s.type === "identity");
    this.#identity = this.#serviceDef(
      { name: "keystone", path: "", ...identityOpts, type: "identity" },
      regions,
      true,
    );
    this.#services = [this.#identity];
    for (const s of given) {
      if (s.type !== "identity") this.#services.push(this.#serviceDef(s, regions, false));
    }

    this.#cors = options.cors !== undefined ? corsPolicy(options.cors) : undefined;
    // request.signal is not read here: Deno.serve warns when it is.
    this.handler = (req: Request): Promise<Response> => this.#answer(req, undefined);
    this.fetch = (input: RequestInfo | URL, init?: RequestInit): Promise<Response> =>
      this.#fetch(input, init);

    this.stats = this.#stats;
  }

  /** Keystone v3 URL for {@linkcode FakeCloud.fetch}: `<baseUrl>/v3`. */
  get authUrl(): string {
    return `${this.baseUrl}${this.#identity.path}${this.#v3 ? "/v3" : "/v2.0"}`;
  }

  /** Every token issued so far (ids are non-enumerable, so they are not logged). */
  get tokens(): FakeTokenInfo[] {
    return [...this.#tokens.values()].map((r) => this.#tokenInfo(r));
  }

  /**
   * Serves the cloud on 127.0.0.1, on a free port, with the runtime's own
   * server: `Deno.serve` (Deno: needs `--allow-net=127.0.0.1`), `Bun.serve`, or
   * `node:http` on Node. Elsewhere (browsers, Workers) it rejects: pass
   * {@linkcode FakeCloud.handler} to a server, or {@linkcode FakeCloud.fetch}
   * as the Session's `fetch`.
   */
  async serve(): Promise<FakeServer> {
    const server = await serveHandler(this.handler);
    const authUrl = `${server.url}${this.#identity.path}${this.#v3 ? "/v3" : "/v2.0"}`;
    return {
      url: server.url,
      authUrl,
      close: (): Promise<void> => {
        this.#releaseStalls();
        return server.close();
      },
    };
  }

  /**
   * Makes the next `times` requests matching `fault` answer with its status
   * (after `delayMs`), e.g. a 503 burst with `Retry-After`.
   */
  inject(fault: FakeFault): FakeFaultHandle {
    const state: FaultState = { fault, remaining: fault.times ?? 1, hits: 0 };
    this.#faults.push(state);
    return {
      get hits(): number {
        return state.hits;
      },
      get remaining(): number {
        return state.remaining;
      },
      cancel: (): void => {
        state.remaining = 0;
      },
    };
  }

  /** Removes every injected fault and ends pending `delayMs` stalls. */
  clearFaults(): void {
    this.#faults = [];
    this.#releaseStalls();
  }

  /** Revokes one token; returns whether it was known. */
  revokeToken(id: string): boolean {
    const record = this.#tokens.get(id);
    if (!record) return false;
    record.revoked = true;
    return true;
  }

  /** Revokes every token issued so far. */
  revokeAll(): void {
    for (const record of this.#tokens.values()) record.revoked = true;
  }

  /**
   * Issues a v3 token without HTTP (not counted in `stats`), e.g. for a
   * `TokenEndpoint` plugin. Throws if the user has no role on the scope.
   */
  createToken(options: FakeTokenOptions = {}): string {
    const userId = options.userId ?? [...this.#users.keys()][0];
    const user = userId !== undefined ? this.#users.get(userId) : undefined;
    if (!user) throw new Error(`FakeCloud.createToken: unknown user ${userId}`);
    const scope: Json | undefined = options.projectId !== undefined
      ? { project: { id: options.projectId } }
      : options.domainId !== undefined
      ? { domain: { id: options.domainId } }
      : options.system
      ? { system: { all: true } }
      : "unscoped" as unknown as Json;
    const record = this.#scopeToken(user, scope, undefined, undefined);
    record.methods = options.methods ? [...options.methods] : ["password"];
    if (options.expiresAt !== undefined) {
      record.expiresAt = options.expiresAt instanceof Date
        ? options.expiresAt.getTime()
        : options.expiresAt;
    }
    this.#tokens.set(record.id, record);
    return record.id;
  }

  /**
   * The v3 token body for a token id and origin (as `GET /v3/auth/tokens`
   * would return it), or undefined if unknown.
   */
  tokenBody(id: string, origin: string = this.baseUrl): V3TokenBody | undefined {
    const record = this.#tokens.get(id);
    return record ? this.#v3Body(record, origin.replace(/\/+$/, ""), true) : undefined;
  }

  /** For `console.log` in Deno: no secrets. */
  [Symbol.for("Deno.customInspect")](): string {
    return this.#describe();
  }

  /** For `console.log` in Node and Bun: no secrets. */
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.#describe();
  }

  /** A summary without secrets (what `JSON.stringify(cloud)` shows). */
  toJSON(): {
    users: { id: string; name: string; domainId: string }[];
    services: { type: string; path: string }[];
    tokens: number;
    baseUrl: string;
  } {
    return {
      users: [...this.#users.values()].map((u) => ({
        id: u.id,
        name: u.name,
        domainId: u.domainId ?? D.domainId,
      })),
      services: this.#services.map((s) => ({ type: s.type, path: s.path })),
      tokens: this.#tokens.size,
      baseUrl: this.baseUrl,
    };
  }

  #describe(): string {
    const users = [...this.#users.values()].map((u) => u.name).join(", ");
    const services = this.#services.map((s) => s.type).join(", ");
    return `FakeCloud { users: [${users}], services: [${services}], tokens: ${this.#tokens.size} }`;
  }

  // -------------------------------------------------------------------------
  // Setup helpers
  // -------------------------------------------------------------------------

  #ensureDomain(id: string): void {
    if (!this.#domains.has(id)) this.#domains.set(id, { id, name: id });
  }

  #serviceDef(s: FakeService, regions: string[], identity: boolean): ServiceDef {
    let path = s.path ?? (identity ? "" : `/${s.type}`);
    path = path.replace(/\/+$/, "");
    if (path !== "" && !path.startsWith("/")) path = `/${path}`;
    return {
      type: s.type,
      name: s.name,
      id: s.id ?? `svc-${s.type}`,
      path,
      identity,
      versions: s.versions?.map((v) => ({ ...v })),
      versionsStatus: s.versionsStatus ?? 200,
      microversions: s.microversions ? { ...s.microversions } : undefined,
      legacyHeader: s.legacyMicroversionHeader ?? LEGACY_MICROVERSION_HEADERS[s.type],
      catalogVersionPath: s.catalogVersionPath?.replace(/^\/+|\/+$/g, ""),
      regions: s.regions && s.regions.length > 0 ? [...s.regions] : [...regions],
      interfaces: s.interfaces ? [...s.interfaces] : ["public", "internal", "admin"],
    };
  }

  // -------------------------------------------------------------------------
  // Transport
  // -------------------------------------------------------------------------

  async #fetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
    const req = input instanceof Request
      ? (init === undefined ? input : new Request(input, init))
      : new Request(new URL(String(input), this.baseUrl), init);
    const signal = req.signal;
    if (signal.aborted) throw abortError(signal);
    let onAbort: (() => void) | undefined;
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () => reject(abortError(signal));
      signal.addEventListener("abort", onAbort, { once: true });
    });
    try {
      const resp = await Promise.race([this.#answer(req, signal), aborted]);
      Object.defineProperty(resp, "url", { value: req.url });
      return resp;
    } finally {
      if (onAbort) signal.removeEventListener("abort", onAbort);
    }
  }

  /** #handle, behind oslo.middleware's CORS when the cloud has `cors`. */
  async #answer(req: Request, signal: AbortSignal | undefined): Promise<Response> {
    const cors = this.#cors;
    if (!cors) return await this.#handle(req, signal);
    if (req.method !== "OPTIONS") {
      return withCorsHeaders(cors, req, await this.#handle(req, signal));
    }
    // oslo.middleware answers preflights itself: no fault or route applies.
    this.#record(req, new URL(req.url));
    return preflightResponse(cors, req);
  }

  #record(req: Request, url: URL): void {
    this.#stats.requests.push({
      method: req.method,
      path: url.pathname,
      query: url.search.replace(/^\?/, ""),
      headers: redactedHeaders(req.headers),
    });
  }

  async #handle(req: Request, signal: AbortSignal | undefined): Promise<Response> {
    const url = new URL(req.url);
    this.#record(req, url);
    try {
      const fault = this.#takeFault(req.method, url.pathname);
      if (fault) {
        if (fault.delayMs !== undefined && fault.delayMs > 0) {
          await this.#sleep(fault.delayMs, signal);
        }
        if (fault.status !== undefined) return this.#faultResponse(fault);
      }
      return await this.#route(req, url);
    } catch (err) {
      if (err instanceof FakeReceiptError) {
        return jsonResponse(401, err.body, { "Openstack-Auth-Receipt": err.receipt });
      }
      if (err instanceof FakeHttpError) {
        return this.#error(err.status, err.message, url.origin);
      }
      return this.#error(500, `FakeCloud internal error: ${String(err)}`, url.origin);
    }
  }

  #takeFault(method: string, path: string): FakeFault | undefined {
    for (const state of this.#faults) {
      if (state.remaining <= 0) continue;
      const f = state.fault;
      if (f.method !== undefined && f.method.toUpperCase() !== method.toUpperCase()) continue;
      const matches = typeof f.path === "string"
        ? path === f.path || path.startsWith(f.path.endsWith("/") ? f.path : `${f.path}/`)
        : f.path.test(path);
      if (!matches) continue;
      state.remaining--;
      state.hits++;
      return f;
    }
    return undefined;
  }

  #sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
    return new Promise<void>((resolve) => {
      if (signal?.aborted) return resolve();
      const done = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", done);
        this.#stalls.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#stalls.add(done);
      signal?.addEventListener("abort", done, { once: true });
    });
  }

  #releaseStalls(): void {
    for (const done of [...this.#stalls]) done();
  }

  #faultResponse(f: FakeFault): Response {
    const status = f.status ?? 500;
    const headers = new Headers(f.headers);
    if (!headers.has("X-Openstack-Request-Id")) headers.set("X-Openstack-Request-Id", requestId());
    if (status === 204 || status === 304 || (status >= 100 && status < 200)) {
      return new Response(null, { status, headers });
    }
    let body: string;
    if (typeof f.body === "string") {
      body = f.body;
    } else {
      body = JSON.stringify(f.body === undefined ? errorBody(status, "Injected fault.") : f.body);
      if (!headers.has("Content-Type")) headers.set("Content-Type", "application/json");
    }
    return new Response(body, { status, headers });
  }

  #error(status: number, message: string, origin: string): Response {
    const headers: Record<string, string> = {};
    if (status === 401) {
      headers["WWW-Authenticate"] = `Keystone uri="${origin}${this.#identity.path}"`;
    }
    return jsonResponse(status, errorBody(status, message), headers);
  }

  #route(req: Request, url: URL): Promise<Response> {
    let path = url.pathname;
    let region = this.#primaryRegion;
    let prefix = "";
    const rm = /^\/region\/([^/]+)(\/.*)?$/.exec(path);
    if (rm) {
      region = decodeURIComponent(rm[1] ?? "");
      path = rm[2] ?? "";
      prefix += `/region/${rm[1]}`;
    }
    let iface: FakeInterface = "public";
    const im = /^\/(internal|admin)(\/.*)?$/.exec(path);
    if (im) {
      iface = im[1] as FakeInterface;
      path = im[2] ?? "";
      prefix += `/${iface}`;
    }
    const route: Route = { origin: url.origin, region, iface, path, base: url.origin + prefix };
    const candidates = [...this.#services].sort((a, b) => b.path.length - a.path.length);
    for (const svc of candidates) {
      if (svc.path !== "" && path !== svc.path && !path.startsWith(`${svc.path}/`)) continue;
      if (!svc.regions.includes(region) || !svc.interfaces.includes(iface)) break;
      const sub = path.slice(svc.path.length);
      return svc.identity
        ? this.#keystone(req, url, route, sub)
        : this.#service(req, url, route, svc, sub);
    }
    return Promise.resolve(this.#error(404, "The resource could not be found.", url.origin));
  }

  // -------------------------------------------------------------------------
  // Services
  // -------------------------------------------------------------------------

  #serviceBase(route: Route, svc: ServiceDef): string {
    return `${route.base}${svc.path}`;
  }

  #renderVersion(v: FakeVersion, serviceBase: string): Json {
    const vpath = v.path ?? v.id;
    const out: Json = {
      id: v.id,
      status: v.status,
      links: [{ rel: "self", href: `${serviceBase}/${vpath === "" ? "" : `${vpath}/`}` }],
    };
    if (v.version !== undefined) out.version = v.version;
    if (v.minVersion !== undefined) out.min_version = v.minVersion;
    if (v.maxVersion !== undefined) out.max_version = v.maxVersion;
    if (v.updated !== undefined) out.updated = v.updated;
    return out;
  }

  async #service(
    req: Request,
    url: URL,
    route: Route,
    svc: ServiceDef,
    sub: string,
  ): Promise<Response> {
    const method = req.method.toUpperCase();
    const readOnly = method === "GET" || method === "HEAD";
    if (svc.versions && readOnly) {
      const base = this.#serviceBase(route, svc);
      if (sub === "" || sub === "/") {
        const body = { versions: svc.versions.map((v) => this.#renderVersion(v, base)) };
        return this.#maybeHead(method, jsonResponse(svc.versionsStatus, body));
      }
      const trimmed = sub.replace(/^\/+|\/+$/g, "");
      const v = svc.versions.find((x) => (x.path ?? x.id) !== "" && (x.path ?? x.id) === trimmed);
      if (v) {
        return this.#maybeHead(
          method,
          jsonResponse(200, { version: this.#renderVersion(v, base) }),
        );
      }
    }
    return await this.#echo(req, url, route, svc);
  }

  #maybeHead(method: string, resp: Response): Response {
    if (method !== "HEAD") return resp;
    void resp.body?.cancel();
    return new Response(null, { status: resp.status, headers: resp.headers });
  }

  async #echo(req: Request, url: URL, route: Route, svc: ServiceDef): Promise<Response> {
    const record = this.#validToken(req.headers.get("X-Auth-Token"));
    if (!record) throw new FakeHttpError(401, UNAUTHORIZED_MESSAGE);
    const headers: Record<string, string> = {};
    let microversion: string | undefined;
    if (svc.microversions) {
      microversion = this.#negotiateMicroversion(req.headers, svc);
      headers["OpenStack-API-Version"] = `${svc.type} ${microversion}`;
      const vary = ["OpenStack-API-Version"];
      if (svc.legacyHeader) {
        headers[svc.legacyHeader] = microversion;
        vary.push(svc.legacyHeader);
      }
      headers["Vary"] = vary.join(", ");
    }
    if (svc.type === "compute") headers["X-Compute-Request-Id"] = requestId();
    const method = req.method.toUpperCase();
    let body: unknown = null;
    if (method !== "GET" && method !== "HEAD") {
      const text = await req.text();
      if (text !== "") {
        try {
          body = JSON.parse(text);
        } catch {
          body = text;
        }
      }
    }
    const query: Record<string, string | string[]> = {};
    for (const [k, v] of url.searchParams) {
      const prev = query[k];
      query[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
    }
    const echoHeaders: Record<string, string> = {};
    req.headers.forEach((value, key) => {
      echoHeaders[key.toLowerCase()] = key.toLowerCase() === "x-auth-token" ? "<redacted>" : value;
    });
    const echo: FakeEcho = {
      service: svc.type,
      interface: route.iface,
      region: route.region,
      method,
      path: route.path,
      query,
      headers: echoHeaders,
      body,
      auth: {
        userId: record.userId,
        projectId: record.projectId ?? null,
        domainId: record.domainId ?? null,
        system: record.system,
        roles: [...record.roles],
      },
    };
    if (microversion !== undefined) echo.microversion = microversion;
    if (method === "HEAD") return emptyResponse(200, headers);
    return jsonResponse(200, echo, headers);
  }

  #negotiateMicroversion(headers: Headers, svc: ServiceDef): string {
    const bounds = svc.microversions;
    if (!bounds) return "";
    let requested: string | undefined;
    const header = headers.get("OpenStack-API-Version");
    if (header) {
      for (const part of header.split(",")) {
        const [type, version] = part.trim().split(/\s+/);
        if (type?.toLowerCase() === svc.type && version !== undefined) requested = version;
      }
    }
    if (requested === undefined && svc.legacyHeader) {
      requested = headers.get(svc.legacyHeader) ?? undefined;
    }
    if (requested === undefined) return bounds.min;
    if (requested.trim().toLowerCase() === "latest") return bounds.max;
    const wanted = parseMicroversion(requested);
    const min = parseMicroversion(bounds.min);
    const max = parseMicroversion(bounds.max);
    if (!wanted || !min || !max) {
      throw new FakeHttpError(400, `Invalid API version request: ${requested}`);
    }
    if (compareVersions(wanted, min) < 0 || compareVersions(wanted, max) > 0) {
      throw new FakeHttpError(
        406,
        `Version ${requested} is not supported by the API. Minimum is ${bounds.min} and maximum is ${bounds.max}.`,
      );
    }
    return `${wanted[0]}.${wanted[1]}`;
  }

  // -------------------------------------------------------------------------
  // Keystone
  // -------------------------------------------------------------------------

  #v3Version(base: string): Json {
    return {
      id: "v3.14",
      status: "stable",
      updated: "2020-04-07T00:00:00Z",
      links: [{ rel: "self", href: `${base}/v3/` }],
      "media-types": [{
        base: "application/json",
        type: "application/vnd.openstack.identity-v3+json",
      }],
    };
  }

  #v2Version(base: string): Json {
    return {
      id: "v2.0",
      status: "deprecated",
      updated: "2016-08-04T00:00:00Z",
      links: [
        { rel: "self", href: `${base}/v2.0/` },
        { rel: "describedby", type: "text/html", href: "https://docs.openstack.org/" },
      ],
      "media-types": [{
        base: "application/json",
        type: "application/vnd.openstack.identity-v2.0+json",
      }],
    };
  }

  async #keystone(req: Request, url: URL, route: Route, sub: string): Promise<Response> {
    const method = req.method.toUpperCase();
    const base = this.#serviceBase(route, this.#identity);
    const p = sub.replace(/\/+$/, "");
    if (p === "") {
      if (method !== "GET" && method !== "HEAD") {
        throw new FakeHttpError(405, "Method not allowed.");
      }
      const values: Json[] = [];
      if (this.#v3) values.push(this.#v3Version(base));
      if (this.#v2) values.push(this.#v2Version(base));
      return this.#maybeHead(method, jsonResponse(300, { versions: { values } }));
    }
    if (this.#v3 && (p === "/v3" || p.startsWith("/v3/"))) {
      return await this.#keystoneV3(req, url, route, p.slice(3), base);
    }
    if (this.#v2 && (p === "/v2.0" || p.startsWith("/v2.0/"))) {
      return await this.#keystoneV2(req, url, route, p.slice(5), base);
    }
    throw new FakeHttpError(404, "The resource could not be found.");
  }

  async #keystoneV3(
    req: Request,
    url: URL,
    route: Route,
    p: string,
    base: string,
  ): Promise<Response> {
    const method = req.method.toUpperCase();
    const nocatalog = url.searchParams.has("nocatalog");
    if (p === "") {
      if (method !== "GET" && method !== "HEAD") {
        throw new FakeHttpError(405, "Method not allowed.");
      }
      return this.#maybeHead(method, jsonResponse(200, { version: this.#v3Version(base) }));
    }
    if (p === "/auth/tokens") {
      if (method === "POST") {
        this.#stats.tokenRequests++;
        const record = await this.#authenticateV3(req);
        this.#tokens.set(record.id, record);
        return jsonResponse(201, this.#v3Body(record, route.origin, !nocatalog), {
          "X-Subject-Token": record.id,
          Vary: "X-Auth-Token",
        });
      }
      this.#requireAuth(req);
      const subjectId = req.headers.get("X-Subject-Token") ?? "";
      const allowExpired = ["1", "true"].includes(
        (url.searchParams.get("allow_expired") ?? "").toLowerCase(),
      );
      const subject = this.#validToken(subjectId, allowExpired);
      if (!subject) throw new FakeHttpError(404, "Could not find token.");
      if (method === "GET" || method === "HEAD") {
        const resp = jsonResponse(200, this.#v3Body(subject, route.origin, !nocatalog), {
          "X-Subject-Token": subject.id,
        });
        return this.#maybeHead(method, resp);
      }
      if (method === "DELETE") {
        subject.revoked = true;
        return emptyResponse(204);
      }
      throw new FakeHttpError(405, "Method not allowed.");
    }
    if (p === "/auth/catalog" && method === "GET") {
      const record = this.#requireAuth(req);
      if (!this.#isScoped(record)) {
        throw new FakeHttpError(403, "A scoped token is required to produce a service catalog.");
      }
      return jsonResponse(200, {
        catalog: this.#catalog(record, route.origin),
        links: { self: url.href, previous: null, next: null },
      });
    }
    if (p === "/auth/projects" && method === "GET") {
      const record = this.#requireAuth(req);
      const user = this.#users.get(record.userId);
      const projects = (user?.projects ?? []).map((pr) => ({
        id: pr.id,
        name: pr.name,
        domain_id: pr.domainId ?? D.domainId,
        enabled: true,
        is_domain: false,
        links: { self: `${base}/v3/projects/${pr.id}` },
      }));
      return jsonResponse(200, { projects, links: { self: url.href, previous: null, next: null } });
    }
    if (p === "/auth/domains" && method === "GET") {
      const record = this.#requireAuth(req);
      const user = this.#users.get(record.userId);
      const domains = Object.entries(user?.domainRoles ?? {})
        .filter(([, roles]) => roles.length > 0)
        .map(([id]) => ({
          id,
          name: this.#domains.get(id)?.name ?? id,
          enabled: true,
          links: { self: `${base}/v3/domains/${id}` },
        }));
      return jsonResponse(200, { domains, links: { self: url.href, previous: null, next: null } });
    }
    if (p === "/auth/system" && method === "GET") {
      const record = this.#requireAuth(req);
      const user = this.#users.get(record.userId);
      const system = (user?.systemRoles ?? []).length > 0 ? [{ all: true }] : [];
      return jsonResponse(200, { system, links: { self: url.href, previous: null, next: null } });
    }
    return await this.#echo(req, url, route, this.#identity);
  }

  async #keystoneV2(
    req: Request,
    url: URL,
    route: Route,
    p: string,
    base: string,
  ): Promise<Response> {
    const method = req.method.toUpperCase();
    if (p === "") {
      if (method !== "GET" && method !== "HEAD") {
        throw new FakeHttpError(405, "Method not allowed.");
      }
      return this.#maybeHead(method, jsonResponse(200, { version: this.#v2Version(base) }));
    }
    if (p === "/tokens") {
      if (method !== "POST") throw new FakeHttpError(405, "Method not allowed.");
      this.#stats.tokenRequests++;
      const record = await this.#authenticateV2(req);
      this.#tokens.set(record.id, record);
      return jsonResponse(200, this.#v2Body(record, route.origin));
    }
    const tm = /^\/tokens\/([^/]+)$/.exec(p);
    if (tm && (method === "GET" || method === "HEAD")) {
      this.#requireAuth(req);
      const subject = this.#validToken(decodeURIComponent(tm[1] ?? ""));
      if (!subject) throw new FakeHttpError(404, "Could not find token.");
      return this.#maybeHead(method, jsonResponse(200, this.#v2Body(subject, route.origin)));
    }
    return await this.#echo(req, url, route, this.#identity);
  }

  #requireAuth(req: Request): TokenRecord {
    const record = this.#validToken(req.headers.get("X-Auth-Token"));
    if (!record) throw new FakeHttpError(401, UNAUTHORIZED_MESSAGE);
    return record;
  }

  #validToken(id: string | null | undefined, allowExpired = false): TokenRecord | undefined {
    if (!id) return undefined;
    const record = this.#tokens.get(id);
    if (!record || record.revoked) return undefined;
    if (!allowExpired && this.#now() >= record.expiresAt) return undefined;
    return record;
  }

  #isScoped(r: TokenRecord): boolean {
    return r.projectId !== undefined || r.domainId !== undefined || r.system;
  }

  // -------------------------------------------------------------------------
  // Authentication
  // -------------------------------------------------------------------------

  async #readJson(req: Request): Promise<Json> {
    let parsed: unknown;
    try {
      parsed = JSON.parse(await req.text());
    } catch {
      throw new FakeHttpError(400, "The request body is not valid JSON.");
    }
    const body = obj(parsed);
    if (!body) throw new FakeHttpError(400, "Expecting a JSON object in the request body.");
    return body;
  }

  #findUser(ref: Json | undefined): FakeUser {
    if (!ref) throw new FakeHttpError(400, "Expecting to find user in the identity method.");
    const id = str(ref.id);
    if (id !== undefined) {
      const user = this.#users.get(id);
      if (!user) throw new FakeHttpError(401, UNAUTHORIZED_MESSAGE);
      return user;
    }
    const name = str(ref.name);
    if (name === undefined) throw new FakeHttpError(400, "Expecting to find id or name in user.");
    const domain = obj(ref.domain);
    if (!domain) throw new FakeHttpError(400, "Expecting to find domain in user.");
    const domainId = this.#domainIdOf(domain);
    for (const user of this.#users.values()) {
      if (user.name === name && (user.domainId ?? D.domainId) === domainId) return user;
    }
    throw new FakeHttpError(401, UNAUTHORIZED_MESSAGE);
  }

  /** Resolves `{id}` or `{name}` to a domain id (undefined if the name is unknown). */
  #domainIdOf(ref: Json): string | undefined {
    const id = str(ref.id);
    if (id !== undefined) return id;
    const name = str(ref.name);
    if (name === undefined) throw new FakeHttpError(400, "Expecting to find id or name in domain.");
    for (const d of this.#domains.values()) if (d.name === name) return d.id;
    return undefined;
  }

  #tokenMethod(section: Json): TokenRecord {
    const id = str(section.id);
    if (id === undefined) throw new FakeHttpError(400, "Expecting to find id in token.");
    const record = this.#validToken(id);
    if (!record) throw new FakeHttpError(404, "Failed to validate token");
    return record;
  }

  async #authenticateV3(req: Request): Promise<TokenRecord> {
    const body = await this.#readJson(req);
    const auth = obj(body.auth);
    if (!auth) throw new FakeHttpError(400, "Expecting to find auth in request.");
    const identity = obj(auth.identity);
    if (!identity) throw new FakeHttpError(400, "Expecting to find identity in auth.");
    const methods = identity.methods;
    if (
      !Array.isArray(methods) || methods.length === 0 ||
      !methods.every((m) => typeof m === "string")
    ) {
      throw new FakeHttpError(400, "Expecting to find methods in identity.");
    }
    let user: FakeUser | undefined;
    let base: TokenRecord | undefined;
    let appCred: FakeApplicationCredential | undefined;
    for (const method of methods as string[]) {
      const section = obj(identity[method]);
      if (!section) throw new FakeHttpError(400, `Expecting to find ${method} in identity.`);
      let who: FakeUser | undefined;
      switch (method) {
        case "password": {
          const ref = obj(section.user);
          who = this.#findUser(ref);
          if (str(ref?.password) !== who.password) {
            throw new FakeHttpError(401, UNAUTHORIZED_MESSAGE);
          }
          break;
        }
        case "totp": {
          const ref = obj(section.user);
          who = this.#findUser(ref);
          const passcode = str(ref?.passcode);
          if (who.totpPasscode === undefined || passcode !== who.totpPasscode) {
            throw new FakeHttpError(401, UNAUTHORIZED_MESSAGE);
          }
          break;
        }
        case "token": {
          base = this.#tokenMethod(section);
          if (base.trustId !== undefined || base.appCredId !== undefined) {
            throw new FakeHttpError(
              403,
              "Trust and application credential tokens cannot be rescoped.",
            );
          }
          who = this.#users.get(base.userId);
          break;
        }
        case "application_credential": {
          appCred = this.#findAppCred(section);
          if (str(section.secret) !== appCred.secret) {
            throw new FakeHttpError(401, UNAUTHORIZED_MESSAGE);
          }
          who = this.#users.get(appCred.userId);
          break;
        }
        default:
          throw new FakeHttpError(401, "Attempted to authenticate with an unsupported method.");
      }
      if (!who || (user !== undefined && user.id !== who.id)) {
        throw new FakeHttpError(401, UNAUTHORIZED_MESSAGE);
      }
      user = who;
    }
    if (!user) throw new FakeHttpError(401, UNAUTHORIZED_MESSAGE);
    const passed = this.#checkMfa(req, user, methods as string[], base !== undefined || !!appCred);

    const rawScope = auth.scope;
    if (appCred && rawScope !== undefined) {
      throw new FakeHttpError(401, "Application credentials cannot request a scope.");
    }
    let scope: Json | undefined;
    if (appCred) {
      scope = { project: { id: appCred.projectId } };
    } else if (rawScope === "unscoped") {
      scope = "unscoped" as unknown as Json;
    } else if (rawScope !== undefined) {
      scope = obj(rawScope);
      if (!scope) throw new FakeHttpError(400, "Invalid scope.");
    } else if (!base && user.defaultProjectId !== undefined) {
      scope = { project: { id: user.defaultProjectId } };
    }
    const record = this.#scopeToken(user, scope, appCred, base);
    const seen = new Set<string>();
    record.methods = [...passed, ...(base?.methods ?? [])].filter((m) =>
      seen.has(m) ? false : (seen.add(m), true)
    );
    return record;
  }

  /**
   * The methods `user` has passed, counting those of an `Openstack-Auth-Receipt`
   * sent along; throws a receipt 401 when they meet none of the user's MFA rules.
   * Token and application credential authentications are not subject to the rules.
   */
  #checkMfa(req: Request, user: FakeUser, methods: string[], exempt: boolean): string[] {
    const receiptId = req.headers.get("Openstack-Auth-Receipt");
    let receipt: FakeReceipt | undefined;
    if (receiptId !== null) {
      receipt = this.#receipts.get(receiptId);
      if (!receipt || receipt.expiresAt <= this.#now() || receipt.userId !== user.id) {
        throw new FakeHttpError(401, "Could not find auth receipt.");
      }
    }
    const passed = [...new Set([...(receipt?.methods ?? []), ...methods])];
    const rules = user.mfaRules ?? [];
    if (exempt || rules.length === 0 || rules.some((r) => r.every((m) => passed.includes(m)))) {
      return passed;
    }
    const now = this.#now();
    const id = `rcpt-${randomBase64Url(24)}`;
    this.#receipts.set(id, { userId: user.id, methods: passed, expiresAt: now + 300_000 });
    const domainId = user.domainId ?? "default";
    throw new FakeReceiptError(id, {
      receipt: {
        methods: passed,
        user: {
          id: user.id,
          name: user.name,
          domain: { id: domainId, name: this.#domains.get(domainId)?.name ?? domainId },
        },
        expires_at: isoMicro(new Date(now + 300_000)),
        issued_at: isoMicro(new Date(now)),
      },
      required_auth_methods: rules,
    });
  }

  #findAppCred(section: Json): FakeApplicationCredential {
    const id = str(section.id);
    if (id !== undefined) {
      const cred = this.#appCreds.get(id);
      if (!cred) throw new FakeHttpError(401, UNAUTHORIZED_MESSAGE);
      return cred;
    }
    const name = str(section.name);
    if (name === undefined) {
      throw new FakeHttpError(400, "Expecting to find id or name in application_credential.");
    }
    const owner = this.#findUser(obj(section.user));
    for (const cred of this.#appCreds.values()) {
      if (cred.name === name && cred.userId === owner.id) return cred;
    }
    throw new FakeHttpError(401, UNAUTHORIZED_MESSAGE);
  }

  #projectRoles(user: FakeUser, projectId: string): string[] {
    return [...(user.projects?.find((p) => p.id === projectId)?.roles ?? [])];
  }

  /** Builds a token record for `user` with the scope requested (`"unscoped"` or undefined: none). */
  #scopeToken(
    user: FakeUser,
    scope: Json | undefined,
    appCred: FakeApplicationCredential | undefined,
    base: TokenRecord | undefined,
  ): TokenRecord {
    const now = this.#now();
    const record: TokenRecord = {
      id: this.#newTokenId(),
      version: 3,
      userId: user.id,
      methods: [],
      issuedAt: now,
      expiresAt: base ? Math.min(base.expiresAt, now + this.#ttlMs) : now + this.#ttlMs,
      auditId: randomBase64Url(16),
      auditChainId: base ? (base.auditChainId ?? base.auditId) : undefined,
      projectId: undefined,
      domainId: undefined,
      system: false,
      trustId: undefined,
      appCredId: appCred?.id,
      roles: [],
      revoked: false,
    };
    if (scope === undefined || (scope as unknown) === "unscoped") return record;
    const kinds = ["project", "domain", "system", "OS-TRUST:trust"].filter((k) =>
      scope[k] !== undefined
    );
    if (kinds.length !== 1) {
      throw new FakeHttpError(
        400,
        "Specify either a project, a domain, system or a trust as scope.",
      );
    }
    const project = obj(scope.project);
    const domain = obj(scope.domain);
    const system = obj(scope.system);
    const trustRef = obj(scope["OS-TRUST:trust"]);
    if (project) {
      const projectId = this.#projectIdOf(project);
      const roles = projectId !== undefined
        ? appCred?.roles ?? this.#projectRoles(user, projectId)
        : [];
      if (projectId === undefined || roles.length === 0) {
        throw new FakeHttpError(401, `User ${user.id} has no access to the requested project.`);
      }
      record.projectId = projectId;
      record.roles = [...roles];
    } else if (domain) {
      const domainId = this.#domainIdOf(domain);
      const roles = domainId !== undefined ? [...(user.domainRoles?.[domainId] ?? [])] : [];
      if (domainId === undefined || roles.length === 0) {
        throw new FakeHttpError(401, `User ${user.id} has no access to the requested domain.`);
      }
      record.domainId = domainId;
      record.roles = roles;
    } else if (system) {
      if (system.all !== true) {
        throw new FakeHttpError(400, "Only system scope {all: true} exists.");
      }
      const roles = [...(user.systemRoles ?? [])];
      if (roles.length === 0) {
        throw new FakeHttpError(401, `User ${user.id} has no access to the system.`);
      }
      record.system = true;
      record.roles = roles;
    } else if (trustRef) {
      const trust = this.#trusts.get(str(trustRef.id) ?? "");
      if (!trust) throw new FakeHttpError(404, "Could not find trust.");
      if (trust.trusteeUserId !== user.id) {
        throw new FakeHttpError(403, "User is not a trustee.");
      }
      const trustor = this.#users.get(trust.trustorUserId);
      const roles = trust.roles ??
        (trustor ? this.#projectRoles(trustor, trust.projectId) : []);
      if (roles.length === 0) throw new FakeHttpError(401, "Trust grants no roles.");
      record.trustId = trust.id;
      record.projectId = trust.projectId;
      record.userId = trust.impersonation ? trust.trustorUserId : trust.trusteeUserId;
      record.roles = [...roles];
    } else {
      throw new FakeHttpError(400, "Invalid scope.");
    }
    return record;
  }

  #projectIdOf(ref: Json): string | undefined {
    const id = str(ref.id);
    if (id !== undefined) return this.#projects.has(id) ? id : undefined;
    const name = str(ref.name);
    if (name === undefined) {
      throw new FakeHttpError(400, "Expecting to find id or name in project.");
    }
    const domain = obj(ref.domain);
    if (!domain) throw new FakeHttpError(400, "Expecting to find domain in project.");
    const domainId = this.#domainIdOf(domain);
    for (const p of this.#projects.values()) {
      if (p.name === name && p.domainId === domainId) return p.id;
    }
    return undefined;
  }

  async #authenticateV2(req: Request): Promise<TokenRecord> {
    const body = await this.#readJson(req);
    const auth = obj(body.auth);
    if (!auth) throw new FakeHttpError(400, "Expecting to find auth in request.");
    const creds = obj(auth.passwordCredentials);
    const tokenRef = obj(auth.token);
    let user: FakeUser | undefined;
    let base: TokenRecord | undefined;
    if (creds) {
      const userId = str(creds.userId);
      const username = str(creds.username);
      if (userId !== undefined) {
        user = this.#users.get(userId);
      } else if (username !== undefined) {
        const matches = [...this.#users.values()].filter((u) => u.name === username);
        user = matches.find((u) => (u.domainId ?? D.domainId) === D.domainId) ??
          (matches.length === 1 ? matches[0] : undefined);
      } else {
        throw new FakeHttpError(
          400,
          "Expecting to find username or userId in passwordCredentials.",
        );
      }
      if (!user || str(creds.password) !== user.password) {
        throw new FakeHttpError(401, UNAUTHORIZED_MESSAGE);
      }
    } else if (tokenRef) {
      const id = str(tokenRef.id);
      if (id === undefined) throw new FakeHttpError(400, "Expecting to find id in token.");
      base = this.#validToken(id);
      if (!base) throw new FakeHttpError(401, UNAUTHORIZED_MESSAGE);
      user = this.#users.get(base.userId);
      if (!user) throw new FakeHttpError(401, UNAUTHORIZED_MESSAGE);
    } else {
      throw new FakeHttpError(400, "Expecting to find passwordCredentials or token in auth.");
    }
    const tenantId = str(auth.tenantId);
    const tenantName = str(auth.tenantName);
    let scope: Json | undefined;
    if (tenantId !== undefined) {
      scope = { project: { id: tenantId } };
    } else if (tenantName !== undefined) {
      const matches = [...this.#projects.values()].filter((p) => p.name === tenantName);
      const project = matches.find((p) => p.domainId === D.domainId) ?? matches[0];
      scope = { project: { id: project?.id ?? `unknown:${tenantName}` } };
    }
    const record = this.#scopeToken(user, scope, undefined, base);
    record.version = 2;
    record.methods = [creds ? "password" : "token"];
    return record;
  }

  #newTokenId(): string {
    return this.#format === "uuid" ? randomHex(16) : `gAAAAAB${randomBase64Url(138)}`;
  }

  // -------------------------------------------------------------------------
  // Bodies
  // -------------------------------------------------------------------------

  #endpointUrl(
    origin: string,
    svc: ServiceDef,
    region: string,
    iface: FakeInterface,
    r?: TokenRecord,
  ): string | undefined {
    let url = origin;
    if (region !== this.#primaryRegion) url += `/region/${encodeURIComponent(region)}`;
    if (iface !== "public") url += `/${iface}`;
    url += svc.path;
    if (svc.catalogVersionPath) {
      let extra = svc.catalogVersionPath;
      if (extra.includes("{project_id}")) {
        if (r?.projectId === undefined) return undefined;
        extra = extra.replaceAll("{project_id}", r.projectId);
      }
      url += `/${extra}`;
    }
    return url;
  }

  #catalog(record: TokenRecord, origin: string): V3CatalogEntry[] {
    return this.#buildV3Token(record, origin, true).toJSON().token.catalog ?? [];
  }

  #buildV3Token(record: TokenRecord, origin: string, withCatalog: boolean): V3Token {
    const user = this.#users.get(record.userId);
    const userDomainId = user?.domainId ?? D.domainId;
    const token = new V3Token({
      userId: record.userId,
      userName: user?.name ?? record.userId,
      userDomainId,
      userDomainName: this.#domains.get(userDomainId)?.name ?? userDomainId,
      issuedAt: record.issuedAt,
      expiresAt: record.expiresAt,
      methods: record.methods,
      auditId: record.auditId,
      auditChainId: record.auditChainId,
    });
    if (record.projectId !== undefined) {
      const project = this.#projects.get(record.projectId);
      const domainId = project?.domainId ?? D.domainId;
      token.setProjectScope({
        id: record.projectId,
        name: project?.name ?? record.projectId,
        domainId,
        domainName: this.#domains.get(domainId)?.name ?? domainId,
      });
    }
    if (record.domainId !== undefined) {
      token.setDomainScope({
        id: record.domainId,
        name: this.#domains.get(record.domainId)?.name ?? record.domainId,
      });
    }
    if (record.system) token.setSystemScope();
    if (record.trustId !== undefined) {
      const trust = this.#trusts.get(record.trustId);
      token.setTrustScope({
        id: record.trustId,
        impersonation: trust?.impersonation ?? false,
        trusteeUserId: trust?.trusteeUserId,
        trustorUserId: trust?.trustorUserId,
      });
    }
    if (record.appCredId !== undefined) {
      const cred = this.#appCreds.get(record.appCredId);
      token.setApplicationCredential({
        id: record.appCredId,
        name: cred?.name,
        restricted: cred?.restricted ?? true,
      });
    }
    for (const name of record.roles) token.addRole({ id: `r-${name}`, name });
    token.includeCatalog = withCatalog && this.#isScoped(record);
    if (token.includeCatalog) {
      for (const svc of this.#services) {
        const service = token.addService(svc.type, svc.name, svc.id);
        for (const region of svc.regions) {
          for (const iface of svc.interfaces) {
            const url = this.#endpointUrl(origin, svc, region, iface, record);
            if (url === undefined) continue;
            service.addEndpoint(iface, url, {
              region,
              id: `ep-${svc.type}-${iface}${region === this.#primaryRegion ? "" : `-${region}`}`,
            });
          }
        }
        if (service.endpoints.length === 0) token.services.pop();
      }
    }
    return token;
  }

  #v3Body(record: TokenRecord, origin: string, withCatalog: boolean): V3TokenBody {
    return this.#buildV3Token(record, origin, withCatalog).toJSON();
  }

  #v2Body(record: TokenRecord, origin: string): V2TokenBody {
    const user = this.#users.get(record.userId);
    const token = new V2Token({
      tokenId: record.id,
      issuedAt: record.issuedAt,
      expires: record.expiresAt,
      userId: record.userId,
      userName: user?.name ?? record.userId,
      auditId: record.auditId,
    });
    if (record.projectId !== undefined) {
      token.setScope({
        id: record.projectId,
        name: this.#projects.get(record.projectId)?.name ?? record.projectId,
      });
      for (const name of record.roles) token.addRole({ id: `r-${name}`, name });
      for (const svc of this.#services) {
        const service = token.addService(svc.type, svc.name);
        for (const region of svc.regions) {
          const urls: Partial<Record<FakeInterface, string>> = {};
          for (const iface of svc.interfaces) {
            const url = this.#endpointUrl(origin, svc, region, iface, record);
            if (url !== undefined) urls[iface] = url;
          }
          if (Object.keys(urls).length === 0) continue;
          service.addEndpoint({
            ...urls,
            region,
            id: `ep-${svc.type}${region === this.#primaryRegion ? "" : `-${region}`}`,
          });
        }
        if (service.endpoints.length === 0) token.services.pop();
      }
    }
    return token.toJSON();
  }

  #tokenInfo(r: TokenRecord): FakeTokenInfo {
    const info = {
      version: r.version,
      userId: r.userId,
      projectId: r.projectId,
      domainId: r.domainId,
      system: r.system,
      trustId: r.trustId,
      applicationCredentialId: r.appCredId,
      methods: [...r.methods],
      roles: [...r.roles],
      issuedAt: new Date(r.issuedAt),
      expiresAt: new Date(r.expiresAt),
      revoked: r.revoked,
    };
    Object.defineProperty(info, "id", { value: r.id, enumerable: false });
    return Object.freeze(info) as unknown as FakeTokenInfo;
  }
}

/**
 * `AccessInfo`: what a token response tells about the authenticated user,
 * scope, roles, expiry and service catalog (v3 and v2 bodies).
 *
 * @example
 * ```ts
 * import { AccessInfo } from "jsr:@x/osauth";
 * const access = AccessInfo.fromV3("tok", {
 *   token: {
 *     expires_at: "2030-01-01T00:00:00.000000Z",
 *     user: { id: "u1", name: "admin", domain: { id: "default", name: "Default" } },
 *     project: { id: "p1", name: "admin", domain: { id: "default", name: "Default" } },
 *     roles: [{ id: "r1", name: "admin" }],
 *     catalog: [],
 *   },
 * });
 * console.assert(access.project?.id === "p1");
 * ```
 *
 * @module
 */
import { ServiceCatalog } from "../catalog/service_catalog.ts";
import { AuthorizationFailure } from "../errors.ts";
import { safeInspect } from "../util/secrets.ts";

/** An identity object: user, project or domain. */
export interface IdentityRef {
  /** Id. */
  id: string;
  /** Name, when the token has one. */
  name?: string;
  /** Owning domain id (users and projects). */
  domainId?: string;
  /** Owning domain name (users and projects). */
  domainName?: string;
}

/** A role assignment carried by the token. */
export interface RoleRef {
  /** Role id, when given. */
  id?: string;
  /** Role name. */
  name: string;
}

/** The trust of a trust-scoped token (`OS-TRUST:trust`; v2: `access.trust`). */
export interface TrustRef {
  /** Trust id. */
  id: string;
  /** The trustee, who holds the token (v3 `trustee_user.id`, v2 `trustee_user_id`). */
  trusteeUserId?: string;
  /** The trustor, whose roles the token carries (v3 only: v2 bodies do not say). */
  trustorUserId?: string;
  /** Whether the token acts as the trustor (v3 only). */
  impersonation?: boolean;
}

/** The application credential a token was issued for (v3 `application_credential`). */
export interface ApplicationCredentialRef {
  /** Application credential id. */
  id: string;
  /** Its name, when the token has it. */
  name?: string;
  /** Whether it may not create other application credentials and trusts. */
  restricted?: boolean;
  /** Its access rules, as the token lists them (`{service, method, path}` objects). */
  accessRules?: readonly Record<string, unknown>[];
}

/** A Keystone-to-Keystone federation service provider of a v3 token. */
export interface ServiceProviderRef {
  /** Service provider id. */
  id: string;
  /** Its Keystone's auth URL (`auth_url`). */
  authUrl?: string;
  /** Its SAML endpoint (`sp_url`). */
  spUrl?: string;
}

/** What the token's fields are parsed from. */
export interface AccessInfoInit {
  /** Identity API version of the body. */
  version: "v3" | "v2.0";
  /** The token id. */
  token: string;
  /** Expiry. */
  expiresAt: Date;
  /** Issue time, when given. */
  issuedAt?: Date;
  /** The user. */
  user?: IdentityRef;
  /** Project scope. */
  project?: IdentityRef;
  /** Domain scope. */
  domain?: IdentityRef;
  /** System scope (`{ all: true }`). */
  system?: Record<string, unknown>;
  /** Trust id for trust-scoped tokens. */
  trustId?: string;
  /** The trust of a trust-scoped token. */
  trust?: TrustRef;
  /** Roles. */
  roles: RoleRef[];
  /** Role ids (default: the ids of `roles`; v2: `metadata.roles`). */
  roleIds?: string[];
  /** The application credential the token was issued for. */
  applicationCredential?: ApplicationCredentialRef;
  /** Whether the user authenticated through federation (default false). */
  isFederated?: boolean;
  /** Keystone-to-Keystone service providers (default none). */
  serviceProviders?: ServiceProviderRef[];
  /** Whether the project is the cloud's admin project (default true, as keystoneauth1). */
  isAdminProject?: boolean;
  /** The token's `is_domain`: whether its project acts as a domain. */
  projectIsDomain?: boolean;
  /** The token's `bind` (external mechanisms it is bound to). */
  bind?: Record<string, unknown>;
  /** OAuth1 access token id (`OS-OAUTH1.access_token_id`). */
  oauthAccessTokenId?: string;
  /** OAuth1 consumer id (`OS-OAUTH1.consumer_id`). */
  oauthConsumerId?: string;
  /** Auth methods used. */
  methods: string[];
  /** The catalog. */
  catalog: ServiceCatalog;
  /** Audit ids. */
  auditIds: string[];
  /** The whole token body as received. */
  body: unknown;
}

function rec(v: unknown): Record<string, unknown> | undefined {
  return typeof v === "object" && v !== null && !Array.isArray(v)
    ? v as Record<string, unknown>
    : undefined;
}

function s(v: unknown): string | undefined {
  return typeof v === "string" ? v : undefined;
}

function ref(v: unknown): IdentityRef | undefined {
  const r = rec(v);
  if (!r || typeof r.id !== "string") return undefined;
  const domain = rec(r.domain);
  return {
    id: r.id,
    name: s(r.name),
    domainId: s(domain?.id),
    domainName: s(domain?.name),
  };
}

/** The `{id?, name}` roles of a v3 `roles` or v2 `user.roles` list; others are skipped. */
function roles(v: unknown): RoleRef[] {
  if (!Array.isArray(v)) return [];
  return v.flatMap((r) => {
    const rr = rec(r);
    return rr && typeof rr.name === "string" ? [{ id: s(rr.id), name: rr.name }] : [];
  });
}

/** The strings of a list (methods, audit ids); not a list: none. */
function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((m) => typeof m === "string") : [];
}

/** An ISO 8601 time (Keystone v2 "2026-11-23T15:00:00Z", v3 with microseconds); else undefined. */
function parseTime(v: unknown): Date | undefined {
  if (typeof v !== "string") return undefined;
  const d = new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(v) ? v : `${v}Z`);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

/** The expiry: without one the token cannot be used safely, so the response is refused. */
function expiry(v: unknown, what: string): Date {
  if (typeof v !== "string") throw new AuthorizationFailure(`token response has no ${what}`);
  const d = parseTime(v);
  if (!d) throw new AuthorizationFailure(`token response has an unreadable ${what}`);
  return d;
}

function bool(v: unknown): boolean | undefined {
  return typeof v === "boolean" ? v : undefined;
}

function trustV3(v: unknown): TrustRef | undefined {
  const t = rec(v);
  if (!t || typeof t.id !== "string") return undefined;
  return {
    id: t.id,
    trusteeUserId: s(rec(t.trustee_user)?.id),
    trustorUserId: s(rec(t.trustor_user)?.id),
    impersonation: bool(t.impersonation),
  };
}

function applicationCredential(v: unknown): ApplicationCredentialRef | undefined {
  const a = rec(v);
  if (!a || typeof a.id !== "string") return undefined;
  const rules = Array.isArray(a.access_rules)
    ? a.access_rules.flatMap((r) => rec(r) ? [{ ...rec(r) }] : [])
    : undefined;
  return { id: a.id, name: s(a.name), restricted: bool(a.restricted), accessRules: rules };
}

/** keystoneauth1 keeps the providers that have an id. */
function serviceProviders(v: unknown): ServiceProviderRef[] {
  if (!Array.isArray(v)) return [];
  return v.flatMap((sp) => {
    const r = rec(sp);
    return r && typeof r.id === "string"
      ? [{ id: r.id, authUrl: s(r.auth_url), spUrl: s(r.sp_url) }]
      : [];
  });
}

/**
 * The v2 project: `token.tenant`; before Grizzly `user.tenantId`/`tenantName`; before Diablo
 * `token.tenantId` (keystoneauth1's order).
 */
function tenantV2(
  token: Record<string, unknown>,
  user: Record<string, unknown> | undefined,
): IdentityRef | undefined {
  const tenant = rec(token.tenant);
  if (tenant) {
    return typeof tenant.id === "string" ? { id: tenant.id, name: s(tenant.name) } : undefined;
  }
  if (typeof user?.tenantId === "string") return { id: user.tenantId, name: s(user.tenantName) };
  if (typeof token.tenantId === "string") return { id: token.tenantId, name: token.tenantId };
  return undefined;
}

/** The authenticated identity and its token, parsed from a token response. */
export class AccessInfo {
  /** `v3` or `v2.0`. */
  readonly version: "v3" | "v2.0";
  /** Expiry time. */
  readonly expiresAt: Date;
  /** Issue time, when known. */
  readonly issuedAt: Date | undefined;
  /** The user. */
  readonly user: IdentityRef | undefined;
  /** The project the token is scoped to. */
  readonly project: IdentityRef | undefined;
  /** The domain the token is scoped to. */
  readonly domain: IdentityRef | undefined;
  /** The system scope, e.g. `{ all: true }`. */
  readonly system: Record<string, unknown> | undefined;
  /** The trust id of a trust-scoped token. */
  readonly trustId: string | undefined;
  /** The trust of a trust-scoped token: trustee, trustor, impersonation. */
  readonly trust: TrustRef | undefined;
  /** Role assignments. */
  readonly roles: readonly RoleRef[];
  /**
   * Role ids: v3 the ids of `roles`; v2 `metadata.roles` (keystoneauth1's `role_ids`; v2 bodies
   * list the user's roles by name only).
   */
  readonly roleIds: readonly string[];
  /** The application credential the token was issued for (v3). */
  readonly applicationCredential: ApplicationCredentialRef | undefined;
  /** Whether the user authenticated through federation (v3 user `OS-FEDERATION`). */
  readonly isFederated: boolean;
  /** Keystone-to-Keystone service providers the token may be exchanged at (v3). */
  readonly serviceProviders: readonly ServiceProviderRef[];
  /**
   * Whether the project scope is the cloud's admin project (`is_admin_project`). True when the
   * token does not say, as keystoneauth1 assumes for compatibility.
   */
  readonly isAdminProject: boolean;
  /** Whether the token's project acts as a domain (v3 `is_domain`; v2: false). */
  readonly projectIsDomain: boolean | undefined;
  /** The token's `bind`: external mechanisms it is bound to (e.g. `{ kerberos: {...} }`). */
  readonly bind: Record<string, unknown> | undefined;
  /** OAuth1 access token id of a token obtained through OAuth1 (v3 `OS-OAUTH1`). */
  readonly oauthAccessTokenId: string | undefined;
  /** OAuth1 consumer id of a token obtained through OAuth1 (v3 `OS-OAUTH1`). */
  readonly oauthConsumerId: string | undefined;
  /** Authentication methods used. */
  readonly methods: readonly string[];
  /** The service catalog (empty when the token has none). */
  readonly catalog: ServiceCatalog;
  /** Audit ids. */
  readonly auditIds: readonly string[];
  #token: string;
  #body: unknown;

  /** Creates the object from parsed fields. */
  constructor(init: AccessInfoInit) {
    this.version = init.version;
    this.#token = init.token;
    this.expiresAt = init.expiresAt;
    this.issuedAt = init.issuedAt;
    this.user = init.user;
    this.project = init.project;
    this.domain = init.domain;
    this.system = init.system;
    this.trustId = init.trustId ?? init.trust?.id;
    this.trust = init.trust;
    this.roles = init.roles;
    this.roleIds = init.roleIds ??
      init.roles.flatMap((r) => r.id === undefined ? [] : [r.id]);
    this.applicationCredential = init.applicationCredential;
    this.isFederated = init.isFederated ?? false;
    this.serviceProviders = init.serviceProviders ?? [];
    this.isAdminProject = init.isAdminProject ?? true;
    this.projectIsDomain = init.projectIsDomain;
    this.bind = init.bind;
    this.oauthAccessTokenId = init.oauthAccessTokenId;
    this.oauthConsumerId = init.oauthConsumerId;
    this.methods = init.methods;
    this.catalog = init.catalog;
    this.auditIds = init.auditIds;
    this.#body = init.body;
    safeInspect(this, () => ({
      version: this.version,
      token: "***",
      expiresAt: this.expiresAt.toISOString(),
      user: this.user,
      project: this.project,
      domain: this.domain,
      system: this.system,
      roles: this.roles.map((r) => r.name),
      scoped: this.scoped,
    }));
  }

  /** The token id. A secret: never log it. */
  get token(): string {
    return this.#token;
  }

  /** The token body as received (v2 bodies contain the token id). */
  get body(): unknown {
    return this.#body;
  }

  /** Shortcut for `user?.id`. */
  get userId(): string | undefined {
    return this.user?.id;
  }

  /** Shortcut for `project?.id`. */
  get projectId(): string | undefined {
    return this.project?.id;
  }

  /**
   * Whether the token is scoped to a project, a domain or the whole system (keystoneauth1's
   * `scoped`; a trust-scoped token is scoped to the trust's project).
   */
  get scoped(): boolean {
    return !!(this.project || this.domain || this.system?.all === true);
  }

  /** Role names. */
  get roleNames(): string[] {
    return this.roles.map((r) => r.name);
  }

  /** This token's audit id (the first of `auditIds`). */
  get auditId(): string | undefined {
    return this.auditIds[0];
  }

  /** The audit id of the token this one was rescoped from (the second of `auditIds`). */
  get auditChainId(): string | undefined {
    return this.auditIds[1];
  }

  /** The audit id of the first token of the chain: `auditChainId`, else `auditId`. */
  get initialAuditId(): string | undefined {
    return this.auditChainId ?? this.auditId;
  }

  /**
   * Whether the token expires within `marginSeconds` (default 120, as
   * keystoneauth1) of `now` (ms since epoch).
   */
  willExpireSoon(now: number, marginSeconds = 120): boolean {
    return this.expiresAt.getTime() - marginSeconds * 1000 <= now;
  }

  /** Parses a v3 token response (`X-Subject-Token` header + body). */
  static fromV3(token: string, body: unknown): AccessInfo {
    const t = rec(rec(body)?.token);
    if (!t) throw new AuthorizationFailure("v3 token response has no 'token' object");
    const oauth = rec(t["OS-OAUTH1"]);
    return new AccessInfo({
      version: "v3",
      token,
      expiresAt: expiry(t.expires_at, "expires_at"),
      // an unreadable issued_at does not make the token unusable (keystoneauth1 accepts it)
      issuedAt: parseTime(t.issued_at),
      user: ref(t.user),
      project: ref(t.project),
      domain: ref(t.domain),
      system: rec(t.system),
      trust: trustV3(t["OS-TRUST:trust"]),
      roles: roles(t.roles),
      applicationCredential: applicationCredential(t.application_credential),
      isFederated: rec(t.user)?.["OS-FEDERATION"] !== undefined,
      serviceProviders: serviceProviders(t.service_providers),
      isAdminProject: bool(t.is_admin_project) ?? true,
      projectIsDomain: bool(t.is_domain),
      bind: rec(t.bind),
      oauthAccessTokenId: s(oauth?.access_token_id),
      oauthConsumerId: s(oauth?.consumer_id),
      methods: strings(t.methods),
      catalog: ServiceCatalog.fromV3(Array.isArray(t.catalog) ? t.catalog : []),
      auditIds: strings(t.audit_ids),
      body,
    });
  }

  /** Parses a v2.0 token response body (`{"access": {...}}`). */
  static fromV2(body: unknown): AccessInfo {
    const access = rec(rec(body)?.access);
    const token = rec(access?.token);
    if (!access || !token || typeof token.id !== "string") {
      throw new AuthorizationFailure("v2.0 token response has no 'access.token.id'");
    }
    const user = rec(access.user);
    const trust = rec(access.trust);
    return new AccessInfo({
      version: "v2.0",
      token: token.id,
      expiresAt: expiry(token.expires, "expires"),
      issuedAt: parseTime(token.issued_at),
      user: user && typeof user.id === "string"
        ? { id: user.id, name: s(user.name) ?? s(user.username) }
        : undefined,
      project: tenantV2(token, user),
      domain: undefined,
      system: undefined,
      trust: trust && typeof trust.id === "string"
        ? {
          id: trust.id,
          trusteeUserId: s(trust.trustee_user_id),
          impersonation: bool(trust.impersonation),
        }
        : undefined,
      roles: roles(user?.roles),
      roleIds: strings(rec(access.metadata)?.roles),
      isAdminProject: true,
      projectIsDomain: false,
      bind: rec(token.bind),
      methods: [],
      catalog: ServiceCatalog.fromV2(
        Array.isArray(access.serviceCatalog) ? access.serviceCatalog : [],
      ),
      auditIds: strings(token.audit_ids),
      body,
    });
  }
}

/**
 * `AccessInfo`: what a token response tells about the authenticated user,
 * scope, roles, expiry and service catalog (v3 and v2 bodies).
 *
 * @example
 * ```ts
 * import { AccessInfo } from "./access_info.ts";
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
import { safeInspect } from "../secret.ts";

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
  /** Roles. */
  roles: RoleRef[];
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

function date(v: unknown, what: string): Date {
  if (typeof v !== "string") throw new AuthorizationFailure(`token response has no ${what}`);
  // Keystone v2 sends "2026-11-23T15:00:00Z"; v3 adds microseconds. Both parse.
  const d = new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(v) ? v : `${v}Z`);
  if (Number.isNaN(d.getTime())) {
    throw new AuthorizationFailure(`token response has an unreadable ${what}`);
  }
  return d;
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
  /** Role assignments. */
  readonly roles: readonly RoleRef[];
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
    this.trustId = init.trustId;
    this.roles = init.roles;
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

  /** Whether the token is scoped to a project, domain, system or trust. */
  get scoped(): boolean {
    return !!(this.project || this.domain || this.system || this.trustId);
  }

  /** Role names. */
  get roleNames(): string[] {
    return this.roles.map((r) => r.name);
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
    return new AccessInfo({
      version: "v3",
      token,
      expiresAt: date(t.expires_at, "expires_at"),
      issuedAt: t.issued_at === undefined ? undefined : date(t.issued_at, "issued_at"),
      user: ref(t.user),
      project: ref(t.project),
      domain: ref(t.domain),
      system: rec(t.system),
      trustId: s(rec(t["OS-TRUST:trust"])?.id),
      roles: roles(t.roles),
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
    const tenant = rec(token.tenant);
    return new AccessInfo({
      version: "v2.0",
      token: token.id,
      expiresAt: date(token.expires, "expires"),
      issuedAt: token.issued_at === undefined ? undefined : date(token.issued_at, "issued_at"),
      user: user && typeof user.id === "string"
        ? { id: user.id, name: s(user.name) ?? s(user.username) }
        : undefined,
      project: tenant && typeof tenant.id === "string"
        ? { id: tenant.id, name: s(tenant.name) }
        : undefined,
      domain: undefined,
      system: undefined,
      trustId: s(rec(access.trust)?.id),
      roles: roles(user?.roles),
      methods: [],
      catalog: ServiceCatalog.fromV2(
        Array.isArray(access.serviceCatalog) ? access.serviceCatalog : [],
      ),
      auditIds: strings(token.audit_ids),
      body,
    });
  }
}

/**
 * Token fixture builders, like keystoneauth1's `fixture.V3Token` and
 * `fixture.V2Token`: they build Keystone token response bodies for tests.
 *
 * @module
 */
import { isoMicro, isoSeconds, randomBase64Url, randomHex, toDate } from "./_util.ts";

const HOUR_MS = 3_600_000;

// ---------------------------------------------------------------------------
// Keystone v3 body shapes
// ---------------------------------------------------------------------------

/** A `{id, name}` reference to a domain in a v3 token body. */
export interface V3DomainRef {
  /** Domain id. */
  id: string;
  /** Domain name. */
  name: string;
}

/** One endpoint of a v3 catalog entry. */
export interface V3CatalogEndpoint {
  /** Endpoint id. */
  id: string;
  /** `public`, `internal` or `admin`. */
  interface: string;
  /** Region name (legacy field), or null. */
  region: string | null;
  /** Region id, or null. */
  region_id: string | null;
  /** Absolute endpoint URL. */
  url: string;
}

/** One service of a v3 catalog. */
export interface V3CatalogEntry {
  /** Service type, e.g. `compute`. */
  type: string;
  /** Service name, e.g. `nova` (absent when not set). */
  name?: string;
  /** Service id. */
  id: string;
  /** The service's endpoints. */
  endpoints: V3CatalogEndpoint[];
}

/** A role in a v3 token body. */
export interface V3TokenRole {
  /** Role id. */
  id: string;
  /** Role name. */
  name: string;
}

/** The `OS-TRUST:trust` section of a trust-scoped v3 token. */
export interface V3TrustData {
  /** Trust id. */
  id: string;
  /** Whether the trustee impersonates the trustor. */
  impersonation: boolean;
  /** The trustee. */
  trustee_user: { id: string };
  /** The trustor. */
  trustor_user: { id: string };
}

/** The content of a Keystone v3 token (`body.token`). */
export interface V3TokenData {
  /** Authentication methods used, e.g. `["password"]`. */
  methods: string[];
  /** Expiry, e.g. `2026-11-23T15:20:11.000000Z`. */
  expires_at: string;
  /** Issue time, same format. */
  issued_at: string;
  /** Audit ids: this token's, then the chain's original. */
  audit_ids: string[];
  /** The user the token was issued to. */
  user: {
    id: string;
    name: string;
    domain: V3DomainRef;
    password_expires_at: string | null;
  };
  /** Project scope. */
  project?: { id: string; name: string; domain: V3DomainRef };
  /** Present (false) on project-scoped tokens. */
  is_domain?: boolean;
  /** Domain scope. */
  domain?: V3DomainRef;
  /** System scope. */
  system?: { all: boolean };
  /** Roles of a scoped token. */
  roles?: V3TokenRole[];
  /** Service catalog (absent for unscoped tokens and `?nocatalog`). */
  catalog?: V3CatalogEntry[];
  /** Trust information of a trust-scoped token. */
  "OS-TRUST:trust"?: V3TrustData;
  /** The application credential a token was obtained with. */
  application_credential?: { id: string; name: string; restricted: boolean };
}

/** A complete Keystone v3 token response body (`{"token": {...}}`). */
export interface V3TokenBody {
  /** The token. */
  token: V3TokenData;
}

// ---------------------------------------------------------------------------
// V3Token
// ---------------------------------------------------------------------------

/** A role to add to a fixture token; missing fields are generated. */
export interface FixtureRoleInput {
  /** Role id (random hex by default). */
  id?: string;
  /** Role name (random hex by default). */
  name?: string;
}

/** Options of {@linkcode V3Token}. Every field is optional; ids default to random hex. */
export interface V3TokenOptions {
  /** User id. */
  userId?: string;
  /** User name. */
  userName?: string;
  /** Id of the user's domain. */
  userDomainId?: string;
  /** Name of the user's domain. */
  userDomainName?: string;
  /** Project id: setting any project option makes the token project scoped. */
  projectId?: string;
  /** Project name. */
  projectName?: string;
  /** Id of the project's domain. */
  projectDomainId?: string;
  /** Name of the project's domain. */
  projectDomainName?: string;
  /** Domain id: setting a domain option makes the token domain scoped. */
  domainId?: string;
  /** Domain name. */
  domainName?: string;
  /** `"all"` makes the token system scoped. */
  system?: "all";
  /** Trust id: makes the token trust scoped (needs a project scope too). */
  trustId?: string;
  /** Trustee user id (defaults to `userId`). */
  trusteeUserId?: string;
  /** Trustor user id (random by default). */
  trustorUserId?: string;
  /** Whether the trust impersonates (default false). */
  trustImpersonation?: boolean;
  /** Expiry (default: one hour after `issuedAt`). */
  expiresAt?: Date | string | number;
  /** Issue time (default: now). */
  issuedAt?: Date | string | number;
  /** Methods (default `["password"]`). */
  methods?: string[];
  /** This token's audit id (random by default). */
  auditId?: string;
  /** The audit id of the token this one was rescoped from. */
  auditChainId?: string;
  /** Roles (of a scoped token). */
  roles?: FixtureRoleInput[];
  /** Application credential id: adds the `application_credential` section. */
  applicationCredentialId?: string;
  /** Application credential name. */
  applicationCredentialName?: string;
  /** Whether the application credential is restricted (default true). */
  applicationCredentialRestricted?: boolean;
}

/** Options of {@linkcode V3FixtureService.addEndpoint}. */
export interface V3EndpointOptions {
  /** Region name; also used as `region_id` unless `regionId` is given. */
  region?: string | null;
  /** Region id. */
  regionId?: string | null;
  /** Endpoint id (random by default). */
  id?: string;
}

/** URLs of {@linkcode V3FixtureService.addStandardEndpoints}; each one given adds an endpoint. */
export interface StandardEndpoints {
  /** Public URL. */
  public?: string;
  /** Internal URL. */
  internal?: string;
  /** Admin URL. */
  admin?: string;
  /** Region of all three. */
  region?: string;
}

/** A service of a {@linkcode V3Token}'s catalog, returned by `addService`. */
export class V3FixtureService {
  /** Service type. */
  type: string;
  /** Service name, if any. */
  name: string | undefined;
  /** Service id. */
  id: string;
  /** Endpoints added so far. */
  endpoints: V3CatalogEndpoint[] = [];

  /** Creates a service entry; prefer {@linkcode V3Token.addService}. */
  constructor(type: string, name?: string, id?: string) {
    this.type = type;
    this.name = name;
    this.id = id ?? randomHex();
  }

  /** Adds one endpoint and returns it. */
  addEndpoint(
    iface: string,
    url: string,
    options: V3EndpointOptions = {},
  ): V3CatalogEndpoint {
    const region = options.region ?? null;
    const endpoint: V3CatalogEndpoint = {
      id: options.id ?? randomHex(),
      interface: iface,
      region,
      region_id: options.regionId !== undefined ? options.regionId : region,
      url,
    };
    this.endpoints.push(endpoint);
    return endpoint;
  }

  /** Adds the public, internal and admin endpoints given; returns those added. */
  addStandardEndpoints(urls: StandardEndpoints): V3CatalogEndpoint[] {
    const added: V3CatalogEndpoint[] = [];
    for (const iface of ["public", "internal", "admin"] as const) {
      const url = urls[iface];
      if (url !== undefined) added.push(this.addEndpoint(iface, url, { region: urls.region }));
    }
    return added;
  }

  /** The catalog entry as Keystone renders it. */
  toJSON(): V3CatalogEntry {
    const entry: V3CatalogEntry = { type: this.type, id: this.id, endpoints: [] };
    if (this.name !== undefined) entry.name = this.name;
    entry.endpoints = this.endpoints.map((e) => ({ ...e }));
    return entry;
  }
}

/** Project scope of a {@linkcode V3Token}. */
export interface V3ProjectScope {
  /** Project id. */
  id: string;
  /** Project name. */
  name: string;
  /** Project domain id. */
  domainId: string;
  /** Project domain name. */
  domainName: string;
}

/** Domain scope of a {@linkcode V3Token}. */
export interface V3DomainScope {
  /** Domain id. */
  id: string;
  /** Domain name. */
  name: string;
}

/** Trust section of a {@linkcode V3Token}. */
export interface V3TrustScope {
  /** Trust id. */
  id: string;
  /** Whether the trustee impersonates the trustor. */
  impersonation: boolean;
  /** Trustee user id. */
  trusteeUserId: string;
  /** Trustor user id. */
  trustorUserId: string;
}

/**
 * Builds a Keystone v3 token response body, like keystoneauth1's
 * `fixture.V3Token`. Unset ids and names are random hex; the token expires an
 * hour after it was issued unless told otherwise.
 *
 * @example
 * ```ts
 * import { V3Token } from "jsr:@x/osauth/testing";
 * const token = new V3Token({ userName: "admin", projectId: "p1", projectName: "demo" });
 * token.addRole({ name: "member" });
 * token.addService("compute", "nova").addStandardEndpoints({
 *   public: "http://127.0.0.1:8774/v2.1",
 *   region: "RegionOne",
 * });
 * const body = token.toJSON(); // { token: { methods, user, project, roles, catalog, ... } }
 * console.assert(body.token.project?.id === "p1");
 * ```
 */
export class V3Token {
  /** User id. */
  userId: string;
  /** User name. */
  userName: string;
  /** User domain id. */
  userDomainId: string;
  /** User domain name. */
  userDomainName: string;
  /** Expiry. */
  expiresAt: Date;
  /** Issue time. */
  issuedAt: Date;
  /** Authentication methods. */
  methods: string[];
  /** This token's audit id. */
  auditId: string;
  /** The original token's audit id, for rescoped tokens. */
  auditChainId: string | undefined;
  /** Project scope, if any. */
  project: V3ProjectScope | undefined;
  /** Domain scope, if any. */
  domain: V3DomainScope | undefined;
  /** True when system scoped. */
  system: boolean;
  /** Trust information, if any. */
  trust: V3TrustScope | undefined;
  /** Application credential information, if any. */
  applicationCredential: { id: string; name: string; restricted: boolean } | undefined;
  /** Roles. */
  roles: V3TokenRole[] = [];
  /** Catalog services. */
  services: V3FixtureService[] = [];
  /**
   * Whether `toJSON()` includes `catalog`. Undefined (default): when services
   * were added or the token is scoped.
   */
  includeCatalog: boolean | undefined;

  /** Creates the fixture; see {@linkcode V3TokenOptions}. */
  constructor(options: V3TokenOptions = {}) {
    this.userId = options.userId ?? randomHex();
    this.userName = options.userName ?? randomHex();
    this.userDomainId = options.userDomainId ?? randomHex();
    this.userDomainName = options.userDomainName ?? randomHex();
    this.issuedAt = options.issuedAt !== undefined ? toDate(options.issuedAt) : new Date();
    this.expiresAt = options.expiresAt !== undefined
      ? toDate(options.expiresAt)
      : new Date(this.issuedAt.getTime() + HOUR_MS);
    this.methods = options.methods ? [...options.methods] : ["password"];
    this.auditId = options.auditId ?? randomBase64AuditId();
    this.auditChainId = options.auditChainId;
    this.project = undefined;
    this.domain = undefined;
    this.system = false;
    this.trust = undefined;
    this.applicationCredential = undefined;
    this.includeCatalog = undefined;

    if (
      options.projectId !== undefined || options.projectName !== undefined ||
      options.projectDomainId !== undefined || options.projectDomainName !== undefined
    ) {
      this.setProjectScope({
        id: options.projectId,
        name: options.projectName,
        domainId: options.projectDomainId,
        domainName: options.projectDomainName,
      });
    }
    if (options.domainId !== undefined || options.domainName !== undefined) {
      this.setDomainScope({ id: options.domainId, name: options.domainName });
    }
    if (options.system === "all") this.setSystemScope();
    if (options.trustId !== undefined) {
      this.setTrustScope({
        id: options.trustId,
        impersonation: options.trustImpersonation,
        trusteeUserId: options.trusteeUserId,
        trustorUserId: options.trustorUserId,
      });
    }
    if (
      options.applicationCredentialId !== undefined ||
      options.applicationCredentialName !== undefined
    ) {
      this.setApplicationCredential({
        id: options.applicationCredentialId,
        name: options.applicationCredentialName,
        restricted: options.applicationCredentialRestricted,
      });
    }
    for (const role of options.roles ?? []) this.addRole(role);
  }

  /** Scopes the token to a project (random ids/names for what is not given). */
  setProjectScope(
    scope: { id?: string; name?: string; domainId?: string; domainName?: string } = {},
  ): this {
    this.project = {
      id: scope.id ?? randomHex(),
      name: scope.name ?? randomHex(),
      domainId: scope.domainId ?? randomHex(),
      domainName: scope.domainName ?? randomHex(),
    };
    return this;
  }

  /** Scopes the token to a domain. */
  setDomainScope(scope: { id?: string; name?: string } = {}): this {
    this.domain = { id: scope.id ?? randomHex(), name: scope.name ?? randomHex() };
    return this;
  }

  /** Scopes the token to the whole system (`"system": {"all": true}`). */
  setSystemScope(): this {
    this.system = true;
    return this;
  }

  /** Adds the `OS-TRUST:trust` section. */
  setTrustScope(
    trust: {
      id?: string;
      impersonation?: boolean;
      trusteeUserId?: string;
      trustorUserId?: string;
    } = {},
  ): this {
    this.trust = {
      id: trust.id ?? randomHex(),
      impersonation: trust.impersonation ?? false,
      trusteeUserId: trust.trusteeUserId ?? this.userId,
      trustorUserId: trust.trustorUserId ?? randomHex(),
    };
    return this;
  }

  /** Adds the `application_credential` section. */
  setApplicationCredential(
    cred: { id?: string; name?: string; restricted?: boolean } = {},
  ): this {
    this.applicationCredential = {
      id: cred.id ?? randomHex(),
      name: cred.name ?? randomHex(),
      restricted: cred.restricted ?? true,
    };
    return this;
  }

  /** Adds a role and returns it. */
  addRole(role: FixtureRoleInput = {}): V3TokenRole {
    const added = { id: role.id ?? randomHex(), name: role.name ?? randomHex() };
    this.roles.push(added);
    return added;
  }

  /** Adds a catalog service and returns it, for adding endpoints. */
  addService(type: string, name?: string, id?: string): V3FixtureService {
    const service = new V3FixtureService(type, name, id);
    this.services.push(service);
    return service;
  }

  /** Removes every catalog service of a type. */
  removeService(type: string): this {
    this.services = this.services.filter((s) => s.type !== type);
    return this;
  }

  /** True when project, domain or system scoped. */
  get scoped(): boolean {
    return this.project !== undefined || this.domain !== undefined || this.system;
  }

  /** The token response body, exactly as Keystone returns it. */
  toJSON(): V3TokenBody {
    const token: V3TokenData = {
      methods: [...this.methods],
      expires_at: isoMicro(this.expiresAt),
      issued_at: isoMicro(this.issuedAt),
      audit_ids: this.auditChainId !== undefined
        ? [this.auditId, this.auditChainId]
        : [this.auditId],
      user: {
        id: this.userId,
        name: this.userName,
        domain: { id: this.userDomainId, name: this.userDomainName },
        password_expires_at: null,
      },
    };
    if (this.project) {
      token.project = {
        id: this.project.id,
        name: this.project.name,
        domain: { id: this.project.domainId, name: this.project.domainName },
      };
      token.is_domain = false;
    }
    if (this.domain) token.domain = { ...this.domain };
    if (this.system) token.system = { all: true };
    if (this.scoped || this.roles.length > 0) token.roles = this.roles.map((r) => ({ ...r }));
    if (this.trust) {
      token["OS-TRUST:trust"] = {
        id: this.trust.id,
        impersonation: this.trust.impersonation,
        trustee_user: { id: this.trust.trusteeUserId },
        trustor_user: { id: this.trust.trustorUserId },
      };
    }
    if (this.applicationCredential) {
      token.application_credential = { ...this.applicationCredential };
    }
    const withCatalog = this.includeCatalog ?? (this.scoped || this.services.length > 0);
    if (withCatalog) token.catalog = this.services.map((s) => s.toJSON());
    return { token };
  }
}

/** Keystone audit ids are 22-character urlsafe base64 strings. */
function randomBase64AuditId(): string {
  return randomBase64Url(16);
}

// ---------------------------------------------------------------------------
// Keystone v2 body shapes and V2Token
// ---------------------------------------------------------------------------

/** One endpoint (one region) of a v2 catalog entry. */
export interface V2CatalogEndpoint {
  /** Endpoint id. */
  id?: string;
  /** Region name. */
  region?: string;
  /** Public URL. */
  publicURL?: string;
  /** Internal URL. */
  internalURL?: string;
  /** Admin URL. */
  adminURL?: string;
}

/** One service of a v2 `serviceCatalog`. */
export interface V2CatalogEntry {
  /** Service type. */
  type: string;
  /** Service name. */
  name?: string;
  /** Endpoints, one per region. */
  endpoints: V2CatalogEndpoint[];
  /** Always empty. */
  endpoints_links: unknown[];
}

/** The content of a Keystone v2 token response (`body.access`). */
export interface V2AccessData {
  /** The token itself. */
  token: {
    id: string;
    expires: string;
    issued_at: string;
    audit_ids: string[];
    tenant?: { id: string; name: string; enabled: boolean; description: string | null };
  };
  /** The user. */
  user: {
    id: string;
    name: string;
    username: string;
    roles: { name: string }[];
    roles_links: unknown[];
  };
  /** The service catalog (empty for unscoped tokens). */
  serviceCatalog: V2CatalogEntry[];
  /** Role ids. */
  metadata: { is_admin: number; roles: string[] };
  /** Trust information. */
  trust?: { id: string; trustee_user_id: string; trustor_user_id: string; impersonation: boolean };
}

/** A complete Keystone v2 token response body (`{"access": {...}}`). */
export interface V2TokenBody {
  /** The access information. */
  access: V2AccessData;
}

/** Options of {@linkcode V2Token}; unset ids and names are random hex. */
export interface V2TokenOptions {
  /** The token id. */
  tokenId?: string;
  /** Expiry (default: one hour after `issuedAt`). */
  expires?: Date | string | number;
  /** Issue time (default now). */
  issuedAt?: Date | string | number;
  /** Tenant (project) id: setting a tenant option scopes the token. */
  tenantId?: string;
  /** Tenant name. */
  tenantName?: string;
  /** User id. */
  userId?: string;
  /** User name. */
  userName?: string;
  /** Audit id. */
  auditId?: string;
  /** Roles. */
  roles?: FixtureRoleInput[];
  /** Trust id: adds the `trust` section. */
  trustId?: string;
  /** Trustee user id (defaults to the user). */
  trusteeUserId?: string;
  /** Trustor user id. */
  trustorUserId?: string;
  /** Impersonation flag of the trust. */
  trustImpersonation?: boolean;
}

/** Endpoint URLs of {@linkcode V2FixtureService.addEndpoint}. */
export interface V2EndpointOptions {
  /** Public URL. */
  public?: string;
  /** Internal URL. */
  internal?: string;
  /** Admin URL. */
  admin?: string;
  /** Region name. */
  region?: string;
  /** Endpoint id (random by default). */
  id?: string;
}

/** A service of a {@linkcode V2Token}'s catalog, returned by `addService`. */
export class V2FixtureService {
  /** Service type. */
  type: string;
  /** Service name. */
  name: string | undefined;
  /** Endpoints added so far. */
  endpoints: V2CatalogEndpoint[] = [];

  /** Creates a service entry; prefer {@linkcode V2Token.addService}. */
  constructor(type: string, name?: string) {
    this.type = type;
    this.name = name;
  }

  /** Adds an endpoint (one region, up to three interfaces) and returns it. */
  addEndpoint(options: V2EndpointOptions): V2CatalogEndpoint {
    const endpoint: V2CatalogEndpoint = { id: options.id ?? randomHex() };
    if (options.region !== undefined) endpoint.region = options.region;
    if (options.public !== undefined) endpoint.publicURL = options.public;
    if (options.internal !== undefined) endpoint.internalURL = options.internal;
    if (options.admin !== undefined) endpoint.adminURL = options.admin;
    this.endpoints.push(endpoint);
    return endpoint;
  }

  /** The catalog entry as Keystone v2 renders it. */
  toJSON(): V2CatalogEntry {
    const entry: V2CatalogEntry = { type: this.type, endpoints: [], endpoints_links: [] };
    if (this.name !== undefined) entry.name = this.name;
    entry.endpoints = this.endpoints.map((e) => ({ ...e }));
    return entry;
  }
}

/**
 * Builds a Keystone v2.0 token response body, like keystoneauth1's
 * `fixture.V2Token`.
 *
 * @example
 * ```ts
 * import { V2Token } from "jsr:@x/osauth/testing";
 * const token = new V2Token({ tokenId: "tok", tenantId: "t1", tenantName: "demo" });
 * token.addRole({ name: "member" });
 * token.addService("compute", "nova").addEndpoint({
 *   public: "http://127.0.0.1:8774/v2.1",
 *   region: "RegionOne",
 * });
 * console.assert(token.toJSON().access.token.id === "tok");
 * ```
 */
export class V2Token {
  /** The token id. */
  tokenId: string;
  /** Expiry. */
  expires: Date;
  /** Issue time. */
  issuedAt: Date;
  /** Tenant scope, if any. */
  tenant: { id: string; name: string } | undefined;
  /** User id. */
  userId: string;
  /** User name. */
  userName: string;
  /** Audit id. */
  auditId: string;
  /** Roles. */
  roles: V3TokenRole[] = [];
  /** Catalog services. */
  services: V2FixtureService[] = [];
  /** Trust information, if any. */
  trust: V3TrustScope | undefined;

  /** Creates the fixture; see {@linkcode V2TokenOptions}. */
  constructor(options: V2TokenOptions = {}) {
    this.tokenId = options.tokenId ?? randomHex();
    this.issuedAt = options.issuedAt !== undefined ? toDate(options.issuedAt) : new Date();
    this.expires = options.expires !== undefined
      ? toDate(options.expires)
      : new Date(this.issuedAt.getTime() + HOUR_MS);
    this.userId = options.userId ?? randomHex();
    this.userName = options.userName ?? randomHex();
    this.auditId = options.auditId ?? randomBase64AuditId();
    this.tenant = undefined;
    this.trust = undefined;
    if (options.tenantId !== undefined || options.tenantName !== undefined) {
      this.setScope({ id: options.tenantId, name: options.tenantName });
    }
    if (options.trustId !== undefined) {
      this.trust = {
        id: options.trustId,
        impersonation: options.trustImpersonation ?? false,
        trusteeUserId: options.trusteeUserId ?? this.userId,
        trustorUserId: options.trustorUserId ?? randomHex(),
      };
    }
    for (const role of options.roles ?? []) this.addRole(role);
  }

  /** Scopes the token to a tenant (project). */
  setScope(tenant: { id?: string; name?: string } = {}): this {
    this.tenant = { id: tenant.id ?? randomHex(), name: tenant.name ?? randomHex() };
    return this;
  }

  /** Adds a role and returns it. */
  addRole(role: FixtureRoleInput = {}): V3TokenRole {
    const added = { id: role.id ?? randomHex(), name: role.name ?? randomHex() };
    this.roles.push(added);
    return added;
  }

  /** Adds a catalog service and returns it, for adding endpoints. */
  addService(type: string, name?: string): V2FixtureService {
    const service = new V2FixtureService(type, name);
    this.services.push(service);
    return service;
  }

  /** Removes every catalog service of a type. */
  removeService(type: string): this {
    this.services = this.services.filter((s) => s.type !== type);
    return this;
  }

  /** The token response body, exactly as Keystone v2.0 returns it. */
  toJSON(): V2TokenBody {
    const access: V2AccessData = {
      token: {
        id: this.tokenId,
        expires: isoSeconds(this.expires),
        issued_at: isoMicro(this.issuedAt),
        audit_ids: [this.auditId],
      },
      user: {
        id: this.userId,
        name: this.userName,
        username: this.userName,
        roles: this.roles.map((r) => ({ name: r.name })),
        roles_links: [],
      },
      serviceCatalog: this.services.map((s) => s.toJSON()),
      metadata: { is_admin: 0, roles: this.roles.map((r) => r.id) },
    };
    if (this.tenant) {
      access.token.tenant = {
        id: this.tenant.id,
        name: this.tenant.name,
        enabled: true,
        description: null,
      };
    }
    if (this.trust) {
      access.trust = {
        id: this.trust.id,
        trustee_user_id: this.trust.trusteeUserId,
        trustor_user_id: this.trust.trustorUserId,
        impersonation: this.trust.impersonation,
      };
    }
    return { access };
  }
}

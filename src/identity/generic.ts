/**
 * Generic `Password` and `Token` plugins: like keystoneauth1's
 * `identity.generic`, they discover whether the auth URL offers Keystone v3 or
 * v2.0 and use the right protocol (v3 preferred).
 *
 * @example
 * ```ts
 * import { Password } from "jsr:@x/osauth";
 * const auth = new Password({
 *   authUrl: "http://127.0.0.1:5000", username: "admin", password: "pw",
 *   projectName: "admin", defaultDomainId: "default",
 * });
 * ```
 *
 * @module
 */
import type { AccessInfo } from "../access/access_info.ts";
import { DiscoveryFailure, UntrustedOrigin } from "../errors.ts";
import {
  type BaseIdentityOptions,
  BaseIdentityPlugin,
  identityTimeout,
  requireString,
} from "./base.ts";
import { resolveVersionUrl } from "../discovery/document.ts";
import { type AuthContext, IDENTITY_REQUEST, type IdentityRequestOptions } from "../types.ts";
import type { ScopeOptions, UserOptions } from "./v3/base.ts";
import { Password as V3Password } from "./v3/password.ts";
import { Token as V3Token } from "./v3/token.ts";
import { Password as V2Password } from "./v2/password.ts";
import { Token as V2Token } from "./v2/token.ts";
import type { CacheIdElements } from "./state.ts";
import { readBodyCapped, VERSION_DOCUMENT_LIMIT } from "../util/body.ts";

/** Options common to the generic plugins. */
export interface GenericOptions extends BaseIdentityOptions, ScopeOptions {
  /** v2.0 name for projectId. */
  tenantId?: string;
  /** v2.0 name for projectName. */
  tenantName?: string;
  /** Domain id used for the user and project when none is given (v3). */
  defaultDomainId?: string;
  /** Domain name used for the user and project when none is given (v3). */
  defaultDomainName?: string;
  /** Ask for the catalog (v3; default true). */
  includeCatalog?: boolean;
}

/** Options of the generic {@linkcode Password}. */
export interface GenericPasswordOptions extends GenericOptions, UserOptions {
  /** The password (checked when the plugin is created: `OptionError` when missing). */
  password?: string;
}

/** Options of the generic {@linkcode Token}. */
export interface GenericTokenOptions extends GenericOptions {
  /** The existing token (checked when the plugin is created: `OptionError` when missing). */
  token?: string;
}

/** The keys of {@linkcode GenericOptions} (none of them a secret). */
const GENERIC_KEYS: readonly (keyof GenericOptions)[] = [
  "authUrl",
  "reauthenticate",
  "projectId",
  "projectName",
  "projectDomainId",
  "projectDomainName",
  "domainId",
  "domainName",
  "systemScope",
  "trustId",
  "unscoped",
  "tenantId",
  "tenantName",
  "defaultDomainId",
  "defaultDomainName",
  "includeCatalog",
];

interface Discovered {
  v3?: string;
  v2?: string;
}

function versionsOf(body: unknown): Record<string, unknown>[] {
  const b = (body ?? {}) as Record<string, unknown>;
  const v = b.versions as unknown;
  if (Array.isArray(v)) return v;
  if (v && typeof v === "object" && Array.isArray((v as Record<string, unknown>).values)) {
    return (v as Record<string, unknown>).values as Record<string, unknown>[];
  }
  if (b.version && typeof b.version === "object") return [b.version as Record<string, unknown>];
  return [];
}

/**
 * Finds the v3 and v2.0 URLs an identity version document offers. Links are
 * resolved against the document's URL `base` as keystoneauth1 resolves them:
 * a link to another host or scheme (a Keystone behind a proxy advertising its
 * backend, or a hostile document) keeps `base`'s scheme and host and takes
 * only the version from the link, so the credentials go nowhere but the
 * auth URL's origin.
 */
export function identityVersions(body: unknown, base: string): Discovered {
  const found: Discovered = {};
  for (const v of versionsOf(body)) {
    const id = typeof v.id === "string" ? v.id : "";
    const links = Array.isArray(v.links) ? v.links as Record<string, unknown>[] : [];
    const self = links.find((l) => l?.rel === "self" && typeof l.href === "string");
    let href = base;
    if (self) {
      try {
        href = resolveVersionUrl(base, self.href as string);
      } catch {
        continue; // a link that is no URL names no usable version
      }
    }
    if (/^v3(\.|$)/.test(id)) found.v3 ??= href;
    else if (/^v2\.0/.test(id)) found.v2 ??= href;
  }
  return found;
}

/**
 * Base of the generic plugins: discovers the identity versions at the auth
 * URL, then delegates to a v3 (preferred) or v2.0 plugin.
 */
export abstract class GenericIdentityPlugin extends BaseIdentityPlugin {
  #inner: BaseIdentityPlugin | undefined;
  /** The options given (secrets are kept by subclasses, not here). */
  protected readonly options: GenericOptions;

  /** Creates the plugin. */
  constructor(options: GenericOptions) {
    super(options);
    // Only the keys of GenericOptions: the password or token a subclass is
    // given must not be copied into this enumerable field ({...plugin}).
    const copy: Record<string, unknown> = {};
    for (const key of GENERIC_KEYS) {
      if (options[key] !== undefined) copy[key] = options[key];
    }
    this.options = copy as unknown as GenericOptions;
  }

  /** The v3 plugin for a discovered v3 URL. */
  protected abstract createV3(authUrl: string): BaseIdentityPlugin;
  /** The v2.0 plugin for a discovered v2.0 URL. */
  protected abstract createV2(authUrl: string): BaseIdentityPlugin;

  /** Scope options for the inner plugin, defaults filled in. */
  protected scope(): ScopeOptions & { tenantId?: string; tenantName?: string } {
    const o = this.options;
    const dom = { id: o.defaultDomainId, name: o.defaultDomainName };
    const projectId = o.projectId ?? o.tenantId;
    const projectName = o.projectName ?? o.tenantName;
    return {
      projectId,
      projectName,
      // keystoneauth1's `project_domain_id = self._project_domain_id or self._default_domain_id`
      projectDomainId: o.projectDomainId || dom.id,
      projectDomainName: o.projectDomainName || dom.name,
      domainId: o.domainId,
      domainName: o.domainName,
      systemScope: o.systemScope,
      trustId: o.trustId,
      unscoped: o.unscoped,
      tenantId: projectId,
      tenantName: projectId ? undefined : projectName,
    };
  }

  /**
   * keystoneauth1's generic `get_cache_id_elements` (with its `or` defaults
   * for the project domain); osauth adds `system_scope` and `unscoped` when
   * set (DIFFERENCES.md, D-cache-id-scope).
   */
  protected scopeCacheElements(): Record<string, string | undefined> {
    const o = this.options;
    return {
      auth_url: this.authUrl,
      project_id: o.projectId || o.tenantId,
      project_name: o.projectName || o.tenantName,
      project_domain_id: o.projectDomainId || o.defaultDomainId,
      project_domain_name: o.projectDomainName || o.defaultDomainName,
      domain_id: o.domainId,
      domain_name: o.domainName,
      trust_id: o.trustId,
      system_scope: o.systemScope,
      unscoped: o.unscoped ? "true" : undefined,
      include_catalog: o.includeCatalog === false ? "false" : undefined,
    };
  }

  /** keystoneauth1's `_has_domain_scope`: domain or project domain options (v3 only). */
  protected hasV3OnlyOptions(): boolean {
    const o = this.options;
    return !!(o.domainId || o.domainName || o.projectDomainId || o.projectDomainName);
  }

  /** Whether a v2.0 plugin can be made (keystoneauth1's `create_plugin` returning None). */
  protected canUseV2(): boolean {
    return true;
  }

  /**
   * keystoneauth1's `get_discovery(session, auth_url)`: the version document
   * at the auth URL; `undefined` when it cannot be had (an HTTP error, no
   * connection, not JSON), as keystoneauth1 catches those.
   */
  async #discover(session: AuthContext): Promise<Discovered | undefined> {
    let resp: Response;
    const options: IdentityRequestOptions = {
      authenticated: false,
      raiseExc: false,
      headers: { Accept: "application/json" },
      timeout: identityTimeout(session),
      [IDENTITY_REQUEST]: true,
    };
    try {
      resp = await session.request(this.authUrl, options);
    } catch (err) {
      if (err instanceof UntrustedOrigin) throw err; // it says where the redirect pointed
      return undefined;
    }
    const text = await readBodyCapped(
      resp,
      VERSION_DOCUMENT_LIMIT,
      "identity version document",
      this.authUrl,
      DiscoveryFailure,
    );
    if (resp.status >= 400) return undefined;
    try {
      return identityVersions(JSON.parse(text), this.authUrl);
    } catch {
      return undefined;
    }
  }

  /**
   * keystoneauth1's generic `_do_create_plugin`: discovery at the auth URL,
   * then the versions oldest first (newest first with a default domain),
   * v2.0 skipped with domain options; without a version document, the auth
   * URL's path must start with `/v2.0` or `/v3`.
   */
  async #createPlugin(session: AuthContext): Promise<BaseIdentityPlugin> {
    const found = await this.#discover(session);
    if (found === undefined) {
      const path = new URL(this.authUrl).pathname.toLowerCase();
      if (path.startsWith("/v2.0")) {
        if (this.hasV3OnlyOptions()) {
          throw new DiscoveryFailure("Cannot use v2 authentication with domain scope");
        }
        return this.createV2(this.authUrl);
      }
      if (path.startsWith("/v3")) return this.createV3(this.authUrl);
      throw new DiscoveryFailure(
        `could not find versioned identity endpoints at ${this.authUrl}: no readable version ` +
          "document, and the path starts with neither /v3 nor /v2.0 (check auth_url)",
      );
    }
    const o = this.options;
    const newestFirst = !!(o.defaultDomainId || o.defaultDomainName);
    const order: ("v2" | "v3")[] = newestFirst ? ["v3", "v2"] : ["v2", "v3"];
    let v2WithDomainScope = false;
    for (const version of order) {
      const url = found[version];
      if (url === undefined) continue;
      if (version === "v3") return this.createV3(url);
      if (this.hasV3OnlyOptions()) {
        v2WithDomainScope = true;
        continue;
      }
      if (this.canUseV2()) return this.createV2(url);
    }
    if (v2WithDomainScope) {
      throw new DiscoveryFailure(
        `${this.authUrl} offers only identity v2.0, which cannot use domain scope`,
      );
    }
    throw new DiscoveryFailure(
      `could not find versioned identity endpoints at ${this.authUrl} (check auth_url)`,
    );
  }

  /** The plugin discovery chose, once authenticated. */
  get resolvedPlugin(): BaseIdentityPlugin | undefined {
    return this.#inner;
  }

  /** Discovers once, then authenticates with the chosen plugin. */
  protected async getAuthRef(session: AuthContext): Promise<AccessInfo> {
    this.#inner ??= await this.#createPlugin(session);
    this.#inner.invalidate();
    return this.#inner.getAccess(session);
  }
}

/**
 * Password authentication with identity version discovery.
 *
 * @example
 * ```ts
 * import { Password } from "jsr:@x/osauth";
 * const auth = new Password({
 *   authUrl: "http://127.0.0.1:5000", username: "u", password: "p",
 *   userDomainId: "default", projectName: "proj", projectDomainId: "default",
 * });
 * ```
 */
export class Password extends GenericIdentityPlugin {
  #password: string;
  #user: UserOptions;
  /** Creates the plugin. */
  constructor(options: GenericPasswordOptions) {
    super(options);
    this.#password = requireString(options.password, "password", "Password");
    this.#user = {
      userId: options.userId,
      username: options.username,
      userDomainId: options.userDomainId,
      userDomainName: options.userDomainName,
    };
  }
  /** The scope elements, the user, its domain (or the default) and the password. */
  protected override getCacheIdElements(): CacheIdElements {
    const u = this.#user;
    return {
      ...this.scopeCacheElements(),
      username: u.username,
      user_id: u.userId,
      password: this.#password,
      user_domain_id: u.userDomainId || this.options.defaultDomainId,
      user_domain_name: u.userDomainName || this.options.defaultDomainName,
    };
  }
  /** keystoneauth1: no v2.0 plugin when a user domain is given. */
  protected override canUseV2(): boolean {
    return !(this.#user.userDomainId || this.#user.userDomainName);
  }
  /** A v3 plugin with these options. */
  protected createV3(authUrl: string): BaseIdentityPlugin {
    const u = this.#user;
    const o = this.options;
    const { tenantId: _i, tenantName: _n, ...scope } = this.scope();
    return new V3Password({
      authUrl,
      includeCatalog: o.includeCatalog,
      reauthenticate: this.reauthenticate,
      ...scope,
      userId: u.userId,
      username: u.username,
      userDomainId: u.userDomainId || o.defaultDomainId,
      userDomainName: u.userDomainName || o.defaultDomainName,
      password: this.#password,
    });
  }
  /** A v2.0 plugin with these options. */
  protected createV2(authUrl: string): BaseIdentityPlugin {
    const s = this.scope();
    return new V2Password({
      authUrl,
      reauthenticate: this.reauthenticate,
      userId: this.#user.userId,
      username: this.#user.username,
      password: this.#password,
      tenantId: s.tenantId,
      tenantName: s.tenantName,
      trustId: s.trustId,
    });
  }
}

/**
 * Token authentication with identity version discovery.
 *
 * @example
 * ```ts
 * import { Token } from "jsr:@x/osauth";
 * const auth = new Token({ authUrl: "http://127.0.0.1:5000", token: "t", projectId: "p" });
 * ```
 */
export class Token extends GenericIdentityPlugin {
  #token: string;
  /** Creates the plugin. */
  constructor(options: GenericTokenOptions) {
    super(options);
    this.#token = requireString(options.token, "token", "Token");
  }
  /** The scope elements and the token. */
  protected override getCacheIdElements(): CacheIdElements {
    return { ...this.scopeCacheElements(), token: this.#token };
  }
  /** A v3 plugin with these options. */
  protected createV3(authUrl: string): BaseIdentityPlugin {
    const { tenantId: _i, tenantName: _n, ...scope } = this.scope();
    return new V3Token({
      authUrl,
      includeCatalog: this.options.includeCatalog,
      reauthenticate: this.reauthenticate,
      ...scope,
      token: this.#token,
    });
  }
  /** A v2.0 plugin with these options. */
  protected createV2(authUrl: string): BaseIdentityPlugin {
    const s = this.scope();
    return new V2Token({
      authUrl,
      reauthenticate: this.reauthenticate,
      token: this.#token,
      tenantId: s.tenantId,
      tenantName: s.tenantName,
      trustId: s.trustId,
    });
  }
}

/**
 * The v3 token request: methods, scope, and `POST /v3/auth/tokens`.
 *
 * @module
 */
import { AccessInfo } from "../../access/access_info.ts";
import { AuthorizationFailure, OptionError } from "../../errors.ts";
import {
  type BaseIdentityOptions,
  BaseIdentityPlugin,
  identityTimeout,
  requireString,
  tokenResponseJson,
} from "../base.ts";
import { joinUrl } from "../../util/url.ts";
import type { CacheIdElements } from "../state.ts";
import { type AuthContext, IDENTITY_REQUEST, type IdentityRequestOptions } from "../../types.ts";

/** Scope options shared by v3 plugins (choose at most one target). */
export interface ScopeOptions {
  /** Project id to scope to. */
  projectId?: string;
  /** Project name to scope to (needs projectDomainId or projectDomainName). */
  projectName?: string;
  /** Domain id of the project named by projectName. */
  projectDomainId?: string;
  /** Domain name of the project named by projectName. */
  projectDomainName?: string;
  /** Domain id to scope to. */
  domainId?: string;
  /** Domain name to scope to. */
  domainName?: string;
  /** System scope: `"all"`. */
  systemScope?: string;
  /** Trust id to scope to. */
  trustId?: string;
  /** Ask explicitly for an unscoped token. */
  unscoped?: boolean;
}

/** Options of every v3 plugin. */
export interface V3Options extends BaseIdentityOptions, ScopeOptions {
  /** Ask for the service catalog in the token (default true). */
  includeCatalog?: boolean;
  /**
   * An auth receipt (`MissingAuthMethods.receipt`) from an earlier attempt
   * of the same user: sent as `Openstack-Auth-Receipt`, so that Keystone
   * counts the methods it records towards the user's multi-factor rules
   * (keystoneauth1's `ReceiptMethod`). Secret: never shown.
   */
  receipt?: string;
}

/** User identification for methods that name a user. */
export interface UserOptions {
  /** User id. */
  userId?: string;
  /** User name (needs userDomainId or userDomainName). */
  username?: string;
  /** Domain id of the user named by username. */
  userDomainId?: string;
  /** Domain name of the user named by username. */
  userDomainName?: string;
}

/** One `identity` method of a v3 token request. */
export interface AuthMethod {
  /** Method name: `password`, `token`, `application_credential`, `totp`. */
  readonly name: string;
  /** The method's object in `auth.identity`. Holds secrets: never log it. */
  payload(): Record<string, unknown>;
  /**
   * The method's part of the plugin's cache id elements, keys prefixed with
   * the method name (keystoneauth1's `AuthMethod.get_cache_id_elements`).
   * Holds secrets. A method without it makes the plugin uncacheable.
   */
  cacheIdElements?(): CacheIdElements;
  /**
   * Headers the method adds to the token request (keystoneauth1's
   * `get_auth_data(session, auth, headers)`: the token method sends
   * `X-Auth-Token`). Hold secrets.
   */
  headers?(): Record<string, string>;
}

function domainRef(id: string | undefined, name: string | undefined): Record<string, string> {
  return id ? { id } : { name: name as string };
}

/** Builds `{"id"}` or `{"name", "domain"}` for a user, throwing on missing fields. */
export function userRef(o: UserOptions, plugin: string): Record<string, unknown> {
  if (o.userId) return { id: o.userId };
  if (!o.username) throw new OptionError(`${plugin}: userId or username is required`);
  if (!o.userDomainId && !o.userDomainName) {
    throw new OptionError(
      `${plugin}: username needs userDomainId or userDomainName (user names are unique only within a domain)`,
    );
  }
  return { name: o.username, domain: domainRef(o.userDomainId, o.userDomainName) };
}

/** `<method>_user_id`, `<method>_username`, ... : the user part of a method's cache id elements. */
export function userCacheElements(
  method: string,
  o: UserOptions,
): Record<string, string | undefined> {
  return {
    [`${method}_user_id`]: o.userId,
    [`${method}_username`]: o.username,
    [`${method}_user_domain_id`]: o.userDomainId,
    [`${method}_user_domain_name`]: o.userDomainName,
  };
}

/** Validates scope options and returns the `scope` object, if any. */
export function buildScope(o: ScopeOptions, plugin: string): unknown {
  const targets = [
    o.projectId || o.projectName ? "project" : undefined,
    o.domainId || o.domainName ? "domain" : undefined,
    o.systemScope ? "system" : undefined,
    o.trustId ? "trust" : undefined,
    o.unscoped ? "unscoped" : undefined,
  ].filter((t) => t !== undefined);
  if (targets.length > 1) {
    throw new OptionError(
      `${plugin}: authentication cannot be scoped to multiple targets (${
        targets.join(", ")
      }); pick one of project, domain, system, trust or unscoped`,
    );
  }
  if (o.projectId) return { project: { id: o.projectId } };
  if (o.projectName) {
    if (!o.projectDomainId && !o.projectDomainName) {
      throw new OptionError(
        `${plugin}: projectName needs projectDomainId or projectDomainName`,
      );
    }
    return {
      project: { name: o.projectName, domain: domainRef(o.projectDomainId, o.projectDomainName) },
    };
  }
  if (o.domainId || o.domainName) return { domain: domainRef(o.domainId, o.domainName) };
  if (o.systemScope) {
    if (o.systemScope !== "all") {
      throw new OptionError(`${plugin}: systemScope must be "all"`);
    }
    return { system: { all: true } };
  }
  if (o.trustId) return { "OS-TRUST:trust": { id: o.trustId } };
  if (o.unscoped) return "unscoped";
  return undefined;
}

/**
 * The base the v3 token URL is built on: keystoneauth1's
 * `if not auth_url.rstrip('/').endswith('v3'): auth_url + '/v3'` (a plain
 * suffix test, so `.../v3/` and `.../identity/v3` are kept as they are).
 */
export function v3TokenBase(authUrl: string): string {
  let end = authUrl.length;
  while (end > 0 && authUrl.charCodeAt(end - 1) === 47) end--;
  const stripped = authUrl.slice(0, end);
  return stripped.endsWith("v3") ? authUrl : `${stripped}/v3`;
}

/**
 * Base of v3 plugins: sends the methods from {@linkcode V3Auth.authMethods}
 * with the scope to `<authUrl>/auth/tokens`.
 */
export abstract class V3Auth extends BaseIdentityPlugin {
  /** Whether the catalog is requested. */
  readonly includeCatalog: boolean;
  #scope: unknown;
  #scopeOptions: ScopeOptions;
  #receipt: string | undefined;

  /** Creates the plugin; validates the scope options. */
  constructor(options: V3Options) {
    super(options);
    this.includeCatalog = options.includeCatalog ?? true;
    this.#scope = buildScope(options, new.target.name);
    if (options.receipt !== undefined) {
      this.#receipt = requireString(options.receipt, "receipt", new.target.name);
    }
    this.#scopeOptions = {
      projectId: options.projectId,
      projectName: options.projectName,
      projectDomainId: options.projectDomainId,
      projectDomainName: options.projectDomainName,
      domainId: options.domainId,
      domainName: options.domainName,
      systemScope: options.systemScope,
      trustId: options.trustId,
      unscoped: options.unscoped,
    };
  }

  /** The scope requested (no secrets). */
  get scope(): ScopeOptions {
    return Object.fromEntries(
      Object.entries(this.#scopeOptions).filter(([, v]) => v !== undefined),
    ) as ScopeOptions;
  }

  protected override describe(): Record<string, unknown> {
    return {
      ...super.describe(),
      methods: this.authMethods().map((m) => m.name),
      scope: this.scope,
    };
  }

  /** The identity methods this plugin authenticates with. */
  abstract authMethods(): AuthMethod[];

  /**
   * keystoneauth1's v3 `get_cache_id_elements`: the auth URL, the scope
   * fields and each method's elements (a receipt counts as the `receipt`
   * method). osauth adds `system_scope`, `unscoped` and `include_catalog`
   * when they are set (DIFFERENCES.md, D-cache-id-scope).
   */
  protected override getCacheIdElements(): CacheIdElements | undefined {
    const o = this.#scopeOptions;
    const elements: Record<string, string | undefined> = {
      auth_url: this.authUrl,
      domain_id: o.domainId,
      domain_name: o.domainName,
      project_id: o.projectId,
      project_name: o.projectName,
      project_domain_id: o.projectDomainId,
      project_domain_name: o.projectDomainName,
      trust_id: o.trustId,
      system_scope: o.systemScope,
      unscoped: o.unscoped ? "true" : undefined,
      include_catalog: this.includeCatalog ? undefined : "false",
    };
    for (const method of this.authMethods()) {
      if (typeof method.cacheIdElements !== "function") return undefined;
      Object.assign(elements, method.cacheIdElements());
    }
    if (this.#receipt !== undefined) elements.receipt_receipt = this.#receipt;
    return elements;
  }

  /** Accept, the methods' headers (X-Auth-Token of the token method) and the receipt. */
  #requestHeaders(): Record<string, string> {
    const headers: Record<string, string> = { Accept: "application/json" };
    for (const m of this.authMethods()) if (m.headers) Object.assign(headers, m.headers());
    if (this.#receipt !== undefined) headers["Openstack-Auth-Receipt"] = this.#receipt;
    return headers;
  }

  /** The request body for `POST /auth/tokens`. Holds secrets: never log it. */
  buildRequestBody(): Record<string, unknown> {
    const methods = this.authMethods();
    const identity: Record<string, unknown> = { methods: methods.map((m) => m.name) };
    for (const m of methods) identity[m.name] = m.payload();
    const auth: Record<string, unknown> = { identity };
    if (this.#scope !== undefined) auth.scope = this.#scope;
    return { auth };
  }

  /**
   * `POST <authUrl>/auth/tokens`, or `<authUrl>/v3/auth/tokens` when the auth
   * URL (trailing slashes stripped) does not end in `v3`: keystoneauth1's
   * v3 `get_auth_ref`, so devstack's unversioned `http://host/identity` works.
   */
  protected async getAuthRef(session: AuthContext): Promise<AccessInfo> {
    const url = joinUrl(
      v3TokenBase(this.authUrl),
      this.includeCatalog ? "auth/tokens" : "auth/tokens?nocatalog",
    );
    const options: IdentityRequestOptions = {
      method: "POST",
      json: this.buildRequestBody(),
      authenticated: false,
      headers: this.#requestHeaders(),
      timeout: identityTimeout(session),
      [IDENTITY_REQUEST]: true,
    };
    const resp = await session.request(url, options);
    const token = resp.headers.get("x-subject-token");
    const body = await tokenResponseJson(resp, url);
    if (!token) {
      throw new AuthorizationFailure(`the token response from ${url} has no X-Subject-Token`);
    }
    return AccessInfo.fromV3(token, body);
  }
}

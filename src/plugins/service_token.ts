/**
 * `ServiceTokenAuth`: a user's credentials plus a service's token in
 * `X-Service-Token` (keystoneauth1's `ServiceTokenAuthWrapper`), as services
 * send when they call other services on a user's behalf (Nova -> Cinder).
 *
 * @module
 */
import { AuthorizationFailure, OptionError } from "../errors.ts";
import { safeInspect } from "../util/secrets.ts";
import type { AccessInfo } from "../access/access_info.ts";
import type { AuthContext, AuthPlugin, EndpointFilter } from "../types.ts";

/** The header the service's token is sent in. */
export const SERVICE_TOKEN_HEADER = "X-Service-Token";

/** Options of {@linkcode ServiceTokenAuth}. */
export interface ServiceTokenAuthOptions {
  /** The user's plugin: its headers, endpoints, project, access. (required) */
  user: AuthPlugin;
  /**
   * The service's plugin: its token goes in `X-Service-Token`. It must say
   * which origins it trusts (`getTrustedOrigins`, as the identity plugins
   * do). (required)
   */
  service: AuthPlugin;
}

type Identityish = AuthPlugin & {
  getToken?(session: AuthContext): Promise<string>;
  getAccess?(session: AuthContext): Promise<AccessInfo>;
  getUserId?(session: AuthContext): Promise<string | undefined>;
};

function isPlugin(value: unknown): value is AuthPlugin {
  const p = value as Partial<AuthPlugin> | null | undefined;
  return !!p && typeof p.getHeaders === "function" && typeof p.getEndpoint === "function" &&
    typeof p.invalidate === "function";
}

/**
 * The user's headers plus `X-Service-Token: <service token>`. Both go to an
 * origin only when both plugins trust it (its trusted origins are those the
 * two have in common): neither token reaches an origin its own plugin does
 * not trust. Both are hashed in logs (`X-Service-Token` is a secret header).
 * `invalidate()` invalidates both (keystoneauth1: there is no telling which
 * token a 401 refused); endpoints, project, user and access are the user's.
 *
 * @example
 * ```ts
 * import { ServiceTokenAuth, Session, v3 } from "jsr:@x/osauth";
 * const authUrl = "http://127.0.0.1:5000/v3";
 * const user = new v3.Token({ authUrl, token: "the-user-token", projectId: "p1" });
 * const service = new v3.Password({
 *   authUrl, username: "nova", password: "pw", userDomainId: "default",
 *   projectName: "service", projectDomainId: "default",
 * });
 * const sess = new Session({ auth: new ServiceTokenAuth({ user, service }) });
 * ```
 */
export class ServiceTokenAuth implements AuthPlugin {
  /** The user's plugin. */
  readonly user: AuthPlugin;
  /** The service's plugin. */
  readonly service: AuthPlugin;
  /** Origins of the endpoints a user plugin without getTrustedOrigins gave (frozen). */
  #userEndpoints: readonly string[] = Object.freeze([]);
  /** The last two inner lists and their intersection (frozen, reused while both are). */
  #origins: { user: readonly string[]; service: readonly string[]; both: readonly string[] } | {
    user: undefined;
    service: undefined;
    both: undefined;
  } = { user: undefined, service: undefined, both: undefined };

  /** Creates the wrapper. Throws `OptionError` unless both are auth plugins. */
  constructor(options: ServiceTokenAuthOptions) {
    if (options === null || typeof options !== "object") {
      throw new OptionError("ServiceTokenAuth options must be an object with user and service");
    }
    if (!isPlugin(options.user)) {
      throw new OptionError("ServiceTokenAuth: user must be an auth plugin");
    }
    if (!isPlugin(options.service)) {
      throw new OptionError("ServiceTokenAuth: service must be an auth plugin");
    }
    if (typeof options.service.getTrustedOrigins !== "function") {
      throw new OptionError(
        "ServiceTokenAuth: the service plugin has no getTrustedOrigins, so the origins its " +
          "token may go to are unknown",
      );
    }
    this.user = options.user;
    this.service = options.service;
    safeInspect(this, () => ({
      user: this.user.constructor?.name,
      service: this.service.constructor?.name,
    }));
  }

  /** The service plugin's token (its `getToken`, else its `X-Auth-Token` header). */
  async #serviceToken(session: AuthContext): Promise<string> {
    const service = this.service as Identityish;
    if (typeof service.getToken === "function") return await service.getToken(session);
    const token = (await service.getHeaders(session))?.["X-Auth-Token"];
    if (!token) {
      throw new AuthorizationFailure("the service plugin of ServiceTokenAuth has no token");
    }
    return token;
  }

  /** The user's headers plus `X-Service-Token`; `undefined` when the user plugin has none. */
  async getHeaders(session: AuthContext): Promise<Record<string, string> | undefined> {
    const [headers, token] = await Promise.all([
      this.user.getHeaders(session),
      this.#serviceToken(session),
    ]);
    if (!headers) return undefined;
    return { ...headers, [SERVICE_TOKEN_HEADER]: token };
  }

  /**
   * The user plugin's endpoint. For a user plugin without
   * `getTrustedOrigins` its origin is noted: the user's headers may go to
   * the endpoints it gave (the Session's rule for such plugins), no further.
   */
  async getEndpoint(session: AuthContext, filter: EndpointFilter): Promise<string | undefined> {
    const url = await this.user.getEndpoint(session, filter);
    if (url && !this.user.getTrustedOrigins) {
      const origin = originKey(url);
      if (!this.#userEndpoints.includes(origin)) {
        // At most 64, oldest first out (as the Session keeps them).
        this.#userEndpoints = Object.freeze([...this.#userEndpoints.slice(-63), origin]);
      }
    }
    return url;
  }

  /**
   * The origins both plugins trust (the same frozen list while theirs are the
   * same). For a user plugin without `getTrustedOrigins`: the origins of the
   * endpoints it gave through this wrapper.
   */
  async getTrustedOrigins(session: AuthContext): Promise<string[]> {
    const [user, service] = await Promise.all([
      this.user.getTrustedOrigins ? this.user.getTrustedOrigins(session) : undefined,
      this.service.getTrustedOrigins!(session),
    ]);
    return this.#intersect(user ?? this.#userEndpoints, service) as string[];
  }

  #intersect(user: readonly string[], service: readonly string[]): readonly string[] {
    const memo = this.#origins;
    if (memo.user === user && memo.service === service) return memo.both!;
    const serviceSet = new Set(service.map(originKey));
    const both = Object.freeze(user.filter((o) => serviceSet.has(originKey(o))));
    // Only frozen inner lists stay the same object: others are not remembered.
    if (Object.isFrozen(user) && Object.isFrozen(service)) {
      this.#origins = { user, service, both };
    }
    return both;
  }

  /** Invalidates both plugins; true when either had something to forget. */
  async invalidate(): Promise<boolean> {
    const [user, service] = await Promise.all([this.user.invalidate(), this.service.invalidate()]);
    return user || service;
  }

  /** The user plugin's token (keystoneauth1: `get_token` is the user's). */
  async getToken(session: AuthContext): Promise<string> {
    const user = this.user as Identityish;
    if (typeof user.getToken === "function") return await user.getToken(session);
    const token = (await user.getHeaders(session))?.["X-Auth-Token"];
    if (!token) throw new AuthorizationFailure("the user plugin of ServiceTokenAuth has no token");
    return token;
  }

  /** The user plugin's project id. */
  async getProjectId(session: AuthContext): Promise<string | undefined> {
    return this.user.getProjectId ? await this.user.getProjectId(session) : undefined;
  }

  /** The user plugin's user id. */
  async getUserId(session: AuthContext): Promise<string | undefined> {
    const user = this.user as Identityish;
    return typeof user.getUserId === "function" ? await user.getUserId(session) : undefined;
  }

  /** The user plugin's access info (identity plugins only). */
  async getAccess(session: AuthContext): Promise<AccessInfo> {
    const user = this.user as Identityish;
    if (typeof user.getAccess !== "function") {
      throw new AuthorizationFailure(
        `${user.constructor?.name ?? "the user plugin"} does not provide access info`,
      );
    }
    return await user.getAccess(session);
  }
}

/** An origin compared as URLs are (`HTTP://Host:80` is `http://host`). */
function originKey(origin: string): string {
  try {
    return new URL(origin).origin;
  } catch {
    return origin;
  }
}

/**
 * The base of identity plugins: fetches a token on demand, caches it,
 * refreshes it 120 s before expiry, and fetches it once however many requests
 * wait on it at the same time.
 *
 * @module
 */
import type { AccessInfo } from "../access/access_info.ts";
import { AuthorizationFailure, OptionError } from "../errors.ts";
import { redactUrl, safeInspect } from "../util/secrets.ts";
import type { AuthContext, AuthPlugin, CurrentCredentials, EndpointFilter } from "../types.ts";
import { officialServiceType } from "../catalog/service_types.ts";
import type { AuthStateStore } from "../stores/interface.ts";
import {
  type CacheIdElements,
  type CacheIdentity,
  cacheIdentity,
  checkStateStore,
  decodeAuthState,
  encodeAuthState,
  SharedAuthState,
} from "./state.ts";
import { readBodyCapped, TOKEN_BODY_LIMIT } from "../util/body.ts";

/** Options every identity plugin takes. */
export interface BaseIdentityOptions {
  /** The identity endpoint, e.g. `https://keystone.example.com:5000/v3`. (required) */
  authUrl: string;
  /**
   * Fetch a new token when the current one is about to expire (default true).
   * With false the first token is used until the server refuses it.
   */
  reauthenticate?: boolean;
  /**
   * Where the token is shared with other processes, isolates or machines
   * (`jsr:@x/osauth/stores`): read before authenticating, written after,
   * with a lease so that one of many processes starting together
   * authenticates; the entry is deleted when the token is refused (401).
   */
  stateStore?: AuthStateStore;
}

/** Seconds before expiry at which a token is refreshed (keystoneauth1's margin). */
export const MIN_TOKEN_LIFE_SECONDS = 120;

/**
 * Checks that option `name` of `plugin` is an http(s) URL and returns it,
 * throwing {@linkcode OptionError} when it is missing, unparseable or another scheme.
 */
export function checkHttpUrl(value: unknown, name: string, plugin: string): string {
  const text = requireString(value, name, plugin);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new OptionError(`${plugin}: ${name} is not a valid URL: ${text}`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new OptionError(`${plugin}: ${name} must be http or https: ${text}`);
  }
  return text;
}

/** Throws {@linkcode OptionError} when `value` is not a non-empty string. */
export function requireString(value: unknown, name: string, plugin: string): string {
  if (typeof value !== "string" || value === "") {
    throw new OptionError(`${plugin}: ${name} is required`);
  }
  return value;
}

/**
 * How long a token request (and an identity version discovery) may take per
 * attempt when the session sets no `timeout`: one stalled token request is
 * shared by every request of the plugin, so it must end on its own. Each
 * waiting request also stops waiting at its own `signal` or `timeout`.
 */
export const TOKEN_REQUEST_TIMEOUT_MS = 60_000;

/** The timeout of an identity plugin's own requests: the session's, else {@linkcode TOKEN_REQUEST_TIMEOUT_MS}. */
export function identityTimeout(session: AuthContext): number {
  return session.timeout ?? TOKEN_REQUEST_TIMEOUT_MS;
}

/**
 * The JSON body of a token response; {@linkcode AuthorizationFailure} when it
 * is not JSON or larger than `TOKEN_BODY_LIMIT`.
 */
export async function tokenResponseJson(resp: Response, url: string): Promise<unknown> {
  const text = await readBodyCapped(
    resp,
    TOKEN_BODY_LIMIT,
    "token response",
    url,
    AuthorizationFailure,
  );
  try {
    return JSON.parse(text);
  } catch {
    throw new AuthorizationFailure(`the token response from ${url} is not JSON`);
  }
}

/** Gives a plugin a state store after construction (set by the class below). */
let attach: (plugin: BaseIdentityPlugin, store: unknown) => void;

/**
 * Gives an identity plugin a `stateStore` after it was created, as the
 * option does (for clouds.yaml `cache: {auth: true}`). Internal: not exported
 * by the package.
 */
export function attachStateStore(plugin: BaseIdentityPlugin, store: AuthStateStore): void {
  attach(plugin, store);
}

/**
 * Base class of token-issuing plugins. Subclasses implement
 * {@linkcode BaseIdentityPlugin.getAuthRef}.
 */
export abstract class BaseIdentityPlugin implements AuthPlugin {
  /** The identity endpoint. */
  readonly authUrl: string;
  /** Whether an expiring token is replaced by a new one. */
  readonly reauthenticate: boolean;
  #access: AccessInfo | undefined;
  #pending: Promise<AccessInfo> | undefined;
  /** Trusted origins of a token, computed once (requests check them every time). */
  #trustedOf: { access: AccessInfo; list: readonly string[] } | undefined;
  /** What the Session reads without awaiting while the token is valid (see currentCredentials). */
  #currentOf: { access: AccessInfo; refreshAt: number; current: CurrentCredentials } | undefined;
  /** The shared half of the cache, with a `stateStore` (see state.ts). */
  #shared: SharedAuthState | undefined;
  #identity: Promise<CacheIdentity> | undefined;

  /** Creates the plugin. */
  constructor(options: BaseIdentityOptions) {
    this.authUrl = checkHttpUrl(options?.authUrl, "authUrl", new.target.name);
    this.reauthenticate = options.reauthenticate ?? true;
    if (options.stateStore !== undefined) this.#attach(options.stateStore);
    safeInspect(this, () => this.describe());
  }

  static {
    attach = (plugin, store) => plugin.#attach(store);
  }

  #attach(store: unknown): void {
    this.#shared = new SharedAuthState(
      checkStateStore(store, this.constructor.name),
      () => this.#cacheIdentity(),
      MIN_TOKEN_LIFE_SECONDS,
    );
  }

  /**
   * The token's headers, endpoints and trusted origins while it is valid by
   * `session.now()` (what `getAccess` would return at once), unless a
   * subclass or the instance replaced a method they come from; `undefined`
   * otherwise (see `AuthPlugin.currentCredentials`).
   */
  currentCredentials(session: AuthContext): CurrentCredentials | undefined {
    const access = this.#access;
    if (!access) return undefined;
    const base = BaseIdentityPlugin.prototype;
    if (
      this.getAccess !== base.getAccess || this.getToken !== base.getToken ||
      this.getHeaders !== base.getHeaders || this.getEndpoint !== base.getEndpoint ||
      this.getTrustedOrigins !== base.getTrustedOrigins
    ) {
      return undefined;
    }
    let entry = this.#currentOf;
    if (entry?.access !== access) {
      entry = {
        access,
        // access.willExpireSoon(t, MIN_TOKEN_LIFE_SECONDS) is refreshAt <= t
        refreshAt: access.expiresAt.getTime() - MIN_TOKEN_LIFE_SECONDS * 1000,
        current: Object.freeze({
          headers: Object.freeze({ "X-Auth-Token": access.token }),
          trustedOrigins: this.#trustedList(access),
          endpoint: (filter: EndpointFilter) =>
            this.#beforeCatalog(filter) ?? this.#fromCatalog(access, filter),
        }),
      };
      this.#currentOf = entry;
    }
    return this.reauthenticate && entry.refreshAt <= session.now() ? undefined : entry.current;
  }

  /** Fields shown by `console.log(plugin)` and `JSON.stringify(plugin)`. No secrets. */
  protected describe(): Record<string, unknown> {
    return { authUrl: redactUrl(this.authUrl), authenticated: this.#access !== undefined };
  }

  /** Obtains a new token from the identity service. */
  protected abstract getAuthRef(session: AuthContext): Promise<AccessInfo>;

  /**
   * The current {@linkcode AccessInfo}, authenticating when there is none or
   * it expires within 120 s. Concurrent callers share one request.
   */
  getAccess(session: AuthContext): Promise<AccessInfo> {
    const current = this.#access;
    if (
      current &&
      (!this.reauthenticate || !current.willExpireSoon(session.now(), MIN_TOKEN_LIFE_SECONDS))
    ) {
      return Promise.resolve(current);
    }
    if (!this.#pending) {
      const shared = this.#shared;
      const pending = (shared
        ? shared.authenticate(session, () =>
          this.getAuthRef(session))
        : this.getAuthRef(session)).then(
          (access) => {
            if (this.#pending === pending) {
              this.#access = access;
              this.#pending = undefined;
            }
            return access;
          },
          (err) => {
            if (this.#pending === pending) this.#pending = undefined;
            throw err;
          },
        );
      this.#pending = pending;
    }
    return this.#pending;
  }

  /** The cached access info without authenticating, if any. */
  get cachedAccess(): AccessInfo | undefined {
    return this.#access;
  }

  /** The token (authenticating on demand). */
  async getToken(session: AuthContext): Promise<string> {
    return (await this.getAccess(session)).token;
  }

  /** `{ "X-Auth-Token": token }`. */
  async getHeaders(session: AuthContext): Promise<Record<string, string>> {
    return { "X-Auth-Token": await this.getToken(session) };
  }

  /** The authenticated user's id. */
  async getUserId(session: AuthContext): Promise<string | undefined> {
    return (await this.getAccess(session)).userId;
  }

  /** The project id the token is scoped to. */
  async getProjectId(session: AuthContext): Promise<string | undefined> {
    return (await this.getAccess(session)).projectId;
  }

  /**
   * The catalog URL for a filter. `interface: "auth"` (or an identity filter
   * when the catalog has no identity service) gives the auth URL.
   */
  async getEndpoint(session: AuthContext, filter: EndpointFilter): Promise<string | undefined> {
    return this.#beforeCatalog(filter) ?? this.#fromCatalog(await this.getAccess(session), filter);
  }

  /** The auth URL for `interface: "auth"`; OptionError without a service type; else undefined. */
  #beforeCatalog(filter: EndpointFilter): string | undefined {
    if (filter.interface === "auth") return this.authUrl;
    if (!filter.serviceType) {
      throw new OptionError("an endpoint filter needs a serviceType");
    }
    return undefined;
  }

  #fromCatalog(access: AccessInfo, filter: EndpointFilter): string | undefined {
    if (
      officialServiceType(filter.serviceType ?? "") === "identity" &&
      access.catalog.endpointsFor({ serviceType: "identity", interface: filter.interface })
          .length === 0
    ) {
      return this.authUrl;
    }
    return access.catalog.urlFor(filter);
  }

  /**
   * The auth URL's origin and every origin in the current catalog. The list is
   * computed once per token and frozen: the same array is returned until the
   * plugin authenticates again.
   */
  async getTrustedOrigins(session: AuthContext): Promise<string[]> {
    return this.#trustedList(this.#access ?? await this.getAccess(session)) as string[];
  }

  #trustedList(access: AccessInfo): readonly string[] {
    let list = this.#trustedOf?.access === access ? this.#trustedOf.list : undefined;
    if (!list) {
      const origins = new Set([new URL(this.authUrl).origin]);
      for (const ep of access.catalog.endpoints) {
        try {
          origins.add(new URL(ep.url).origin);
        } catch {
          // an unparseable catalog URL trusts nothing
        }
      }
      list = Object.freeze([...origins]);
      this.#trustedOf = { access, list };
    }
    return list;
  }

  /**
   * Forgets the cached token. True when there was one. With a `stateStore`,
   * the shared entry is deleted too when it holds that token.
   */
  invalidate(): boolean {
    const had = this.#access;
    if (had && this.#shared) this.#shared.invalidate(had.token);
    this.#access = undefined;
    return had !== undefined;
  }

  /**
   * What makes this plugin's credentials and scope unique, for
   * {@linkcode BaseIdentityPlugin.getCacheId} (keystoneauth1's
   * `get_cache_id_elements`). Holds secrets: never log it. `undefined` (the
   * default) means the plugin cannot be cached.
   */
  protected getCacheIdElements(): CacheIdElements | undefined {
    return undefined;
  }

  #cacheIdentity(): Promise<CacheIdentity> {
    return this.#identity ??= Promise.resolve().then(() =>
      cacheIdentity(this.getCacheIdElements(), this.constructor.name)
    );
  }

  /**
   * keystoneauth1's `get_cache_id`: the base64 SHA-256 of the plugin's auth
   * URL, credentials and scope. Plugins with the same credentials and scope
   * share it; it cannot be turned back into a secret (but see the README:
   * a weak password can be guessed from it like from any unsalted hash).
   * Rejects with `OptionError` for a plugin that cannot be cached.
   */
  async getCacheId(): Promise<string> {
    return (await this.#cacheIdentity()).id;
  }

  /**
   * keystoneauth1's `get_auth_state`: `{"auth_token": ..., "body": ...}` as
   * JSON, or `undefined` before authenticating. Holds the token: a secret.
   */
  getAuthState(): string | undefined {
    return encodeAuthState(this.#access);
  }

  /**
   * keystoneauth1's `set_auth_state`: installs a state from `getAuthState`
   * (here or in keystoneauth1); `undefined` or `""` forgets the token. A
   * token that expires within the refresh margin is replaced at first use.
   * `OptionError` when the state cannot be parsed.
   */
  setAuthState(state: string | undefined): void {
    this.#access = decodeAuthState(state);
  }
}

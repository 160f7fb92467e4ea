/**
 * The v2.0 token request (`POST /v2.0/tokens`).
 *
 * @module
 */
import { AccessInfo } from "../../access/access_info.ts";
import { OptionError } from "../../errors.ts";
import {
  type BaseIdentityOptions,
  BaseIdentityPlugin,
  identityTimeout,
  tokenResponseJson,
} from "../base.ts";
import { joinUrl } from "../../util/url.ts";
import type { CacheIdElements } from "../state.ts";
import { type AuthContext, IDENTITY_REQUEST, type IdentityRequestOptions } from "../../types.ts";

/** Options of every v2.0 plugin. */
export interface V2Options extends BaseIdentityOptions {
  /** Tenant (project) id to scope to. */
  tenantId?: string;
  /** Tenant (project) name to scope to. */
  tenantName?: string;
  /** Trust id to scope to. */
  trustId?: string;
}

/** Base of v2.0 plugins. */
export abstract class V2Auth extends BaseIdentityPlugin {
  #scope: Record<string, string>;
  #scopeElements: Record<string, string | undefined>;

  /** Creates the plugin. */
  constructor(options: V2Options) {
    super(options);
    if (options.tenantId && options.tenantName) {
      throw new OptionError(`${new.target.name}: give tenantId or tenantName, not both`);
    }
    this.#scope = {};
    if (options.tenantId) this.#scope.tenantId = options.tenantId;
    if (options.tenantName) this.#scope.tenantName = options.tenantName;
    if (options.trustId) this.#scope.trust_id = options.trustId;
    this.#scopeElements = {
      auth_url: this.authUrl,
      tenant_id: options.tenantId,
      tenant_name: options.tenantName,
      trust_id: options.trustId,
    };
  }

  /**
   * keystoneauth1's v2 `get_cache_id_elements`: the credentials' elements,
   * the auth URL and the tenant and trust.
   */
  protected override getCacheIdElements(): CacheIdElements | undefined {
    const credentials = this.credentialElements();
    return credentials && { ...credentials, ...this.#scopeElements };
  }

  /** The credentials' part of the cache id elements; `undefined`: not cacheable. Holds secrets. */
  protected credentialElements(): CacheIdElements | undefined {
    return undefined;
  }

  protected override describe(): Record<string, unknown> {
    return { ...super.describe(), ...this.#scope };
  }

  /** Headers of the token request beyond Accept (v2 Token: `X-Auth-Token`, as keystoneauth1). */
  protected authHeaders(): Record<string, string> {
    return {};
  }

  /** The credentials part of `auth` (holds secrets). */
  protected abstract credentials(): Record<string, unknown>;

  /** `POST <authUrl>/tokens`. */
  protected async getAuthRef(session: AuthContext): Promise<AccessInfo> {
    const url = joinUrl(this.authUrl, "tokens");
    const options: IdentityRequestOptions = {
      method: "POST",
      json: { auth: { ...this.credentials(), ...this.#scope } },
      authenticated: false,
      headers: { Accept: "application/json", ...this.authHeaders() },
      timeout: identityTimeout(session),
      [IDENTITY_REQUEST]: true,
    };
    const resp = await session.request(url, options);
    const body = await tokenResponseJson(resp, url);
    return AccessInfo.fromV2(body);
  }
}

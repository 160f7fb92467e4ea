/**
 * Internal, request stage 3 ("trust"): which origins a plugin's credentials
 * may go to, checked before anything is sent: the plugin's trusted origins
 * (auth URL, catalog) or, for a plugin without `getTrustedOrigins`, the
 * endpoints it gave; the session's `trustedOrigins` and endpoint overrides;
 * a request's own overrides. A plugin whose headers are no credential
 * (`NoAuth`) sends to any origin.
 *
 * @module
 */
import { catalogFilterOf } from "../discovery/discover.ts";
import type { AccessInfo } from "../access/access_info.ts";
import type {
  AuthPlugin,
  CurrentCredentials,
  EndpointDataFilter,
  EndpointFilter,
} from "../types.ts";
import { UntrustedOrigin } from "../errors.ts";
import { joinUrl, originOf, trustedUrl } from "../util/url.ts";

/** A frozen empty origins list: a plugin that trusts no origin of its own. */
export const NO_ORIGINS: readonly string[] = Object.freeze([]);

/** At most this many origins are remembered per plugin from its getEndpoint answers. */
const ENDPOINT_ORIGINS_LIMIT = 64;

/** What the trust stage needs from the session (a `Session` has it). */
export type TrustContext = Parameters<NonNullable<AuthPlugin["getTrustedOrigins"]>>[0] & {
  /** Extra trusted origins. */
  readonly trustedOrigins: readonly string[];
  /** Service type -> endpoint override (their origins are trusted). */
  readonly endpointOverrides: Readonly<Record<string, string>>;
  /** The endpoint for a filter (asked when a plugin's endpoint must become trusted). */
  getEndpoint(filter: EndpointDataFilter, auth?: AuthPlugin): Promise<string>;
};

/** Waits for something the request needs within its signal and timeout. */
export type Wait = <T>(promise: Promise<T>) => Promise<T>;

/** What a request's trust check found. */
export interface TrustInput {
  /** The absolute URL to be sent to. */
  url: string;
  /** The base URL it was joined to, if it was relative. */
  base: string | undefined;
  /** The request's `endpointOverride` and its filter's. */
  overrideA: string | undefined;
  overrideB: string | undefined;
  /** The request's endpoint filter. */
  filter: EndpointFilter | undefined;
}

/** The origins a session trusts with credentials, per plugin. */
export class Trust {
  readonly #session: TrustContext;
  /** The plugin's frozen trusted-origins list -> the whole trusted set (see trustedSet). */
  readonly #sets: WeakMap<readonly string[], Set<string>> = new WeakMap();
  /** Trusted-origin sets -> endpoint base URLs known to be in them (see #trustedBase). */
  readonly #bases: WeakMap<Set<string>, Set<string>> = new WeakMap();
  /**
   * Plugins without getTrustedOrigins -> the origins their getEndpoint gave
   * this session (frozen; a new list when one is added): the only origins,
   * with the session's own, that such a plugin's headers are sent to.
   */
  readonly #endpointOrigins: WeakMap<AuthPlugin, readonly string[]> = new WeakMap();

  constructor(session: TrustContext) {
    this.#session = session;
  }

  /**
   * The trusted set for a request with credentials of `auth` (`current`: what
   * it holds now, if known), or `undefined` when its headers are no
   * credential; throws {@linkcode UntrustedOrigin} when `input.url` is not
   * in it. Checked before anything is sent to the request's origin; a
   * promise only when it must wait (for the plugin's trusted origins).
   */
  check(
    auth: AuthPlugin,
    current: CurrentCredentials | undefined,
    input: TrustInput,
    wait: Wait,
  ): Set<string> | undefined | Promise<Set<string> | undefined> {
    const origins = this.originsOf(auth, current);
    if (!origins) return undefined;
    if (!Array.isArray(origins)) {
      return wait(origins as Promise<readonly string[]>).then((list) =>
        this.#checkList(auth, list, input, wait)
      );
    }
    return this.#checkList(auth, origins as readonly string[], input, wait);
  }

  #checkList(
    auth: AuthPlugin,
    list: readonly string[],
    input: TrustInput,
    wait: Wait,
  ): Set<string> | Promise<Set<string>> {
    const trusted = this.trustedSet(list, input.overrideA, input.overrideB);
    if (input.base !== undefined && this.#trustedBase(input.base, trusted)) return trusted;
    if (!auth.getTrustedOrigins && input.filter && !trustedUrl(input.url, trusted)) {
      // An absolute URL under the filter's endpoint (Adapter after discovery):
      // the plugin is asked for that endpoint, whose origin it then trusts.
      return wait(this.#askEndpoint(auth, input.filter)).then(() => {
        const again = this.trustedSet(
          this.originsOf(auth, undefined) as readonly string[],
          input.overrideA,
          input.overrideB,
        );
        checkTrusted(input.url, again);
        return again;
      });
    }
    checkTrusted(input.url, trusted);
    return trusted;
  }

  /**
   * Remembers the origin of `url`, an endpoint a plugin without
   * getTrustedOrigins gave: its headers may go there (and to the session's
   * trusted origins and endpoint overrides), nowhere else.
   */
  noteEndpoint(plugin: AuthPlugin, url: string): void {
    const origin = originOf(url);
    const list = this.#endpointOrigins.get(plugin) ?? NO_ORIGINS;
    if (!origin || list.includes(origin)) return;
    const next = list.length >= ENDPOINT_ORIGINS_LIMIT ? list.slice(1) : [...list];
    next.push(origin);
    this.#endpointOrigins.set(plugin, Object.freeze(next));
  }

  /** Asks a plugin without getTrustedOrigins for the filter's catalog endpoint (noting its origin). */
  async #askEndpoint(auth: AuthPlugin, filter: EndpointFilter): Promise<void> {
    try {
      await this.#session.getEndpoint(catalogFilterOf(filter), auth);
    } catch {
      // no endpoint: the request's origin stays untrusted
    }
  }

  /** Whether `auth`'s headers are no credential (NoAuth's placeholder). */
  noCredential(auth: AuthPlugin): boolean {
    return auth.currentCredentials?.(this.#session)?.noCredential === true;
  }

  /**
   * The origins a plugin's headers may go to besides the session's: its
   * trusted origins, or for a plugin without getTrustedOrigins the endpoints
   * it gave; `undefined` for a plugin that sends no credential (NoAuth).
   */
  originsOf(
    auth: AuthPlugin,
    current: CurrentCredentials | undefined,
  ): readonly string[] | Promise<readonly string[]> | undefined {
    if (auth.getTrustedOrigins) return current?.trustedOrigins ?? this.trustedList(auth);
    if (current ? current.noCredential === true : this.noCredential(auth)) return undefined;
    return this.#endpointOrigins.get(auth) ?? NO_ORIGINS;
  }

  /** The plugin's trusted origins (none when it has no getTrustedOrigins). */
  async trustedList(auth: AuthPlugin): Promise<readonly string[]> {
    return auth.getTrustedOrigins ? await auth.getTrustedOrigins(this.#session) : NO_ORIGINS;
  }

  /** The session's own trusted origins, its endpoint overrides' and a request's `a` and `b`. */
  sessionTrusted(a: string | undefined, b: string | undefined): Set<string> {
    const set = new Set<string>(this.#session.trustedOrigins);
    for (const url of [...Object.values(this.#session.endpointOverrides), a, b]) {
      const o = url ? originOf(url) : undefined;
      if (o) set.add(o);
    }
    return set;
  }

  /**
   * Origins trusted with credentials: the plugin's `list` (auth URL, catalog),
   * the session's, and a request's endpoint overrides `a` and `b`. Not to be
   * modified: without overrides the set is shared for as long as the plugin
   * returns the same frozen list (identity plugins do until they
   * re-authenticate), so that requests do not rebuild it.
   */
  trustedSet(list: readonly string[], a: string | undefined, b: string | undefined): Set<string> {
    const cacheable = a === undefined && b === undefined;
    const cached = cacheable ? this.#sets.get(list) : undefined;
    if (cached) return cached;
    const set = this.sessionTrusted(a, b);
    for (const o of list) {
      const origin = originOf(o);
      if (origin) set.add(origin);
    }
    if (cacheable && Object.isFrozen(list)) this.#sets.set(list, set);
    return set;
  }

  /**
   * Whether every URL `joinUrl(base, path)` builds has an origin in `trusted`.
   * It has base's origin when base (without trailing slashes) holds "//":
   * the text up to the first "/" after it, which gives the origin, is then
   * the same. The answer is kept per set, for the same endpoints come back.
   */
  #trustedBase(base: string, trusted: Set<string>): boolean {
    const known = this.#bases.get(trusted);
    if (known?.has(base)) return true;
    const start = base.indexOf("//");
    const end = joinUrl(base, "x").length - 2; // base without trailing slashes
    if (start < 0 || start + 2 > end) return false;
    const origin = originOf(base);
    if (!origin || !trusted.has(origin)) return false;
    if (known) {
      if (known.size >= 256) known.clear();
      known.add(base);
    } else {
      this.#bases.set(trusted, new Set([base]));
    }
    return true;
  }

  /**
   * `plugin` (one without getTrustedOrigins) as discovery should see it: the
   * same methods, and the endpoints it gives discovery are noted (for the
   * plugin and this view of it) as origins its headers may go to, as those
   * the Session asks for are: a version document that needs a token gets it.
   */
  recording(plugin: AuthPlugin): AuthPlugin {
    type WithAccess = AuthPlugin & { getAccess?(s: TrustContext): Promise<AccessInfo> };
    const p = plugin as WithAccess;
    const view: WithAccess = {
      getHeaders: (s) => p.getHeaders(s),
      getEndpoint: async (s, f) => {
        const url = await p.getEndpoint(s, f);
        if (url) {
          this.noteEndpoint(p, url);
          this.noteEndpoint(view, url);
        }
        return url;
      },
      invalidate: () => p.invalidate(),
    };
    if (p.getProjectId) view.getProjectId = (s) => p.getProjectId!(s);
    if (typeof p.getAccess === "function") view.getAccess = (s) => p.getAccess!(s);
    return view;
  }
}

/** Throws {@linkcode UntrustedOrigin} unless `url`'s origin is in `trusted`. */
export function checkTrusted(url: string, trusted: ReadonlySet<string>): void {
  const origin = originOf(url);
  if (!origin || !trusted.has(origin)) {
    throw new UntrustedOrigin(
      `refusing to send credentials to ${origin ?? "a URL without an origin"}: it is not ` +
        "the auth URL's origin, in the catalog, an endpointOverride or in trustedOrigins",
    );
  }
}

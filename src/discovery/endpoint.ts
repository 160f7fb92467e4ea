/**
 * Internal, request stage 2 ("endpoint"): where a request's base URL comes
 * from, in one place for the Session, the Adapter and version discovery.
 *
 * Precedence, as keystoneauth1 (`Session.request`, `Session.get_endpoint`)
 * and openstacksdk (per-service `*_endpoint_override`) give it: the
 * request's `endpointOverride`, then the filter's `endpointOverride`, then the
 * session's `endpointOverrides` for the (official) service type, then the
 * catalog. An empty string is "not set".
 *
 * An override may name the credentials' project: `{project_id}`,
 * `%(project_id)s` and `%(tenant_id)s` are replaced by the project id, and
 * `%(user_id)s` by the user id (keystoneauth1 fills `%(project_id)s` and
 * `%(user_id)s` in a request's override), on every route.
 *
 * Without an override the catalog decides: the plugin's current
 * credentials when it has them at hand (`AuthPlugin.currentCredentials`),
 * else its `getEndpoint`; a filter with version bounds (or a service type
 * that implies a version, `volumev3`) goes through version discovery, which
 * the session plugs in ({@linkcode ResolverHooks.discover}).
 *
 * Below the Session in the layers: it knows the session only through
 * {@linkcode EndpointSource}.
 *
 * @module
 */
import { officialServiceType } from "../catalog/service_types.ts";
import { EndpointNotFound, MissingAuthPlugin, OptionError } from "../errors.ts";
import {
  type AuthContext,
  type AuthPlugin,
  type CurrentCredentials,
  ENDPOINT_FILTER_FIELDS,
  type EndpointDataFilter,
  type EndpointFilter,
} from "../types.ts";
import { impliedVersion } from "./version.ts";

/** What the resolver needs from a session (a `Session` has all of it). */
export interface EndpointSource extends AuthContext {
  /** Official service type -> endpoint override. */
  readonly endpointOverrides: Readonly<Record<string, string>>;
  /** The project id of `auth`'s credentials, if it has one. */
  getProjectId(auth?: AuthPlugin): Promise<string | undefined>;
}

const PROJECT_TEMPLATES = ["{project_id}", "%(project_id)s", "%(tenant_id)s"] as const;
const USER_TEMPLATE = "%(user_id)s";

/** An override as given: a non-empty string, `undefined` for "" or unset; else OptionError. */
export function checkOverride(value: unknown, what = "endpointOverride"): string | undefined {
  if (value === undefined || value === "") return undefined;
  if (typeof value !== "string") {
    throw new OptionError(
      `${what} must be a URL string, got ${value === null ? "null" : typeof value}`,
    );
  }
  return value;
}

/** A session without endpoint overrides (checked first: most sessions have none). */
const NO_OVERRIDES: Readonly<Record<string, string>> = Object.freeze({});

/**
 * The session's per-service overrides keyed by official service type
 * (`volumev3` -> `block-storage`), frozen; OptionError for a value that is not
 * a string. Empty values are dropped (unset).
 */
export function overridesByType(
  overrides: Readonly<Record<string, unknown>> | undefined,
): Readonly<Record<string, string>> {
  if (overrides === undefined) return NO_OVERRIDES;
  if (overrides === null || typeof overrides !== "object") {
    throw new OptionError("endpointOverrides must be an object of service type -> URL");
  }
  const out: Record<string, string> = {};
  for (const [type, url] of Object.entries(overrides)) {
    const checked = checkOverride(url, `endpointOverrides.${type}`);
    if (checked !== undefined) out[officialServiceType(type)] = checked;
  }
  return Object.keys(out).length === 0 ? NO_OVERRIDES : Object.freeze(out);
}

/** The session's override for a service type (`volumev3` finds `block-storage`'s). */
export function sessionOverride(
  overrides: Readonly<Record<string, string>>,
  serviceType: string | undefined,
): string | undefined {
  if (overrides === NO_OVERRIDES || typeof serviceType !== "string" || serviceType === "") {
    return undefined;
  }
  const official = officialServiceType(serviceType);
  return Object.hasOwn(overrides, official) ? overrides[official] : undefined;
}

/**
 * The override that applies to a request, unfilled: the request's, else the
 * filter's, else the session's for the filter's service type; `undefined`
 * when the catalog decides.
 */
export function chooseOverride(
  source: Pick<EndpointSource, "endpointOverrides">,
  filter: EndpointDataFilter | undefined,
  requestOverride?: unknown,
): string | undefined {
  return checkOverride(requestOverride) ??
    checkOverride(filter?.endpointOverride, "endpointFilter.endpointOverride") ??
    sessionOverride(source.endpointOverrides, filter?.serviceType);
}

/** Whether an override holds a project (or user) id template. */
export function hasIdTemplate(url: string): boolean {
  return url.includes("%(") || url.includes("{project_id}");
}

/**
 * Fills the templates of an override. Throws {@linkcode OptionError} when a
 * template needs an id the credentials do not have.
 */
export function fillIdTemplates(
  url: string,
  projectId: string | undefined,
  userId?: string,
): string {
  let out = url;
  for (const t of PROJECT_TEMPLATES) {
    if (!out.includes(t)) continue;
    if (!projectId) {
      throw new OptionError(
        `the endpoint override ${url} needs a project id, but the credentials have none`,
      );
    }
    out = out.replaceAll(t, projectId);
  }
  if (out.includes(USER_TEMPLATE)) {
    if (!userId) {
      throw new OptionError(
        `the endpoint override ${url} needs a user id, but the credentials have none`,
      );
    }
    out = out.replaceAll(USER_TEMPLATE, userId);
  }
  return out;
}

/**
 * An override with its templates filled: the string itself (no promise) when
 * it has none, else the ids are asked of `auth`.
 */
export function resolveOverride(
  source: EndpointSource,
  url: string,
  auth: AuthPlugin | undefined,
): string | Promise<string> {
  if (!hasIdTemplate(url)) return url;
  return fillFrom(source, url, auth);
}

async function fillFrom(
  source: EndpointSource,
  url: string,
  auth: AuthPlugin | undefined,
): Promise<string> {
  const needsProject = PROJECT_TEMPLATES.some((t) => url.includes(t));
  const projectId = needsProject && auth ? await source.getProjectId(auth) : undefined;
  const userPlugin = auth as { getUserId?(s: unknown): Promise<string | undefined> } | undefined;
  const userId = url.includes(USER_TEMPLATE) && typeof userPlugin?.getUserId === "function"
    ? await userPlugin.getUserId(source)
    : undefined;
  return fillIdTemplates(url, projectId, userId);
}

/** `url`, or {@linkcode EndpointNotFound} when the plugin has none for `filter`. */
function endpointFound(url: string | undefined, filter: EndpointFilter): string {
  if (!url) {
    throw new EndpointNotFound(`the auth plugin has no endpoint for ${JSON.stringify(filter)}`);
  }
  return url;
}

/** Whether a filter goes through version discovery (bounds, or a type that implies a version). */
export function isVersioned(filter: EndpointDataFilter): boolean {
  return filter.version !== undefined || filter.minVersion !== undefined ||
    filter.maxVersion !== undefined || impliedVersion(filter.serviceType) !== undefined;
}

/** What a session plugs into its resolver. */
export interface ResolverHooks {
  /** The session's plugin (used when a call names none). */
  auth(): AuthPlugin | undefined;
  /** Defaults merged into every filter (interface, region), or `undefined` for none. */
  readonly defaults: Readonly<EndpointFilter> | undefined;
  /** The service URL of a versioned filter (version discovery; catalog URL when it matches). */
  discover(filter: EndpointDataFilter, auth: AuthPlugin | undefined): Promise<string>;
  /** Called with every endpoint a plugin without getTrustedOrigins gives. */
  noteEndpoint(plugin: AuthPlugin, url: string): void;
}

/** A memo level: a field's value (or {@linkcode NONE}) -> the next level, or the URL. */
type MemoLevel = Map<unknown, MemoLevel | string>;

/** The memo key of an absent field. */
const NONE: unique symbol = Symbol("none");

/** At most this many URLs are remembered per credentials (then the memo starts again). */
const MEMO_LIMIT = 256;

/** The catalog URLs a plugin's current credentials gave, by filter value. */
interface Memo {
  root: MemoLevel;
  size: number;
}

/**
 * Whether a filter's catalog URL may be remembered by value: every catalog
 * field a string or absent (an interface list may change in place), and no
 * override or version bounds (those take another route).
 */
function memoisable(filter: EndpointDataFilter): boolean {
  if (
    filter.endpointOverride !== undefined || filter.version !== undefined ||
    filter.minVersion !== undefined || filter.maxVersion !== undefined
  ) {
    return false;
  }
  for (const field of ENDPOINT_FILTER_FIELDS) {
    const v = filter[field];
    if (v !== undefined && typeof v !== "string") return false;
  }
  return true;
}

/**
 * The remembered URL of `filter`, or `undefined` (a miss, or a filter that is
 * not {@linkcode memoisable}: its fields are type-checked in the same loop
 * that walks the memo, so that a hit reads each field once).
 */
function memoGet(memo: Memo, filter: EndpointDataFilter): string | undefined {
  if (
    filter.endpointOverride !== undefined || filter.version !== undefined ||
    filter.minVersion !== undefined || filter.maxVersion !== undefined
  ) {
    return undefined;
  }
  let level: MemoLevel | string | undefined = memo.root;
  for (const field of ENDPOINT_FILTER_FIELDS) {
    const v = filter[field];
    if (v !== undefined && typeof v !== "string") return undefined;
    level = (level as MemoLevel).get(v ?? NONE);
    if (level === undefined) return undefined;
  }
  return level as string;
}

function memoSet(memo: Memo, filter: EndpointFilter, url: string): void {
  if (memo.size >= MEMO_LIMIT) {
    memo.root.clear();
    memo.size = 0;
  }
  let level = memo.root;
  const last = ENDPOINT_FILTER_FIELDS.length - 1;
  ENDPOINT_FILTER_FIELDS.forEach((field, i) => {
    const key = filter[field] ?? NONE;
    if (i === last) {
      level.set(key, url);
      return;
    }
    let next = level.get(key) as MemoLevel | undefined;
    if (next === undefined) {
      next = new Map();
      level.set(key, next);
    }
    level = next;
  });
  memo.size++;
}

/** A session's endpoint resolver. */
export class EndpointResolver {
  readonly #source: EndpointSource;
  readonly #hooks: ResolverHooks;
  /**
   * A plugin's current credentials -> the catalog URLs they gave, keyed by
   * the filter's field values (ENDPOINT_FILTER_FIELDS, in order), so a fresh
   * filter literal finds what an equal one found (CONTRIBUTING.md, "Caches").
   * New credentials start a new memo.
   */
  readonly #memo: WeakMap<CurrentCredentials, Memo> = new WeakMap();

  constructor(source: EndpointSource, hooks: ResolverHooks) {
    this.#source = source;
    this.#hooks = hooks;
  }

  /**
   * The base URL a relative request URL is joined to (a promise only when
   * it must wait): the request's override, else its filter's endpoint
   * (`forFilter`, or `session.getEndpoint` when the plugin's credentials are
   * not at hand: a Session subclass's getEndpoint is used then).
   */
  forRequest(
    url: string,
    override: unknown,
    filter: EndpointDataFilter | undefined,
    auth: AuthPlugin | undefined,
    current: CurrentCredentials | undefined,
    session: { getEndpoint(filter: EndpointDataFilter, auth?: AuthPlugin): Promise<string> },
  ): string | Promise<string> {
    const checked = checkOverride(override);
    if (checked !== undefined) return resolveOverride(this.#source, checked, auth);
    if (filter) {
      return current ? this.forFilter(filter, auth, current) : session.getEndpoint(filter, auth);
    }
    throw new OptionError(`a relative URL (${url}) needs an endpointFilter or endpointOverride`);
  }

  /**
   * The endpoint URL for a filter (merged with the session's defaults), without
   * a promise when the answer is at hand: an override, or the catalog of
   * `current` (the plugin's credentials now).
   */
  forFilter(
    filter: EndpointDataFilter,
    auth: AuthPlugin | undefined,
    current: CurrentCredentials | undefined,
  ): string | Promise<string> {
    if (typeof filter !== "object" || filter === null) {
      throw new OptionError("an endpoint filter must be an object");
    }
    const memo = current ? this.#memo.get(current) : undefined;
    if (memo) {
      const hit = memoGet(memo, filter);
      if (hit !== undefined) return hit;
    }
    const defaults = this.#hooks.defaults;
    const merged = defaults ? { ...defaults, ...filter } : filter;
    const plugin = auth ?? this.#hooks.auth();
    // The filter's override, else the session's for the service type (templates filled).
    const override = chooseOverride(this.#source, merged);
    if (override !== undefined) return resolveOverride(this.#source, override, plugin);
    // As keystoneauth1's get_endpoint: discovery only when the catalog URL does not already
    // have that major version.
    if (isVersioned(merged)) return this.#hooks.discover(merged, auth);
    if (!plugin) throw new MissingAuthPlugin("an auth plugin is required for this operation");
    if (current?.endpoint) {
      const url = endpointFound(current.endpoint(merged), merged);
      if (!plugin.getTrustedOrigins) this.#hooks.noteEndpoint(plugin, url);
      if (memoisable(filter)) {
        if (memo) memoSet(memo, filter, url);
        else {
          const created: Memo = { root: new Map(), size: 0 };
          memoSet(created, filter, url);
          this.#memo.set(current, created);
        }
      }
      return url;
    }
    return plugin.getEndpoint(this.#source, merged).then((url) => {
      const found = endpointFound(url, merged);
      if (!plugin.getTrustedOrigins) this.#hooks.noteEndpoint(plugin, found);
      return found;
    });
  }
}

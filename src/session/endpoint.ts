/**
 * Internal: where a request's base URL comes from, in one place for the
 * Session, the Adapter and version discovery.
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
 * Free of imports from `session.ts`: discovery uses it without the Session
 * class.
 *
 * @module
 */
import { officialServiceType } from "../catalog/service_types.ts";
import { OptionError } from "../errors.ts";
import type { AuthPlugin, EndpointDataFilter } from "../types.ts";

/** What the resolver needs from a session (a `Session` has all of it). */
export interface EndpointSource {
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

/**
 * The session's per-service overrides keyed by official service type
 * (`volumev3` -> `block-storage`), frozen; OptionError for a value that is not
 * a string. Empty values are dropped (unset).
 */
export function overridesByType(
  overrides: Readonly<Record<string, unknown>> | undefined,
): Readonly<Record<string, string>> {
  if (overrides === undefined) return Object.freeze({});
  if (overrides === null || typeof overrides !== "object") {
    throw new OptionError("endpointOverrides must be an object of service type -> URL");
  }
  const out: Record<string, string> = {};
  for (const [type, url] of Object.entries(overrides)) {
    const checked = checkOverride(url, `endpointOverrides.${type}`);
    if (checked !== undefined) out[officialServiceType(type)] = checked;
  }
  return Object.freeze(out);
}

/** The session's override for a service type (`volumev3` finds `block-storage`'s). */
export function sessionOverride(
  overrides: Readonly<Record<string, string>>,
  serviceType: string | undefined,
): string | undefined {
  if (typeof serviceType !== "string" || serviceType === "") return undefined;
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

/**
 * The deliberate differences of osauth's auth plugin loading from
 * keystoneauth1's (docs/DIFFERENCES.md: D-missing-secret, D-load-checks), as
 * predicates on the options: the differentials allow an osauth OptionError
 * exactly where one of them holds.
 */
import { getAuthTypeLoader, type LoadOptions } from "../../src/loading/registry.ts";

interface Case {
  name: string;
  options: Readonly<Record<string, unknown>>;
}

/**
 * D-missing-secret: keystoneauth1 loads a plugin without its secret and
 * sends `null` (the server refuses); osauth refuses to load it.
 */
function missingSecret(c: Case): boolean {
  const loader = getAuthTypeLoader(c.name)!;
  const given: LoadOptions = c.options.auth_methods === undefined
    ? {}
    : { auth_methods: [c.options.auth_methods].flat().join(",").split(",") };
  return (loader.needs?.(given) ?? []).some((n) => c.options[n] === undefined);
}

const set = (v: unknown): boolean => v !== undefined && v !== null && v !== "";

/** The v3 methods a case authenticates with (generic plugins may end up on v3). */
function v3Methods(c: Case): string[] {
  if (c.name === "v3multifactor") return [c.options.auth_methods ?? []].flat().join(",").split(",");
  if (c.name === "password") return ["v3password"];
  return c.name.startsWith("v3") ? [c.name] : [];
}

/**
 * osauth-only refusals (an OptionError when loading, or for the generic
 * plugins when the versioned plugin is made), each a DIFFERENCES.md entry,
 * or undefined when the case has none of them.
 */
export function strictRefusal(
  name: string,
  options: Readonly<Record<string, unknown>>,
): string | undefined {
  const c: Case = { name, options };
  const o = c.options;
  if (missingSecret(c)) return "D-missing-secret";
  if (c.name.startsWith("v2")) {
    if (set(o.tenant_id) && set(o.tenant_name)) return "D-load-checks";
    if (c.name === "v2password" && !set(o.user_id) && !set(o.username)) return "D-load-checks";
    return undefined;
  }
  // the generic password plugin needs a user whichever version it ends on
  if (c.name === "password" && !set(o.user_id) && !set(o.username)) return "D-load-checks";
  if (["admin_token", "none", "http_basic"].includes(c.name)) return undefined;
  const targets = [
    set(o.project_id) || set(o.project_name),
    set(o.domain_id) || set(o.domain_name),
    set(o.system_scope),
    set(o.trust_id),
    o.unscoped === true,
  ].filter(Boolean).length;
  if (targets > 1) return "D-load-checks";
  if (set(o.system_scope) && o.system_scope !== "all") return "D-load-checks";
  const defaultDomain = set(o.default_domain_id) || set(o.default_domain_name);
  const needsUser = v3Methods(c).some((m) =>
    m === "v3password" || m === "v3totp" ||
    (m === "v3applicationcredential" && !set(o.application_credential_id))
  );
  if (needsUser && !set(o.user_id) && !set(o.username)) return "D-load-checks";
  if (
    needsUser && !set(o.user_id) && set(o.username) && !set(o.user_domain_id) &&
    !set(o.user_domain_name) && !defaultDomain
  ) return "D-load-checks";
  if (
    v3Methods(c).includes("v3applicationcredential") && !set(o.application_credential_id) &&
    !set(o.application_credential_name)
  ) return "D-load-checks";
  if (
    set(o.project_name) && !set(o.project_id) && !set(o.project_domain_id) &&
    !set(o.project_domain_name) && !defaultDomain
  ) return "D-load-checks";
  return undefined;
}

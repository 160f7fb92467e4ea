/**
 * keystoneauth1's AccessInfo field names (scripts/access_differential.py) filled from osauth's
 * {@linkcode AccessInfo}, for the access differential tests (unit: random and fixture bodies;
 * integration: real Keystone tokens).
 *
 * @module
 */
import type { AccessInfo } from "../../mod.ts";

/** A JSON value. */
export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Runs scripts/access_differential.py on `cases`; its `{id: fields}`. */
export async function ksaAccessFields(
  cases: { id: string; token: string | null; body: unknown }[],
): Promise<Record<string, Record<string, Json>>> {
  const script = new URL("../../scripts/access_differential.py", import.meta.url).pathname;
  const child = new Deno.Command("/usr/bin/python3", {
    args: [script],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(JSON.stringify(cases)));
  await writer.close();
  const out = await child.output();
  if (!out.success) throw new Error(new TextDecoder().decode(out.stderr));
  const report = JSON.parse(new TextDecoder().decode(out.stdout)) as {
    results: { id: string; fields: Record<string, Json> }[];
  };
  return Object.fromEntries(report.results.map((r) => [r.id, r.fields]));
}

async function sha256(text: string): Promise<string> {
  const d = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(d)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

const n = <T>(v: T | undefined): T | null => v === undefined ? null : v;

/** osauth's values under keystoneauth1's names (absent: null). */
export async function osauthAccessFields(a: AccessInfo): Promise<Record<string, Json>> {
  const ac = a.applicationCredential;
  const acJson: Json = ac
    ? Object.fromEntries(
      Object.entries({
        id: ac.id,
        name: ac.name,
        restricted: ac.restricted,
        access_rules: ac.accessRules as Json | undefined,
      }).filter(([, v]) => v !== undefined),
    ) as Json
    : null;
  return {
    version: a.version,
    expires: a.expiresAt.getTime(),
    issued: a.issuedAt ? a.issuedAt.getTime() : null,
    username: n(a.user?.name),
    user_id: n(a.userId),
    user_domain_id: n(a.user?.domainId),
    user_domain_name: n(a.user?.domainName),
    role_ids: [...a.roleIds],
    role_names: a.roleNames,
    domain_name: n(a.domain?.name),
    domain_id: n(a.domain?.id),
    project_name: n(a.project?.name),
    project_id: n(a.projectId),
    project_domain_id: n(a.project?.domainId),
    project_domain_name: n(a.project?.domainName),
    project_scoped: !!a.projectId,
    domain_scoped: !!a.domain,
    system_scoped: a.system?.all === true,
    system: (a.system ?? null) as Json,
    scoped: a.scoped,
    trust_id: n(a.trustId),
    trust_scoped: !!a.trust,
    trustee_user_id: n(a.trust?.trusteeUserId),
    trustor_user_id: n(a.trust?.trustorUserId),
    application_credential: acJson,
    application_credential_id: n(ac?.id),
    application_credential_access_rules: n(ac?.accessRules as Json | undefined),
    oauth_access_token_id: n(a.oauthAccessTokenId),
    oauth_consumer_id: n(a.oauthConsumerId),
    is_federated: a.isFederated,
    is_admin_project: a.isAdminProject,
    audit_id: n(a.auditId),
    audit_chain_id: n(a.auditChainId),
    initial_audit_id: n(a.initialAuditId),
    service_providers: a.version === "v2.0" ? null : Object.fromEntries(
      a.serviceProviders.map((sp) => [sp.id, { auth_url: n(sp.authUrl), sp_url: n(sp.spUrl) }]),
    ),
    bind: (a.bind ?? null) as Json,
    project_is_domain: n(a.projectIsDomain),
    auth_token: await sha256(a.token),
  };
}

/**
 * Where the two may differ by design (docs/DIFFERENCES.md D-access-absent-fields): a property
 * keystoneauth1 raises on (KeyError for an absent `user.domain` or `application_credential`,
 * AttributeError for v2's application credential, ValueError for an unreadable `issued_at`)
 * is absent (null) in osauth; keystoneauth1's raw `application_credential` dict is compared on
 * the fields osauth keeps; a None keystoneauth1 gives for a boolean is false.
 */
export function sameField(name: string, ours: Json, theirs: Json): boolean {
  if (typeof theirs === "string" && theirs.startsWith("error:") && ours === null) return true;
  // keystoneauth1's `system_scoped`, v2 `trust_scoped` and so `scoped` are None (falsy) where
  // a section is absent: osauth's booleans say false
  if (ours === false && theirs === null && BOOLEANS.has(name)) return true;
  if (name === "application_credential" && theirs && typeof theirs === "object" && ours) {
    const t = theirs as Record<string, Json>;
    const o = ours as Record<string, Json>;
    const picked: Record<string, Json> = {};
    for (const k of ["id", "name", "restricted", "access_rules"]) if (k in t) picked[k] = t[k]!;
    return JSON.stringify(sortKeys(picked)) === JSON.stringify(sortKeys(o));
  }
  return JSON.stringify(sortKeys(ours)) === JSON.stringify(sortKeys(theirs));
}

const BOOLEANS = new Set(["system_scoped", "trust_scoped", "scoped"]);

function sortKeys(v: Json): Json {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === "object") {
    return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys(v[k]!)]));
  }
  return v;
}

/**
 * Users, domains, projects and the scope of a new token (project, domain,
 * system or trust), shared by Keystone v3 and v2.0.
 *
 * @module
 */
import { randomBase64Url } from "../_util.ts";
import { FakeHttpError, type Json, obj, str, UNAUTHORIZED_MESSAGE } from "./http.ts";
import { type CloudState, newTokenId, type TokenRecord } from "./state.ts";
import {
  FAKE_CLOUD_DEFAULTS as D,
  type FakeApplicationCredential,
  type FakeUser,
} from "./types.ts";

/** The user a `{id}` or `{name, domain}` reference names; a 401 when unknown. */
export function findUser(s: CloudState, ref: Json | undefined): FakeUser {
  if (!ref) throw new FakeHttpError(400, "Expecting to find user in the identity method.");
  const id = str(ref.id);
  if (id !== undefined) {
    const user = s.users.get(id);
    if (!user) throw new FakeHttpError(401, UNAUTHORIZED_MESSAGE);
    return user;
  }
  const name = str(ref.name);
  if (name === undefined) throw new FakeHttpError(400, "Expecting to find id or name in user.");
  const domain = obj(ref.domain);
  if (!domain) throw new FakeHttpError(400, "Expecting to find domain in user.");
  const domainId = domainIdOf(s, domain);
  for (const user of s.users.values()) {
    if (user.name === name && (user.domainId ?? D.domainId) === domainId) return user;
  }
  throw new FakeHttpError(401, UNAUTHORIZED_MESSAGE);
}

/** Resolves `{id}` or `{name}` to a domain id (undefined if the name is unknown). */
export function domainIdOf(s: CloudState, ref: Json): string | undefined {
  const id = str(ref.id);
  if (id !== undefined) return id;
  const name = str(ref.name);
  if (name === undefined) throw new FakeHttpError(400, "Expecting to find id or name in domain.");
  for (const d of s.domains.values()) if (d.name === name) return d.id;
  return undefined;
}

/** Resolves `{id}` or `{name, domain}` to a known project id. */
export function projectIdOf(s: CloudState, ref: Json): string | undefined {
  const id = str(ref.id);
  if (id !== undefined) return s.projects.has(id) ? id : undefined;
  const name = str(ref.name);
  if (name === undefined) {
    throw new FakeHttpError(400, "Expecting to find id or name in project.");
  }
  const domain = obj(ref.domain);
  if (!domain) throw new FakeHttpError(400, "Expecting to find domain in project.");
  const domainId = domainIdOf(s, domain);
  for (const p of s.projects.values()) {
    if (p.name === name && p.domainId === domainId) return p.id;
  }
  return undefined;
}

/** The roles `user` has on a project. */
export function projectRoles(user: FakeUser, projectId: string): string[] {
  return [...(user.projects?.find((p) => p.id === projectId)?.roles ?? [])];
}

/** Builds a token record for `user` with the scope requested (`"unscoped"` or undefined: none). */
export function scopeToken(
  s: CloudState,
  user: FakeUser,
  scope: Json | undefined,
  appCred: FakeApplicationCredential | undefined,
  base: TokenRecord | undefined,
): TokenRecord {
  const now = s.now();
  const record: TokenRecord = {
    id: newTokenId(s),
    version: 3,
    userId: user.id,
    methods: [],
    issuedAt: now,
    expiresAt: base ? Math.min(base.expiresAt, now + s.ttlMs) : now + s.ttlMs,
    auditId: randomBase64Url(16),
    auditChainId: base ? (base.auditChainId ?? base.auditId) : undefined,
    projectId: undefined,
    domainId: undefined,
    system: false,
    trustId: undefined,
    appCredId: appCred?.id,
    roles: [],
    revoked: false,
  };
  if (scope === undefined || (scope as unknown) === "unscoped") return record;
  const kinds = ["project", "domain", "system", "OS-TRUST:trust"].filter((k) =>
    scope[k] !== undefined
  );
  if (kinds.length !== 1) {
    throw new FakeHttpError(
      400,
      "Specify either a project, a domain, system or a trust as scope.",
    );
  }
  const project = obj(scope.project);
  const domain = obj(scope.domain);
  const system = obj(scope.system);
  const trustRef = obj(scope["OS-TRUST:trust"]);
  if (project) {
    const projectId = projectIdOf(s, project);
    const roles = projectId !== undefined ? appCred?.roles ?? projectRoles(user, projectId) : [];
    if (projectId === undefined || roles.length === 0) {
      throw new FakeHttpError(401, `User ${user.id} has no access to the requested project.`);
    }
    record.projectId = projectId;
    record.roles = [...roles];
  } else if (domain) {
    const domainId = domainIdOf(s, domain);
    const roles = domainId !== undefined ? [...(user.domainRoles?.[domainId] ?? [])] : [];
    if (domainId === undefined || roles.length === 0) {
      throw new FakeHttpError(401, `User ${user.id} has no access to the requested domain.`);
    }
    record.domainId = domainId;
    record.roles = roles;
  } else if (system) {
    if (system.all !== true) {
      throw new FakeHttpError(400, "Only system scope {all: true} exists.");
    }
    const roles = [...(user.systemRoles ?? [])];
    if (roles.length === 0) {
      throw new FakeHttpError(401, `User ${user.id} has no access to the system.`);
    }
    record.system = true;
    record.roles = roles;
  } else if (trustRef) {
    const trust = s.trusts.get(str(trustRef.id) ?? "");
    if (!trust) throw new FakeHttpError(404, "Could not find trust.");
    if (trust.trusteeUserId !== user.id) {
      throw new FakeHttpError(403, "User is not a trustee.");
    }
    const trustor = s.users.get(trust.trustorUserId);
    const roles = trust.roles ??
      (trustor ? projectRoles(trustor, trust.projectId) : []);
    if (roles.length === 0) throw new FakeHttpError(401, "Trust grants no roles.");
    record.trustId = trust.id;
    record.projectId = trust.projectId;
    record.userId = trust.impersonation ? trust.trustorUserId : trust.trusteeUserId;
    record.roles = [...roles];
  } else {
    throw new FakeHttpError(400, "Invalid scope.");
  }
  return record;
}

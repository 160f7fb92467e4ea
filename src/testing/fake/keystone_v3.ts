/**
 * The fake Keystone v3 API: `/v3/auth/tokens` (password, token, TOTP,
 * application credential methods; issue, validate, revoke),
 * `/v3/auth/catalog`, `/v3/auth/projects`, `/v3/auth/domains`,
 * `/v3/auth/system`, and the v3 token bodies.
 *
 * @module
 */
import { type V3CatalogEntry, V3Token, type V3TokenBody } from "../fixtures/v3.ts";
import {
  emptyResponse,
  FakeHttpError,
  type Json,
  jsonResponse,
  maybeHead,
  obj,
  readJson,
  str,
  UNAUTHORIZED_MESSAGE,
} from "./http.ts";
import { checkMfa } from "./mfa.ts";
import { findUser, scopeToken } from "./scope.ts";
import { echo, endpointUrl } from "./services.ts";
import {
  type CloudState,
  isScoped,
  requireAuth,
  type Route,
  type TokenRecord,
  validToken,
} from "./state.ts";
import {
  FAKE_CLOUD_DEFAULTS as D,
  type FakeApplicationCredential,
  type FakeUser,
} from "./types.ts";

/** The v3 entry of Keystone's version document. */
export function v3Version(base: string): Json {
  return {
    id: "v3.14",
    status: "stable",
    updated: "2020-04-07T00:00:00Z",
    links: [{ rel: "self", href: `${base}/v3/` }],
    "media-types": [{
      base: "application/json",
      type: "application/vnd.openstack.identity-v3+json",
    }],
  };
}

/** A Keystone v3 request: tokens (issue, validate, revoke), catalog, projects, domains, system. */
export async function keystoneV3(
  s: CloudState,
  req: Request,
  url: URL,
  route: Route,
  p: string,
  base: string,
): Promise<Response> {
  const method = req.method.toUpperCase();
  const nocatalog = url.searchParams.has("nocatalog");
  if (p === "") {
    if (method !== "GET" && method !== "HEAD") {
      throw new FakeHttpError(405, "Method not allowed.");
    }
    return maybeHead(method, jsonResponse(200, { version: v3Version(base) }));
  }
  if (p === "/auth/tokens") {
    if (method === "POST") {
      s.stats.tokenRequests++;
      const record = await authenticateV3(s, req);
      s.tokens.set(record.id, record);
      return jsonResponse(201, v3Body(s, record, route.origin, !nocatalog), {
        "X-Subject-Token": record.id,
        Vary: "X-Auth-Token",
      });
    }
    requireAuth(s, req);
    const subjectId = req.headers.get("X-Subject-Token") ?? "";
    const allowExpired = ["1", "true"].includes(
      (url.searchParams.get("allow_expired") ?? "").toLowerCase(),
    );
    const subject = validToken(s, subjectId, allowExpired);
    if (!subject) throw new FakeHttpError(404, "Could not find token.");
    if (method === "GET" || method === "HEAD") {
      const resp = jsonResponse(200, v3Body(s, subject, route.origin, !nocatalog), {
        "X-Subject-Token": subject.id,
      });
      return maybeHead(method, resp);
    }
    if (method === "DELETE") {
      subject.revoked = true;
      return emptyResponse(204);
    }
    throw new FakeHttpError(405, "Method not allowed.");
  }
  if (p === "/auth/catalog" && method === "GET") {
    const record = requireAuth(s, req);
    if (!isScoped(record)) {
      throw new FakeHttpError(403, "A scoped token is required to produce a service catalog.");
    }
    return jsonResponse(200, {
      catalog: catalog(s, record, route.origin),
      links: { self: url.href, previous: null, next: null },
    });
  }
  if (p === "/auth/projects" && method === "GET") {
    const record = requireAuth(s, req);
    const user = s.users.get(record.userId);
    const projects = (user?.projects ?? []).map((pr) => ({
      id: pr.id,
      name: pr.name,
      domain_id: pr.domainId ?? D.domainId,
      enabled: true,
      is_domain: false,
      links: { self: `${base}/v3/projects/${pr.id}` },
    }));
    return jsonResponse(200, { projects, links: { self: url.href, previous: null, next: null } });
  }
  if (p === "/auth/domains" && method === "GET") {
    const record = requireAuth(s, req);
    const user = s.users.get(record.userId);
    const domains = Object.entries(user?.domainRoles ?? {})
      .filter(([, roles]) => roles.length > 0)
      .map(([id]) => ({
        id,
        name: s.domains.get(id)?.name ?? id,
        enabled: true,
        links: { self: `${base}/v3/domains/${id}` },
      }));
    return jsonResponse(200, { domains, links: { self: url.href, previous: null, next: null } });
  }
  if (p === "/auth/system" && method === "GET") {
    const record = requireAuth(s, req);
    const user = s.users.get(record.userId);
    const system = (user?.systemRoles ?? []).length > 0 ? [{ all: true }] : [];
    return jsonResponse(200, { system, links: { self: url.href, previous: null, next: null } });
  }
  return await echo(s, req, url, route, s.identity);
}

/** A v3 `POST /auth/tokens`: checks every method, the MFA rules and the scope; the new token. */
export async function authenticateV3(s: CloudState, req: Request): Promise<TokenRecord> {
  const body = await readJson(req);
  const auth = obj(body.auth);
  if (!auth) throw new FakeHttpError(400, "Expecting to find auth in request.");
  const identity = obj(auth.identity);
  if (!identity) throw new FakeHttpError(400, "Expecting to find identity in auth.");
  const methods = identity.methods;
  if (
    !Array.isArray(methods) || methods.length === 0 ||
    !methods.every((m) => typeof m === "string")
  ) {
    throw new FakeHttpError(400, "Expecting to find methods in identity.");
  }
  let user: FakeUser | undefined;
  let base: TokenRecord | undefined;
  let appCred: FakeApplicationCredential | undefined;
  for (const method of methods as string[]) {
    const section = obj(identity[method]);
    if (!section) throw new FakeHttpError(400, `Expecting to find ${method} in identity.`);
    let who: FakeUser | undefined;
    switch (method) {
      case "password": {
        const ref = obj(section.user);
        who = findUser(s, ref);
        if (str(ref?.password) !== who.password) {
          throw new FakeHttpError(401, UNAUTHORIZED_MESSAGE);
        }
        break;
      }
      case "totp": {
        const ref = obj(section.user);
        who = findUser(s, ref);
        const passcode = str(ref?.passcode);
        if (who.totpPasscode === undefined || passcode !== who.totpPasscode) {
          throw new FakeHttpError(401, UNAUTHORIZED_MESSAGE);
        }
        break;
      }
      case "token": {
        base = tokenMethod(s, section);
        if (base.trustId !== undefined || base.appCredId !== undefined) {
          throw new FakeHttpError(
            403,
            "Trust and application credential tokens cannot be rescoped.",
          );
        }
        who = s.users.get(base.userId);
        break;
      }
      case "application_credential": {
        appCred = findAppCred(s, section);
        if (str(section.secret) !== appCred.secret) {
          throw new FakeHttpError(401, UNAUTHORIZED_MESSAGE);
        }
        who = s.users.get(appCred.userId);
        break;
      }
      default:
        throw new FakeHttpError(401, "Attempted to authenticate with an unsupported method.");
    }
    if (!who || (user !== undefined && user.id !== who.id)) {
      throw new FakeHttpError(401, UNAUTHORIZED_MESSAGE);
    }
    user = who;
  }
  if (!user) throw new FakeHttpError(401, UNAUTHORIZED_MESSAGE);
  const passed = checkMfa(s, req, user, methods as string[], base !== undefined || !!appCred);

  const rawScope = auth.scope;
  if (appCred && rawScope !== undefined) {
    throw new FakeHttpError(401, "Application credentials cannot request a scope.");
  }
  let scope: Json | undefined;
  if (appCred) {
    scope = { project: { id: appCred.projectId } };
  } else if (rawScope === "unscoped") {
    scope = "unscoped" as unknown as Json;
  } else if (rawScope !== undefined) {
    scope = obj(rawScope);
    if (!scope) throw new FakeHttpError(400, "Invalid scope.");
  } else if (!base && user.defaultProjectId !== undefined) {
    scope = { project: { id: user.defaultProjectId } };
  }
  const record = scopeToken(s, user, scope, appCred, base);
  const seen = new Set<string>();
  record.methods = [...passed, ...(base?.methods ?? [])].filter((m) =>
    seen.has(m) ? false : (seen.add(m), true)
  );
  return record;
}

/** The token of a `token` auth method; a 404 when it is not valid. */
export function tokenMethod(s: CloudState, section: Json): TokenRecord {
  const id = str(section.id);
  if (id === undefined) throw new FakeHttpError(400, "Expecting to find id in token.");
  const record = validToken(s, id);
  if (!record) throw new FakeHttpError(404, "Failed to validate token");
  return record;
}

/** The application credential an auth method names (by id, or name and user); a 401 when unknown. */
export function findAppCred(s: CloudState, section: Json): FakeApplicationCredential {
  const id = str(section.id);
  if (id !== undefined) {
    const cred = s.appCreds.get(id);
    if (!cred) throw new FakeHttpError(401, UNAUTHORIZED_MESSAGE);
    return cred;
  }
  const name = str(section.name);
  if (name === undefined) {
    throw new FakeHttpError(400, "Expecting to find id or name in application_credential.");
  }
  const owner = findUser(s, obj(section.user));
  for (const cred of s.appCreds.values()) {
    if (cred.name === name && cred.userId === owner.id) return cred;
  }
  throw new FakeHttpError(401, UNAUTHORIZED_MESSAGE);
}

/** The {@linkcode V3Token} fixture of a token record. */
export function buildV3Token(
  s: CloudState,
  record: TokenRecord,
  origin: string,
  withCatalog: boolean,
): V3Token {
  const user = s.users.get(record.userId);
  const userDomainId = user?.domainId ?? D.domainId;
  const token = new V3Token({
    userId: record.userId,
    userName: user?.name ?? record.userId,
    userDomainId,
    userDomainName: s.domains.get(userDomainId)?.name ?? userDomainId,
    issuedAt: record.issuedAt,
    expiresAt: record.expiresAt,
    methods: record.methods,
    auditId: record.auditId,
    auditChainId: record.auditChainId,
  });
  if (record.projectId !== undefined) {
    const project = s.projects.get(record.projectId);
    const domainId = project?.domainId ?? D.domainId;
    token.setProjectScope({
      id: record.projectId,
      name: project?.name ?? record.projectId,
      domainId,
      domainName: s.domains.get(domainId)?.name ?? domainId,
    });
  }
  if (record.domainId !== undefined) {
    token.setDomainScope({
      id: record.domainId,
      name: s.domains.get(record.domainId)?.name ?? record.domainId,
    });
  }
  if (record.system) token.setSystemScope();
  if (record.trustId !== undefined) {
    const trust = s.trusts.get(record.trustId);
    token.setTrustScope({
      id: record.trustId,
      impersonation: trust?.impersonation ?? false,
      trusteeUserId: trust?.trusteeUserId,
      trustorUserId: trust?.trustorUserId,
    });
  }
  if (record.appCredId !== undefined) {
    const cred = s.appCreds.get(record.appCredId);
    token.setApplicationCredential({
      id: record.appCredId,
      name: cred?.name,
      restricted: cred?.restricted ?? true,
    });
  }
  for (const name of record.roles) token.addRole({ id: `r-${name}`, name });
  token.includeCatalog = withCatalog && isScoped(record);
  if (token.includeCatalog) {
    for (const svc of s.services) {
      const service = token.addService(svc.type, svc.name, svc.id);
      for (const region of svc.regions) {
        for (const iface of svc.interfaces) {
          const url = endpointUrl(s, origin, svc, region, iface, record);
          if (url === undefined) continue;
          service.addEndpoint(iface, url, {
            region,
            id: `ep-${svc.type}-${iface}${region === s.primaryRegion ? "" : `-${region}`}`,
          });
        }
      }
      if (service.endpoints.length === 0) token.services.pop();
    }
  }
  return token;
}

/** The v3 token body of a token record. */
export function v3Body(
  s: CloudState,
  record: TokenRecord,
  origin: string,
  withCatalog: boolean,
): V3TokenBody {
  return buildV3Token(s, record, origin, withCatalog).toJSON();
}

/** The v3 catalog a token's body carries. */
export function catalog(s: CloudState, record: TokenRecord, origin: string): V3CatalogEntry[] {
  return buildV3Token(s, record, origin, true).toJSON().token.catalog ?? [];
}

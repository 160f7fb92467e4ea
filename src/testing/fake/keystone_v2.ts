/**
 * The fake Keystone v2.0 API: `POST /v2.0/tokens` (password or token),
 * `GET /v2.0/tokens/<id>`, and the v2.0 token bodies.
 *
 * @module
 */
import { V2Token, type V2TokenBody } from "../fixtures/v2.ts";
import {
  FakeHttpError,
  type Json,
  jsonResponse,
  maybeHead,
  obj,
  readJson,
  str,
  UNAUTHORIZED_MESSAGE,
} from "./http.ts";
import { scopeToken } from "./scope.ts";
import { echo, endpointUrl } from "./services.ts";
import { type CloudState, requireAuth, type Route, type TokenRecord, validToken } from "./state.ts";
import { FAKE_CLOUD_DEFAULTS as D, type FakeInterface, type FakeUser } from "./types.ts";

/** The v2.0 entry of Keystone's version document. */
export function v2Version(base: string): Json {
  return {
    id: "v2.0",
    status: "deprecated",
    updated: "2016-08-04T00:00:00Z",
    links: [
      { rel: "self", href: `${base}/v2.0/` },
      { rel: "describedby", type: "text/html", href: "https://docs.openstack.org/" },
    ],
    "media-types": [{
      base: "application/json",
      type: "application/vnd.openstack.identity-v2.0+json",
    }],
  };
}

/** A Keystone v2.0 request: tokens (issue, validate). */
export async function keystoneV2(
  s: CloudState,
  req: Request,
  url: URL,
  route: Route,
  p: string,
  base: string,
): Promise<Response> {
  const method = req.method.toUpperCase();
  if (p === "") {
    if (method !== "GET" && method !== "HEAD") {
      throw new FakeHttpError(405, "Method not allowed.");
    }
    return maybeHead(method, jsonResponse(200, { version: v2Version(base) }));
  }
  if (p === "/tokens") {
    if (method !== "POST") throw new FakeHttpError(405, "Method not allowed.");
    s.stats.tokenRequests++;
    const record = await authenticateV2(s, req);
    s.tokens.set(record.id, record);
    return jsonResponse(200, v2Body(s, record, route.origin));
  }
  const tm = /^\/tokens\/([^/]+)$/.exec(p);
  if (tm && (method === "GET" || method === "HEAD")) {
    requireAuth(s, req);
    const subject = validToken(s, decodeURIComponent(tm[1] ?? ""));
    if (!subject) throw new FakeHttpError(404, "Could not find token.");
    return maybeHead(method, jsonResponse(200, v2Body(s, subject, route.origin)));
  }
  return await echo(s, req, url, route, s.identity);
}

/** A v2.0 `POST /tokens`: password or token, with an optional tenant; the new token. */
export async function authenticateV2(s: CloudState, req: Request): Promise<TokenRecord> {
  const body = await readJson(req);
  const auth = obj(body.auth);
  if (!auth) throw new FakeHttpError(400, "Expecting to find auth in request.");
  const creds = obj(auth.passwordCredentials);
  const tokenRef = obj(auth.token);
  let user: FakeUser | undefined;
  let base: TokenRecord | undefined;
  if (creds) {
    const userId = str(creds.userId);
    const username = str(creds.username);
    if (userId !== undefined) {
      user = s.users.get(userId);
    } else if (username !== undefined) {
      const matches = [...s.users.values()].filter((u) => u.name === username);
      user = matches.find((u) => (u.domainId ?? D.domainId) === D.domainId) ??
        (matches.length === 1 ? matches[0] : undefined);
    } else {
      throw new FakeHttpError(
        400,
        "Expecting to find username or userId in passwordCredentials.",
      );
    }
    if (!user || str(creds.password) !== user.password) {
      throw new FakeHttpError(401, UNAUTHORIZED_MESSAGE);
    }
  } else if (tokenRef) {
    const id = str(tokenRef.id);
    if (id === undefined) throw new FakeHttpError(400, "Expecting to find id in token.");
    base = validToken(s, id);
    if (!base) throw new FakeHttpError(401, UNAUTHORIZED_MESSAGE);
    user = s.users.get(base.userId);
    if (!user) throw new FakeHttpError(401, UNAUTHORIZED_MESSAGE);
  } else {
    throw new FakeHttpError(400, "Expecting to find passwordCredentials or token in auth.");
  }
  const tenantId = str(auth.tenantId);
  const tenantName = str(auth.tenantName);
  let scope: Json | undefined;
  if (tenantId !== undefined) {
    scope = { project: { id: tenantId } };
  } else if (tenantName !== undefined) {
    const matches = [...s.projects.values()].filter((p) => p.name === tenantName);
    const project = matches.find((p) => p.domainId === D.domainId) ?? matches[0];
    scope = { project: { id: project?.id ?? `unknown:${tenantName}` } };
  }
  const record = scopeToken(s, user, scope, undefined, base);
  record.version = 2;
  record.methods = [creds ? "password" : "token"];
  return record;
}

/** The v2.0 token body of a token record. */
export function v2Body(s: CloudState, record: TokenRecord, origin: string): V2TokenBody {
  const user = s.users.get(record.userId);
  const token = new V2Token({
    tokenId: record.id,
    issuedAt: record.issuedAt,
    expires: record.expiresAt,
    userId: record.userId,
    userName: user?.name ?? record.userId,
    auditId: record.auditId,
  });
  if (record.projectId !== undefined) {
    token.setScope({
      id: record.projectId,
      name: s.projects.get(record.projectId)?.name ?? record.projectId,
    });
    for (const name of record.roles) token.addRole({ id: `r-${name}`, name });
    for (const svc of s.services) {
      const service = token.addService(svc.type, svc.name);
      for (const region of svc.regions) {
        const urls: Partial<Record<FakeInterface, string>> = {};
        for (const iface of svc.interfaces) {
          const url = endpointUrl(s, origin, svc, region, iface, record);
          if (url !== undefined) urls[iface] = url;
        }
        if (Object.keys(urls).length === 0) continue;
        service.addEndpoint({
          ...urls,
          region,
          id: `ep-${svc.type}${region === s.primaryRegion ? "" : `-${region}`}`,
        });
      }
      if (service.endpoints.length === 0) token.services.pop();
    }
  }
  return token.toJSON();
}

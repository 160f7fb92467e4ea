/**
 * The fake Keystone's root: its version document, and the v3 and v2.0 APIs
 * below it (each can be switched off).
 *
 * @module
 */
import { FakeHttpError, type Json, jsonResponse, maybeHead } from "./http.ts";
import { keystoneV2, v2Version } from "./keystone_v2.ts";
import { keystoneV3, v3Version } from "./keystone_v3.ts";
import { serviceBase } from "./services.ts";
import type { CloudState, Route } from "./state.ts";

/** A Keystone request: the version document at its root, else v3 or v2.0. */
export async function keystone(
  s: CloudState,
  req: Request,
  url: URL,
  route: Route,
  sub: string,
): Promise<Response> {
  const method = req.method.toUpperCase();
  const base = serviceBase(route, s.identity);
  const p = sub.replace(/\/+$/, "");
  if (p === "") {
    if (method !== "GET" && method !== "HEAD") {
      throw new FakeHttpError(405, "Method not allowed.");
    }
    const values: Json[] = [];
    if (s.v3) values.push(v3Version(base));
    if (s.v2) values.push(v2Version(base));
    return maybeHead(method, jsonResponse(300, { versions: { values } }));
  }
  if (s.v3 && (p === "/v3" || p.startsWith("/v3/"))) {
    return await keystoneV3(s, req, url, route, p.slice(3), base);
  }
  if (s.v2 && (p === "/v2.0" || p.startsWith("/v2.0/"))) {
    return await keystoneV2(s, req, url, route, p.slice(5), base);
  }
  throw new FakeHttpError(404, "The resource could not be found.");
}

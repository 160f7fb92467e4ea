/**
 * The fake OpenStack services: their defaults, version documents, catalog
 * URLs, the echo of authenticated requests (or a page of a list, `lists.ts`),
 * and microversion negotiation (`OpenStack-API-Version` and the legacy
 * headers).
 *
 * @module
 */
import {
  emptyResponse,
  FakeHttpError,
  type Json,
  jsonResponse,
  maybeHead,
  requestId,
  UNAUTHORIZED_MESSAGE,
} from "./http.ts";
import { listOf, listPage } from "./lists.ts";
import {
  type CloudState,
  type Route,
  type ServiceDef,
  type TokenRecord,
  validToken,
} from "./state.ts";
import type { FakeEcho, FakeInterface, FakeService, FakeVersion } from "./types.ts";

/** Services whose microversion has a legacy header besides `OpenStack-API-Version`. */
export const LEGACY_MICROVERSION_HEADERS: Record<string, string> = {
  compute: "X-OpenStack-Nova-API-Version",
  baremetal: "X-OpenStack-Ironic-API-Version",
  "shared-file-system": "X-OpenStack-Manila-API-Version",
};

/** The services of a cloud built without `services`: compute, placement, image. */
export function defaultServices(): FakeService[] {
  return [
    {
      type: "compute",
      name: "nova",
      catalogVersionPath: "v2.1/{project_id}",
      microversions: { min: "2.1", max: "2.95" },
      versions: [
        {
          id: "v2.0",
          status: "SUPPORTED",
          path: "v2",
          version: "",
          minVersion: "",
          updated: "2011-01-21T11:33:21Z",
        },
        {
          id: "v2.1",
          status: "CURRENT",
          path: "v2.1",
          version: "2.95",
          minVersion: "2.1",
          updated: "2013-07-23T11:33:21Z",
        },
      ],
    },
    {
      type: "placement",
      name: "placement",
      microversions: { min: "1.0", max: "1.39" },
      versions: [{
        id: "v1.0",
        status: "CURRENT",
        path: "",
        minVersion: "1.0",
        maxVersion: "1.39",
      }],
    },
    {
      type: "image",
      name: "glance",
      versionsStatus: 300,
      versions: [
        "v2.9",
        "v2.8",
        "v2.7",
        "v2.6",
        "v2.5",
        "v2.4",
        "v2.3",
        "v2.2",
        "v2.1",
        "v2.0",
      ].map((id, i) => ({ id, status: i === 0 ? "CURRENT" : "SUPPORTED", path: "v2" })),
    },
  ];
}

/** A {@linkcode FakeService} option normalised to what the cloud serves. */
export function serviceDef(
  s: FakeService,
  regions: string[],
  identity: boolean,
): ServiceDef {
  let path = s.path ?? (identity ? "" : `/${s.type}`);
  path = path.replace(/\/+$/, "");
  if (path !== "" && !path.startsWith("/")) path = `/${path}`;
  return {
    type: s.type,
    name: s.name,
    id: s.id ?? `svc-${s.type}`,
    path,
    identity,
    versions: s.versions?.map((v) => ({ ...v })),
    versionsStatus: s.versionsStatus ?? 200,
    microversions: s.microversions ? { ...s.microversions } : undefined,
    legacyHeader: s.legacyMicroversionHeader ?? LEGACY_MICROVERSION_HEADERS[s.type],
    catalogVersionPath: s.catalogVersionPath?.replace(/^\/+|\/+$/g, ""),
    regions: s.regions && s.regions.length > 0 ? [...s.regions] : [...regions],
    interfaces: s.interfaces ? [...s.interfaces] : ["public", "internal", "admin"],
    lists: new Map(),
  };
}

/** The URL of a service under the route's origin, region and interface. */
export function serviceBase(route: Route, svc: ServiceDef): string {
  return `${route.base}${svc.path}`;
}

/** A service's catalog URL for a region and interface (undefined when it needs a project the token lacks). */
export function endpointUrl(
  s: CloudState,
  origin: string,
  svc: ServiceDef,
  region: string,
  iface: FakeInterface,
  r?: TokenRecord,
): string | undefined {
  let url = origin;
  if (region !== s.primaryRegion) url += `/region/${encodeURIComponent(region)}`;
  if (iface !== "public") url += `/${iface}`;
  url += svc.path;
  if (svc.catalogVersionPath) {
    let extra = svc.catalogVersionPath;
    if (extra.includes("{project_id}")) {
      if (r?.projectId === undefined) return undefined;
      extra = extra.replaceAll("{project_id}", r.projectId);
    }
    url += `/${extra}`;
  }
  return url;
}

/** One version of a service's version document. */
export function renderVersion(v: FakeVersion, serviceBase: string): Json {
  const vpath = v.path ?? v.id;
  const out: Json = {
    id: v.id,
    status: v.status,
    links: [{ rel: "self", href: `${serviceBase}/${vpath === "" ? "" : `${vpath}/`}` }],
  };
  if (v.version !== undefined) out.version = v.version;
  if (v.minVersion !== undefined) out.min_version = v.minVersion;
  if (v.maxVersion !== undefined) out.max_version = v.maxVersion;
  if (v.updated !== undefined) out.updated = v.updated;
  return out;
}

/** A service request: its version documents, else an echo of the request. */
export async function service(
  s: CloudState,
  req: Request,
  url: URL,
  route: Route,
  svc: ServiceDef,
  sub: string,
): Promise<Response> {
  const method = req.method.toUpperCase();
  const readOnly = method === "GET" || method === "HEAD";
  if (svc.versions && readOnly) {
    const base = serviceBase(route, svc);
    if (sub === "" || sub === "/") {
      const body = { versions: svc.versions.map((v) => renderVersion(v, base)) };
      return maybeHead(method, jsonResponse(svc.versionsStatus, body));
    }
    const trimmed = sub.replace(/^\/+|\/+$/g, "");
    const v = svc.versions.find((x) => (x.path ?? x.id) !== "" && (x.path ?? x.id) === trimmed);
    if (v) {
      return maybeHead(
        method,
        jsonResponse(200, { version: renderVersion(v, base) }),
      );
    }
  }
  if (method === "GET") {
    const list = listOf(svc, sub);
    if (list) {
      const { headers } = authorized(s, req, svc);
      return listPage(url, svc, sub, list, headers);
    }
  }
  return await echo(s, req, url, route, svc);
}

/**
 * The token of an authenticated service request (401 without a valid one)
 * and the response headers: the negotiated microversion, Nova's request id.
 */
function authorized(
  s: CloudState,
  req: Request,
  svc: ServiceDef,
): { record: TokenRecord; headers: Record<string, string>; microversion: string | undefined } {
  const record = validToken(s, req.headers.get("X-Auth-Token"));
  if (!record) throw new FakeHttpError(401, UNAUTHORIZED_MESSAGE);
  const headers: Record<string, string> = {};
  let microversion: string | undefined;
  if (svc.microversions) {
    microversion = negotiateMicroversion(req.headers, svc);
    headers["OpenStack-API-Version"] = `${svc.type} ${microversion}`;
    const vary = ["OpenStack-API-Version"];
    if (svc.legacyHeader) {
      headers[svc.legacyHeader] = microversion;
      vary.push(svc.legacyHeader);
    }
    headers["Vary"] = vary.join(", ");
  }
  if (svc.type === "compute") headers["X-Compute-Request-Id"] = requestId();
  return { record, headers, microversion };
}

/** The {@linkcode FakeEcho} of an authenticated request, with the microversion negotiated. */
export async function echo(
  s: CloudState,
  req: Request,
  url: URL,
  route: Route,
  svc: ServiceDef,
): Promise<Response> {
  const { record, headers, microversion } = authorized(s, req, svc);
  const method = req.method.toUpperCase();
  let body: unknown = null;
  if (method !== "GET" && method !== "HEAD") {
    const text = await req.text();
    if (text !== "") {
      try {
        body = JSON.parse(text);
      } catch {
        body = text;
      }
    }
  }
  const query: Record<string, string | string[]> = {};
  for (const [k, v] of url.searchParams) {
    const prev = query[k];
    query[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  const echoHeaders: Record<string, string> = {};
  req.headers.forEach((value, key) => {
    echoHeaders[key.toLowerCase()] = key.toLowerCase() === "x-auth-token" ? "<redacted>" : value;
  });
  const echo: FakeEcho = {
    service: svc.type,
    interface: route.iface,
    region: route.region,
    method,
    path: route.path,
    query,
    headers: echoHeaders,
    body,
    auth: {
      userId: record.userId,
      projectId: record.projectId ?? null,
      domainId: record.domainId ?? null,
      system: record.system,
      roles: [...record.roles],
    },
  };
  if (microversion !== undefined) echo.microversion = microversion;
  if (method === "HEAD") return emptyResponse(200, headers);
  return jsonResponse(200, echo, headers);
}

/** The microversion a request asks for within the service's bounds (its minimum when none); 400 or 406 otherwise. */
export function negotiateMicroversion(headers: Headers, svc: ServiceDef): string {
  const bounds = svc.microversions;
  if (!bounds) return "";
  let requested: string | undefined;
  const header = headers.get("OpenStack-API-Version");
  if (header) {
    for (const part of header.split(",")) {
      const [type, version] = part.trim().split(/\s+/);
      if (type?.toLowerCase() === svc.type && version !== undefined) requested = version;
    }
  }
  if (requested === undefined && svc.legacyHeader) {
    requested = headers.get(svc.legacyHeader) ?? undefined;
  }
  if (requested === undefined) return bounds.min;
  if (requested.trim().toLowerCase() === "latest") return bounds.max;
  const wanted = parseMicroversion(requested);
  const min = parseMicroversion(bounds.min);
  const max = parseMicroversion(bounds.max);
  if (!wanted || !min || !max) {
    throw new FakeHttpError(400, `Invalid API version request: ${requested}`);
  }
  if (compareVersions(wanted, min) < 0 || compareVersions(wanted, max) > 0) {
    throw new FakeHttpError(
      406,
      `Version ${requested} is not supported by the API. Minimum is ${bounds.min} and maximum is ${bounds.max}.`,
    );
  }
  return `${wanted[0]}.${wanted[1]}`;
}

/** `"2.1"` as `[2, 1]`; undefined when it is not `<major>.<minor>`. */
export function parseMicroversion(value: string): [number, number] | undefined {
  const m = /^(\d+)\.(\d+)$/.exec(value.trim());
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

/** Orders two `[major, minor]` versions. */
export function compareVersions(a: [number, number], b: [number, number]): number {
  return a[0] !== b[0] ? a[0] - b[0] : a[1] - b[1];
}

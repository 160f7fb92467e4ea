/**
 * A recording identity server on 127.0.0.1 for request-level differentials:
 * python keystoneauth1/openstacksdk and osauth send their token requests to
 * the same server, which answers as Keystone would and records what was sent
 * (method, path with query, the headers that matter, the JSON body), grouped
 * by case: every URL a case uses starts with `/c<case>/`.
 *
 * The second path segment says which version document a GET is answered
 * with: `k-both` (v3.14 and v2.0, 300 Multiple Choices), `k-v3` (v3 only),
 * `k-v2` (v2.0 only), `k-none` (404: discovery fails). A GET of a path ending
 * in `/v3` or `/v2.0` (optionally `/`) gets that version's own document.
 */

/** One request as the recorder saw it. */
export interface Recorded {
  method: string;
  /** Path and query, without the `/c<case>` prefix. */
  path: string;
  /** Accept, Content-Type and Openstack-Auth-Receipt (lower-cased names), when sent. */
  headers: Record<string, string>;
  /** The JSON body, parsed (or the raw text when it is not JSON; null for none). */
  body: unknown;
  /** Authorization and X-Auth-Token, when sent (to compare non-identity plugins). */
  auth?: Record<string, string>;
}

/** The recording server. */
export interface Recorder {
  /** `http://127.0.0.1:<port>` */
  origin: string;
  /** `<origin>/c<case>/<kind>`: a base for a case's URLs. */
  base(caseId: number, kind?: "k-both" | "k-v3" | "k-v2" | "k-none"): string;
  /** Requests recorded so far, by case. */
  take(): Map<number, Recorded[]>;
  close(): Promise<void>;
}

const KEEP = ["accept", "content-type", "openstack-auth-receipt"];

function versionV3(href: string) {
  return {
    id: "v3.14",
    status: "stable",
    updated: "2020-04-07T00:00:00Z",
    links: [{ rel: "self", href }],
    "media-types": [{
      base: "application/json",
      type: "application/vnd.openstack.identity-v3+json",
    }],
  };
}
function versionV2(href: string) {
  return {
    id: "v2.0",
    status: "deprecated",
    updated: "2016-08-04T00:00:00Z",
    links: [{ rel: "self", href }],
    "media-types": [{
      base: "application/json",
      type: "application/vnd.openstack.identity-v2.0+json",
    }],
  };
}

function v3Token(): unknown {
  return {
    token: {
      methods: ["password"],
      expires_at: "2099-01-01T00:00:00.000000Z",
      issued_at: "2024-01-01T00:00:00.000000Z",
      user: { id: "u1", name: "user", domain: { id: "default", name: "Default" } },
      project: { id: "p1", name: "demo", domain: { id: "default", name: "Default" } },
      catalog: [],
    },
  };
}
function v2Token(): unknown {
  return {
    access: {
      token: { id: "tok2", expires: "2099-01-01T00:00:00Z", tenant: { id: "p1", name: "demo" } },
      user: { id: "u1", name: "user", roles: [] },
      serviceCatalog: [],
    },
  };
}

/** Starts the recorder. */
export function startRecorder(): Recorder {
  let log = new Map<number, Recorded[]>();
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const url = new URL(req.url);
    const m = /^\/c(\d+)(\/.*)?$/.exec(url.pathname);
    const text = await req.text();
    if (!m) return new Response("no case", { status: 404 });
    const caseId = Number(m[1]);
    const rest = m[2] ?? "/";
    const headers: Record<string, string> = {};
    for (const k of KEEP) {
      const v = req.headers.get(k);
      if (v !== null) headers[k] = v.split(";")[0]!.trim();
    }
    const auth: Record<string, string> = {};
    for (const k of ["authorization", "x-auth-token"]) {
      const v = req.headers.get(k);
      if (v !== null) auth[k] = v;
    }
    let body: unknown = null;
    if (text !== "") {
      try {
        body = JSON.parse(text);
      } catch {
        body = text;
      }
    }
    const entry: Recorded = { method: req.method, path: rest + url.search, headers, body };
    if (Object.keys(auth).length > 0) entry.auth = auth;
    const list = log.get(caseId) ?? [];
    list.push(entry);
    log.set(caseId, list);

    const path = url.pathname;
    const json = (status: number, b: unknown, h: Record<string, string> = {}) =>
      new Response(JSON.stringify(b), {
        status,
        headers: { "content-type": "application/json", ...h },
      });
    if (req.method === "POST" && /\/auth\/tokens$/.test(path)) {
      return json(201, v3Token(), { "x-subject-token": `tok3-${caseId}` });
    }
    if (req.method === "POST" && /\/tokens$/.test(path)) return json(200, v2Token());
    if (req.method === "GET") {
      const kind = /^\/c\d+\/(k-[a-z0-9]+)/.exec(path)?.[1] ?? "k-both";
      if (kind === "k-none") return json(404, { error: { message: "not found", code: 404 } });
      const origin = url.origin;
      if (/\/v3\/?$/.test(path)) return json(200, { version: versionV3(origin + path) });
      if (/\/v2\.0\/?$/.test(path)) return json(200, { version: versionV2(origin + path) });
      const base = origin + path.replace(/\/+$/, "");
      const values = [];
      if (kind !== "k-v2") values.push(versionV3(`${base}/v3/`));
      if (kind !== "k-v3") values.push(versionV2(`${base}/v2.0/`));
      return json(300, { versions: { values } });
    }
    return json(404, { error: { message: "not found", code: 404 } });
  });
  const origin = `http://127.0.0.1:${server.addr.port}`;
  return {
    origin,
    base: (caseId, kind = "k-both") => `${origin}/c${caseId}/${kind}`,
    take() {
      const out = log;
      log = new Map();
      return out;
    },
    close: () => server.shutdown(),
  };
}

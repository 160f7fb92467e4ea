/**
 * Differential test on the dev cloud's nine REAL service APIs (Placement, Glance, Nova, Cinder,
 * Ironic, Manila, Neutron, Heat, Barbican behind keystonemiddleware): every scenario of
 * `scripts/svc_differential.py --plan` runs through python keystoneauth1 (the script) and then
 * through osauth's public API (here), and every value is compared, one step per scenario:
 * discovery without bounds, with min/max and with `latest`; an Adapter request with a
 * microversion (the request as sent, the status and the api-version headers the server echoes,
 * legacy ones included); a 404 and another 4xx, with the error class, status, request id and
 * the server's most specific text, checked against the real body and against what
 * keystoneauth1's `from_response` extracts where it extracts something. It also counts the
 * discovery GETs each side sends for the same plan: osauth may send no more than keystoneauth1.
 *
 * Seeded: OSAUTH_SEED=<n> reproduces a run (the seed picks the missing resources' ids and is
 * printed with every failure). Needs `bash scripts/openstack-dev.sh start` with the services
 * (skipped without fixtures.json or when it lists no services) and /usr/bin/python3 with
 * keystoneauth1.
 */
import assert from "node:assert/strict";
import { Adapter, HttpError, OsAuthError, Session, v3 } from "../../mod.ts";
import { type DevCloudFixtures, fixturesPath, loadFixturesOrWarn, repoRoot } from "./_devcloud.ts";

const fx: DevCloudFixtures | undefined = await loadFixturesOrWarn("services_differential");
const hasServices = !!fx && Object.keys(fx.services ?? {}).length > 0;
if (fx && !hasServices) {
  console.warn(
    "services_differential: skipped, the dev cloud runs no services (OSAUTH_OS_SERVICES)",
  );
}
const SEED = Number(Deno.env.get("OSAUTH_SEED") ?? Math.floor(Math.random() * 2 ** 31));

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Result = Record<string, Json | undefined>;

/** One scenario of the plan (see scripts/svc_differential.py). */
interface Scenario {
  kind: "discovery" | "request" | "error";
  service: string;
  service_type: string;
  min_version?: string;
  max_version?: string;
  adapter?: { min_version: string; max_version: string } | null;
  method?: string;
  path?: string;
  body?: Json;
  microversion?: string | null;
}

/**
 * Where osauth deliberately differs from keystoneauth1 (docs/DIFFERENCES.md): `theirs` pins
 * keystoneauth1's value (so a change there is noticed), `ours` what osauth gives instead.
 */
const DIFFERENCES: Record<string, { anchor: string; field: string; theirs: Json; ours: Json }[]> = {
  // Ironic names its request id Openstack-Request-Id (none on its 406), Manila sends only
  // x-compute-request-id: keystoneauth1 reads x-openstack-request-id alone.
  "ironic.error.not_found": [requestIdDiff()],
  "manila.error.not_found": [requestIdDiff()],
  "manila.error.client": [requestIdDiff()],
};

/**
 * D-implied-version-latest: a versioned alias (`volumev3`, `sharev2`) with `latest` is an
 * ImpliedMinVersionMismatch in keystoneauth1 (before any request); osauth reads it as the latest
 * of the alias's major version. Compared as that; their requests are not counted (none on
 * keystoneauth1's side).
 */
const IMPLIED_LATEST: Record<string, number> = {
  "cinder.discovery.latest": 3,
  "manila.discovery.latest": 2,
};

function requestIdDiff(): { anchor: string; field: string; theirs: Json; ours: Json } {
  return { anchor: "D-request-id-headers", field: "has_request_id", theirs: false, ours: true };
}

/** The server's most specific text, as osauth must extract it from the REAL bodies below. */
const MESSAGES: Record<string, (id: string) => string> = {
  "placement.error.not_found": (id) =>
    `The resource could not be found. No resource provider with uuid ${id} found`,
  "placement.error.client": () =>
    "The resource could not be generated that was acceptable to your browser (content of type " +
    "application/json. Invalid microversion: Unacceptable version header: 1.99",
  "glance.error.not_found": (id) => `No image found with ID ${id}`,
  "glance.error.client": () => "limit param must be an integer",
  "nova.error.not_found": (id) => `Instance ${id} could not be found.`,
  "nova.error.client": () =>
    "Invalid input for query parameters limit. Value: abc. 'abc' does not match '^[0-9]*$'",
  "cinder.error.not_found": (id) => `Volume ${id} could not be found.`,
  "cinder.error.client": () =>
    "Version 3.99 is not supported by the API. Minimum is 3.0 and maximum is 3.70.",
  "cinder.error.html": () => "The resource could not be found.",
  "ironic.error.not_found": (id) => `Node ${id} could not be found.`,
  "ironic.error.client": () =>
    "Version 1.99 was requested but the minor version is not supported by this service. " +
    "The supported version range is: [1.1, 1.82].",
  "manila.error.not_found": () => "The resource could not be found.",
  // (sic: Manila 15 does not fill in its own message)
  "manila.error.client": () =>
    "Version %(req_ver)s is not supported by the API. Minimum is %(min_ver)s and maximum is " +
    "%(max_ver)s.",
  "neutron.error.not_found": (id) => `Network ${id} could not be found.`,
  "neutron.error.client": () =>
    "Bad limit request: Limit must be an integer 0 or greater and not 'abc'.",
  "heat.error.not_found": () => "The resource could not be found.",
  "heat.error.client": () => "Only integer is acceptable by 'limit'.",
  "barbican.error.not_found": () => "Secret not found.",
  "barbican.error.client": () =>
    "Provided object does not match schema 'Secret': 5 is not of type 'string', 'null'. " +
    "Invalid property: 'name'",
};

/**
 * Status and api-version headers each real server answers an Adapter request with (both sides
 * must also agree with each other): the legacy per-service headers included, and the
 * services without microversions echoing nothing.
 */
const ECHO: Record<string, [number, Record<string, string>]> = {
  "placement.adapter.microversion": [200, { "openstack-api-version": "placement 1.10" }],
  "placement.adapter.microversion_latest": [200, { "openstack-api-version": "placement 1.39" }],
  "nova.adapter.microversion": [200, {
    "openstack-api-version": "compute 2.60",
    "x-openstack-nova-api-version": "2.60",
  }],
  "nova.adapter.microversion_latest": [200, {
    "openstack-api-version": "compute 2.93",
    "x-openstack-nova-api-version": "2.93",
  }],
  "cinder.adapter.microversion": [200, { "openstack-api-version": "volume 3.50" }],
  "cinder.adapter.microversion_latest": [200, { "openstack-api-version": "volume 3.70" }],
  "ironic.adapter.microversion": [200, {
    "x-openstack-ironic-api-version": "1.40",
    "x-openstack-ironic-api-minimum-version": "1.1",
    "x-openstack-ironic-api-maximum-version": "1.82",
  }],
  "ironic.adapter.microversion_latest": [200, {
    "x-openstack-ironic-api-version": "1.82",
    "x-openstack-ironic-api-minimum-version": "1.1",
    "x-openstack-ironic-api-maximum-version": "1.82",
  }],
  "manila.adapter.microversion": [200, { "x-openstack-manila-api-version": "2.65" }],
  // Manila 15 refuses "latest" (400 "API Version String ... is of invalid format")
  "manila.adapter.microversion_latest": [400, {}],
  "barbican.adapter.microversion": [200, { "openstack-api-version": "key-manager 1.1" }],
  "barbican.adapter.microversion_latest": [200, { "openstack-api-version": "key-manager 1.1" }],
  "glance.adapter.microversion": [200, {}],
  "neutron.adapter.microversion": [200, {}],
  // heat's list without RPC: a 400 from its own parameter check
  "heat.adapter.microversion": [400, {}],
};

/** Body shapes of the real services (what makes each extraction rule necessary). */
const BODIES: Record<string, RegExp> = {
  "glance.error.not_found": /<h1>404 Not Found<\/h1>\s*No image found with ID/,
  "glance.error.client": /<h1>400 Bad Request<\/h1>\s*limit param must be an integer/,
  "cinder.error.html": /<h1>404 Not Found<\/h1>\s*The resource could not be found\./,
  "heat.error.not_found": /<h1>404 Not Found<\/h1>\s*The resource could not be found\./,
  "heat.error.client": /"title": "Bad Request".*"error": \{.*"message": "Only integer/,
  "ironic.error.not_found": /^\{"error_message": "\{\\"faultcode\\": \\"Client\\", \\"faultstring/,
  "ironic.error.client": /^\{"error_message": "\{\\"code\\": 406, .*\\"description\\": \\"Version/,
  "barbican.error.not_found": /"title": "Not Found", "description": "Secret not found\."/,
  "barbican.error.client": /"title": "Bad Request", "description": "Provided object/,
  "nova.error.not_found": /^\{"itemNotFound": \{"code": 404, "message": "Instance/,
  "neutron.error.not_found": /^\{"NeutronError": \{"type": "NetworkNotFound", "message"/,
  "placement.error.not_found": /^\{"errors": \[\{"status": 404, "title": "Not Found", "detail"/,
};

/** Headers the transports add themselves (requests, fetch): not compared. */
const TRANSPORT_HEADERS = new Set([
  "user-agent",
  "accept-encoding",
  "connection",
  "content-length",
  "host",
]);
const ECHOED = [
  "openstack-api-version",
  "x-openstack-nova-api-version",
  "x-openstack-ironic-api-version",
  "x-openstack-ironic-api-minimum-version",
  "x-openstack-ironic-api-maximum-version",
  "x-openstack-manila-api-version",
];

/** Same uuid as the python side: sha256("<seed>:<service>")[0:16] as a version-4 uuid. */
async function missingId(seed: number, service: string): Promise<string> {
  const digest = new Uint8Array(
    await crypto.subtle.digest("SHA-256", new TextEncoder().encode(`${seed}:${service}`)),
  ).slice(0, 16);
  digest[6] = (digest[6]! & 0x0f) | 0x40;
  digest[8] = (digest[8]! & 0x3f) | 0x80;
  const hex = [...digest].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${
    hex.slice(20)
  }`;
}

async function python(args: string[]): Promise<unknown> {
  const out = await new Deno.Command("/usr/bin/python3", {
    args: [
      `${repoRoot}/scripts/svc_differential.py`,
      fixturesPath(),
      "--seed",
      String(SEED),
      ...args,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) {
    throw new Error(`svc_differential.py failed:\n${new TextDecoder().decode(out.stderr)}`);
  }
  return JSON.parse(new TextDecoder().decode(out.stdout));
}

interface Sent {
  method: string;
  url: string;
  headers: Headers;
  body: string | null;
}

/** A fetch that records every request before sending it (a real request, no stub). */
function recorder(): { fetch: typeof fetch; sent: Sent[] } {
  const sent: Sent[] = [];
  const f: typeof fetch = (input, init) => {
    const isReq = input instanceof Request;
    sent.push({
      method: init?.method ?? (isReq ? input.method : "GET"),
      url: isReq ? input.url : String(input),
      headers: new Headers(init?.headers ?? (isReq ? input.headers : undefined)),
      body: typeof init?.body === "string" ? init.body : null,
    });
    return fetch(input, init);
  };
  return { fetch: f, sent };
}

function describeRequest(r: Sent): { [k: string]: Json } {
  const headers: Record<string, string> = {};
  for (const [k, v] of r.headers) {
    if (!TRANSPORT_HEADERS.has(k)) headers[k] = k === "x-auth-token" ? "<token>" : v;
  }
  // fetch sends "accept: */*" when the caller gives none, as python-requests does
  headers.accept ??= "*/*";
  return {
    method: r.method,
    url: r.url,
    headers: Object.fromEntries(Object.entries(headers).sort(([a], [b]) => a < b ? -1 : 1)),
    body: r.body,
  };
}

function counted(sent: Sent[], own: number): Result {
  const gets = sent.filter((r) => r.method === "GET");
  const extra = gets.slice(0, gets.length - own);
  return { discovery_gets: extra.length, discovery_urls: extra.map((r) => r.url) };
}

function echoed(resp: Response): { [k: string]: Json } {
  const out: Record<string, string> = {};
  for (const h of ECHOED) {
    const v = resp.headers.get(h);
    if (v !== null) out[h] = v;
  }
  return out;
}

/** The server text osauth put in front of its message's " (HTTP n)". */
function serverText(err: HttpError): string {
  const cut = err.message.indexOf(` (HTTP ${err.status})`);
  return cut >= 0 ? err.message.slice(0, cut) : err.message;
}

async function runOsauth(f: DevCloudFixtures, sc: Scenario): Promise<Result> {
  const rec = recorder();
  const sess = new Session({
    auth: new v3.Password({
      authUrl: f.auth_url,
      username: f.users.admin.name,
      password: f.users.admin.password,
      userDomainId: "default",
      projectName: "admin",
      projectDomainId: "default",
    }),
    fetch: rec.fetch,
  });
  if (sc.kind === "discovery") {
    try {
      const d = await sess.getEndpointData({
        serviceType: sc.service_type,
        interface: "public",
        ...(sc.min_version ? { minVersion: sc.min_version } : {}),
        ...(sc.max_version ? { maxVersion: sc.max_version } : {}),
      });
      return {
        ok: true,
        url: d.url,
        catalog_url: d.catalogUrl,
        api_version: d.apiVersion?.join(".") ?? null,
        min_microversion: d.minMicroversion ?? null,
        max_microversion: d.maxMicroversion ?? null,
        service_type: d.serviceType ?? null,
        service_name: d.serviceName ?? null,
        interface: d.interface ?? null,
        region_name: d.regionName ?? null,
        status_text: d.status ?? null,
        ...counted(rec.sent, 0),
      };
    } catch (err) {
      if (!(err instanceof OsAuthError)) throw err;
      return { ok: false, error: err.name, detail: err.message, ...counted(rec.sent, 0) };
    }
  }
  const options = {
    method: sc.method!,
    ...(sc.microversion ? { microversion: sc.microversion } : {}),
    ...(sc.body !== null && sc.body !== undefined ? { json: sc.body } : {}),
    raiseExc: sc.kind === "error",
  };
  const send = (): Promise<Response> =>
    sc.adapter
      ? new Adapter(sess, {
        serviceType: sc.service_type,
        interface: "public",
        minVersion: sc.adapter.min_version,
        maxVersion: sc.adapter.max_version,
      }).request(sc.path!, options)
      : sess.request(sc.path!, options);
  if (sc.kind === "request") {
    const resp = await send();
    await resp.body?.cancel();
    return {
      ok: true,
      status: resp.status,
      request: describeRequest(rec.sent.at(-1)!),
      echoed: echoed(resp),
      ...counted(rec.sent, 1),
    };
  }
  try {
    const resp = await send();
    await resp.body?.cancel();
  } catch (err) {
    if (!(err instanceof HttpError)) throw err;
    return {
      ok: false,
      error: err.name,
      http_status: err.status,
      status: err.status,
      has_request_id: !!err.requestId,
      message: serverText(err),
      content_type: err.response?.headers.get("content-type") ?? null,
      body: typeof err.details === "string" ? err.details : JSON.stringify(err.details),
      request: describeRequest(rec.sent.at(-1)!),
      ...counted(rec.sent, 1),
    };
  }
  throw new Error(`${sc.method} ${sc.path} did not fail`);
}

/** Whitespace runs as one space, trimmed. */
function squash(s: string): string {
  return s.replace(/\s+/g, " ").trim();
}

/** A body as text a reader sees: JSON strings unescaped (twice for ironic), tags dropped. */
function readable(body: string): string {
  let text = body;
  for (let i = 0; i < 2; i++) {
    try {
      text = JSON.stringify(JSON.parse(text), (_k, v) => v, 0).replace(/\\"/g, '"')
        .replace(/\\n/g, "\n");
    } catch {
      break;
    }
  }
  return squash(text.replace(/<[^>]*>/g, " "));
}

function jsonOrText(s: Json | undefined): Json | undefined {
  if (typeof s !== "string") return s;
  try {
    return JSON.parse(s) as Json;
  } catch {
    return s;
  }
}

/** Compares one scenario; returns the differences as `field: ours / theirs` lines. */
function differences(name: string, ours: Result, theirs: Result, id: string): string[] {
  const out: string[] = [];
  const major = IMPLIED_LATEST[name];
  if (major !== undefined) {
    if (theirs.error !== "ImpliedMinVersionMismatch") {
      out.push(`keystoneauth1 changed (D-implied-version-latest): ${JSON.stringify(theirs)}`);
    }
    if (ours.ok !== true || !String(ours.api_version).startsWith(`${major}.`)) {
      out.push(`osauth: ${JSON.stringify(ours)}, D-implied-version-latest says API ${major}.x`);
    }
    return out;
  }
  const allowed = new Map((DIFFERENCES[name] ?? []).map((d) => [d.field, d]));
  const skip = new Set(["discovery_gets", "discovery_urls", "detail", "details", "schema", "body"]);
  if (theirs.error !== undefined && theirs.http_status !== undefined) skip.add("message");
  for (const key of new Set([...Object.keys(theirs), ...Object.keys(ours)])) {
    if (skip.has(key)) continue;
    let a = ours[key];
    let b = theirs[key];
    if (key === "request") {
      const ra = { ...(a as Record<string, Json>) };
      const rb = { ...(b as Record<string, Json>) };
      ra.body = jsonOrText(ra.body) ?? null;
      rb.body = jsonOrText(rb.body) ?? null;
      a = ra;
      b = rb;
    }
    const d = allowed.get(key);
    if (d) {
      if (JSON.stringify(b) !== JSON.stringify(d.theirs)) {
        out.push(`${key}: keystoneauth1 changed (${d.anchor}): ${JSON.stringify(b)}`);
      }
      if (JSON.stringify(a) !== JSON.stringify(d.ours)) {
        out.push(`${key}: osauth gives ${JSON.stringify(a)}, ${d.anchor} says ${d.ours}`);
      }
      continue;
    }
    try {
      assert.deepEqual(a, b);
    } catch {
      out.push(`${key}: osauth ${JSON.stringify(a)} / keystoneauth1 ${JSON.stringify(b)}`);
    }
  }
  const og = ours.discovery_gets as number | undefined;
  const tg = theirs.discovery_gets as number | undefined;
  if (og !== undefined && tg !== undefined && og > tg) {
    out.push(
      `discovery_gets: osauth ${og} ${JSON.stringify(ours.discovery_urls)} > keystoneauth1 ` +
        `${tg} ${JSON.stringify(theirs.discovery_urls)}`,
    );
  }
  if (theirs.http_status !== undefined && theirs.error !== undefined) {
    out.push(...errorText(name, ours, theirs, id));
  }
  const echo = ECHO[name];
  if (name.includes(".adapter.")) {
    if (!echo) out.push(`echoed: no expectation for ${name}`);
    else if (ours.status !== echo[0] || JSON.stringify(ours.echoed) !== JSON.stringify(echo[1])) {
      out.push(
        `echoed: osauth ${ours.status} ${JSON.stringify(ours.echoed)}, the server ` +
          `answers ${echo[0]} ${JSON.stringify(echo[1])}`,
      );
    }
  }
  return out;
}

/** The error text: the real body, our extraction, and keystoneauth1's where it extracts. */
function errorText(name: string, ours: Result, theirs: Result, id: string): string[] {
  const out: string[] = [];
  const msg = String(ours.message ?? "");
  const body = String(theirs.body ?? "");
  const shape = BODIES[name];
  if (shape && !shape.test(body)) out.push(`body: ${JSON.stringify(body)} !~ ${shape}`);
  const want = MESSAGES[name]?.(id);
  if (want === undefined) out.push(`message: no expected text for ${name}`);
  else if (msg !== want) {
    out.push(`message: osauth ${JSON.stringify(msg)}, want ${JSON.stringify(want)}`);
  }
  if (!readable(body).includes(squash(msg))) {
    out.push(`message: ${JSON.stringify(msg)} is not in the body ${JSON.stringify(body)}`);
  }
  // keystoneauth1's from_response extracts error.message ({"error": {...}}) and errors[0]
  // (title as message, detail as details); the detail is the more specific text. Elsewhere
  // keystoneauth1 has no text of its own ("Unrecognized schema", "Not Found"): osauth's is
  // the body's (docs/DIFFERENCES.md D-error-message-text).
  if (theirs.schema === "error") {
    if (msg !== squash(String(theirs.message))) {
      out.push(`message: osauth ${JSON.stringify(msg)} / keystoneauth1 ${theirs.message}`);
    }
  } else if (theirs.schema === "errors") {
    const specific = squash(String(theirs.details ?? theirs.message));
    if (msg !== specific) {
      out.push(`message: osauth ${JSON.stringify(msg)} / keystoneauth1 details ${specific}`);
    }
  } else if (theirs.schema === "text") {
    // keystoneauth1 keeps the whole page as details; ours is the text after the <h1>
    if (!readable(String(theirs.details)).includes(squash(msg)) || msg === "") {
      out.push(`message: ${JSON.stringify(msg)} is not in keystoneauth1's details`);
    }
  }
  return out;
}

Deno.test({
  name: "services differential: keystoneauth1 and osauth on nine real APIs",
  ignore: !hasServices,
  async fn(t) {
    const f = fx!;
    const plan = await python(["--plan"]) as Record<string, Scenario>;
    const theirs = await python([]) as Record<string, Result>;
    assert.deepEqual(Object.keys(theirs).sort(), Object.keys(plan).sort());
    const ours: Record<string, Result> = {};
    for (const [name, sc] of Object.entries(plan)) {
      try {
        ours[name] = await runOsauth(f, sc);
      } catch (err) {
        ours[name] = { ok: false, error: "ScenarioFailed", detail: String(err) };
      }
    }
    const totals = { osauth: 0, keystoneauth1: 0 };
    const failed: string[] = [];
    for (const [name, sc] of Object.entries(plan)) {
      if (IMPLIED_LATEST[name] === undefined) {
        totals.osauth += Number(ours[name]!.discovery_gets ?? 0);
        totals.keystoneauth1 += Number(theirs[name]!.discovery_gets ?? 0);
      }
      const ok = await t.step(name, async () => {
        const mine = ours[name]!;
        const other = theirs[name]!;
        assert.notEqual(other.error, "ScenarioFailed", `${name}: the python side: ${other.detail}`);
        assert.notEqual(mine.error, "ScenarioFailed", `${name}: osauth side: ${mine.detail}`);
        const diffs = differences(name, mine, other, await missingId(SEED, sc.service));
        assert.deepEqual(diffs, [], `${name} (seed ${SEED}):\n  ${diffs.join("\n  ")}`);
      });
      if (!ok) failed.push(name);
    }
    console.log(
      `services differential (seed ${SEED}): discovery GETs osauth ${totals.osauth}, ` +
        `keystoneauth1 ${totals.keystoneauth1} over ${Object.keys(plan).length} scenarios` +
        (failed.length ? `; differ: ${failed.join(", ")}` : ""),
    );
    await t.step("discovery GETs: osauth sends no more than keystoneauth1", () => {
      assert.ok(
        totals.osauth <= totals.keystoneauth1,
        `osauth ${totals.osauth} > keystoneauth1 ${totals.keystoneauth1} (seed ${SEED})`,
      );
    });
  },
});

/**
 * Generators of hostile data for the fuzzer: JSON mutations, hostile
 * strings, error bodies, version documents, redirect Locations, clouds.yaml
 * texts. Everything is drawn from a seeded {@linkcode Rng}.
 *
 * @module
 */
import type { Rng } from "./_kit.ts";

/** Strings that have broken parsers, loggers and lookups before. */
export const HOSTILE_STRINGS: readonly string[] = [
  "",
  " ",
  "constructor",
  "__proto__",
  "toString",
  "hasOwnProperty",
  "\r\nX-Injected: 1",
  "line1\nINFO forged log line",
  "\u0000\u0001\u001b[31m",
  "\u2028\u2029\u202e",
  "<script>alert(1)</script>",
  "<h1>" + "<a".repeat(2000),
  "http://127.0.0.3:1/x",
  "//127.0.0.3/x",
  "javascript:alert(1)",
  "\\\\127.0.0.3\\x",
  "../../etc/passwd",
  "%00%0d%0a",
  "é€𝄞\ud800",
  "1.2.3.4.5.6",
  "v" + "9".repeat(400),
  "latest",
  "-1",
  "1e309",
  "x".repeat(70_000),
  "://" + "a".repeat(20_000),
];

/** Values of every JSON type that code may not expect. */
export function hostileValue(rng: Rng, depth = 0): unknown {
  switch (rng.int(12)) {
    case 0:
      return null;
    case 1:
      return rng.chance(0.5);
    case 2:
      return rng.pick([0, -1, 1.5, 1e308, -0, 2 ** 53 + 1]);
    case 3:
    case 4:
    case 5:
      return rng.pick(HOSTILE_STRINGS);
    case 6:
      return [];
    case 7:
      return {};
    case 8:
      return nested(rng.pick([50, 500, 5000]), rng.chance(0.5));
    case 9:
      return Array.from(
        { length: rng.pick([3, 1000]) },
        () => rng.pick(HOSTILE_STRINGS.slice(0, 12)),
      );
    case 10:
      return depth < 3
        ? { [rng.pick(HOSTILE_STRINGS.slice(0, 6))]: hostileValue(rng, depth + 1) }
        : 1;
    default:
      return depth < 3 ? [hostileValue(rng, depth + 1)] : "x";
  }
}

/** `depth` nested arrays or objects. */
export function nested(depth: number, arrays: boolean): unknown {
  let v: unknown = 1;
  for (let i = 0; i < depth; i++) v = arrays ? [v] : { a: v };
  return v;
}

/** A copy of `value` with some fields replaced, deleted or added (probability `p` each). */
export function mutate(value: unknown, rng: Rng, p = 0.15, depth = 0): unknown {
  if (rng.chance(p / (depth + 1))) return hostileValue(rng);
  if (Array.isArray(value)) {
    const out = value.map((v) => mutate(v, rng, p, depth + 1));
    if (rng.chance(p)) out.push(hostileValue(rng));
    if (rng.chance(p) && out.length > 0) out.splice(rng.int(out.length), 1);
    return out;
  }
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (rng.chance(p / 2)) continue; // deleted
      out[k] = mutate(v, rng, p, depth + 1);
    }
    if (rng.chance(p)) out[rng.pick(HOSTILE_STRINGS.slice(0, 8))] = hostileValue(rng);
    return out;
  }
  return value;
}

/** Text (or bytes) of a JSON value, sometimes corrupted. */
export function serialise(value: unknown, rng: Rng): Uint8Array {
  let text: string;
  try {
    text = JSON.stringify(value) ?? "null";
  } catch {
    text = "{}";
  }
  const bytes = new TextEncoder().encode(text);
  switch (rng.int(10)) {
    case 0:
      return bytes.subarray(0, rng.int(bytes.length + 1)); // truncated
    case 1:
      return concat(new Uint8Array([0xef, 0xbb, 0xbf]), bytes); // a BOM
    case 2:
      return concat(bytes, new Uint8Array([0xff, 0xfe, 0xc3])); // invalid UTF-8
    case 3:
      return new TextEncoder().encode(`garbage${text}`);
    default:
      return bytes;
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** An error body as OpenStack services send them (and worse); `echo` is quoted in some. */
export function errorBody(rng: Rng, echo: string): { type: string; body: Uint8Array } {
  const message = rng.chance(0.2)
    ? `Invalid input for field 'password': '${echo}' is not valid`
    : rng.pick(HOSTILE_STRINGS);
  const shapes: [string, unknown][] = [
    ["application/json", { error: { message, code: 400, title: "Bad Request" } }],
    ["application/json", { itemNotFound: { message, code: 404 } }],
    ["application/json", { NeutronError: { message, type: "X", detail: "" } }],
    ["application/json", { errors: [{ status: 409, title: "Conflict", detail: message }] }],
    ["application/json", { error_message: JSON.stringify({ faultstring: message }) }],
    ["application/json", { title: "t", explanation: message, error: { message, type: "E" } }],
    ["application/json", { message }],
    ["application/json", { description: message }],
    ["text/html", `<html><head><title>${message}</title></head><body><h1>${message}</h1></body>`],
    ["text/plain", message],
    ["", message],
  ];
  const [type, value] = rng.pick(shapes);
  if (typeof value === "string") return { type, body: new TextEncoder().encode(value) };
  return {
    type: rng.chance(0.8) ? type : rng.pick(["text/html", "", "application/xml"]),
    body: serialise(mutate(value, rng, 0.1), rng),
  };
}

/** A version document like Placement's or Keystone's, mutated. */
export function versionDocument(rng: Rng, base: string): unknown {
  const placement = {
    versions: [{
      id: "v1.0",
      max_version: "1.39",
      min_version: "1.0",
      status: "CURRENT",
      links: [{ rel: "self", href: "" }],
    }],
  };
  const keystone = {
    versions: {
      values: [{
        id: "v3.14",
        status: "stable",
        updated: "2020-04-07T00:00:00Z",
        links: [{ rel: "self", href: `${base}v3/` }],
        "media-types": [{
          base: "application/json",
          type: "application/vnd.openstack.identity-v3+json",
        }],
      }],
    },
  };
  const single = {
    version: {
      id: "v2.1",
      status: "CURRENT",
      version: "2.93",
      min_version: "2.1",
      links: [{ rel: "self", href: rng.pick([`${base}v2.1/`, ...HOSTILE_STRINGS.slice(10, 16)]) }],
    },
  };
  return mutate(rng.pick([placement, keystone, single]), rng, 0.2);
}

/** Location header values aimed at `target` (`host:port` on another loopback address). */
export function locations(target: string): string[] {
  return [
    `http://${target}/x`,
    `//${target}/x`,
    `http://user:pw@${target}/x`,
    `http:${target}/x`,
    `/\\${target}/x`,
    `\\\\${target}\\x`,
    `http://${target}\\@127.0.0.1/x`,
    `https://${target}/x`,
    `ftp://${target}/x`,
    `javascript:alert(1)`,
    `data:text/plain,x`,
    `/same-origin?token=${"t".repeat(10)}`,
    "",
    "   ",
    "/loop",
  ];
}

/** A clouds.yaml text for cloud `fuzz`, hostile in places; its password is `password`. */
export function cloudsYaml(rng: Rng, password: string, authUrl: string): string {
  const scalar = (): string =>
    rng.pick([
      "null",
      "~",
      "true",
      "0",
      "-1",
      "1e309",
      "0x1F",
      "[]",
      "{}",
      "[a, [b, [c]]]",
      JSON.stringify(rng.pick(HOSTILE_STRINGS.slice(0, 20))),
      "!!binary aGVsbG8=",
      "!!js/function 'function(){}'",
      "!!python/object:os.system ls",
      "*undefined_alias",
      "&anchor value",
      "'it''s'",
      '"\\x07\\u2028"',
      "[".repeat(200) + "]".repeat(200),
      "x".repeat(5000),
    ]);
  const field = (name: string, good: string) =>
    `      ${name}: ${rng.chance(0.7) ? good : scalar()}`;
  const lines = [
    "clouds:",
    "  fuzz:",
    `    auth_type: ${
      rng.chance(0.7) ? "password" : rng.pick([
        "constructor",
        "toString",
        "__proto__",
        "v3token",
        "token",
        "nope",
        "v3applicationcredential",
        "noauth",
        "http_basic",
        "admin_token",
      ])
    }`,
    "    auth:",
    field("auth_url", authUrl),
    field("username", "admin"),
    `      password: ${
      rng.chance(0.9) ? JSON.stringify(password) : `&pw ${JSON.stringify(password)}`
    }`,
    field("project_name", "admin"),
    field("user_domain_name", "Default"),
    field("project_domain_name", "Default"),
    `    region_name: ${rng.chance(0.7) ? "RegionOne" : scalar()}`,
    `    interface: ${rng.chance(0.7) ? "public" : scalar()}`,
    `    verify: ${rng.chance(0.7) ? "true" : scalar()}`,
    `    api_timeout: ${rng.chance(0.7) ? "30" : scalar()}`,
    `    compute_api_version: ${rng.chance(0.7) ? "2.1" : scalar()}`,
    `    placement_endpoint_override: ${rng.chance(0.8) ? "http://127.0.0.1:1/" : scalar()}`,
  ];
  if (rng.chance(0.15)) {
    lines.push(`    ${rng.pick(["<<", "regions", "auth", "clouds"])}: ${scalar()}`);
  }
  if (rng.chance(0.1)) {
    // a small alias expansion (3^4 = 81 values: exercised, not a bomb) and a self reference
    lines.push(
      "x1: &x1 [a, a, a]",
      "x2: &x2 [*x1, *x1, *x1]",
      "x3: &x3 [*x2, *x2, *x2]",
      "x4: [*x3, *x3, *x3]",
    );
  }
  if (rng.chance(0.05)) lines.push("self: &self [*self]");
  if (rng.chance(0.1)) lines.push("clouds:", "  fuzz: {}"); // a duplicate key
  let text = lines.join("\n") + "\n";
  if (rng.chance(0.15)) {
    // byte-level damage
    const at = rng.int(text.length);
    text = text.slice(0, at) + rng.pick(["\t", "\u0000", ":", "- ", "{", "'", "\ufeff", "\r"]) +
      text.slice(at + rng.int(3));
  }
  return text;
}

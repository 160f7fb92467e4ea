/**
 * Wrong-type options give an OptionError naming the option, for every
 * Session, request, endpoint filter and Adapter option; the message names
 * the type it got, never a string's value (it may be a secret); and no
 * request is sent. keystoneauth1 checks none of this: D-option-types
 * (docs/DIFFERENCES.md).
 */
import assert from "node:assert/strict";
import { Adapter, OptionError, Session, TokenEndpoint } from "../../mod.ts";
import { echoServer } from "./_helpers.ts";

const SECRET = "s3cr3t-value-never-quoted";

/** Wrong values for each kind of option (each one must be refused). */
const WRONG = {
  string: [5, true, {}, [], 1n, Symbol("x"), null],
  bool: [1, "true", SECRET, {}, null],
  int: [-1, 1.5, "3", NaN, Infinity, null, {}],
  ms: [0, -5, NaN, Infinity, "100", null, {}],
  fn: [5, "fn", {}, null],
  list: [5, {}, [5], [null], true],
  status: [503, "503", [503.5], [99], [600], ["503"]],
  record: [SECRET, 5, [], { compute: 5 }, { compute: "" }, null],
  logger: [{}, { debug: 5 }, console.debug.name, { debug() {}, warn: 5 }, 5, null],
  plugin: [{}, { getHeaders() {} }, SECRET, 5, null],
  signal: [{}, { aborted: false }, SECRET, 5, null],
  headers: [5, SECRET, true, null],
  body: [5, {}, true, [1, 2]],
  method: [5, "GET X", "", "G\r\nX", {}, null],
} as const;

function throwsOption(fn: () => unknown, label: string): void {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof OptionError, `${label}: expected OptionError, got ${caught}`);
  assert.ok(!caught.message.includes(SECRET), `${label}: the message quotes the value`);
}

async function rejectsOption(p: () => Promise<unknown>, label: string): Promise<void> {
  let caught: unknown;
  try {
    await p();
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof OptionError, `${label}: expected OptionError, got ${caught}`);
  assert.ok(!caught.message.includes(SECRET), `${label}: the message quotes the value`);
}

const SESSION_OPTIONS: Record<string, readonly unknown[]> = {
  auth: WRONG.plugin,
  timeout: WRONG.ms,
  userAgent: WRONG.string,
  appName: WRONG.string,
  appVersion: WRONG.string,
  additionalHeaders: WRONG.headers,
  logger: WRONG.logger,
  connectRetries: WRONG.int,
  statusCodeRetries: WRONG.int,
  retriableStatusCodes: WRONG.status,
  retryDelay: [-1, NaN, "5", null],
  maxRetryDelay: [-1, Infinity, "5", null],
  retryNonIdempotent: WRONG.bool,
  maxConcurrency: [0, ...WRONG.int],
  discoveryCache: [{}, SECRET, 5, null],
  fetch: WRONG.fn,
  now: WRONG.fn,
  interface: WRONG.list,
  regionName: WRONG.string,
  endpointOverrides: WRONG.record,
  apiVersions: WRONG.record,
  trustedOrigins: [SECRET, "http://127.0.0.1:1", 5, [5], {}],
  redirectLimit: WRONG.int,
  verify: [5, "", {}],
  cert: [5, "", ["a"], ["a", 5], {}],
};

Deno.test("Session: every wrong-type option is an OptionError", () => {
  for (const [name, values] of Object.entries(SESSION_OPTIONS)) {
    for (const value of values) {
      throwsOption(() => new Session({ [name]: value }), `Session ${name}=${String(value)}`);
    }
  }
  for (const options of [5, "x", null, true]) {
    throwsOption(() => new Session(options as never), `Session(${String(options)})`);
  }
  // right types still work
  new Session({
    timeout: 1,
    interface: ["internal", "public"],
    trustedOrigins: ["http://127.0.0.1:1"],
    logger: { debug() {} },
    retriableStatusCodes: [502, 503],
    maxConcurrency: 2,
    endpointOverrides: { compute: "http://127.0.0.1:1/v2.1" },
  });
});

const REQUEST_OPTIONS: Record<string, readonly unknown[]> = {
  method: WRONG.method,
  headers: WRONG.headers,
  body: WRONG.body,
  authenticated: WRONG.bool,
  auth: WRONG.plugin,
  endpointFilter: [
    5,
    SECRET,
    null,
    [],
    { interface: 5 },
    { serviceType: 5 },
    {
      regionName: {},
    },
    { interface: [5] },
    { allowUnknown: "yes" },
    { endpointOverride: 5 },
    // inherited fields, a class instance, no prototype: the same checks as a literal's
    Object.create({ serviceType: 5 }),
    new (class {
      interface = 5;
    })(),
    Object.assign(Object.create(null), { version: {} }),
  ],
  endpointOverride: WRONG.string,
  raiseExc: WRONG.bool,
  allowReauth: WRONG.bool,
  microversion: WRONG.string,
  microversionServiceType: WRONG.string,
  connectRetries: WRONG.int,
  statusCodeRetries: WRONG.int,
  retriableStatusCodes: WRONG.status,
  retryNonIdempotent: WRONG.bool,
  timeout: WRONG.ms,
  signal: WRONG.signal,
  globalRequestId: [5, "req-1", {}],
  logger: WRONG.logger,
  redirect: WRONG.bool,
};

/** A value in a message (an object without a prototype has no String()). */
function label(value: unknown): string {
  return value !== null && typeof value === "object" && Object.getPrototypeOf(value) === null
    ? "[object without prototype]"
    : String(value);
}

function circular(): unknown {
  const a: Record<string, unknown> = { password: SECRET };
  a.self = a;
  return a;
}

Deno.test("requests: every wrong-type option is an OptionError, and nothing is sent", async () => {
  const echo = echoServer();
  try {
    const auth = new TokenEndpoint({ endpoint: echo.url, token: "tok" });
    const sess = new Session({ auth });
    for (const [name, values] of Object.entries(REQUEST_OPTIONS)) {
      for (const value of values) {
        await rejectsOption(
          () => sess.request("/x", { endpointOverride: echo.url, [name]: value }),
          `request ${name}=${label(value)}`,
        );
      }
    }
    const json = [circular(), 10n, { deep: [1n] }, () => 1, Symbol("s"), {
      toJSON() {
        throw new Error(SECRET);
      },
    }];
    for (const value of json) {
      await rejectsOption(() => sess.post(echo.url, { json: value }), `json=${typeof value}`);
    }
    for (const options of [5, "x", true]) {
      await rejectsOption(() => sess.get(echo.url, options as never), `options=${options}`);
    }
    assert.equal(echo.seen.length, 0, "no request was sent");
    // right types still work
    const resp = await sess.post("/x", {
      endpointOverride: echo.url,
      json: { a: [1, "b", null] },
      method: "post",
      signal: new AbortController().signal,
      endpointFilter: Object.freeze({ serviceType: "compute", interface: ["public"] }),
    });
    assert.equal((await resp.json()).method, "POST");
  } finally {
    await echo.close();
  }
});

Deno.test("getEndpoint and getEndpointData: a wrong filter is an OptionError", async () => {
  const sess = new Session({
    auth: new TokenEndpoint({ endpoint: "http://127.0.0.1:1", token: "t" }),
  });
  for (const filter of [5, SECRET, { interface: 5 }, { regionName: [] }]) {
    await rejectsOption(() => sess.getEndpoint(filter as never), `getEndpoint ${String(filter)}`);
    await rejectsOption(
      () => sess.getEndpointData(filter as never),
      `getEndpointData ${String(filter)}`,
    );
  }
  assert.equal(await sess.getEndpoint({ serviceType: "compute" }), "http://127.0.0.1:1");
});

const ADAPTER_OPTIONS: Record<string, readonly unknown[]> = {
  serviceType: [...WRONG.string, ""],
  interface: WRONG.list,
  regionName: WRONG.string,
  serviceName: WRONG.string,
  serviceId: WRONG.string,
  endpointId: WRONG.string,
  endpointOverride: WRONG.string, // "" is "not set" (D-endpoint-override-templates)
  allowExperimental: WRONG.bool,
  allowDeprecated: WRONG.bool,
  allowUnknown: WRONG.bool,
  defaultMicroversion: WRONG.string,
  connectRetries: WRONG.int,
  statusCodeRetries: WRONG.int,
  retriableStatusCodes: WRONG.status,
  timeout: WRONG.ms,
  logger: WRONG.logger,
  globalRequestId: [5, {}],
  additionalHeaders: WRONG.headers,
  raiseExc: WRONG.bool,
  auth: WRONG.plugin,
  version: [{}, "x.y", true, [{}]],
  minVersion: [{}, null, [true]],
  maxVersion: [{}, () => 1],
};

Deno.test("Adapter: every wrong-type option is an OptionError", () => {
  const sess = new Session();
  for (const [name, values] of Object.entries(ADAPTER_OPTIONS)) {
    for (const value of values) {
      throwsOption(() => new Adapter(sess, { [name]: value }), `Adapter ${name}=${String(value)}`);
    }
  }
  throwsOption(() => new Adapter(sess, 5 as never), "Adapter(sess, 5)");
  throwsOption(() => new Adapter({} as never), "Adapter({})");
});

Deno.test("Adapter requests: wrong request options are an OptionError", async () => {
  const echo = echoServer();
  try {
    const adapter = new Adapter(new Session(), { endpointOverride: echo.url });
    for (const [name, value] of [["method", 5], ["signal", {}], ["timeout", "1"]] as const) {
      await rejectsOption(() => adapter.request("/x", { [name]: value }), `adapter ${name}`);
    }
    await rejectsOption(() => adapter.post("/x", { json: circular() }), "adapter json");
    assert.equal(echo.seen.length, 0);
  } finally {
    await echo.close();
  }
});

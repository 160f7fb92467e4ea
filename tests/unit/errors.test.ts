import assert from "node:assert/strict";
import {
  BadRequest,
  Conflict,
  Forbidden,
  HttpError,
  httpErrorFromResponse,
  NetworkPermissionDenied,
  NotFound,
  OsAuthError,
  ServiceUnavailable,
  Unauthorized,
} from "../../mod.ts";
import { messageFromBody, parseRetryAfter } from "../../src/errors.ts";

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", ...headers },
  });
}

Deno.test("httpErrorFromResponse picks the class and parses OpenStack bodies", async (t) => {
  await t.step("Keystone", async () => {
    const err = await httpErrorFromResponse(
      json(401, {
        error: {
          code: 401,
          title: "Unauthorized",
          message: "The request you have made requires authentication.",
        },
      }, {
        "x-openstack-request-id": "req-1",
      }),
      "POST",
      "http://127.0.0.1:5000/v3/auth/tokens",
    );
    assert.ok(
      err instanceof Unauthorized && err instanceof HttpError && err instanceof OsAuthError,
    );
    assert.equal(err.status, 401);
    assert.equal(err.requestId, "req-1");
    assert.equal(err.method, "POST");
    assert.match(err.message, /requires authentication/);
    assert.match(err.message, /req-1/);
    assert.equal((err.details as { error: { code: number } }).error.code, 401);
  });
  await t.step("Nova itemNotFound", async () => {
    const err = await httpErrorFromResponse(
      json(404, { itemNotFound: { code: 404, message: "Instance x could not be found." } }, {
        "x-compute-request-id": "req-nova",
      }),
      "GET",
      "http://127.0.0.1/servers/x",
    );
    assert.ok(err instanceof NotFound);
    assert.match(err.message, /Instance x could not be found/);
    assert.equal(err.requestId, "req-nova");
  });
  await t.step("Neutron NeutronError", async () => {
    const err = await httpErrorFromResponse(
      json(409, { NeutronError: { type: "InUse", message: "Port is in use.", detail: "" } }),
      "DELETE",
      "http://127.0.0.1/v2.0/ports/1",
    );
    assert.ok(err instanceof Conflict);
    assert.match(err.message, /Port is in use/);
  });
  await t.step("Placement errors list", async () => {
    const err = await httpErrorFromResponse(
      json(400, {
        errors: [{ status: 400, title: "Bad Request", detail: "JSON does not validate" }],
      }),
      "PUT",
      "http://127.0.0.1/placement/x",
    );
    assert.ok(err instanceof BadRequest);
    assert.match(err.message, /JSON does not validate/);
  });
  await t.step("Ironic error_message", async () => {
    const err = await httpErrorFromResponse(
      json(403, { error_message: JSON.stringify({ faultstring: "Access was denied" }) }),
      "GET",
      "http://127.0.0.1/v1/nodes",
    );
    assert.ok(err instanceof Forbidden);
    assert.match(err.message, /Access was denied/);
  });
  await t.step("plain text and Retry-After", async () => {
    const err = await httpErrorFromResponse(
      new Response("busy", { status: 503, headers: { "retry-after": "7" } }),
      "GET",
      "http://127.0.0.1/x",
    );
    assert.ok(err instanceof ServiceUnavailable);
    assert.equal(err.retryAfter, 7);
    assert.equal(err.details, "busy");
  });
  await t.step("HTML bodies give a one-line message", async () => {
    const html =
      "<!doctype html>\n<html lang=en>\n<title>404 Not Found</title>\n<h1>Not Found</h1>\n" +
      "<p>The requested URL was not found on the server.</p>";
    const err = await httpErrorFromResponse(
      new Response(html, { status: 404, headers: { "content-type": "text/html" } }),
      "GET",
      "http://127.0.0.1/x",
    );
    assert.match(err.message, /^The requested URL was not found on the server\. \(HTTP 404\) GET/);
    assert.equal(err.details, html);
    const long = await httpErrorFromResponse(
      new Response("x".repeat(1000), { status: 500 }),
      "GET",
      "u",
    );
    assert.ok(long.message.length < 400);
  });
  await t.step("unknown status gives the base class", async () => {
    const err = await httpErrorFromResponse(
      new Response("", { status: 418 }),
      "GET",
      "http://127.0.0.1/",
    );
    assert.equal(err.constructor, HttpError);
    assert.equal(err.status, 418);
  });
});

Deno.test("messageFromBody and parseRetryAfter edge cases", () => {
  assert.equal(messageFromBody(undefined), undefined);
  assert.equal(messageFromBody({ message: "m" }), "m");
  assert.equal(messageFromBody({ error_message: "not json" }), "not json");
  assert.equal(messageFromBody({ a: [1] }), undefined);
  const now = Date.parse("2026-01-01T00:00:00Z");
  assert.equal(parseRetryAfter("Thu, 01 Jan 2026 00:00:10 GMT", now), 10);
  assert.equal(parseRetryAfter("Wed, 31 Dec 2025 00:00:00 GMT", now), 0);
  assert.equal(parseRetryAfter("soon", now), undefined);
  assert.equal(parseRetryAfter(null, now), undefined);
});

Deno.test("error names and NetworkPermissionDenied message", () => {
  const e = new NetworkPermissionDenied("127.0.0.1:5000");
  assert.equal(e.name, "NetworkPermissionDenied");
  assert.match(e.message, /--allow-net=127\.0\.0\.1:5000/);
  assert.equal(new NotFound({ method: "GET", url: "u" }).status, 404);
  assert.equal(new NotFound({ method: "GET", url: "u" }).name, "NotFound");
});

// Bodies as the real services of scripts/openstack-dev.sh send them (recorded from Glance 25,
// Heat 19, Cinder 21, Barbican 15, Ironic 21, Nova 26, Neutron 21, Placement 8; the
// integration test services_differential.test.ts checks the same rules on the live servers).
const WEBOB_404 = "<html>\n <head>\n  <title>404 Not Found</title>\n </head>\n <body>\n" +
  "  <h1>404 Not Found</h1>\n  No image found with ID 1e2feb89-414c-443c-9027-c4d1c386bbc4" +
  "<br /><br />\n\n\n\n </body>\n</html>";

Deno.test("the server's most specific text wins (real service bodies)", async (t) => {
  const cases: [string, unknown, string][] = [
    [
      "webob HTML page (glance, heat, cinder): the text after <h1>",
      WEBOB_404,
      "No image found with ID 1e2feb89-414c-443c-9027-c4d1c386bbc4",
    ],
    [
      "webob page with nothing after <h1>: the <h1>",
      "<html><body><h1>404 Not Found</h1><br /></body></html>",
      "404 Not Found",
    ],
    ["heat: error.message over the top-level title", {
      code: 400,
      title: "Bad Request",
      explanation: "The server could not comply with the request since it is either " +
        "malformed or otherwise incorrect.",
      error: {
        type: "HTTPBadRequest",
        traceback: null,
        message: "Only integer is acceptable" +
          " by 'limit'.",
      },
    }, "Only integer is acceptable by 'limit'."],
    [
      "heat without error.message: the explanation and the error type",
      {
        code: 500,
        title: "Internal Server Error",
        explanation: "The server has either erred or is incapable of performing the requested " +
          "operation.",
        error: { type: "MessagingTimeout", traceback: null },
      },
      "The server has either erred or is incapable of performing the requested operation." +
      " (MessagingTimeout)",
    ],
    ["barbican (pecan): description over title", {
      code: 404,
      title: "Not Found",
      description: "Secret not found.",
    }, "Secret not found."],
    ["barbican with an empty description: title", {
      code: 404,
      title: "Not Found",
      description: "",
    }, "Not Found"],
    ["ironic: error_message JSON text with faultstring", {
      error_message: JSON.stringify({
        faultcode: "Client",
        faultstring: "Node e4b06ce6-0741-47a8-bce4-2c8218072e8c could not be found.",
        debuginfo: null,
      }),
    }, "Node e4b06ce6-0741-47a8-bce4-2c8218072e8c could not be found."],
    ["ironic: error_message JSON text with description", {
      error_message: JSON.stringify({
        code: 406,
        title: "Not Acceptable",
        description: "Version 1.99 was requested but the minor version is not supported.",
      }),
    }, "Version 1.99 was requested but the minor version is not supported."],
    ["nova/cinder/manila: the wrapped message", {
      itemNotFound: { code: 404, message: "Instance x could not be found." },
    }, "Instance x could not be found."],
    ["neutron: NeutronError.message", {
      NeutronError: {
        type: "NetworkNotFound",
        message: "Network n could not be found.",
        detail: "",
      },
    }, "Network n could not be found."],
    ["placement (API-WG): detail, on one line", {
      errors: [{
        status: 404,
        title: "Not Found",
        detail: "The resource could not be " +
          "found.\n\n No resource provider with uuid u found  ",
      }],
    }, "The resource could not be found. No resource provider with uuid u found"],
  ];
  for (const [label, body, want] of cases) {
    await t.step(label, async () => {
      assert.equal(messageFromBody(body), want);
      const text = typeof body === "string" ? body : JSON.stringify(body);
      const type = typeof body === "string" ? "text/html; charset=UTF-8" : "application/json";
      const err = await httpErrorFromResponse(
        new Response(text, { status: 404, headers: { "content-type": type } }),
        "GET",
        "http://127.0.0.1/x",
      );
      assert.ok(err.message.startsWith(`${want} (HTTP 404)`), err.message);
    });
  }
});

Deno.test("request ids: x-openstack-request-id, x-compute-request-id, Ironic's", async () => {
  for (const header of ["X-OpenStack-Request-Id", "X-Compute-Request-Id", "Openstack-Request-Id"]) {
    const err = await httpErrorFromResponse(
      new Response("{}", { status: 404, headers: { [header]: "req-1" } }),
      "GET",
      "http://127.0.0.1/x",
    );
    assert.equal(err.requestId, "req-1", header);
    assert.match(err.message, /\(Request-ID: req-1\)/);
  }
  const both = await httpErrorFromResponse(
    new Response("{}", {
      status: 404,
      headers: { "openstack-request-id": "req-ironic", "x-openstack-request-id": "req-x" },
    }),
    "GET",
    "http://127.0.0.1/x",
  );
  assert.equal(both.requestId, "req-x");
});

Deno.test("HTML and text extraction is linear and keeps to one line", () => {
  // pathological pages: unclosed tags, thousands of "<" and "<h1", no end tags
  const n = 200_000;
  assert.equal(messageFromBody("<".repeat(n))?.length, 300); // not HTML: plain text
  assert.equal(messageFromBody(`<h1>${"<h1".repeat(n / 3)}`), undefined);
  assert.equal(messageFromBody(`<html><h1>T</h1>${"a<b>".repeat(n / 4)}`)?.length, 300);
  assert.equal(messageFromBody(`<html><h1>T</h1>a<b${"a".repeat(n)}`), "a"); // unclosed tag
  assert.equal(messageFromBody(`<p>${" ".repeat(n)}x</p>`), "x");
  assert.equal(
    messageFromBody("a &amp; b &lt;c&gt; &#39;d&#39; &unknown;"),
    "a & b <c> 'd' &unknown;",
  );
  assert.equal(
    messageFromBody("<html><title>Gone</title><body>  </body></html>"),
    "Gone",
  );
  assert.equal(
    messageFromBody("<!doctype html><html><body><p>only text</p></body></html>"),
    "only text",
  );
  assert.equal(messageFromBody({ error: { code: 1 }, title: "T" }), "T");
  assert.equal(messageFromBody({ error: { type: "X" } }), "X");
  assert.equal(messageFromBody({ errors: [7] }), undefined);
  assert.equal(messageFromBody({ error_message: "[]" }), "[]");
});

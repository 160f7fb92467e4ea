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
    assert.match(err.message, /^Not Found \(HTTP 404\) GET/);
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

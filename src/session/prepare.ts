/**
 * Internal, request stage 1 ("prepare"): what a request is before its URL is
 * resolved (method, headers, body), and the retry, timeout and logging
 * settings it is sent with. See CONTRIBUTING.md, "The request path".
 *
 * @module
 */
import { microversionHeaders } from "../discovery/microversion.ts";
import { OptionError } from "../errors.ts";
import type { Hooks, Logger } from "../types.ts";
import { jsonText } from "../util/validate.ts";
import { type HeaderRecord, mergeHeaders, setHeader } from "../util/headers.ts";
import { nonNegativeInt, positiveNumber, type RequestOptions } from "./options.ts";
import { sentSecrets } from "../util/secrets.ts";
import { REQUEST_LIMITS, type RequestLimits } from "./rate_limit.ts";

/** A request on its way: every stage reads and completes it. */
export interface Prepared {
  method: string;
  /** The URL as given, then (after the endpoint stage) the absolute URL sent. */
  url: string;
  headers: HeaderRecord;
  body: BodyInit | null | undefined;
  bodyText: string | undefined;
  /** Names of the auth plugin's headers: hashed in logs whatever they are called. */
  secretHeaders?: readonly string[];
  /** Credentials sent by an earlier attempt (the token a 401 rejected): scrubbed too. */
  earlierSecrets?: readonly string[];
  /** An identity plugin's request: no redirect to another origin is followed. */
  identity?: boolean;
  /** The Adapter's rate limit and concurrency limit, for each attempt. */
  limits?: RequestLimits;
  /** The request's hooks (the session's, adapter's and request's). */
  hooks?: Hooks;
}

/** Every secret `req` sent (for scrubbing what a server quotes back). */
export function secretsOf(req: Prepared): string[] {
  const list = sentSecrets(req);
  return req.earlierSecrets ? [...list, ...req.earlierSecrets] : list;
}

/** The retry, timeout and logging settings of a request. */
export interface Policy {
  connectRetries: number;
  statusRetries: number;
  retriable: readonly number[];
  timeout: number | undefined;
  logger: Logger | undefined;
  retryNonIdempotent: boolean;
  /** No retries, no timeout, no logger, no concurrency limit: one plain attempt. */
  single: boolean;
}

/** A policy with `single` filled in (`limited`: the session has a concurrency limit). */
export function policyOf(fields: Omit<Policy, "single">, limited: boolean): Policy {
  return {
    ...fields,
    single: fields.connectRetries === 0 && fields.statusRetries === 0 &&
      fields.timeout === undefined && fields.logger === undefined && !limited,
  };
}

/** The request's policy: the session's (`base`) unless it sets one of its own settings. */
export function policyFor(options: RequestOptions, base: Policy, limited: boolean): Policy {
  if (
    options.connectRetries === undefined && options.statusCodeRetries === undefined &&
    options.retriableStatusCodes === undefined && options.timeout === undefined &&
    options.logger === undefined && options.retryNonIdempotent === undefined
  ) {
    return base;
  }
  return policyOf({
    connectRetries: nonNegativeInt(options.connectRetries, "connectRetries") ??
      base.connectRetries,
    statusRetries: nonNegativeInt(options.statusCodeRetries, "statusCodeRetries") ??
      base.statusRetries,
    retriable: options.retriableStatusCodes ?? base.retriable,
    timeout: positiveNumber(options.timeout, "timeout") ?? base.timeout,
    logger: options.logger ?? base.logger,
    retryNonIdempotent: options.retryNonIdempotent ?? base.retryNonIdempotent,
  }, limited);
}

/** Method, headers and body of a request, from the session's `baseHeaders` (its URL is resolved next). */
export function prepare(
  baseHeaders: Readonly<HeaderRecord>,
  url: string,
  options: RequestOptions,
  method: string | undefined,
): Prepared {
  if (typeof url !== "string") throw new OptionError("url must be a string");
  const headers: HeaderRecord = { ...baseHeaders };
  if (options.headers !== undefined) mergeHeaders(headers, options.headers);
  let body = options.body as BodyInit | null | undefined;
  let bodyText: string | undefined = typeof body === "string" ? body : undefined;
  if (options.json !== undefined) {
    bodyText = jsonText(options.json);
    body = bodyText;
    if (!("content-type" in headers)) headers["content-type"] = "application/json";
  }
  if (options.globalRequestId !== undefined) {
    if (!/^req-[0-9a-f-]{36}$/i.test(options.globalRequestId)) {
      throw new OptionError(
        `globalRequestId must look like req-<uuid>, got ${options.globalRequestId}`,
      );
    }
    headers["x-openstack-request-id"] = options.globalRequestId;
  }
  if (options.microversion !== undefined) {
    const type = options.microversionServiceType ?? options.endpointFilter?.serviceType;
    if (!type) {
      throw new OptionError(
        "microversion needs microversionServiceType or an endpointFilter with serviceType",
      );
    }
    for (const [k, v] of Object.entries(microversionHeaders(type, options.microversion))) {
      setHeader(headers, k, v);
    }
  }
  const verb = (method ?? "GET").toUpperCase();
  if ((verb === "GET" || verb === "HEAD") && body !== undefined && body !== null) {
    // fetch refuses it with a TypeError, which would otherwise look like a connection failure
    // and be retried (docs/DIFFERENCES.md#D-get-body).
    throw new OptionError(
      `a ${verb} request cannot have a body (fetch does not send one): use another method or ` +
        "leave out body and json",
    );
  }
  const prepared: Prepared = {
    method: verb,
    url,
    headers,
    body,
    bodyText,
  };
  const limits = (options as { [REQUEST_LIMITS]?: RequestLimits })[REQUEST_LIMITS];
  if (limits) prepared.limits = limits;
  return prepared;
}

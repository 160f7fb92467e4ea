/**
 * Microversion negotiation: the highest microversion both the client and the
 * service support.
 *
 * @example
 * ```ts
 * import { EndpointData } from "jsr:@x/osauth";
 * import { negotiateMicroversion } from "jsr:@x/osauth";
 * const placement = new EndpointData({
 *   catalogUrl: "http://127.0.0.1:8778/",
 *   minMicroversion: "1.0",
 *   maxMicroversion: "1.39",
 *   serviceType: "placement",
 * });
 * console.assert(negotiateMicroversion({ min: "1.10", max: "1.50" }, placement) === "1.39");
 * console.assert(negotiateMicroversion(["1.2", "1.26", "1.40"], placement) === "1.26");
 * ```
 *
 * @module
 */
import { OptionError, VersionNotAvailable } from "../errors.ts";
import {
  compareVersions,
  isLatest,
  LATEST,
  type ParsedVersion,
  parseVersion,
  tryParseVersion,
  versionBetween,
  versionToString,
} from "./version.ts";

/** A client's supported microversion range; an unset bound is open. */
export interface MicroversionRange {
  /** Lowest microversion the client can use, e.g. `"2.1"`. */
  min?: string;
  /** Highest microversion the client can use, e.g. `"2.90"`, or `"latest"`. */
  max?: string;
}

/** What the client supports: a range, or the list of microversions it implements. */
export type ClientMicroversions = MicroversionRange | readonly string[];

/** The server side of a negotiation: an `EndpointData` or just its range. */
export interface ServerMicroversions {
  /** Lowest microversion the service supports. */
  minMicroversion: string | undefined;
  /** Highest microversion the service supports. */
  maxMicroversion: string | undefined;
  /** Service type, for messages. */
  serviceType?: string | undefined;
  /** Service URL, for messages. */
  serviceUrl?: string | undefined;
}

function parseClient(v: string, what: string): ParsedVersion {
  if (typeof v !== "string") {
    throw new OptionError(`${what} must be a microversion string, got ${String(v)}`);
  }
  const parsed = parseVersion(v);
  if (!isLatest(parsed) && parsed.includes(LATEST)) {
    throw new OptionError(`${what}: "<major>.latest" is not a microversion (got ${v})`);
  }
  return parsed;
}

function describeServer(server: ServerMicroversions): string {
  const who = server.serviceType ?? "the service";
  return server.serviceUrl ? `${who} at ${server.serviceUrl}` : who;
}

/**
 * The highest microversion both sides support, as a string (`"2.79"`).
 * `client` is a `{min, max}` range (`max: "latest"` or unset: whatever the
 * service offers) or a list of the microversions the client implements.
 * Throws {@linkcode VersionNotAvailable} when the service advertises no
 * microversions or the ranges do not overlap, and {@linkcode OptionError}
 * for malformed client versions.
 */
export function negotiateMicroversion(
  client: ClientMicroversions,
  server: ServerMicroversions,
): string {
  if (client === null || typeof client !== "object") {
    throw new OptionError("negotiateMicroversion needs a {min, max} range or a list of versions");
  }
  if (server === null || typeof server !== "object") {
    throw new OptionError("negotiateMicroversion needs endpoint data with a microversion range");
  }
  const sMax = server.maxMicroversion !== undefined
    ? tryParseVersion(server.maxMicroversion)
    : undefined;
  if (!sMax || sMax.includes(LATEST)) {
    throw new VersionNotAvailable(`${describeServer(server)} does not advertise microversions`);
  }
  const sMin =
    (server.minMicroversion !== undefined ? tryParseVersion(server.minMicroversion) : undefined) ??
      [sMax[0]!, 0];
  const serverRange = `${versionToString(sMin)} - ${versionToString(sMax)}`;

  if (Array.isArray(client)) {
    const list = client as readonly string[];
    if (list.length === 0) throw new OptionError("the client's microversion list is empty");
    let best: ParsedVersion | undefined;
    for (const v of list) {
      let parsed = parseClient(v, "client microversion");
      if (isLatest(parsed)) parsed = sMax;
      if (!versionBetween(sMin, sMax, parsed)) continue;
      if (!best || compareVersions(parsed, best) > 0) best = parsed;
    }
    if (!best) {
      throw new VersionNotAvailable(
        `no microversion is supported by both sides: the client supports ${list.join(", ")}; ` +
          `${describeServer(server)} supports ${serverRange}`,
      );
    }
    return versionToString(best);
  }

  const range = client as MicroversionRange;
  const cMin = range.min !== undefined ? parseClient(range.min, "min microversion") : undefined;
  const cMax = range.max !== undefined ? parseClient(range.max, "max microversion") : undefined;
  if (cMin && cMax && !isLatest(cMax) && compareVersions(cMin, cMax) > 0) {
    throw new OptionError(
      `min microversion ${range.min} is greater than max microversion ${range.max}`,
    );
  }
  const high = !cMax || isLatest(cMax) || compareVersions(cMax, sMax) > 0 ? sMax : cMax;
  const low = cMin && !isLatest(cMin) && compareVersions(cMin, sMin) > 0 ? cMin : sMin;
  if (cMin && isLatest(cMin)) return versionToString(sMax);
  if (compareVersions(high, low) < 0) {
    throw new VersionNotAvailable(
      `no microversion is supported by both sides: the client supports ${range.min ?? "any"} - ` +
        `${range.max ?? "latest"}; ${describeServer(server)} supports ${serverRange}`,
    );
  }
  return versionToString(high);
}

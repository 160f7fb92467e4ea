/**
 * `EndpointData`: what the catalog and version discovery learned about one
 * endpoint (keystoneauth1's `discover.EndpointData`).
 *
 * @example
 * ```ts
 * import { EndpointData } from "jsr:@x/osauth";
 * const data = new EndpointData({
 *   catalogUrl: "http://127.0.0.1:8774/v2.1/p1",
 *   serviceUrl: "http://127.0.0.1:8774/v2.1/p1",
 *   apiVersion: [2, 1],
 *   minMicroversion: "2.1",
 *   maxMicroversion: "2.95",
 *   serviceType: "compute",
 * });
 * console.assert(data.supportsMicroversion("2.79"));
 * console.assert(!data.supportsMicroversion("2.96"));
 * ```
 *
 * @module
 */
import { OptionError } from "../errors.ts";
import type { VersionStatus } from "./document.ts";
import {
  compareVersions,
  isLatest,
  type ParsedVersion,
  tryParseVersion,
  versionBetween,
} from "./version.ts";

/** What an {@linkcode EndpointData} is made from; only `catalogUrl` is required. */
export interface EndpointDataInit {
  /** The URL in the catalog (or the override). */
  catalogUrl: string;
  /** The URL of the chosen API version (default: the catalog URL). */
  serviceUrl?: string;
  /** The chosen API version, `[major, minor]`. */
  apiVersion?: readonly [number, number];
  /** Lowest microversion, e.g. `"2.1"`. */
  minMicroversion?: string;
  /** Highest microversion, e.g. `"2.95"`. */
  maxMicroversion?: string;
  /** `next_min_version` of the version document. */
  nextMinVersion?: string;
  /** `not_before` of the version document. */
  notBefore?: string;
  /** Normalised status of the chosen version. */
  status?: VersionStatus;
  /** Service type. */
  serviceType?: string;
  /** Service name in the catalog. */
  serviceName?: string;
  /** Service id in the catalog. */
  serviceId?: string;
  /** Endpoint id in the catalog. */
  endpointId?: string;
  /** Interface of the endpoint. */
  interface?: string;
  /** Region of the endpoint. */
  regionName?: string;
  /** Project id that was removed from and put back onto the URL, if any. */
  projectId?: string;
  /** The URL the version document was read from, if one was. */
  discoveryUrl?: string;
}

/** Metadata of a discovered endpoint. */
export class EndpointData {
  /** The URL in the catalog (or the override). */
  readonly catalogUrl: string;
  /** The URL of the chosen API version; requests go below it. */
  readonly serviceUrl: string;
  /** The chosen API version, `[major, minor]`, when known. */
  readonly apiVersion: [number, number] | undefined;
  /** Lowest microversion, when the service has microversions. */
  readonly minMicroversion: string | undefined;
  /** Highest microversion, when the service has microversions. */
  readonly maxMicroversion: string | undefined;
  /** `next_min_version` of the version document, if any. */
  readonly nextMinVersion: string | undefined;
  /** `not_before` of the version document, if any. */
  readonly notBefore: string | undefined;
  /** Normalised status of the chosen version, when discovered. */
  readonly status: VersionStatus | undefined;
  /** Service type. */
  readonly serviceType: string | undefined;
  /** Service name in the catalog. */
  readonly serviceName: string | undefined;
  /** Service id in the catalog. */
  readonly serviceId: string | undefined;
  /** Endpoint id in the catalog. */
  readonly endpointId: string | undefined;
  /** Interface of the endpoint. */
  readonly interface: string | undefined;
  /** Region of the endpoint. */
  readonly regionName: string | undefined;
  /** Project id found at the end of the catalog URL, if any. */
  readonly projectId: string | undefined;
  /** The URL the version document was read from, if one was. */
  readonly discoveryUrl: string | undefined;

  /** Creates endpoint data. Throws `OptionError` without a `catalogUrl` string. */
  constructor(init: EndpointDataInit) {
    if (init === null || typeof init !== "object" || typeof init.catalogUrl !== "string") {
      throw new OptionError("EndpointData needs an object with a catalogUrl string");
    }
    this.catalogUrl = init.catalogUrl;
    this.serviceUrl = init.serviceUrl ?? init.catalogUrl;
    this.apiVersion = init.apiVersion ? [init.apiVersion[0], init.apiVersion[1]] : undefined;
    this.minMicroversion = init.minMicroversion;
    this.maxMicroversion = init.maxMicroversion;
    this.nextMinVersion = init.nextMinVersion;
    this.notBefore = init.notBefore;
    this.status = init.status;
    this.serviceType = init.serviceType;
    this.serviceName = init.serviceName;
    this.serviceId = init.serviceId;
    this.endpointId = init.endpointId;
    this.interface = init.interface;
    this.regionName = init.regionName;
    this.projectId = init.projectId;
    this.discoveryUrl = init.discoveryUrl;
  }

  /** The URL to use: the service URL. */
  get url(): string {
    return this.serviceUrl;
  }

  /** Whether the endpoint advertises microversions. */
  get hasMicroversions(): boolean {
    return this.maxMicroversion !== undefined;
  }

  /**
   * Whether `microversion` (`"2.79"`, `"latest"`) is within the advertised
   * range. False when the service advertises no microversions or the value
   * is not a version.
   */
  supportsMicroversion(microversion: string): boolean {
    const max = this.maxMicroversion !== undefined
      ? tryParseVersion(this.maxMicroversion)
      : undefined;
    if (!max) return false;
    const wanted = tryParseVersion(microversion);
    if (!wanted) return false;
    if (isLatest(wanted)) return true;
    const min = this.minMicroversion !== undefined
      ? tryParseVersion(this.minMicroversion)
      : undefined;
    return versionBetween(min, max, wanted);
  }

  /** Compares the API version with `version` (negative, zero, positive); undefined if unknown. */
  compareApiVersion(version: string): number | undefined {
    const other = tryParseVersion(version);
    if (!this.apiVersion || !other) return undefined;
    return compareVersions(this.apiVersion as ParsedVersion, other);
  }

  /** A plain object of every field (also what `JSON.stringify` gives). */
  toJSON(): EndpointDataInit {
    const out: EndpointDataInit = { catalogUrl: this.catalogUrl, serviceUrl: this.serviceUrl };
    const rest: Omit<EndpointDataInit, "catalogUrl" | "serviceUrl"> = {
      apiVersion: this.apiVersion,
      minMicroversion: this.minMicroversion,
      maxMicroversion: this.maxMicroversion,
      nextMinVersion: this.nextMinVersion,
      notBefore: this.notBefore,
      status: this.status,
      serviceType: this.serviceType,
      serviceName: this.serviceName,
      serviceId: this.serviceId,
      endpointId: this.endpointId,
      interface: this.interface,
      regionName: this.regionName,
      projectId: this.projectId,
      discoveryUrl: this.discoveryUrl,
    };
    for (const [k, v] of Object.entries(rest)) {
      if (v !== undefined) (out as unknown as Record<string, unknown>)[k] = v;
    }
    return out;
  }
}

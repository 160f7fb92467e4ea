/**
 * `EndpointData`: what version discovery learned about one endpoint.
 *
 * @module
 */

/** Metadata of a discovered endpoint. */
export interface EndpointData {
  /** The URL in the catalog (or the override). */
  catalogUrl: string;
  /** The URL of the chosen API version. */
  serviceUrl: string;
  /** The chosen API version, `[major, minor]`. */
  apiVersion: [number, number] | undefined;
  /** Lowest microversion, when the service has microversions. */
  minMicroversion: string | undefined;
  /** Highest microversion, when the service has microversions. */
  maxMicroversion: string | undefined;
  /** Service type. */
  serviceType: string | undefined;
  /** Interface of the endpoint. */
  interface: string | undefined;
  /** Region of the endpoint. */
  regionName: string | undefined;
}

/**
 * Version discovery (placeholder until the discovery module lands).
 *
 * @module
 */
import { DiscoveryFailure } from "../errors.ts";
import type { Session } from "../session/session.ts";
import type { AuthPlugin, EndpointDataFilter } from "../types.ts";
import type { EndpointData } from "./endpoint_data.ts";

/** Discovers the endpoint data for a filter. */
export function getEndpointData(
  _session: Session,
  _filter: EndpointDataFilter,
  _auth: AuthPlugin | undefined,
): Promise<EndpointData> {
  return Promise.reject(new DiscoveryFailure("version discovery is not implemented yet"));
}

/**
 * OpenStack service types and their historical aliases, from the
 * os-service-types registry (service-types.openstack.org).
 *
 * @module
 */

/** Official service type -> aliases, in the registry's order of preference. */
const FORWARD: Readonly<Record<string, readonly string[]>> = {
  "admin-logic": ["registration"],
  "alarm": ["alarming"],
  "application-container": ["container"],
  "application-deployment": ["application_deployment"],
  "baremetal": ["bare-metal"],
  "block-storage": ["volumev3", "volumev2", "volume", "block-store"],
  "clustering": ["resource-cluster", "cluster"],
  "container-infrastructure-management": ["container-infrastructure", "container-infra"],
  "event": ["events"],
  "instance-ha": ["ha"],
  "message": ["messaging"],
  "meter": ["metering", "telemetry"],
  "monitoring-logging": ["monitoring-log-api"],
  "multi-region-network-automation": ["tricircle"],
  "operator-policy": ["policy"],
  "resource-optimization": ["infra-optim"],
  "root-cause-analysis": ["rca"],
  "shared-file-system": ["sharev2", "share"],
  "workflow": ["workflowv2"],
};

const REVERSE: ReadonlyMap<string, string> = new Map(
  Object.entries(FORWARD).flatMap(([official, aliases]) => aliases.map((a) => [a, official])),
);

/**
 * The official service type for a type or alias (`volumev3` -> `block-storage`).
 * Unknown types are returned unchanged.
 *
 * @example
 * ```ts
 * import { officialServiceType } from "./service_types.ts";
 * console.assert(officialServiceType("volumev3") === "block-storage");
 * ```
 */
export function officialServiceType(type: string): string {
  return REVERSE.get(type) ?? type;
}

/**
 * Every name a service may be registered under in a catalog, the requested
 * one first, then the official type, then the other aliases.
 */
export function allServiceTypes(type: string): string[] {
  let names = ALL_TYPES.get(type);
  if (!names) {
    const official = officialServiceType(type);
    names = Object.freeze([...new Set([type, official, ...(FORWARD[official] ?? [])])]);
    if (ALL_TYPES.size < 1000) ALL_TYPES.set(type, names);
  }
  return [...names];
}

/** Memo of {@linkcode allServiceTypes} (bounded: service types come from code and config). */
const ALL_TYPES: Map<string, readonly string[]> = new Map();

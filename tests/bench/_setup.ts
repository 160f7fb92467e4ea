/**
 * What the benchmark files share: a large catalog and the fake cloud's admin
 * password plugin.
 *
 * @module
 */
import { V3Token } from "../../src/testing/mod.ts";

const INTERFACES = ["public", "internal", "admin"] as const;

/** A v3 token body whose catalog has `services` x 3 interfaces x `regions` endpoints. */
export function largeCatalogToken(services = 100, regions = 10): unknown {
  const token = new V3Token({ projectId: "p1", projectName: "demo" });
  for (let s = 0; s < services; s++) {
    const svc = token.addService(`service-${s}`, `svc${s}`);
    for (let r = 0; r < regions; r++) {
      for (const iface of INTERFACES) {
        svc.addEndpoint(iface, `https://s${s}-${iface}.r${r}.example.com:8000/v1`, {
          region: `Region${r}`,
        });
      }
    }
  }
  return token.toJSON();
}

/** The FakeCloud default user's password plugin, scoped to its admin project. */
export { adminPassword } from "../unit/_helpers.ts";

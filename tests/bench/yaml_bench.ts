/**
 * Benchmarks (`deno task bench`): parsing clouds.yaml text (`src/clouds/yaml.ts`,
 * js-yaml 5 with PyYAML's rules), a two-cloud file and a 300-cloud one.
 *
 * @module
 */
import { parseYaml } from "../../src/clouds/yaml.ts";

function cloud(i: number): string {
  return [
    `  cloud${i}:`,
    "    auth:",
    `      auth_url: https://keystone${i}.example.com:5000/v3`,
    `      username: user${i}`,
    `      password: "p@ss${i}"`,
    `      project_name: project-${i}`,
    "      user_domain_name: Default",
    "      project_domain_name: Default",
    "    region_name: RegionOne",
    "    interface: public",
    "    identity_api_version: 3",
    "    verify: yes",
    "    api_timeout: 30",
    "    compute_api_version: 2.1",
    "",
  ].join("\n");
}
const small = "clouds:\n" + cloud(0) + cloud(1);
const big = "clouds:\n" + Array.from({ length: 300 }, (_, i) => cloud(i)).join("");
await parseYaml(small, "warm-up.yaml"); // js-yaml is imported on first use

Deno.bench("clouds.yaml, 2 clouds (726 B)", { group: "yaml" }, async () => {
  await parseYaml(small, "clouds.yaml");
});
Deno.bench("clouds.yaml, 300 clouds (110 KB)", { group: "yaml" }, async () => {
  await parseYaml(big, "clouds.yaml");
});

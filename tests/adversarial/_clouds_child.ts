/**
 * The clouds.yaml fuzzer's child process (a hostile YAML text can exhaust
 * memory or loop in the parser: the parent survives, counts it and goes on).
 *
 *   deno run --allow-env _clouds_child.ts <seed> <from> <to>
 *
 * For case i (the texts of `cloudsYaml` from a PRNG seeded seed+i) it prints
 * `S <i>` before and `R <i> <kind> <error name> <leaks> <injected>` after:
 * kind is value, typed or untyped; leaks the outputs showing the password;
 * injected the messages with raw control characters.
 *
 * @module
 */
import { loadCloudConfig, sessionFromCloud } from "../../src/clouds/mod.ts";
import { OsAuthError, Session } from "../../mod.ts";
import { cloudsYaml } from "./_hostile.ts";
import { injectedLines, outputsOf, Rng } from "./_kit.ts";

const [seed = 0, from = 0, to = 0] = Deno.args.map(Number);
for (let i = from; i < to; i++) {
  const rng = new Rng(seed + i * 7919);
  const password = `cloud-pw-${seed}-${i}-secret`;
  const yaml = cloudsYaml(rng, password, "http://127.0.0.1:1/v3");
  console.log(`S ${i}`);
  let kind = "value";
  let name = "-";
  const texts: string[] = [];
  const messages: string[] = [];
  for (
    const run of [
      () => loadCloudConfig({ yaml, env: {}, cloud: "fuzz" }),
      () => sessionFromCloud({ yaml, env: {}, cloud: "fuzz" }),
    ]
  ) {
    try {
      const value = await run();
      texts.push(...outputsOf(value));
      // a Session's plugin prints without its secrets (a CloudConfig's auth dict is the
      // caller's own data: it holds the password, by design)
      if (value instanceof Session && value.auth) texts.push(...outputsOf(value.auth));
    } catch (err) {
      texts.push(...outputsOf(err));
      if (err instanceof Error) messages.push(err.message);
      if (err instanceof OsAuthError) {
        if (kind === "value") kind = "typed";
      } else {
        kind = "untyped";
      }
      name = err instanceof Error ? err.name : typeof err;
    }
  }
  const leaks = texts.filter((t) => t.includes(password)).length;
  console.log(`R ${i} ${kind} ${name} ${leaks} ${injectedLines(messages)}`);
}

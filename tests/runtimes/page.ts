/**
 * The browser side of tests/runtimes/browser.test.ts: the page (served by the
 * driver, with an import map for the built package) imports this module and
 * calls `main()`, which reads `/config.json`, runs tests/runtimes/scenario.ts
 * and posts the outcomes to `/results`.
 *
 * @module
 */
import { fakeCloudScenario, type Outcome, type RealCloud, realCloudScenario } from "./scenario.ts";

/** What the driver's `/config.json` holds. */
interface PageConfig {
  fakeAuthUrl?: string;
  realCloud?: RealCloud;
}

/** Runs the scenarios the driver asked for and posts their outcomes. */
export async function main(): Promise<void> {
  let outcomes: Outcome[];
  try {
    const config = await (await fetch("/config.json")).json() as PageConfig;
    outcomes = [];
    if (config.fakeAuthUrl) {
      outcomes.push(...await fakeCloudScenario(config.fakeAuthUrl, "browser"));
    }
    if (config.realCloud) outcomes.push(...await realCloudScenario(config.realCloud));
  } catch (err) {
    outcomes = [{ name: "page", ok: false, error: String(err) }];
  }
  await fetch("/results", { method: "POST", body: JSON.stringify(outcomes) });
}

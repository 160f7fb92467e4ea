/**
 * A Cloudflare Worker running tests/runtimes/scenario.ts: `GET /?authUrl=...`
 * answers the outcomes as JSON. tests/runtimes/workerd.test.ts bundles it
 * (esbuild, as wrangler does) from the built package and runs it on workerd,
 * with and without `nodejs_compat` (`&where=` names which).
 *
 * @module
 */
import { fakeCloudScenario, type Where } from "./scenario.ts";

export default {
  async fetch(request: Request): Promise<Response> {
    const params = new URL(request.url).searchParams;
    const authUrl = params.get("authUrl");
    if (!authUrl) return new Response("authUrl is missing", { status: 400 });
    const where = (params.get("where") ?? "workerd") as Where;
    return Response.json(await fakeCloudScenario(authUrl, where));
  },
};

/**
 * osauth quickstart: the seed document's flow in TypeScript.
 *
 * With no cloud configured it starts an embedded fake cloud on 127.0.0.1:
 *
 *     deno run --allow-net=127.0.0.1 examples/quickstart.ts
 *
 * With `OS_CLOUD` (clouds.yaml) or `OS_AUTH_URL` (openrc) set, it talks to that
 * cloud instead (then it needs --allow-env, --allow-read for clouds.yaml, and
 * --allow-net for the cloud's hosts):
 *
 *     deno run --allow-env --allow-read --allow-net examples/quickstart.ts
 *
 * @module
 */
import { type AuthPlugin, Session, v3 } from "../mod.ts";
import { FakeCloud } from "../src/testing/mod.ts";

/** Reads an env var only if permission is already granted (never prompts). */
function env(name: string): string | undefined {
  const status = Deno.permissions.querySync({ name: "env", variable: name });
  return status.state === "granted" ? Deno.env.get(name) : undefined;
}

async function configuredSession(): Promise<Session | undefined> {
  if (!env("OS_CLOUD") && !env("OS_AUTH_URL")) return undefined;
  const { sessionFromCloud } = await import("../src/clouds/mod.ts");
  return await sessionFromCloud({});
}

let sess = await configuredSession();
let close = async () => {};
if (!sess) {
  const cloud = new FakeCloud();
  const server = await cloud.serve();
  close = server.close;
  console.log(`No OS_CLOUD or OS_AUTH_URL: using an embedded fake cloud at ${server.url}`);
  // The seed's example, in TypeScript.
  const auth = new v3.Password({
    authUrl: server.authUrl,
    username: "admin",
    password: "secret",
    projectName: "admin",
    userDomainId: "default",
    projectDomainId: "default",
  });
  sess = new Session({ auth });
}

try {
  // Authentication happens on demand, once; the token is cached.
  const access = await sess.getAccess();
  console.log(
    `Authenticated as ${access.user?.name} (${access.userId}), project ${access.project?.name}, ` +
      `token expires ${access.expiresAt.toISOString()}`,
  );
  console.log(`Catalog: ${access.catalog.describe()}`);

  // Service discovery: a path plus an endpoint filter.
  const identity = await sess.getEndpoint({ serviceType: "identity", interface: "public" });
  console.log(`Identity endpoint: ${identity}`);
  // The seed writes `sess.get("/v3/users", ...)`, which assumes an unversioned identity
  // endpoint in the catalog. Asking for API version 3 works with either kind: version
  // discovery finds the v3 URL (and caches the version document).
  const resp = await sess.get("/users", {
    endpointFilter: { serviceType: "identity", interface: "public", version: "3" },
  });
  console.log(`GET ${resp.url} -> ${resp.status}`);
  await resp.body?.cancel();

  // Sharing the plugin with a second session: no second authentication.
  const other = new Session({ auth: sess.auth as AuthPlugin });
  console.log(`Second session, same token: ${(await other.getToken()) === access.token}`);

  // An unauthenticated request to the unprotected version root.
  const root = await sess.get(identity, { authenticated: false, raiseExc: false });
  console.log(`Unauthenticated GET ${identity} -> ${root.status}`);
  await root.body?.cancel();
} finally {
  await close();
}

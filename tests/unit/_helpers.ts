import { FakeCloud, type FakeCloudOptions } from "../../src/testing/mod.ts";
import { v3 } from "../../mod.ts";

/** A FakeCloud served on 127.0.0.1 for one test. */
export interface Served {
  cloud: FakeCloud;
  url: string;
  authUrl: string;
  close(): Promise<void>;
}

export async function serveCloud(options: FakeCloudOptions = {}): Promise<Served> {
  const cloud = new FakeCloud(options);
  const srv = await cloud.serve();
  return { cloud, url: srv.url, authUrl: srv.authUrl, close: () => srv.close() };
}

export function adminPassword(
  authUrl: string,
  extra: Partial<v3.PasswordOptions> = {},
): v3.Password {
  return new v3.Password({
    authUrl,
    username: "admin",
    password: "secret",
    userDomainId: "default",
    projectName: "admin",
    projectDomainId: "default",
    ...extra,
  });
}

/** A plain echo server that records request headers, for header-level checks. */
export function echoServer(): {
  url: string;
  seen: { method: string; path: string; headers: Headers; body: string }[];
  close(): Promise<void>;
} {
  const seen: { method: string; path: string; headers: Headers; body: string }[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const url = new URL(req.url);
    const body = await req.text();
    seen.push({ method: req.method, path: url.pathname + url.search, headers: req.headers, body });
    const m = url.pathname.match(/^\/status\/(\d+)$/);
    if (m) {
      return new Response(JSON.stringify({ error: { message: `status ${m[1]}` } }), {
        status: Number(m[1]),
        headers: { "content-type": "application/json", "x-openstack-request-id": "req-echo" },
      });
    }
    return Response.json({ method: req.method, path: url.pathname, body });
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    seen,
    close: () => server.shutdown(),
  };
}

/**
 * The environment for a child `deno` process, with `clearEnv: true`: the
 * parent's, minus `DENO_COVERAGE_DIR` (which `deno test --coverage` sets and
 * children inherit: their emits differ, so they must not add to our profile).
 */
export function childEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env = Deno.env.toObject();
  delete env.DENO_COVERAGE_DIR;
  return { ...env, NO_COLOR: "1", ...extra };
}

/**
 * `deno <sub> --config=<repo>/deno.json ...rest`: children that run scripts from
 * temp dirs must use the project's compiler options, or they overwrite the
 * shared emit cache with other output and `deno coverage` loses those files.
 */
export function denoArgs(args: readonly string[]): string[] {
  const [sub = "run", ...rest] = args;
  const config = new URL("../../deno.json", import.meta.url).pathname;
  return [sub, `--config=${config}`, ...rest];
}

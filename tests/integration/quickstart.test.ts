import assert from "node:assert/strict";
import { existsSync } from "node:fs";

const osDir = Deno.env.get("OSAUTH_OS_DIR") ?? `${Deno.cwd()}/.openstack`;
const clouds = `${osDir}/clouds.yaml`;

Deno.test({
  name: "examples/quickstart.ts against the real Keystone via OS_CLOUD",
  ignore: !existsSync(clouds),
  async fn() {
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--no-prompt",
        "--allow-env",
        "--allow-read",
        "--allow-net=127.0.0.1",
        "examples/quickstart.ts",
      ],
      env: { OS_CLOUD: "osauth-admin", OS_CLIENT_CONFIG_FILE: clouds, NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stdout = new TextDecoder().decode(out.stdout);
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    assert.match(stdout, /Authenticated as admin \([0-9a-f]{32}\), project admin/);
    assert.match(stdout, /placement \(placement\): public@RegionOne/);
    assert.match(stdout, /GET http:\/\/127\.0\.0\.1:\d+\/v3\/users -> 200/);
    assert.match(stdout, /Second session, same token: true/);
  },
});

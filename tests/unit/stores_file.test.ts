/**
 * FileStateStore on disk: a 0700 directory and 0600 files (never readable by
 * group or others, also under a permissive umask), an existing open directory
 * made private, atomic writes (no temporary file left, a reader never sees
 * half a file), lock files whose holder died taken over, the default
 * directory, and the same directory shared by Deno, Node and Bun processes.
 */
import assert from "node:assert/strict";
import { Session, v3 } from "../../mod.ts";
import { FileStateStore, StateEntryUnreadable } from "../../src/stores/mod.ts";
import { defaultStateDir } from "../../src/stores/file.ts";
import { FAKE_CLOUD_DEFAULTS as D } from "../../src/testing/mod.ts";
import { serveCloud } from "./_helpers.ts";
import { bunBinary, denoChild, nodeBinary, runFleet } from "../integration/stores_fleet.ts";

const KEY = "osauth-00112233445566778899";

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "osauth-file-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

function mode(path: string): number {
  return Deno.statSync(path).mode! & 0o777;
}

Deno.test("the directory is 0700 and every file 0600, whatever the umask", async () => {
  await withDir(async (root) => {
    const dir = `${root}/a/b/osauth`;
    // a process with umask 000 (umask is process-wide: not changed in this test process)
    const script = `${root}/write.ts`;
    const store = new URL("../../src/stores/mod.ts", import.meta.url).href;
    await Deno.writeTextFile(
      script,
      `import { FileStateStore } from ${JSON.stringify(store)};
const store = new FileStateStore({ dir: ${JSON.stringify(dir)} });
await store.set(${JSON.stringify(KEY)}, "v", Date.now() + 60_000);
const lease = await store.acquire(${JSON.stringify(KEY)}, 60_000);
if (!lease) throw new Error("no lease");
console.log(Deno.umask().toString(8));
`,
    );
    const out = await new Deno.Command("/bin/sh", {
      args: [
        "-c",
        'umask 000 && exec "$0" run --no-check --allow-read --allow-write --allow-sys "$1"',
        Deno.execPath(),
        script,
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.ok(out.success, new TextDecoder().decode(out.stderr));
    assert.equal(new TextDecoder().decode(out.stdout).trim(), "0", "the writer ran with umask 000");
    assert.equal(mode(dir), 0o700);
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name).sort(), [
      `${KEY}.json`,
      `${KEY}.lock`,
    ]);
    for (const e of Deno.readDirSync(dir)) {
      assert.equal(mode(`${dir}/${e.name}`), 0o600, e.name);
    }
    const lock = JSON.parse(Deno.readTextFileSync(`${dir}/${KEY}.lock`));
    // its holder exited without releasing: a lease on it is refused until it expires
    const here = new FileStateStore({ dir, now: () => lock.expiresAt + 1 });
    const lease = await here.acquire(KEY, 60_000);
    assert.ok(lease);
    await lease.release();
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), [`${KEY}.json`]);
  });
});

Deno.test("an existing directory open to others is made 0700; a shared entry file is not trusted", async () => {
  await withDir(async (dir) => {
    Deno.chmodSync(dir, 0o777);
    const store = new FileStateStore({ dir });
    await store.set(KEY, "v", Date.now() + 60_000);
    assert.equal(mode(dir), 0o700);
    Deno.chmodSync(`${dir}/${KEY}.json`, 0o644);
    await assert.rejects(store.get(KEY), StateEntryUnreadable);
    await store.set(KEY, "w", Date.now() + 60_000); // overwritten: private again
    assert.equal(mode(`${dir}/${KEY}.json`), 0o600);
    assert.equal(await store.get(KEY), "w");
    Deno.mkdirSync(`${dir}/${KEY}.json.d`);
    Deno.removeSync(`${dir}/${KEY}.json`);
    Deno.symlinkSync(`${dir}/${KEY}.json.d`, `${dir}/${KEY}.json`);
    await assert.rejects(store.get(KEY), StateEntryUnreadable, "a symlink is not an entry");
  });
});

Deno.test("writes are atomic: many concurrent writers and readers, no torn read, no temp left", async () => {
  await withDir(async (dir) => {
    const stores = Array.from({ length: 5 }, () => new FileStateStore({ dir }));
    const values = Array.from({ length: 40 }, (_, i) => `${i}:` + String(i).repeat(5_000));
    const reads: (string | undefined)[] = [];
    await Promise.all([
      ...values.map((v, i) => stores[i % 5]!.set(KEY, v, Date.now() + 60_000)),
      ...values.map(async (_, i) => reads.push(await stores[(i + 1) % 5]!.get(KEY))),
    ]);
    for (const r of reads) assert.ok(r === undefined || values.includes(r), "a whole value");
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), [`${KEY}.json`]);
  });
});

Deno.test("corrupt and truncated entry files are StateEntryUnreadable", async () => {
  await withDir(async (dir) => {
    const store = new FileStateStore({ dir });
    await store.set(KEY, "v", Date.now() + 60_000);
    const path = `${dir}/${KEY}.json`;
    const whole = Deno.readTextFileSync(path);
    for (const text of [whole.slice(0, whole.length - 3), "", "{}", '{"v":2}', "null"]) {
      Deno.writeTextFileSync(path, text);
      await assert.rejects(store.get(KEY), StateEntryUnreadable, JSON.stringify(text));
    }
    await assert.rejects(store.get("../escape"), /a key must be/);
    await assert.rejects(store.get(".hidden"), /a key must be/);
  });
});

Deno.test("a lock left by a dead holder is taken over once expired; a corrupt one by its age", async () => {
  await withDir(async (dir) => {
    let now = Date.now();
    const store = new FileStateStore({ dir, now: () => now });
    const lock = `${dir}/${KEY}.lock`;
    // a process that died holding the lease until now + 5 s
    Deno.writeTextFileSync(lock, JSON.stringify({ owner: "dead", expiresAt: now + 5_000 }), {
      mode: 0o600,
    });
    assert.equal(await store.acquire(KEY, 1_000), undefined);
    now += 5_001;
    const lease = await store.acquire(KEY, 1_000);
    assert.ok(lease, "taken over");
    assert.equal(JSON.parse(Deno.readTextFileSync(lock)).owner === "dead", false);
    await lease.release();
    // a lock file that is not JSON (cut short): judged by its mtime plus the ttl
    Deno.writeTextFileSync(lock, '{"own', { mode: 0o600 });
    const real = new FileStateStore({ dir });
    assert.equal(await real.acquire(KEY, 60_000), undefined, "young: still held");
    const old = new Date(Date.now() - 120_000);
    Deno.utimeSync(lock, old, old);
    const again = await real.acquire(KEY, 60_000);
    assert.ok(again, "old: taken over");
    await again.release();
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), []);
  });
});

Deno.test("an expired lock found by many processes at once is taken over by exactly one", async () => {
  // before the takeover marker, 2 leases were granted in about half of these rounds
  for (let round = 0; round < 40; round++) {
    await withDir(async (dir) => {
      let now = 1_000;
      const stores = Array.from({ length: 12 }, () => new FileStateStore({ dir, now: () => now }));
      const dead = await stores[0]!.acquire(KEY, 100);
      assert.ok(dead, "the first holder");
      now = 5_000; // its lease expired: it died
      const leases = await Promise.all(stores.slice(1).map((s) => s.acquire(KEY, 60_000)));
      const granted = leases.filter((l) => l !== undefined);
      assert.equal(granted.length, 1, `round ${round}: leases granted`);
      // the late release of the dead holder leaves the new holder's lock alone
      await dead.release();
      assert.equal(await stores[1]!.acquire(KEY, 60_000), undefined, `round ${round}: still held`);
      await granted[0]!.release();
      assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), [], "no lock, no marker");
    });
  }
});

Deno.test("a process that died while taking over an expired lock does not block it for ever", async () => {
  await withDir(async (dir) => {
    const now = Date.now();
    const store = new FileStateStore({ dir, now: () => now });
    const stale = { owner: "dead", expiresAt: now - 1 };
    Deno.writeTextFileSync(`${dir}/${KEY}.lock`, JSON.stringify(stale), { mode: 0o600 });
    // its takeover marker, named by the expired lock's generation, left behind
    const digest = new Uint8Array(
      await crypto.subtle.digest("SHA-256", new TextEncoder().encode("dead\n" + stale.expiresAt)),
    );
    const tag = Array.from(digest.subarray(0, 16), (b) => b.toString(16).padStart(2, "0")).join(
      "",
    );
    const marker = `${dir}/.${KEY}.takeover.${tag}`;
    Deno.writeTextFileSync(marker, "{}", { mode: 0o600 });
    assert.equal(await store.acquire(KEY, 60_000), undefined, "a takeover under way");
    const old = new Date(Date.now() - 120_000);
    Deno.utimeSync(marker, old, old);
    const lease = await store.acquire(KEY, 60_000);
    assert.ok(lease, "its taker died: taken over");
    await lease.release();
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), []);
  });
});

Deno.test("on a file system without hard links: locks and takeover markers are created exclusively", async () => {
  // Deno.link refused as FAT, some network file systems and SMB mounts refuse it (EPERM)
  const link = Deno.link;
  let refused = 0;
  (Deno as { link: typeof Deno.link }).link = () => {
    refused++;
    return Promise.reject(Object.assign(new Error("operation not permitted"), { code: "EPERM" }));
  };
  try {
    await withDir(async (dir) => {
      let now = 1_000;
      const stores = Array.from({ length: 8 }, () => new FileStateStore({ dir, now: () => now }));
      const first = await stores[0]!.acquire(KEY, 100);
      assert.ok(first, "the lock created exclusively");
      assert.equal(await stores[1]!.acquire(KEY, 100), undefined, "held");
      now = 5_000; // its holder died
      const leases = await Promise.all(stores.slice(1).map((s) => s.acquire(KEY, 60_000)));
      assert.equal(leases.filter((l) => l !== undefined).length, 1, "taken over by exactly one");
      await first.release();
      assert.equal(await stores[0]!.acquire(KEY, 60_000), undefined, "the late release left it");
      await leases.find((l) => l !== undefined)!.release();
      assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), [], "no lock, no marker");
      const again = await stores[2]!.acquire(KEY, 60_000);
      assert.ok(again, "free again");
      await again.release();
    });
  } finally {
    (Deno as { link: typeof Deno.link }).link = link;
  }
  assert.ok(refused > 0, "the store asked for hard links");
});

Deno.test("the default directory: $XDG_CACHE_HOME/osauth, else ~/.cache/osauth", () => {
  assert.equal(defaultStateDir({ XDG_CACHE_HOME: "/x/cache", HOME: "/home/u" }), "/x/cache/osauth");
  assert.equal(
    defaultStateDir({ XDG_CACHE_HOME: "relative", HOME: "/home/u/" }),
    "/home/u/.cache/osauth",
  );
  assert.equal(defaultStateDir({ HOME: "/home/u" }), "/home/u/.cache/osauth");
  assert.throws(() => defaultStateDir({}), /neither XDG_CACHE_HOME nor HOME/);
  const home = Deno.env.get("HOME");
  if (home && !Deno.env.get("XDG_CACHE_HOME")) {
    assert.equal(new FileStateStore().dir, `${home.replace(/\/+$/, "")}/.cache/osauth`);
  }
  assert.throws(() => new FileStateStore({ dir: "" }), /dir must be a non-empty string/);
});

const node = nodeBinary();
const bun = bunBinary();

Deno.test({
  name: "one directory shared by Deno, Node and Bun processes: one token request",
  ignore: !node || !bun,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const served = await serveCloud();
    try {
      await withDir(async (dir) => {
        const runtimes = [denoChild(), [node!], [bun!]];
        const run = await runFleet({
          command: (i) => runtimes[i % 3]!,
          count: 6,
          config: {
            authUrl: served.authUrl,
            userId: D.userId,
            password: D.password,
            projectId: D.projectId,
            store: "file",
            dir: `${dir}/state`,
          },
        });
        assert.deepEqual(run.errors, []);
        assert.equal(run.results.length, 6);
        assert.equal(new Set(run.results.map((r) => r.token)).size, 1);
        assert.equal(served.cloud.stats.tokenRequests, 1);
        assert.equal(mode(`${dir}/state`), 0o700);
        for (const e of Deno.readDirSync(`${dir}/state`)) {
          assert.equal(mode(`${dir}/state/${e.name}`), 0o600);
        }
        // and this process reads what they wrote
        const auth = new v3.Password({
          authUrl: served.authUrl,
          userId: D.userId,
          password: D.password,
          projectId: D.projectId,
          stateStore: new FileStateStore({ dir: `${dir}/state` }),
        });
        await new Session({ auth }).get("/servers", { endpointFilter: { serviceType: "compute" } });
        assert.equal(served.cloud.stats.tokenRequests, 1);
      });
    } finally {
      await served.close();
    }
  },
});

/**
 * Faults in front of the real Keystone and Placement of
 * `scripts/openstack-dev.sh`: a TCP proxy (tests/adversarial/_proxy.ts)
 * drops, resets, stalls, truncates and trickles requests and responses, or
 * answers 503 and cross-origin redirects itself; tokens are revoked under
 * 200 concurrent requests; Keystone is restarted with 8-second tokens and
 * again in the middle of traffic. Counted (the run fails on any non-zero):
 *
 * - leaks: outputs (messages, stacks, inspect, JSON, logs) or requests to
 *   the redirect target (127.0.0.2) that carry a password or token;
 * - duplicates: a non-idempotent request (a token POST of one
 *   authentication, a test POST with its `x-adv-id`) that reached the server
 *   more than once;
 * - excess-attempts: a request sent more often than its retries allow;
 * - hangs: a call that did not settle within its bound (timeouts x attempts
 *   plus backoff plus 3 s);
 * - untyped: an error that is not an `OsAuthError` (the caller's own body
 *   reads included);
 * - failures: requests that must succeed (after one transient fault with
 *   retries set, after a token revocation, after token expiry) and did not;
 * - extra-token-requests: more than one re-authentication for one revoked
 *   or expired token;
 * - log-injection: log lines with raw control characters;
 * - unhandled-rejections.
 *
 * Without the dev cloud the test is skipped (CI starts it; OSAUTH_REQUIRE_DEVCLOUD=1 makes
 * its absence a failure).
 */
import assert from "node:assert/strict";
import { Session, type v3 } from "../../mod.ts";
import {
  type DevCloudFixtures,
  loadFixturesOrWarn,
  passwordPlugins,
} from "../integration/_devcloud.ts";
import { type Fault, FaultProxy, type ProxyRecord, Recorder } from "./_proxy.ts";
import {
  Collector,
  describeError,
  info,
  injectedLines,
  isTyped,
  type Outcome,
  outputsOf,
  report,
  Rng,
  SecretScan,
  SEED,
  settle,
  sleep,
  trackUnhandled,
} from "./_kit.ts";

const AREA = "proxy";
const fx = await loadFixturesOrWarn("adversarial proxy");
if (!fx && Deno.env.get("OSAUTH_REQUIRE_DEVCLOUD") === "1") {
  throw new Error("adversarial proxy: OSAUTH_REQUIRE_DEVCLOUD=1 but the dev cloud is not set up");
}

const counts = {
  leaks: 0,
  duplicates: 0,
  "excess-attempts": 0,
  hangs: 0,
  untyped: 0,
  failures: 0,
  "extra-token-requests": 0,
  "log-injection": 0,
  "unhandled-rejections": 0,
};
type Count = keyof typeof counts;
/** Why each count went up (the first few reasons of each), for the information lines. */
const why: Record<string, string[]> = {};
function bump(count: Count, reason: string, n = 1): void {
  if (n <= 0) return;
  counts[count] += n;
  (why[count] ??= []).length < 6 && why[count]!.push(reason);
}

const TOKENS_PATH = /\/v3\/auth\/tokens$/;

/** The settings of the dev cloud's script, from the fixtures (so a restart changes nothing else). */
function devCloudEnv(
  f: DevCloudFixtures,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    OSAUTH_OS_DIR: f.os_dir,
    OSAUTH_KEYSTONE_PORT: String(f.keystone.ports.public),
    OSAUTH_KEYSTONE_INTERNAL_PORT: String(f.keystone.ports.internal),
    OSAUTH_KEYSTONE_ADMIN_PORT: String(f.keystone.ports.admin),
    OSAUTH_PLACEMENT_PORT: String(f.placement.ports.public),
    OSAUTH_PLACEMENT_INTERNAL_PORT: String(f.placement.ports.internal),
    OSAUTH_PLACEMENT_ADMIN_PORT: String(f.placement.ports.admin),
    OSAUTH_PLACEMENT_REGION2_PORT: String(f.placement.ports.region_two),
    OSAUTH_ADMIN_PASSWORD: f.users.admin.password,
    OSAUTH_DEMO_PASSWORD: f.users.demo.password,
    OSAUTH_PLACEMENT_PASSWORD: f.users.placement.password,
    ...extra,
  };
}

/** `scripts/openstack-dev.sh restart keystone` with the token expiration given (seconds). */
async function restartKeystone(f: DevCloudFixtures, expiration?: number): Promise<void> {
  const script = new URL("../../scripts/openstack-dev.sh", import.meta.url).pathname;
  const env = devCloudEnv(f, expiration ? { OSAUTH_OS_TOKEN_EXPIRATION: String(expiration) } : {});
  const out = await new Deno.Command("bash", {
    args: [script, "restart", "keystone"],
    env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stderr).trim().split("\n").slice(-1)[0];
  if (!out.success) throw new Error(`restart keystone failed: ${text}`);
  info(AREA, `keystone restarted${expiration ? ` with ${expiration}-second tokens` : ""}: ${text}`);
}

Deno.test({
  name: `adversarial: faults in front of the real Keystone and Placement (seed ${SEED})`,
  ignore: !fx,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const f = fx!;
    const unhandled = trackUnhandled();
    const rng = new Rng(SEED);
    const scan = new SecretScan();
    const admin = f.users.admin;
    const plugins = passwordPlugins(f);
    scan.add(admin.password, f.users.demo.password, f.application_credentials.admin.secret);
    const logs = new Collector();
    const recorder = new Recorder("127.0.0.2");
    const ks = await FaultProxy.start({
      upstreamPort: f.keystone.ports.public,
      redirectTo: recorder.url,
    });
    const pl = await FaultProxy.start({
      upstreamPort: f.placement.ports.public,
      redirectTo: recorder.url,
    });
    /** trial -> (request -> fault): the chooser both proxies ask. */
    const plans = new Map<
      string,
      (head: { method: string; path: string; id: string | undefined; n: number }) => Fault
    >();
    const seen = new Map<string, number>();
    const chooser = (head: { method: string; path: string; headers: Record<string, string> }) => {
      const trial = head.headers["x-adv-trial"];
      const plan = trial ? plans.get(trial) : undefined;
      if (!plan) return "pass" as Fault;
      const key = `${trial} ${head.headers["x-adv-id"] ?? head.method + head.path}`;
      const n = seen.get(key) ?? 0;
      seen.set(key, n + 1);
      return plan({ method: head.method, path: head.path, id: head.headers["x-adv-id"], n });
    };
    ks.choose = chooser;
    pl.choose = chooser;
    let trialNo = 0;
    const tokens: string[] = [];

    interface SessionSettings {
      timeout?: number;
      connectRetries?: number;
      statusCodeRetries?: number;
      reauthenticate?: boolean;
    }
    /** A fresh admin plugin and session through both proxies; trial id in every request. */
    function session(trial: string, s: SessionSettings = {}): { sess: Session; auth: v3.Password } {
      const auth = plugins.password(admin, {
        authUrl: `${ks.url}/v3`,
        projectName: "admin",
        projectDomainId: "default",
        reauthenticate: s.reauthenticate,
      });
      const sess = new Session({
        auth,
        additionalHeaders: { "x-adv-trial": trial },
        endpointOverrides: { placement: pl.url },
        logger: logs,
        timeout: s.timeout,
        connectRetries: s.connectRetries,
        statusCodeRetries: s.statusCodeRetries,
        retriableStatusCodes: [503],
        retryDelay: 20,
        maxRetryDelay: 200,
      });
      return { sess, auth };
    }
    /** How long a call may take: every attempt's timeout, backoff, the token request's, 3 s. */
    function bound(s: SessionSettings, timeout = s.timeout ?? 10_000): number {
      const attempts = 2 + (s.connectRetries ?? 0) + (s.statusCodeRetries ?? 0);
      const tokenAttempts = 1 + (s.connectRetries ?? 0);
      return (attempts + tokenAttempts) * (timeout + 100) + attempts * 200 + 3000;
    }
    function judge<T>(o: Outcome<T>, label: string, mustSucceed = false): void {
      if (o.kind === "hang") bump("hangs", `${label}: not settled after ${o.ms.toFixed(0)} ms`);
      if (o.kind === "error") {
        if (!isTyped(o.error)) bump("untyped", `${label}: ${describeError(o.error)}`);
        const n = scan.scan(outputsOf(o.error), label);
        if (n > 0) bump("leaks", `${label}: an error shows a secret`, n);
        if (mustSucceed) bump("failures", `${label}: ${describeError(o.error)}`);
      }
      if (o.kind === "hang" && mustSucceed) bump("failures", `${label}: hung`);
    }
    /** Duplicated non-idempotent sends and excess attempts among `records`. */
    /** The most attempts seen per scenario, method and first fault (information). */
    const attempts: Record<string, number> = {};
    function audit(records: ProxyRecord[], label: string, maxAttempts: number, oneAuth: boolean) {
      const byId = new Map<string, ProxyRecord[]>();
      for (const r of records) {
        if (r.id) byId.set(r.id, [...(byId.get(r.id) ?? []), r]);
      }
      for (const [id, rs] of byId) {
        const delivered = rs.filter((r) => r.delivered).length;
        // attempts per first fault and method: "GET after stall: 2" (the most seen)
        const key = `${label} ${rs[0]!.method} after ${rs[0]!.fault}`;
        attempts[key] = Math.max(attempts[key] ?? 0, rs.length);
        if (!["GET", "HEAD", "PUT", "DELETE", "OPTIONS"].includes(rs[0]!.method)) {
          bump(
            "duplicates",
            `${label} ${rs[0]!.method} ${id}: reached the server ${delivered}x`,
            delivered - 1,
          );
        }
        if (rs.length > maxAttempts) {
          bump("excess-attempts", `${label} ${id}: ${rs.length} attempts, at most ${maxAttempts}`);
        }
      }
      if (oneAuth) {
        const posts = records.filter((r) => r.method === "POST" && TOKENS_PATH.test(r.path));
        const delivered = posts.filter((r) => r.delivered).length;
        bump(
          "duplicates",
          `${label}: one authentication's token POST reached Keystone ${delivered}x (${
            posts.map((r) => r.fault).join(",")
          })`,
          delivered - 1,
        );
      }
    }
    /** Waits (bounded) until Placement answers a fresh session's request: after a restart. */
    async function placementHealthy(): Promise<void> {
      for (let i = 0; i < 60; i++) {
        const probe = new Session({
          auth: plugins.adminProject(),
          timeout: 5000,
        });
        const resp = await probe.get("/resource_providers", {
          endpointFilter: { serviceType: "placement" },
          raiseExc: false,
        }).catch(() => undefined);
        await resp?.body?.cancel();
        if (resp?.status === 200) return;
        await sleep(500);
      }
      throw new Error("Placement did not answer 200 within 30 s of a Keystone restart");
    }
    const ALL_FAULTS: Fault[] = [
      "pass",
      "drop",
      "reset",
      "stall",
      "send-drop",
      "send-reset",
      "send-stall",
      "truncate",
      "trickle",
      "503",
    ];

    try {
      await t.step("token requests under faults (one authentication per trial)", async () => {
        const settings: SessionSettings = { timeout: 1000, connectRetries: 2 };
        const run = async (fault: Fault) => {
          const trial = `tok-${++trialNo}`;
          plans.set(trial, ({ n }) => (n === 0 ? fault : "pass"));
          const { sess, auth } = session(trial, settings);
          const o = await settle(sess.getAccess(), bound(settings));
          judge(o, `token POST, ${fault}`);
          if (o.kind === "value") tokens.push(o.value.token);
          if (auth.cachedAccess) scan.add(auth.cachedAccess.token);
          audit(ks.trial(trial), `token ${fault}`, 1 + (settings.connectRetries ?? 0), true);
          return `${fault}:${
            o.kind === "value"
              ? "ok"
              : o.kind === "hang"
              ? "hang"
              : describeError(o.kind === "error" ? o.error : "").split(":")[0]
          }`;
        };
        const faults = [...ALL_FAULTS, ...Array.from({ length: 14 }, () => rng.pick(ALL_FAULTS))];
        const results: string[] = [];
        for (let i = 0; i < faults.length; i += 6) {
          results.push(...await Promise.all(faults.slice(i, i + 6).map(run)));
        }
        info(AREA, `token POST outcomes: ${results.join(" ")}`);
      });

      await t.step("Placement requests under faults (GET retried, POST not resent)", async () => {
        const settings: SessionSettings = {
          timeout: 1500,
          connectRetries: 2,
          statusCodeRetries: 2,
        };
        const created: string[] = [];
        const run = async (i: number) => {
          const trial = `pl-${++trialNo}`;
          const getFault = i < ALL_FAULTS.length ? ALL_FAULTS[i]! : rng.pick(ALL_FAULTS);
          const postFault = rng.pick(ALL_FAULTS);
          // faults on the test's own requests (with an x-adv-id), not on its token request
          plans.set(
            trial,
            ({ method, id, n }) => n > 0 || !id ? "pass" : method === "GET" ? getFault : postFault,
          );
          const { sess, auth } = session(trial, settings);
          const get = await settle(
            (async () => {
              const resp = await sess.get("/resource_providers", {
                endpointFilter: { serviceType: "placement" },
                headers: { "x-adv-id": `${trial}-get` },
              });
              return await resp.json();
            })(),
            bound(settings),
          );
          // one transient fault with retries left: the GET must succeed, unless the fault came
          // after osauth returned the response (a trickled or truncated body the caller reads)
          judge(get, `GET, ${getFault}`, !["trickle", "truncate"].includes(getFault));
          const name = `adv-${SEED}-${trial}`;
          const post = await settle(
            (async () => {
              const resp = await sess.post("/resource_providers", {
                endpointFilter: { serviceType: "placement" },
                json: { name },
                headers: { "x-adv-id": `${trial}-post` },
              });
              await resp.body?.cancel();
              return resp.status;
            })(),
            bound(settings),
          );
          judge(post, `POST, ${postFault}`);
          created.push(name);
          if (auth.cachedAccess) scan.add(auth.cachedAccess.token);
          audit(pl.trial(trial), `placement`, 2 + 2 + 1 + 1, false);
          return `${getFault}/${postFault}:${get.kind === "value" ? "ok" : get.kind}/${
            post.kind === "value" ? post.value : post.kind
          }`;
        };
        const results: string[] = [];
        for (let i = 0; i < 24; i += 6) {
          results.push(...await Promise.all([0, 1, 2, 3, 4, 5].map((k) => run(i + k))));
        }
        info(AREA, `placement GET/POST outcomes: ${results.join(" ")}`);
        // clean up the providers that were created (directly, no proxy)
        const direct = new Session({
          auth: plugins.adminProject(),
        });
        const list = await (await direct.get("/resource_providers", {
          endpointFilter: { serviceType: "placement" },
        })).json() as { resource_providers: { uuid: string; name: string }[] };
        for (const rp of list.resource_providers) {
          if (rp.name.startsWith(`adv-${SEED}-`)) {
            await (await direct.delete(`/resource_providers/${rp.uuid}`, {
              endpointFilter: { serviceType: "placement" },
            })).body?.cancel();
          }
        }
      });

      /** One token, revoked, then 200 concurrent requests with it. */
      const revokedRound = async (): Promise<void> => {
        const trial = `rev-${++trialNo}`;
        const { sess, auth } = session(trial, { timeout: 20_000 });
        await (await sess.get("/resource_providers", {
          endpointFilter: { serviceType: "placement" },
        })).body?.cancel();
        const old = await sess.getToken();
        scan.add(old);
        const direct = new Session({
          auth: plugins.adminProject(),
        });
        const del = await direct.delete(`${f.auth_url}/auth/tokens`, {
          headers: { "X-Subject-Token": old },
        });
        assert.equal(del.status, 204);
        const before = ks.trial(trial).filter((r) => TOKENS_PATH.test(r.path)).length;
        // the 200 responses (401s) are held by the proxy and passed back at once: every
        // request's 401 arrives while the others re-authenticate
        plans.set(
          trial,
          ({ method, id, n }) => (method === "GET" && id && n === 0 ? "hold" : "pass"),
        );
        const releaser = (async () => {
          for (let i = 0; i < 300 && pl.held < 200; i++) await sleep(50);
          pl.flushHeld();
        })();
        const outcomes = await Promise.all(Array.from({ length: 200 }, (_, i) =>
          settle(
            (async () => {
              const resp = await sess.get("/resource_providers", {
                endpointFilter: { serviceType: "placement" },
                headers: { "x-adv-id": `${trial}-${i}` },
              });
              return await resp.text();
            })(),
            bound({ timeout: 20_000 }),
          )));
        await releaser;
        plans.delete(trial);
        outcomes.forEach((o, i) => judge(o, `revoked-token request ${i}`, true));
        const reauths = ks.trial(trial).filter((r) => TOKENS_PATH.test(r.path)).length - before;
        bump(
          "extra-token-requests",
          `revoked token: ${reauths} token requests for 200 requests`,
          reauths - 1,
        );
        if (auth.cachedAccess) scan.add(auth.cachedAccess.token);
        const failed = outcomes.filter((o) => o.kind !== "value").length;
        info(
          AREA,
          `revoked token, 200 concurrent requests: ${failed} failed, ${reauths} token request(s)`,
        );
      };

      await t.step(
        "a revoked token under 200 concurrent requests: one re-authentication",
        async () => {
          for (let round = 0; round < 2; round++) await revokedRound();
        },
      );

      await t.step(
        "a stalled token request: a waiting request's timeout and signal bound it",
        async () => {
          for (const how of ["timeout", "signal"] as const) {
            const trial = `stall-${++trialNo}`;
            plans.set(trial, ({ path }) => (TOKENS_PATH.test(path) ? "stall" : "pass"));
            const { sess } = session(trial, {}); // no session timeout: only the request's
            const o = await settle(
              sess.get("/resource_providers", {
                endpointFilter: { serviceType: "placement" },
                ...(how === "timeout" ? { timeout: 800 } : { signal: AbortSignal.timeout(800) }),
              }),
              800 + 3000,
            );
            // the caller's signal rejects with its own reason (a TimeoutError DOMException) by
            // design: only other errors must be osauth's
            const ownReason = o.kind === "error" && how === "signal" &&
              o.error instanceof DOMException && o.error.name === "TimeoutError";
            if (!ownReason) judge(o, `request ${how} 800 ms, token POST stalled`);
            info(
              AREA,
              `stalled token POST, request ${how} 800 ms: ${o.kind} after ${o.ms.toFixed(0)} ms`,
            );
            ks.releaseAll();
          }
        },
      );

      await t.step("a trickled response body read by the caller past the timeout", async () => {
        const trial = `trickle-${++trialNo}`;
        const { sess } = session(trial, { timeout: 600 });
        await sess.getToken(); // the token first, then the trickled response
        plans.set(trial, ({ method }) => (method === "GET" ? "trickle" : "pass"));
        pl.trickle = { bytes: 2, everyMs: 200 }; // the small body takes seconds
        const o = await settle(
          (async () => {
            const resp = await sess.get("/resource_providers", {
              endpointFilter: { serviceType: "placement" },
            });
            return await resp.text();
          })(),
          bound({ timeout: 600 }),
        );
        pl.trickle = undefined;
        judge(o, "caller's body read, trickled past the 600 ms timeout");
        info(AREA, `trickled body: ${o.kind === "error" ? describeError(o.error) : o.kind}`);
        pl.releaseAll();
      });

      await t.step(
        "cross-origin redirects of token and service requests (to 127.0.0.2)",
        async () => {
          for (const status of ["307", "308"] as const) {
            const trial = `redir-${++trialNo}`;
            plans.set(
              trial,
              ({ path, n }) => (TOKENS_PATH.test(path) && n === 0 ? status : "pass"),
            );
            const { sess } = session(trial, { timeout: 3000 });
            const o = await settle(sess.getAccess(), 6000);
            judge(o, `token POST answered ${status} to 127.0.0.2`);
            const trial2 = `redir-${++trialNo}`;
            const s2 = session(trial2, { timeout: 3000 });
            await s2.sess.getToken();
            scan.add(await s2.sess.getToken());
            plans.set(trial2, ({ method, n }) => (method === "GET" && n === 0 ? status : "pass"));
            const o2 = await settle(
              s2.sess.get("/resource_providers", { endpointFilter: { serviceType: "placement" } }),
              6000,
            );
            judge(o2, `placement GET answered ${status} to 127.0.0.2`);
            if (o2.kind === "value") await o2.value.body?.cancel();
          }
          for (const r of recorder.seen) {
            const texts = [r.body, ...[...r.headers].map(([k, v]) => `${k}: ${v}`)];
            const n = scan.scan(texts, `request to 127.0.0.2 ${r.method} ${r.path}`);
            if (n > 0) {
              bump("leaks", `the redirect target got ${r.method} ${r.path} with a credential`);
            }
          }
          info(
            AREA,
            `redirect target got ${recorder.seen.length} request(s): ${
              recorder.seen.map((r) => `${r.method} ${r.path}`).join(", ")
            }`,
          );
        },
      );

      await t.step(
        "8-second tokens: expiry under concurrent requests, then a restart mid-run",
        async () => {
          await restartKeystone(f, 8);
          await placementHealthy();
          // tokens used until Keystone refuses them (reauthenticate: false): a 401 wave every 8 s
          const trial = `exp-${++trialNo}`;
          // statusCodeRetries: Placement's keystonemiddleware may still answer 503 for a moment
          const waveSettings: SessionSettings = {
            timeout: 10_000,
            reauthenticate: false,
            statusCodeRetries: 2,
          };
          const { sess, auth } = session(trial, waveSettings);
          const first = await sess.getToken();
          scan.add(first);
          const started = Date.now();
          let wave = 0;
          const tokenCounts: number[] = [];
          const waveFailures: number[] = [];
          while (Date.now() - started < 12_000) {
            const before = ks.trial(trial).filter((r) => TOKENS_PATH.test(r.path)).length;
            const outcomes = await Promise.all(Array.from({ length: 40 }, (_, i) =>
              settle(
                (async () =>
                  (await sess.get("/resource_providers", {
                    endpointFilter: { serviceType: "placement" },
                    headers: { "x-adv-id": `${trial}-${wave}-${i}` },
                  })).text())(),
                bound(waveSettings),
              )));
            outcomes.forEach((o, i) => judge(o, `expired-token wave ${wave} request ${i}`, true));
            const reauths = ks.trial(trial).filter((r) => TOKENS_PATH.test(r.path)).length - before;
            tokenCounts.push(reauths);
            waveFailures.push(outcomes.filter((o) => o.kind !== "value").length);
            bump(
              "extra-token-requests",
              `token expiry wave ${wave}: ${reauths} token requests`,
              reauths - 1,
            );
            if (auth.cachedAccess) scan.add(auth.cachedAccess.token);
            wave++;
            await sleep(1000);
          }
          info(
            AREA,
            `8 s tokens, 40 concurrent requests per wave: token requests per wave ${
              tokenCounts.join(",")
            }; failed requests per wave ${waveFailures.join(",")}`,
          );

          // a restart in the middle of traffic: 4 workers, retries on; every call settles, typed
          const settings: SessionSettings = {
            timeout: 3000,
            connectRetries: 3,
            statusCodeRetries: 3,
          };
          let stop = false;
          const kinds: Record<string, number> = {};
          const worker = async (w: number) => {
            for (let i = 0; !stop && i < 200; i++) {
              const tr = `restart-${++trialNo}`;
              const { sess, auth } = session(tr, settings);
              const o = await settle(
                (async () =>
                  (await sess.get("/resource_providers", {
                    endpointFilter: { serviceType: "placement" },
                    headers: { "x-adv-id": `${tr}-${w}` },
                  })).text())(),
                bound(settings),
              );
              judge(o, `during the restart, worker ${w}`);
              const k = o.kind === "error" ? (o.error as Error).name : o.kind;
              kinds[k] = (kinds[k] ?? 0) + 1;
              if (auth.cachedAccess) scan.add(auth.cachedAccess.token);
              audit(pl.trial(tr), "restart", 3 + 3 + 2, false);
            }
          };
          const workers = [0, 1, 2, 3].map(worker);
          await sleep(1500);
          await restartKeystone(f, 8);
          await sleep(1500);
          stop = true;
          await Promise.all(workers);
          info(AREA, `calls during the keystone restart: ${JSON.stringify(kinds)}`);
          // afterwards everything works again (once Placement's middleware has reconnected)
          await placementHealthy();
          const after = session(`after-${++trialNo}`, { timeout: 5000, connectRetries: 2 });
          const o = await settle(
            (async () =>
              (await after.sess.get("/resource_providers", {
                endpointFilter: { serviceType: "placement" },
              })).text())(),
            20_000,
          );
          judge(o, "the first request after the restart", true);
        },
      );
    } finally {
      ks.releaseAll();
      pl.releaseAll();
      await sleep(200);
      counts["unhandled-rejections"] = unhandled.count();
      for (const e of unhandled.examples) (why["unhandled-rejections"] ??= []).push(e);
      unhandled.stop();
      counts["log-injection"] = injectedLines(logs.lines);
      const logLeaks = scan.scan(logs.lines, "log line");
      if (logLeaks > 0) bump("leaks", "log lines show a secret", logLeaks);
      for (const e of scan.examples) info(AREA, `leak: ${e}`);
      const byPath: Record<string, number> = {};
      for (const r of [...ks.records, ...pl.records]) {
        const key = `${r.method} ${
          r.path.replace(/\?.*/, "").replace(/[0-9a-f-]{32,36}/g, "<id>")
        }`;
        byPath[key] = (byPath[key] ?? 0) + 1;
      }
      info(AREA, `requests through the proxies by method and path: ${JSON.stringify(byPath)}`);
      info(AREA, `most attempts per request, by its first fault: ${JSON.stringify(attempts)}`);
      for (const [k, reasons] of Object.entries(why)) {
        for (const r of reasons) info(AREA, `${k}: ${r}`);
      }
      report(AREA, counts);
      await ks.close();
      await pl.close();
      await recorder.close();
      if (!Deno.env.get("OSAUTH_ADV_KEEP_SHORT_TOKENS")) {
        await restartKeystone(f).catch((e) => info(AREA, `restoring keystone: ${e}`));
      }
    }
  },
});

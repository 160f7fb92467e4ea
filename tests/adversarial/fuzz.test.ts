/**
 * A seeded fuzzer (seed printed; `OSAUTH_FUZZ_SEED=<n>` reruns it) for what
 * osauth takes from servers and callers: token responses, version documents,
 * error bodies, response headers (redirects, Retry-After, request ids),
 * clouds.yaml (in a child process: a text that exhausts the parser must not
 * take the suite with it) and wrong-type options. Servers are real HTTP
 * servers on 127.0.0.1 (and a recorder on 127.0.0.3 for redirects).
 *
 * Every outcome must be a value or an `OsAuthError` (untyped counts the
 * others), settle in time (hangs), show no secret in any output — messages,
 * stacks, inspect, JSON, logs, requests to the recorder — (leaks; a
 * password the server quoted back in an error body and osauth passed on:
 * echoed-secrets), and
 * quote no raw control character in a message or log line (injection).
 */
import { Adapter, HttpError, OsAuthError, Session, TokenEndpoint, v3 } from "../../mod.ts";
import { fetchVersionDocument } from "../../src/discovery/mod.ts";
import { V3Token } from "../../src/testing/mod.ts";
import {
  errorBody,
  HOSTILE_STRINGS,
  hostileValue,
  locations,
  mutate,
  serialise,
  versionDocument,
} from "./_hostile.ts";
import { Recorder } from "./_proxy.ts";
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
  trackUnhandled,
} from "./_kit.ts";

const AREA = "fuzz";
/** Cases per target (OSAUTH_FUZZ_CASES scales them). */
const CASES = Number(Deno.env.get("OSAUTH_FUZZ_CASES") ?? 120);

/** What the fuzz server answers next. */
interface Answer {
  status: number;
  headers: Record<string, string>;
  body: Uint8Array | null;
}

Deno.test({
  name: `adversarial: seeded fuzzer (seed ${SEED}; OSAUTH_FUZZ_SEED=${SEED} reruns it)`,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    info(AREA, `seed ${SEED} (rerun with OSAUTH_FUZZ_SEED=${SEED}), ${CASES} cases per target`);
    const counts = {
      leaks: 0,
      "echoed-secrets": 0,
      untyped: 0,
      hangs: 0,
      "message-injection": 0,
      "log-injection": 0,
      "unhandled-rejections": 0,
      crashes: 0,
    };
    /** Reasons by count, one per kind (numbers masked), for the information lines. */
    const kinds = new Map<string, string>();
    const bump = (k: keyof typeof counts, reason: string, n = 1) => {
      if (n <= 0) return;
      counts[k] += n;
      const kind = `${k}: ${reason.replace(/\d+/g, "N").slice(0, 100)}`;
      if (!kinds.has(kind) && kinds.size < 60) kinds.set(kind, reason);
    };
    const unhandled = trackUnhandled();
    const scan = new SecretScan();
    /** Secrets the fuzz server quotes back in error bodies (as Keystone and Placement do). */
    const echoes = new SecretScan();
    const logs = new Collector();
    const recorder = new Recorder("127.0.0.3");
    let answer: (req: Request) => Answer = () => ({ status: 200, headers: {}, body: null });
    const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
      await req.arrayBuffer().catch(() => undefined);
      const a = answer(req);
      return new Response(a.body as BodyInit | null, { status: a.status, headers: a.headers });
    });
    const base = `http://127.0.0.1:${server.addr.port}`;
    const judge = <T>(o: Outcome<T>, label: string): void => {
      if (o.kind === "hang") bump("hangs", `${label}: not settled after ${o.ms.toFixed(0)} ms`);
      if (o.kind === "error") {
        if (!isTyped(o.error)) bump("untyped", `${label}: ${describeError(o.error)}`);
        // one leak per case, however many outputs show it
        const outputs = outputsOf(o.error);
        if (scan.scan(outputs, label) > 0) {
          bump(
            "leaks",
            `${label}: an error shows a secret (${describeError(o.error).slice(0, 60)})`,
          );
        }
        if (echoes.scan(outputs, label) > 0) {
          bump("echoed-secrets", `${label}: an error shows the password the server echoed`);
        }
        if (o.error instanceof OsAuthError && injectedLines([o.error.message]) > 0) {
          bump("message-injection", `${label}: ${JSON.stringify(o.error.message.slice(0, 120))}`);
        }
      }
      if (o.kind === "value") {
        if (scan.scan(outputsOf(o.value), label) > 0) {
          bump("leaks", `${label}: a value's inspect/JSON shows a secret`);
        }
      }
    };
    const rng = new Rng(SEED);

    try {
      await t.step("token responses", async () => {
        const types = ["compute", "identity", "placement", "constructor", "toString", "__proto__"];
        for (let i = 0; i < CASES; i++) {
          const password = `fuzz-pw-${SEED}-${i}-x`;
          const tokenId = `fuzz-tok-${SEED}-${i}-abcdef`;
          scan.add(password, tokenId);
          const token = new V3Token({ userId: "u", projectId: "p" });
          token.addService(rng.pick(types)).addStandardEndpoints({
            public: `${base}/compute`,
            internal: `${base}/internal`,
            region: "RegionOne",
          });
          const body = mutate(token.toJSON(), rng, rng.pick([0.05, 0.15, 0.3]));
          const headers: Record<string, string> = {
            "content-type": rng.chance(0.9) ? "application/json" : rng.pick(["text/html", ""]),
          };
          const subject = rng.pick([
            tokenId,
            tokenId,
            tokenId,
            "",
            "a",
            undefined,
            tokenId + "x".repeat(4000),
          ]);
          if (subject !== undefined) headers["x-subject-token"] = subject;
          const status = rng.pick([201, 201, 201, 200, 202, 204, 300, 400, 401, 500]);
          const payload = status === 204 ? null : serialise(body, rng);
          answer = (req) =>
            req.method === "POST" ? { status, headers, body: payload } : {
              status: 200,
              headers: { "content-type": "application/json" },
              body: new TextEncoder().encode("{}"),
            };
          const auth = new v3.Password({
            authUrl: `${base}/v3`,
            userId: "u",
            password,
            projectId: "p",
          });
          const sess = new Session({ auth, logger: logs, timeout: 3000 });
          const access = await settle(sess.getAccess(), 8000);
          judge(access, `token response ${i}`);
          if (access.kind !== "value") continue;
          const filter = {
            serviceType: rng.pick(types),
            interface: rng.pick(["public", "internal", "admin", "publicURL", [
              "internal",
              "public",
            ]]),
          };
          judge(await settle(sess.getEndpoint(filter), 8000), `getEndpoint after token ${i}`);
          const get = await settle(
            sess.get("/x", { endpointFilter: filter }).then((r) => r.text()),
            8000,
          );
          judge(get, `request after token ${i}`);
          const texts = [...outputsOf(auth), ...outputsOf(sess)];
          if (scan.scan(texts, `plugin/session after token ${i}`) > 0) {
            bump("leaks", `token ${i}: inspect/JSON of plugin or session`);
          }
        }
      });

      await t.step("version documents", async () => {
        for (let i = 0; i < CASES; i++) {
          const doc = versionDocument(rng, `${base}/vd${i}/`);
          const bytes = serialise(doc, rng);
          const status = rng.pick([200, 200, 200, 300, 404, 500]);
          answer = () => ({
            status,
            headers: { "content-type": rng.chance(0.9) ? "application/json" : "text/html" },
            body: bytes,
          });
          const sess = new Session({ logger: logs, timeout: 3000 });
          judge(
            await settle(fetchVersionDocument(sess, `${base}/vd${i}/`), 8000),
            `version document ${i}`,
          );
          const adapter = new Adapter(sess, {
            serviceType: rng.pick(["placement", "compute", "identity", "constructor"]),
            endpointOverride: `${base}/vd${i}b/`,
            ...(rng.chance(0.5) ? { minVersion: "1", maxVersion: "latest" } : { version: "2" }),
          });
          judge(await settle(adapter.getEndpointData(), 8000), `endpoint data ${i}`);
        }
      });

      await t.step("error bodies", async () => {
        for (let i = 0; i < CASES; i++) {
          const password = `echo-pw-${SEED}-${i}-x`;
          echoes.add(password);
          const { type, body } = errorBody(rng, password);
          const status = rng.pick([
            400,
            401,
            403,
            404,
            409,
            413,
            418,
            429,
            500,
            502,
            503,
            504,
            599,
          ]);
          const headers: Record<string, string> = type ? { "content-type": type } : {};
          if (rng.chance(0.2)) {
            headers["retry-after"] = rng.pick(["0", "-1", "1e9", "Wed, 21 Oct 2015"]);
          }
          if (rng.chance(0.2)) {
            headers["x-openstack-request-id"] = rng.pick(["req-1", "x".repeat(3000), "<b>"]);
          }
          answer = () => ({ status, headers, body });
          const sess = new Session({ logger: logs, timeout: 3000, maxRetryDelay: 10 });
          const o = await settle(
            sess.post(`${base}/err${i}`, {
              json: { auth: { identity: { password: { user: { password } } } } },
              statusCodeRetries: rng.pick([0, 1]),
            }),
            8000,
          );
          judge(o, `error body ${i} (${status} ${type})`);
          if (o.kind === "value") bump("untyped", `error body ${i}: HTTP ${status} did not throw`);
          if (
            o.kind === "error" && !(o.error instanceof HttpError) && o.error instanceof OsAuthError
          ) {
            // a typed error, but not the HttpError a status >= 400 gives
            bump("untyped", `error body ${i}: ${describeError(o.error)}`);
          }
        }
      });

      await t.step("response headers: redirects, Retry-After, request ids", async () => {
        const target = recorder.url.replace("http://", "");
        const locs = locations(target);
        for (let i = 0; i < CASES; i++) {
          const tokenId = `hdr-tok-${SEED}-${i}-secret`;
          scan.add(tokenId);
          const status = rng.pick([301, 302, 303, 307, 308, 503, 429, 200]);
          const location = rng.pick(locs);
          const headers: Record<string, string> = {};
          if (status < 400 && status >= 300) headers.location = location;
          if (status >= 400) {
            headers["retry-after"] = rng.pick([
              "0",
              "1",
              "-5",
              "abc",
              "1e400",
              "Thu, 01 Jan 1970 00:00:00 GMT",
            ]);
          }
          if (rng.chance(0.3)) {
            headers["x-openstack-request-id"] = rng.pick(
              HOSTILE_STRINGS.slice(0, 8).filter((s) =>
                !/[\r\n\0]/.test(s) && !/[^\x20-\x7e]/.test(s)
              ),
            );
          }
          let hops = 0;
          answer = () => (hops++ < 3
            ? { status, headers, body: null }
            : { status: 200, headers: {}, body: null });
          const sess = new Session({
            auth: new TokenEndpoint({ endpoint: `${base}/svc`, token: tokenId }),
            logger: logs,
            timeout: 3000,
            redirectLimit: 5,
            maxRetryDelay: 10,
            statusCodeRetries: 2,
            retriableStatusCodes: [503, 429],
          });
          const o = await settle(
            sess.request(`/h${i}`, {
              method: rng.pick(["GET", "POST", "PUT", "HEAD"]),
              endpointFilter: { serviceType: "x" },
              body: rng.chance(0.5) ? "payload" : undefined,
            }).then((r) =>
              r.text()
            ),
            8000,
          );
          judge(o, `headers ${i} (${status} ${JSON.stringify(location).slice(0, 40)})`);
        }
        for (const r of recorder.seen) {
          const texts = [r.body, ...[...r.headers].map(([k, v]) => `${k}: ${v}`)];
          const n = scan.scan(texts, `request to 127.0.0.3 ${r.method} ${r.path}`);
          if (n > 0) bump("leaks", `the redirect target got ${r.method} ${r.path} with a token`);
        }
        info(AREA, `redirect target 127.0.0.3 got ${recorder.seen.length} request(s)`);
      });

      await t.step("wrong-type options", async () => {
        const sessionNames = [
          "auth",
          "timeout",
          "logger",
          "interface",
          "regionName",
          "trustedOrigins",
          "endpointOverrides",
          "apiVersions",
          "retriableStatusCodes",
          "maxConcurrency",
          "fetch",
          "now",
          "discoveryCache",
          "additionalHeaders",
          "userAgent",
          "connectRetries",
          "redirectLimit",
          "verify",
          "cert",
        ];
        const requestNames = [
          "method",
          "headers",
          "body",
          "json",
          "authenticated",
          "endpointFilter",
          "endpointOverride",
          "raiseExc",
          "microversion",
          "connectRetries",
          "timeout",
          "signal",
          "globalRequestId",
          "logger",
          "redirect",
          "retriableStatusCodes",
        ];
        const adapterNames = [
          "serviceType",
          "interface",
          "regionName",
          "endpointOverride",
          "version",
          "minVersion",
          "maxVersion",
          "defaultMicroversion",
          "timeout",
          "logger",
          "additionalHeaders",
          "auth",
        ];
        const value = (): unknown => {
          const circular: Record<string, unknown> = {};
          circular.self = circular;
          return rng.pick([
            5,
            -1,
            0,
            NaN,
            "5",
            "",
            {},
            [],
            [5],
            null,
            true,
            10n,
            Symbol("s"),
            () => 1,
            circular,
            new Date(),
            hostileValue(rng),
            { debug: 5 },
            { toString: 5 },
          ]);
        };
        const pickOptions = (names: string[]) => {
          const o: Record<string, unknown> = {};
          for (let k = 0, n = 1 + rng.int(3); k < n; k++) o[rng.pick(names)] = value();
          return o;
        };
        answer = () => ({ status: 200, headers: {}, body: null });
        for (let i = 0; i < CASES * 2; i++) {
          const kind = rng.pick(["session", "request", "adapter"] as const);
          const o = await settle(
            (async () => {
              if (kind === "session") return new Session(pickOptions(sessionNames) as never);
              const sess = new Session({
                auth: new TokenEndpoint({ endpoint: `${base}/opt`, token: "opt-token" }),
              });
              if (kind === "adapter") {
                return await (await new Adapter(sess, pickOptions(adapterNames) as never).get("/a"))
                  .text();
              }
              return await (await sess.request("/r", {
                endpointOverride: `${base}/opt`,
                ...pickOptions(requestNames),
              } as never)).text();
            })(),
            5000,
          );
          judge(o, `${kind} options ${i}`);
        }
      });

      await t.step("clouds.yaml (in a child process)", async () => {
        const child = new URL("./_clouds_child.ts", import.meta.url).pathname;
        let from = 0;
        const to = CASES;
        const kinds: Record<string, number> = {};
        for (let restarts = 0; from < to && restarts < 10; restarts++) {
          const proc = new Deno.Command(Deno.execPath(), {
            args: [
              "run",
              "--quiet",
              `--config=${new URL("../../deno.json", import.meta.url).pathname}`,
              "--allow-env",
              "--v8-flags=--max-old-space-size=512",
              child,
              String(SEED),
              String(from),
              String(to),
            ],
            stdout: "piped",
            stderr: "null",
          }).spawn();
          const timer = setTimeout(() => proc.kill("SIGKILL"), 60_000);
          const out = new TextDecoder().decode((await proc.output()).stdout);
          clearTimeout(timer);
          let started = -1;
          for (const line of out.split("\n")) {
            const [tag, idx, kind, name, leaks, injected] = line.split(" ");
            if (tag === "S") started = Number(idx);
            if (tag !== "R") continue;
            started = -1;
            from = Number(idx) + 1;
            kinds[`${kind}:${name}`] = (kinds[`${kind}:${name}`] ?? 0) + 1;
            if (kind === "untyped") bump("untyped", `clouds.yaml case ${idx}: ${name}`);
            if (Number(leaks) > 0) {
              bump("leaks", `clouds.yaml case ${idx}: the password shown`, Number(leaks));
            }
            if (Number(injected) > 0) bump("message-injection", `clouds.yaml case ${idx}`);
          }
          if (started >= 0) {
            bump(
              "crashes",
              `clouds.yaml case ${started}: the child process died or hung (rerun: OSAUTH_FUZZ_SEED=${SEED})`,
            );
            from = started + 1;
          } else if (from < to) {
            bump("crashes", `clouds.yaml: the child stopped before case ${from}`);
            break;
          }
        }
        info(AREA, `clouds.yaml outcomes: ${JSON.stringify(kinds)}`);
      });
    } finally {
      await server.shutdown();
      await recorder.close();
      counts["unhandled-rejections"] = unhandled.count();
      unhandled.stop();
      counts["log-injection"] = injectedLines(logs.lines);
      const logLeaks = scan.scan(logs.lines, "log line");
      if (logLeaks > 0) bump("leaks", `${logLeaks} log line(s) show a secret`);
      const logEchoes = echoes.scan(logs.lines, "log line");
      if (logEchoes > 0) bump("echoed-secrets", `${logEchoes} log line(s) show an echoed password`);
      for (const e of scan.examples) info(AREA, `leak: ${e}`);
      for (const e of echoes.examples) info(AREA, `echoed secret: ${e}`);
      for (const [kind, reason] of kinds) info(AREA, `${kind.split(":")[0]}: ${reason}`);
      info(AREA, `${logs.lines.length} log lines checked`);
      report(AREA, counts);
    }
  },
});

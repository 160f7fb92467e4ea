/**
 * Measures what osauth runs on hostile server data and input, and prints
 * times and ratios (a benchmark, not a test: nothing here fails on speed).
 *
 *   deno run --allow-net=127.0.0.1 scripts/bench-hostile.ts [--mb=100]
 *
 * - An error body of `--mb` MB (text, HTML tags without end, JSON) against
 *   one of 64 KiB, from a local server: osauth reads only the capped start,
 *   so the ratio should be near 1.
 * - Each text function at input sizes n and 2n: a linear one doubles
 *   (ratio ~2), a quadratic one quadruples. The expressions redactUrlsIn
 *   replaced are measured too, at smaller sizes, for comparison.
 *
 * @module
 */
import { DiscoveryCache, HttpError, Session } from "../mod.ts";
import { escapeControlChars } from "../src/logging.ts";
import { redactBody, redactUrl, redactUrlsIn } from "../src/util/secrets.ts";

function arg(name: string, fallback: string): string {
  const hit = Deno.args.find((a) => a.startsWith(`--${name}=`));
  return hit ? hit.slice(name.length + 3) : fallback;
}
const MB = Number(arg("mb", "100"));

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1] ?? NaN;
}

/** Median ms of `runs` calls of `f`. */
async function time(f: () => unknown, runs = 5): Promise<number> {
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await f();
    out.push(performance.now() - t);
  }
  return median(out);
}

// ---------------------------------------------------------------- error bodies
const KINDS: Record<string, { type: string; fill: string }> = {
  text: { type: "text/plain", fill: "x" },
  "html (unclosed tags)": { type: "text/html", fill: "<a" },
  json: { type: "application/json", fill: '{"error":{"message":"' },
};
const CHUNK = 64 * 1024;

function body(size: number, fill: string): ReadableStream<Uint8Array> {
  const chunk = new TextEncoder().encode(
    fill.repeat(Math.ceil(CHUNK / fill.length)).slice(0, CHUNK),
  );
  let sent = 0;
  return new ReadableStream({
    pull(c) {
      if (sent >= size) return c.close();
      const part = chunk.subarray(0, Math.min(CHUNK, size - sent));
      sent += part.byteLength;
      c.enqueue(part);
    },
  });
}

const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) => {
  const url = new URL(req.url);
  const kind = KINDS[url.searchParams.get("kind") ?? "text"]!;
  const size = Number(url.searchParams.get("size"));
  return new Response(body(size, kind.fill), {
    status: 500,
    headers: { "content-type": kind.type, "content-length": String(size) },
  });
});
const base = `http://127.0.0.1:${server.addr.port}/`;
const sess = new Session();

async function errorOf(kind: string, size: number): Promise<void> {
  const err = await sess.get(`${base}?kind=${encodeURIComponent(kind)}&size=${size}`).then(
    () => undefined,
    (e) => e,
  );
  if (!(err instanceof HttpError)) throw new Error(`expected an HttpError, got ${err}`);
}

// Reading the whole body, as a reader without a cap would.
async function readAll(kind: string, size: number): Promise<void> {
  const resp = await fetch(`${base}?kind=${encodeURIComponent(kind)}&size=${size}`);
  await resp.arrayBuffer();
}

console.log(`\nError bodies (local server, medians of 5): ${MB} MB vs 64 KiB\n`);
console.log(
  "| body                 | 64 KiB error | 100 MB error | ratio | reading 100 MB whole |",
);
console.log(
  "| -------------------- | ------------ | ------------ | ----- | -------------------- |",
);
const big = MB * 1024 * 1024;
for (const kind of Object.keys(KINDS)) {
  await errorOf(kind, CHUNK); // warm-up
  const small = await time(() => errorOf(kind, CHUNK));
  const large = await time(() => errorOf(kind, big));
  const whole = await time(() => readAll(kind, big), 3);
  console.log(
    `| ${kind.padEnd(20)} | ${small.toFixed(2).padStart(9)} ms | ${
      large.toFixed(2).padStart(9)
    } ms ` +
      `| ${(large / small).toFixed(2).padStart(5)} | ${whole.toFixed(1).padStart(17)} ms |`,
  );
}
await server.shutdown();

// ---------------------------------------------------------------- text functions
/** The expressions redactUrlsIn replaced (the "before"). */
function oldRedactUrlsIn(text: string): string {
  if (!text.includes("://")) return text;
  return text.replace(/[a-z][a-z0-9+.-]*:\/\/[^\s"'<>()]+/gi, (match) => {
    const url = match.replace(/[.,;:!?]+$/, "");
    return redactUrl(url) + match.slice(url.length);
  });
}

const CASES: [string, (n: number) => string, (s: string) => unknown][] = [
  ["redactUrlsIn: '://' then n letters", (n) => "://" + "a".repeat(n), redactUrlsIn],
  ["redactUrlsIn: URL + n/2 '.;'", (n) => "http://h/x" + ".;".repeat(n / 2) + "z", redactUrlsIn],
  [
    "redactUrl: n/12 secret parameters",
    (n) => "http://h/?" + Array.from({ length: n / 12 }, (_, i) => `token${i}=s`).join("&"),
    redactUrl,
  ],
  [
    "redactBody: nesting n/6 deep",
    (n) => '{"a":'.repeat(n / 6) + "1" + "}".repeat(n / 6),
    redactBody,
  ],
  ["escapeControlChars: n CR/LF", (n) => "\r\n".repeat(n / 2), escapeControlChars],
  [
    "DiscoveryCache key: n inner slashes",
    (n) => "http://h" + "/".repeat(n) + "x",
    (s) => new DiscoveryCache().get(s, () => Promise.resolve(1)),
  ],
];

console.log("\nText functions at sizes n and 2n (linear: ratio ~2; quadratic: ~4)\n");
console.log(
  "| function                                  |      n | time(n)   | time(2n)  | ratio |",
);
console.log(
  "| ----------------------------------------- | ------ | --------- | --------- | ----- |",
);
async function row(
  name: string,
  make: (n: number) => string,
  f: (s: string) => unknown,
  n: number,
) {
  const a = make(n);
  const b = make(2 * n);
  await f(a);
  const ta = await time(() => f(a));
  const tb = await time(() => f(b));
  console.log(
    `| ${name.padEnd(41)} | ${String(n).padStart(6)} | ${ta.toFixed(2).padStart(6)} ms ` +
      `| ${tb.toFixed(2).padStart(6)} ms | ${(tb / ta).toFixed(2).padStart(5)} |`,
  );
}
for (const [name, make, f] of CASES) await row(name, make, f, 600_000);
// before: the expressions redactUrlsIn replaced, at a tenth of the size (they are quadratic)
await row("before: old redactUrlsIn, '://' + letters", CASES[0]![1], oldRedactUrlsIn, 20_000);
await row("before: old redactUrlsIn, URL + '.;'", CASES[1]![1], oldRedactUrlsIn, 20_000);

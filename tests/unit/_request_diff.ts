/**
 * Request-level comparison helpers shared by the differentials that run
 * keystoneauth1/openstacksdk and osauth against tests/unit/_recorder.ts.
 */
import assert from "node:assert/strict";
import { BaseIdentityPlugin, type Session } from "../../mod.ts";
import { runPythonJson } from "./_differential.ts";
import type { Recorded, Recorder } from "./_recorder.ts";

/** What one side did. */
export interface Outcome {
  /** "ok", "load" (refused when loading) or "auth" (failed authenticating). */
  stage: "ok" | "load" | "auth";
  error?: string;
  requests: Recorded[];
  headers?: Record<string, string> | null;
  endpoint?: string | null;
}

export interface PyResult {
  ok: boolean;
  error?: string;
  stage?: "load" | "auth";
  headers?: Record<string, string> | null;
  endpoint?: string | null;
  config?: Record<string, unknown>;
}

/** Runs a loaded plugin once: getAccess for identity plugins, else headers and endpoint. */
export async function authenticate(
  plugin: unknown,
  session: Session,
  out: Outcome,
): Promise<void> {
  if (plugin instanceof BaseIdentityPlugin) {
    await plugin.getAccess(session);
    return;
  }
  const p = plugin as {
    getHeaders(s: Session): Promise<Record<string, string> | undefined>;
    getEndpoint(s: Session, f: Record<string, never>): Promise<string | undefined>;
  };
  out.headers = (await p.getHeaders(session)) ?? null;
  out.endpoint = (await p.getEndpoint(session, {})) ?? null;
}

/** keystoneauth1's side of every case: the python outcomes and what the recorder saw. */
export async function pythonOutcomes(
  cases: { id: number }[],
  rec: Recorder,
): Promise<{ results: PyResult[]; outcomes: Outcome[] }> {
  rec.take();
  const report = await runPythonJson("auth_request_differential.py", { cases }) as {
    results: PyResult[];
  };
  const seen = rec.take();
  const outcomes = cases.map((c, i): Outcome => {
    const r = report.results[i]!;
    const out: Outcome = {
      stage: r.ok ? "ok" : r.stage ?? "auth",
      requests: seen.get(c.id) ?? [],
    };
    if (!r.ok) out.error = r.error;
    if (r.headers !== undefined) out.headers = r.headers;
    if (r.endpoint !== undefined) out.endpoint = r.endpoint;
    return out;
  });
  return { results: report.results, outcomes };
}

/** The first difference between keystoneauth1's outcome and osauth's, or undefined. */
export function compareOutcomes(py: Outcome, ours: Outcome): string | undefined {
  if (py.stage !== ours.stage) {
    return `keystoneauth1 ${py.stage}${py.error ? ` (${py.error})` : ""}, osauth ${ours.stage}${
      ours.error ? ` (${ours.error})` : ""
    }`;
  }
  try {
    assert.deepEqual(ours.requests, py.requests);
  } catch {
    return `requests differ:\n  keystoneauth1 ${JSON.stringify(py.requests)}\n  osauth        ${
      JSON.stringify(ours.requests)
    }`;
  }
  if (py.stage === "ok" && "headers" in py) {
    try {
      assert.deepEqual(ours.headers, py.headers);
      assert.deepEqual(ours.endpoint, py.endpoint);
    } catch {
      return `headers/endpoint differ: keystoneauth1 ${
        JSON.stringify([py.headers, py.endpoint])
      }, osauth ${JSON.stringify([ours.headers, ours.endpoint])}`;
    }
  }
  return undefined;
}

// Dry runs of the journeys: the request plan without a server (what each journey would send, from its initial
// state), or each journey once against a running gateway. The k6 scripts' tests use both to check that k6 and the
// local runner send the same requests.
import type { Journey } from './journey-types.ts';
import { assertLoopback } from './runner.ts';
import { seededRandom } from './stats.ts';
import { buildStepRequest, runStep } from './step-client.ts';

export interface PlannedRequest {
  journey: string;
  step: string;
  method: string;
  /** Path and query, relative to the base URL. */
  path: string;
  headers: Record<string, string>;
  body?: unknown;
  expect: number[];
}

const PLAN_BASE = 'http://127.0.0.1';

/** Every request of every journey, built from each journey's initial state (no response is read). */
export function planJourneys<State>(journeys: Journey<State>[], runId: string, seed = 1): PlannedRequest[] {
  const random = seededRandom(seed);
  return journeys.flatMap((journey) => {
    const state = journey.initialState(random);
    return journey.steps.map((step) => {
      const request = buildStepRequest(PLAN_BASE, step, state, runId);
      const url = new URL(request.url);
      return {
        journey: journey.name,
        step: step.name,
        method: request.method,
        path: url.pathname + url.search,
        headers: request.headers,
        body: request.body === undefined ? undefined : JSON.parse(request.body),
        expect: step.expect,
      };
    });
  });
}

export interface DryRunStep {
  journey: string;
  step: string;
  status: number;
  ok: boolean;
  latencyMs: number;
  error?: string;
}

/** Runs each journey once, in order, without think time; stops a journey at its first failed step. */
export async function runEachOnce<State>(
  baseUrl: string,
  journeys: Journey<State>[],
  runId: string,
  timeoutMs = 10_000,
  seed = 1,
): Promise<DryRunStep[]> {
  assertLoopback(baseUrl);
  const random = seededRandom(seed);
  const results: DryRunStep[] = [];
  for (const journey of journeys) {
    let state = journey.initialState(random);
    for (const step of journey.steps) {
      const outcome = await runStep(baseUrl, step, state, runId, timeoutMs);
      results.push({
        journey: journey.name,
        step: step.name,
        status: outcome.status,
        ok: outcome.ok,
        latencyMs: Math.round(outcome.latencyMs),
        error: outcome.error,
      });
      if (!outcome.ok) break;
      state = outcome.state;
    }
  }
  return results;
}

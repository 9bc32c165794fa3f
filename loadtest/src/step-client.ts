// Executes one journey step over fetch: builds the request from the step and the state, times it, parses the body.
import type { Step, StepResponse } from './journey-types.ts';
import { requestHeaders } from './journeys.ts';

export interface StepOutcome<State> {
  ok: boolean;
  status: number;
  latencyMs: number;
  /** Why the step failed (unexpected status, timeout, connection error), undefined when ok. */
  error?: string;
  state: State;
}

export interface StepRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
}

export function buildStepRequest<State>(baseUrl: string, step: Step<State>, state: State, runId: string): StepRequest {
  const body = step.body?.(state);
  const headers = requestHeaders(runId, step.headers?.(state));
  if (body !== undefined) headers['content-type'] = 'application/json';
  return {
    method: step.method,
    url: new URL(step.path(state), baseUrl).toString(),
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  };
}

export async function runStep<State>(
  baseUrl: string,
  step: Step<State>,
  state: State,
  runId: string,
  timeoutMs: number,
): Promise<StepOutcome<State>> {
  const request = buildStepRequest(baseUrl, step, state, runId);
  const started = performance.now();
  try {
    const response = await fetch(request.url, {
      method: request.method,
      headers: request.headers,
      body: request.body,
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await response.text();
    const latencyMs = performance.now() - started;
    const parsed: StepResponse = { status: response.status, json: parseJson(text) };
    if (!step.expect.includes(response.status)) {
      return { ok: false, status: response.status, latencyMs, error: `status ${response.status}`, state };
    }
    return { ok: true, status: response.status, latencyMs, state: step.extract ? step.extract(state, parsed) : state };
  } catch (error) {
    const latencyMs = performance.now() - started;
    const reason = error instanceof Error && error.name === 'TimeoutError' ? `timeout after ${timeoutMs} ms` : String(error);
    return { ok: false, status: 0, latencyMs, error: reason, state };
  }
}

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

// One journey iteration as k6 runs it, without k6: the script hands in `send` (k6/http) and `sleep` (k6), the tests
// hand in stand-ins. Requests carry the run id in W3C baggage and a fresh W3C traceparent, so every k6 request
// starts a trace the services continue and tag with the run.
import type { Journey, Step, StepResponse } from '../../src/journey-types.ts';
import { requestHeaders } from '../../src/journeys.ts';

export interface EngineRequest {
  method: string;
  url: string;
  body?: string;
  headers: Record<string, string>;
  /** k6 tags: `endpoint` (thresholds, dashboards), `name` (groups URLs), `journey`. */
  tags: Record<string, string>;
  /** Statuses that count as success (k6 `http_req_failed` and the check). */
  expect: number[];
}

export interface EngineResponse {
  status: number;
  body: string | null;
}

export interface IterationContext {
  baseUrl: string;
  runId: string;
  /** Drives the journey's initial state (seeded in tests, as in the local runner's dry run). */
  random: () => number;
  /** Drives trace and span ids; separate so that ids never shift the journeys' random sequence. */
  idRandom: () => number;
  /** Sampled flag of the traceparent: false leaves the sampling decision to the services' own sampler. */
  sampled: boolean;
  /** Multiplies each step's think time (0 skips it). */
  thinkScale: number;
  send: (request: EngineRequest) => EngineResponse;
  sleep: (seconds: number) => void;
  /** Called after each step (k6 records a check there). */
  onStep?: (step: Step<unknown>, request: EngineRequest, response: EngineResponse, ok: boolean) => void;
}

const hex = (random: () => number, length: number): string => {
  let text = '';
  while (text.length < length) text += Math.floor(random() * 0x10000).toString(16).padStart(4, '0');
  return text.slice(0, length);
};

/** W3C trace context: version 00, random non-zero trace and parent ids. */
export function traceparent(random: () => number, sampled: boolean): string {
  const nonZero = (length: number) => {
    const id = hex(random, length);
    return /^0+$/.test(id) ? `${id.slice(0, -1)}1` : id;
  };
  return `00-${nonZero(32)}-${nonZero(16)}-${sampled ? '01' : '00'}`;
}

export function stepRequest<State>(journey: Journey<State>, step: Step<State>, state: State, context: IterationContext): EngineRequest {
  const body = step.body?.(state);
  const headers: Record<string, string> = {
    ...requestHeaders(context.runId, step.headers?.(state)),
    traceparent: traceparent(context.idRandom, context.sampled),
  };
  if (body !== undefined) headers['content-type'] = 'application/json';
  return {
    method: step.method,
    url: context.baseUrl.replace(/\/+$/, '') + step.path(state),
    body: body === undefined ? undefined : JSON.stringify(body),
    headers,
    tags: { endpoint: step.name, name: step.name, journey: journey.name },
    expect: step.expect,
  };
}

function parseJson(body: string | null): unknown {
  if (!body) return undefined;
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

/** Runs the journey's steps in order; stops at the first step whose status is not expected. */
export function runIteration<State>(journey: Journey<State>, context: IterationContext): { completed: boolean; steps: number } {
  let state = journey.initialState(context.random);
  let steps = 0;
  for (const step of journey.steps) {
    const request = stepRequest(journey, step, state, context);
    const response = context.send(request);
    const ok = step.expect.includes(response.status);
    steps++;
    context.onStep?.(step as Step<unknown>, request, response, ok);
    if (!ok) return { completed: false, steps };
    if (step.extract) {
      const parsed: StepResponse = { status: response.status, json: parseJson(response.body) };
      state = step.extract(state, parsed);
    }
    if (step.thinkMs && context.thinkScale > 0) context.sleep((step.thinkMs * context.thinkScale) / 1000);
  }
  return { completed: true, steps };
}

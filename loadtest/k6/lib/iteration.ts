// The k6 side of the engine: k6/http sends, k6 checks and sleeps, the scenario name picks the journey.
import { check, sleep } from 'k6';
import exec from 'k6/execution';
import http from 'k6/http';
import { journeys } from '../../src/journeys.ts';
import { type EngineRequest, type EngineResponse, type IterationContext, runIteration } from './engine.ts';

const baseUrl = __ENV['BASE_URL'] ?? 'http://gateway:8080';
const sampled = __ENV['LAB_TRACE_SAMPLED'] !== 'false';
const thinkScale = Number(__ENV['LAB_THINK_SCALE'] ?? '1');
const timeout = __ENV['LAB_REQUEST_TIMEOUT'] ?? '10s';

function send(request: EngineRequest): EngineResponse {
  const response = http.request(request.method, request.url, request.body ?? null, {
    headers: request.headers,
    tags: request.tags,
    timeout,
    responseType: 'text',
    responseCallback: http.expectedStatuses(...request.expect),
  });
  return { status: response.status, body: typeof response.body === 'string' ? response.body : null };
}

/** The scenarios' `exec` function: one iteration of the journey the scenario is named after. */
export function journey(): void {
  const name = exec.scenario.name;
  const selected = journeys.find((candidate) => candidate.name === name);
  if (!selected) throw new Error(`no shared journey named "${name}" (scenario names must be journey names)`);
  const context: IterationContext = {
    baseUrl,
    // The consolidated options hold the one testid every VU shares.
    runId: exec.test.options.tags?.['testid'] ?? 'k6',
    random: Math.random,
    idRandom: Math.random,
    sampled,
    thinkScale: Number.isFinite(thinkScale) && thinkScale >= 0 ? thinkScale : 1,
    send,
    sleep,
    onStep: (step, request, response, ok) => {
      check(response, { [`${step.name} status in ${step.expect.join('/')}`]: () => ok }, request.tags);
    },
  };
  runIteration(selected, context);
}

// The k6 scripts and the local runner must not drift: every script's scenarios are shared journeys, its thresholds
// name their endpoint tags, its requests equal the local runner's plan, and its journeys run through the local
// runner's dry run against a recording gateway.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { ConstantArrivalRateScenario, RampingArrivalRateScenario } from 'k6/options';
import { type EngineRequest, type IterationContext, runIteration, stepRequest, traceparent } from '../k6/lib/engine.ts';
import { type ProfileName, profileOptions, profiles, runIdFor } from '../k6/lib/profiles.ts';
import { endpointThresholds } from '../k6/lib/thresholds.ts';
import { planJourneys, runEachOnce } from '../src/dry-run.ts';
import { journeys, RUN_ID_BAGGAGE_KEY } from '../src/journeys.ts';
import { seededRandom } from '../src/stats.ts';
import { type FakeGateway, startFakeGateway } from './fake-gateway.ts';

const k6Dir = join(import.meta.dirname, '..', 'k6');
const names = Object.keys(profiles) as ProfileName[];
const runId = 'k6-test-run';
const env = { LAB_RUN_ID: runId };

/** An engine context that sends nothing; each test overrides what it exercises. */
const engineDefaults: IterationContext = {
  baseUrl: 'http://gateway:8080',
  runId,
  random: seededRandom(1),
  idRandom: seededRandom(2),
  sampled: true,
  thinkScale: 0,
  send: () => assert.fail('nothing is sent'),
  sleep: () => {},
};

type ArrivalScenario = (ConstantArrivalRateScenario | RampingArrivalRateScenario) & { exec: string; tags: Record<string, string> };

const peakOf = (config: ArrivalScenario): number =>
  config.executor === 'constant-arrival-rate' ? config.rate : Math.max(...config.stages.map((stage) => stage.target));

/** The journeys a profile's scenarios run, looked up in the shared journeys by scenario name. */
function scenarioJourneys(name: ProfileName) {
  const scenarios = profileOptions(name, journeys, env).scenarios ?? {};
  return Object.keys(scenarios).map((scenario) => {
    const journey = journeys.find((candidate) => candidate.name === scenario);
    assert.ok(journey, `${name}: scenario ${scenario} is not a shared journey`);
    return journey;
  });
}

let gateway: FakeGateway;
before(async () => {
  gateway = await startFakeGateway();
});
after(() => gateway.close());

test('there is one k6 script per profile, and each builds its options from the shared journeys', () => {
  const scripts = readdirSync(k6Dir).filter((file) => file.endsWith('.ts'));
  assert.deepEqual(scripts.sort(), names.map((name) => `${name}.ts`).sort());
  for (const name of names) {
    const source = readFileSync(join(k6Dir, `${name}.ts`), 'utf8');
    assert.match(source, new RegExp(`profileOptions\\('${name}', journeys, __ENV\\)`), `${name}.ts uses its own profile`);
    assert.match(source, /from '\.\.\/src\/journeys\.ts'/);
    assert.match(source, /export \{ journey \} from '\.\/lib\/iteration\.ts'/);
  }
});

test('every scenario is an arrival-rate scenario of a shared journey, with its share of the traffic', () => {
  for (const name of names) {
    const options = profileOptions(name, journeys, env);
    const scenarios = Object.entries(options.scenarios ?? {}) as [string, ArrivalScenario][];
    assert.deepEqual(scenarios.map(([scenario]) => scenario), journeys.map((journey) => journey.name), name);
    for (const [scenario, config] of scenarios) {
      assert.match(config.executor, /^(constant|ramping)-arrival-rate$/, `${name}/${scenario}`);
      assert.equal(config.exec, 'journey');
      assert.equal(config.tags['journey'], scenario);
      assert.ok(config.preAllocatedVUs >= 1 && (config.maxVUs ?? 0) >= config.preAllocatedVUs);
      assert.ok(peakOf(config) >= 1, `${name}/${scenario} starts iterations`);
    }
    // Shares follow the weights (rates are whole iterations per minute, so within rounding).
    const totalWeight = journeys.reduce((sum, journey) => sum + journey.weight, 0);
    const totalPeak = scenarios.reduce((sum, [, config]) => sum + peakOf(config), 0);
    for (const [scenario, config] of scenarios) {
      const weight = journeys.find((journey) => journey.name === scenario)!.weight;
      assert.ok(Math.abs(peakOf(config) - (totalPeak * weight) / totalWeight) <= scenarios.length, `${name}/${scenario} share`);
    }
    assert.deepEqual(options.tags, { testid: runId, profile: name });
    assert.ok(!options.systemTags?.includes('url'), 'no per-URL series in the remote write');
  }
});

test('thresholds exist for every endpoint tag the journeys use, and only for those', () => {
  const endpoints = new Set(journeys.flatMap((journey) => journey.steps.map((step) => step.name)));
  for (const name of names) {
    const thresholds = profileOptions(name, journeys, env).thresholds ?? {};
    const tagged = Object.keys(thresholds).filter((key) => key.includes('{'));
    const named = new Set(tagged.map((key) => /^http_req_(?:duration|failed)\{endpoint:(.+)\}$/.exec(key)?.[1]));
    assert.deepEqual([...named].sort(), [...endpoints].sort(), name);
    assert.deepEqual(thresholds['checks'], ['rate>0.95']);
  }
  // Each endpoint gets the strictest limits of the journeys that call it.
  for (const threshold of endpointThresholds(journeys)) {
    const users = journeys.filter((journey) => journey.steps.some((step) => step.name === threshold.endpoint));
    assert.equal(threshold.p95Ms, Math.min(...users.map((journey) => journey.thresholds.p95Ms)), threshold.endpoint);
    assert.equal(threshold.maxErrorRate, Math.min(...users.map((journey) => journey.thresholds.maxErrorRate)));
    assert.deepEqual(profileOptions('smoke', journeys, env).thresholds?.[`http_req_duration{endpoint:${threshold.endpoint}}`], [
      `p(95)<${threshold.p95Ms}`,
    ]);
  }
});

test('the k6 requests equal the local runner plan (method, path, body, headers) for every profile', () => {
  for (const name of names) {
    const profileJourneys = scenarioJourneys(name);
    const plan = planJourneys(profileJourneys, runId, 7);
    const random = seededRandom(7);
    const sent: EngineRequest[] = [];
    const context = { ...engineDefaults, baseUrl: 'http://gateway:8080/', random };
    for (const journey of profileJourneys) {
      // The plan reads no response: each step sees its first expected status and no body.
      let state = journey.initialState(random);
      for (const step of journey.steps) {
        sent.push(stepRequest(journey, step, state, context));
        state = step.extract ? step.extract(state, { status: step.expect[0]!, json: undefined }) : state;
      }
    }
    assert.equal(sent.length, plan.length, name);
    for (const [index, planned] of plan.entries()) {
      const request = sent[index]!;
      const where = `${name}: ${planned.journey} / ${planned.step}`;
      assert.equal(request.method, planned.method, where);
      assert.equal(request.url, `http://gateway:8080${planned.path}`, where);
      assert.deepEqual(request.body === undefined ? undefined : JSON.parse(request.body), planned.body, where);
      const { traceparent: header, ...headers } = request.headers;
      assert.deepEqual(headers, planned.headers, where);
      assert.match(header!, /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/, where);
      assert.equal(request.tags['endpoint'], planned.step);
      assert.deepEqual(request.expect, planned.expect);
    }
  }
});

test("each script's journeys run through the local runner's dry run, and k6 sends what the gateway saw", async () => {
  for (const name of names) {
    gateway.seen.length = 0;
    const profileJourneys = scenarioJourneys(name);
    const results = await runEachOnce(gateway.baseUrl, profileJourneys, runId, 5_000, 3);
    const failed = results.filter((result) => !result.ok);
    assert.deepEqual(failed, [], `${name}: every step of every journey succeeds`);
    assert.equal(results.length, profileJourneys.reduce((sum, journey) => sum + journey.steps.length, 0));
    const localRequests = gateway.seen.map((seen) => `${seen.method} ${seen.path.replace(/\?.*$/, '')}`);

    // The same journeys through the k6 engine, answered like the gateway answered the local runner.
    const random = seededRandom(3);
    const k6Requests: string[] = [];
    for (const journey of profileJourneys) {
      const outcome = runIteration(journey, {
        ...engineDefaults,
        baseUrl: gateway.baseUrl,
        random,
        sleep: () => assert.fail('think time is off'),
        send: (request) => {
          const path = request.url.slice(gateway.baseUrl.length);
          k6Requests.push(`${request.method} ${path.replace(/\?.*$/, '')}`);
          assert.equal(request.headers['baggage'], `${RUN_ID_BAGGAGE_KEY}=${runId}`);
          const listing = path.startsWith('/api/products') || path.startsWith('/api/search');
          return { status: path === '/api/checkout' ? 201 : 200, body: JSON.stringify(listing ? { items: [{ id: 'p-0042' }, { id: 'p-0043' }] } : { id: 'ord_test01' }) };
        },
      });
      assert.ok(outcome.completed, `${name}: ${journey.name} completes in the k6 engine`);
    }
    assert.deepEqual(k6Requests, localRequests, `${name}: k6 and the local runner send the same requests`);
    for (const seen of gateway.seen) assert.equal(seen.headers['baggage'], `${RUN_ID_BAGGAGE_KEY}=${runId}`);
  }
});

test('the k6 engine stops a journey at the first unexpected status and records every step', () => {
  const checkout = journeys.find((journey) => journey.name === 'checkout')!;
  const steps: string[] = [];
  const outcome = runIteration(checkout, {
    ...engineDefaults,
    sampled: false,
    thinkScale: 1,
    send: (request) => ({ status: request.tags['endpoint'] === 'POST /api/cart/:cartId/items' ? 503 : 200, body: '[]' }),
    onStep: (step, request, _response, ok) => {
      steps.push(`${step.name} ${ok}`);
      assert.match(request.headers['traceparent']!, /-00$/, 'unsampled when asked');
    },
  });
  assert.deepEqual(outcome, { completed: false, steps: 2 });
  assert.deepEqual(steps, ['GET /api/products true', 'POST /api/cart/:cartId/items false']);
});

test('traceparent ids are W3C-valid and run ids are validated', () => {
  const random = seededRandom(9);
  const ids = new Set(Array.from({ length: 100 }, () => traceparent(random, true)));
  assert.equal(ids.size, 100);
  for (const id of ids) assert.match(id, /^00-(?!0{32})[0-9a-f]{32}-(?!0{16})[0-9a-f]{16}-01$/);
  assert.equal(runIdFor('smoke', {}, () => Date.UTC(2026, 0, 2, 3, 4, 5)), 'k6-smoke-20260102T030405');
  assert.throws(() => runIdFor('smoke', { LAB_RUN_ID: 'a b' }), /LAB_RUN_ID/);
  assert.throws(() => profileOptions('load', journeys, { LAB_RATE_SCALE: '-1' }), /LAB_RATE_SCALE must be a positive number/);
  const scaled = profileOptions('load', journeys, { LAB_RATE_SCALE: '0.5', LAB_STAGE_DURATION: '10s' }).scenarios?.['browse'] as RampingArrivalRateScenario;
  assert.deepEqual(scaled.stages.map((stage) => stage.duration), ['10s', '10s', '10s']);
  const browse = journeys.find((journey) => journey.name === 'browse')!;
  const share = browse.weight / journeys.reduce((sum, journey) => sum + journey.weight, 0);
  assert.equal(scaled.stages[1]!.target, Math.round(10 * 60 * share), 'load holds 20/s, halved');
});

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { planJourneys } from '../src/dry-run.ts';
import { journeys, pickJourney, requestHeaders } from '../src/journeys.ts';
import { seededRandom } from '../src/stats.ts';

test('journeys.ts and journey-types.ts import nothing but each other (k6 runs them)', () => {
  for (const file of ['journeys.ts', 'journey-types.ts']) {
    const source = readFileSync(new URL(`../src/${file}`, import.meta.url), 'utf8');
    const imports = [...source.matchAll(/from '([^']+)'/g)].map((match) => match[1]);
    assert.deepEqual(imports.filter((path) => path !== './journey-types.ts'), [], `${file} imports ${imports}`);
  }
});

test('the four journeys exist with thresholds', () => {
  assert.deepEqual(journeys.map((j) => j.name), ['browse', 'search', 'add-to-cart', 'checkout']);
  for (const journey of journeys) {
    assert.ok(journey.thresholds.p95Ms > 0 && journey.thresholds.maxErrorRate >= 0, journey.name);
    assert.ok(journey.steps.length > 0, journey.name);
  }
});

test('the plan: every request carries the run id as baggage; checkout carries an idempotency key', () => {
  const plan = planJourneys(journeys, 'run-7');
  assert.equal(plan.length, journeys.reduce((sum, j) => sum + j.steps.length, 0));
  for (const request of plan) assert.equal(request.headers['baggage'], 'lab.run_id=run-7');
  const checkout = plan.find((request) => request.step === 'POST /api/checkout');
  assert.ok(checkout, 'checkout step planned');
  assert.match(checkout.headers['idempotency-key'] ?? '', /^idem-[0-9a-f]{16}-[0-9a-f]{16}$/);
  const addToCart = plan.find((request) => request.journey === 'checkout' && request.method === 'POST' && request.path.includes('/items'));
  assert.deepEqual(Object.keys(addToCart?.body as object), ['productId', 'quantity']);
});

test('the plan is reproducible from a seed and idempotency keys differ between iterations', () => {
  assert.deepEqual(planJourneys(journeys, 'r', 3), planJourneys(journeys, 'r', 3));
  const keys = [1, 2, 3].map((seed) => planJourneys(journeys, 'r', seed).find((r) => r.step === 'POST /api/checkout')!.headers['idempotency-key']);
  assert.equal(new Set(keys).size, 3);
});

test('pickJourney follows the weights', () => {
  const random = seededRandom(42);
  const counts = new Map<string, number>();
  for (let index = 0; index < 11_000; index++) {
    const name = pickJourney(journeys, random).name;
    counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  const total = journeys.reduce((sum, j) => sum + j.weight, 0);
  for (const journey of journeys) {
    const share = (counts.get(journey.name) ?? 0) / 11_000;
    assert.ok(Math.abs(share - journey.weight / total) < 0.03, `${journey.name}: ${share}`);
  }
});

test('run ids are encoded in the baggage header', () => {
  assert.equal(requestHeaders('a b,c')['baggage'], 'lab.run_id=a%20b%2Cc');
});

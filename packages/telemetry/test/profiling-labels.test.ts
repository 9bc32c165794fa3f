// Span labels with the real native wall profiler, in process: many concurrent requests, each entering its own
// context the way the core's HTTP server instrumentation does, run distinct CPU-heavy functions across await, timers
// and nested contexts. No sample may carry another request's span id.
import assert from 'node:assert/strict';
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes } from 'node:crypto';
import { after, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Span } from '@opentelemetry/api';
import { decodePprof } from '@lab/receiver';
import { loadNativeProfiler } from '../src/profiling/native.ts';
import { SpanLabels } from '../src/profiling/span-labels.ts';
import { serializeWallProfile } from '../src/profiling/wall-profile-encoder.ts';
import { WallProfiler } from '../src/profiling/wall-profiler.ts';
import { spin } from './helpers/spin.ts';

const INTERVAL_MICROS = 1000;
const wall = new WallProfiler(loadNativeProfiler(), { durationMillis: 60_000, intervalMicros: INTERVAL_MICROS, withContexts: true });
wall.start();
after(() => wall.stop(false));
const labels = new SpanLabels(wall, INTERVAL_MICROS);
const requestContext = new AsyncLocalStorage<string>(); // stands for the core's context manager
const childContext = new AsyncLocalStorage<number>(); // stands for child spans' contexts

function fakeSpan(): Span & { ended: boolean } {
  const spanId = randomBytes(8).toString('hex');
  const span = { ended: false, spanContext: () => ({ spanId, traceId: '0'.repeat(32), traceFlags: 1 }), isRecording: () => !span.ended };
  return span as unknown as Span & { ended: boolean };
}

function workOfRouteA(ms: number) {
  return spin(ms);
}
function workOfRouteB(ms: number) {
  return spin(ms);
}
function leftoverTimerWork(ms: number) {
  return spin(ms);
}

async function request(route: 'A' | 'B', spans: Map<string, string>): Promise<void> {
  const span = fakeSpan();
  spans.set(span.spanContext().spanId, route);
  requestContext.enterWith(route);
  const handle = labels.onStart(span, 'GET');
  const work = route === 'A' ? workOfRouteA : workOfRouteB;
  for (let step = 0; step < 3; step++) {
    work(3);
    await sleep(1);
    await childContext.run(step, async () => {
      await new Promise((resolve) => setImmediate(resolve));
      work(3);
    });
    await new Promise<void>((resolve) => setTimeout(() => resolve(void work(2)), 1));
  }
  labels.onEnd(handle, `GET /${route}`);
  span.ended = true;
}

/** Function names arrive as Pyroscope's `file:function:line`. */
const ran = (sample: { stack: string[] }, fn: string) => sample.stack.some((name) => name.split(':')[1] === fn);

/** Ends the window (the next one starts at once) and decodes it as Pyroscope would receive it. */
async function samplesOfWindow() {
  const pprof = await serializeWallProfile(wall.stop(true), { intervalMicros: INTERVAL_MICROS, generateLabels: labels.generateLabels, cwd: process.cwd() });
  return decodePprof(pprof).samples.map((sample) => ({ count: sample.values[0]!, stack: sample.stack, labels: sample.labels }));
}

test('concurrent requests: each function is sampled only under its own request span, with its final name', async () => {
  const spans = new Map<string, string>();
  const requests: Array<Promise<void>> = [];
  for (let i = 0; i < 30; i++) {
    // Each request starts from its own macrotask, as incoming requests do.
    requests.push(new Promise<void>((resolve) => setImmediate(() => resolve(request(i % 2 ? 'A' : 'B', spans)))));
  }
  await Promise.all(requests);
  const samples = await samplesOfWindow();
  for (const [fn, route] of [
    ['workOfRouteA', 'A'],
    ['workOfRouteB', 'B'],
  ] as const) {
    const ofFunction = samples.filter((sample) => ran(sample, fn));
    assert.ok(ofFunction.reduce((sum, sample) => sum + sample.count, 0) > 10, `${fn} barely sampled`);
    for (const sample of ofFunction) {
      assert.equal(spans.get(sample.labels.span_id ?? ''), route, `${fn} sampled with span_id ${sample.labels.span_id}`);
      assert.equal(sample.labels.span_name, `GET /${route}`);
    }
  }
});

test('work left behind by an ended request is not labelled with its span', async () => {
  const span = fakeSpan();
  await new Promise<void>((resolve) =>
    setImmediate(() => {
      requestContext.enterWith('leftover');
      const handle = labels.onStart(span, 'GET');
      setTimeout(() => resolve(void leftoverTimerWork(60)), 30);
      labels.onEnd(handle, 'GET /leftover');
      span.ended = true;
    }),
  );
  const samples = (await samplesOfWindow()).filter((sample) => ran(sample, 'leftoverTimerWork'));
  assert.ok(samples.length > 0, 'leftoverTimerWork not sampled');
  assert.ok(samples.every((sample) => sample.labels.span_id === undefined), 'work after the span end carries its span_id');
});

test('contexts set by anyone else never become labels', async () => {
  requestContext.run('foreign', () => {
    wall.setContext({ spanId: 'not-ours' });
    spin(30);
  });
  const samples = await samplesOfWindow();
  assert.ok(samples.length > 0);
  assert.ok(samples.every((sample) => sample.labels.span_id !== 'not-ours'));
});

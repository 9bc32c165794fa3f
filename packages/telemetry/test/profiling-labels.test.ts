// Span labels with the real native wall profiler, in process: many concurrent requests, each entering its own
// context the way the core's HTTP server instrumentation does, run distinct CPU-heavy functions across await, timers
// and nested contexts. No sample may carry another request's span id.
import assert from 'node:assert/strict';
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes } from 'node:crypto';
import { after, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Span } from '@opentelemetry/api';
import { loadNativeProfiler, type PprofProfile } from '../src/profiling/native.ts';
import { SpanLabels } from '../src/profiling/span-labels.ts';

const INTERVAL_MICROS = 1000;
const native = loadNativeProfiler();
native.time.start({
  durationMillis: 60_000,
  intervalMicros: INTERVAL_MICROS,
  withContexts: true,
  useCPED: true,
  collectCpuTime: true,
  workaroundV8Bug: true,
});
after(() => {
  if (native.time.isStarted()) native.time.stop(false);
});
const labels = new SpanLabels(native.time, INTERVAL_MICROS);
const requestContext = new AsyncLocalStorage<string>(); // stands for the core's context manager
const childContext = new AsyncLocalStorage<number>(); // stands for child spans' contexts

function fakeSpan(): Span & { ended: boolean } {
  const spanId = randomBytes(8).toString('hex');
  const span = { ended: false, spanContext: () => ({ spanId, traceId: '0'.repeat(32), traceFlags: 1 }), isRecording: () => !span.ended };
  return span as unknown as Span & { ended: boolean };
}

function spin(ms: number): number {
  const end = performance.now() + ms;
  let x = 0;
  while (performance.now() < end) x += Math.sqrt(x + 1);
  return x;
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

function samplesOf(profile: PprofProfile) {
  const text = (index: number | bigint) => profile.stringTable.strings[Number(index)] ?? '';
  const names = new Map(profile.function.map((fn) => [Number(fn.id), text(fn.name)]));
  const stacks = new Map(profile.location.map((location) => [Number(location.id), location.line.map((line) => names.get(Number(line.functionId)))]));
  return profile.sample.map((sample) => ({
    count: Number(sample.value[0]),
    stack: sample.locationId.flatMap((id) => stacks.get(Number(id)) ?? []),
    labels: Object.fromEntries(sample.label.map((label) => [text(label.key), text(label.str)])),
  }));
}

test('concurrent requests: each function is sampled only under its own request span, with its final name', async () => {
  const spans = new Map<string, string>();
  const requests: Array<Promise<void>> = [];
  for (let i = 0; i < 30; i++) {
    // Each request starts from its own macrotask, as incoming requests do.
    requests.push(new Promise<void>((resolve) => setImmediate(() => resolve(request(i % 2 ? 'A' : 'B', spans)))));
  }
  await Promise.all(requests);
  const samples = samplesOf(native.time.stop(true, labels.generateLabels));
  for (const [fn, route] of [
    ['workOfRouteA', 'A'],
    ['workOfRouteB', 'B'],
  ] as const) {
    const ofFunction = samples.filter((sample) => sample.stack.includes(fn));
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
  const samples = samplesOf(native.time.stop(true, labels.generateLabels)).filter((sample) => sample.stack.includes('leftoverTimerWork'));
  assert.ok(samples.length > 0, 'leftoverTimerWork not sampled');
  assert.ok(samples.every((sample) => sample.labels.span_id === undefined), 'work after the span end carries its span_id');
});

test('contexts set by anyone else never become labels', () => {
  requestContext.run('foreign', () => {
    native.time.setContext({ spanId: 'not-ours' });
    spin(30);
  });
  const samples = samplesOf(native.time.stop(true, labels.generateLabels));
  assert.ok(samples.length > 0);
  assert.ok(samples.every((sample) => sample.labels.span_id !== 'not-ours'));
});

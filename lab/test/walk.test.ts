import assert from 'node:assert/strict';
import { test } from 'node:test';
import { flowLines, flowStats } from '../src/correlation/flow.ts';
import { checkTree } from '../src/correlation/trace-tree.ts';
import type { LogLine } from '../src/correlation/types.ts';
import { walk, type WalkOptions } from '../src/correlation/walk.ts';
import { FakeBackends, goodTrace, span, TRACE_ID } from './fake-backends.ts';

const options: WalkOptions = {
  services: ['gateway', 'orders', 'payments'],
  entryService: 'gateway',
  window: { start: 900, end: 1100 },
  range: { start: 0, end: 2000 },
};

function linkStates(result: Awaited<ReturnType<typeof walk>>): Record<string, boolean> {
  return Object.fromEntries(result.links.map((link) => [link.link, link.ok]));
}

test('walks every link when everything connects', async () => {
  const result = await walk(new FakeBackends(), options);
  assert.deepEqual(linkStates(result), { metrics: true, exemplar: true, trace: true, logs: true, profile: true });
  assert.ok(result.ok);
  assert.equal(result.exemplar?.traceId, TRACE_ID);
  assert.deepEqual(result.localRoots.map((s) => s.spanId), ['a000000000000001', 'b000000000000001', 'c000000000000001']);
  assert.deepEqual(result.profiles.map((p) => p.serviceName), ['payments']);
  assert.deepEqual(Object.keys(result.logs).sort(), ['gateway', 'orders', 'payments']);
});

test('a service without exemplars breaks the metrics link and names it', async () => {
  const backends = new FakeBackends();
  backends.exemplarList = backends.exemplarList.filter((e) => e.seriesLabels['job'] !== 'orders');
  const result = await walk(backends, options);
  assert.equal(result.links[0]?.ok, false);
  assert.match(result.links[0]!.detail, /orders/);
  assert.equal(result.ok, false);
});

test('no exemplar in the window stops the walk and marks later links not reached', async () => {
  const result = await walk(new FakeBackends(), { ...options, window: { start: 5000, end: 6000 } });
  assert.deepEqual(linkStates(result), { metrics: true, exemplar: false, trace: false, logs: false, profile: false });
  assert.match(result.links.find((l) => l.link === 'profile')!.detail, /not reached/);
});

test('a trace missing from the store, or crossing too few services, breaks the trace link', async () => {
  const missing = new FakeBackends();
  missing.spans = undefined;
  assert.match((await walk(missing, options)).links.find((l) => l.link === 'trace')!.detail, /not in the trace store/);
  const short = new FakeBackends();
  short.spans = goodTrace().slice(0, 3);
  assert.match((await walk(short, options)).links.find((l) => l.link === 'trace')!.detail, /2 service\(s\)/);
});

test('a broken parent/child tree breaks the trace link', async () => {
  const backends = new FakeBackends();
  backends.spans = [...goodTrace().slice(0, 4), span('c000000000000001', 'ffffffffffffffff', 'payments', 'server', 22, 860)];
  const trace = (await walk(backends, options)).links.find((l) => l.link === 'trace')!;
  assert.equal(trace.ok, false);
  assert.match(trace.detail, /not in the trace/);
});

test('a service whose logs lack the span ids breaks the logs link', async () => {
  const backends = new FakeBackends();
  backends.logLines = backends.logLines.map((line) => (line.serviceName === 'payments' ? { ...line, spanId: '0000000000000000' } : line));
  const logs = (await walk(backends, options)).links.find((l) => l.link === 'logs')!;
  assert.equal(logs.ok, false);
  assert.match(logs.detail, /payments/);
});

test('no sample labelled with a local-root span breaks the profile link', async () => {
  const backends = new FakeBackends();
  backends.profiled.clear();
  const result = await walk(backends, options);
  assert.equal(result.links.find((l) => l.link === 'profile')!.ok, false);
  assert.equal(result.ok, false);
});

test('a slower trace whose spans left no profile samples is skipped for one whose did, and says so', async () => {
  const backends = new FakeBackends();
  const slower = '1111111111111111111111111111111a';
  const other = (spanId: string) => spanId.replace('0000', 'eeee');
  backends.otherTraces.set(slower, goodTrace().map((s) => ({ ...s, traceId: slower, spanId: other(s.spanId), parentSpanId: s.parentSpanId && other(s.parentSpanId) })));
  backends.exemplarList.push({ seriesLabels: { job: 'gateway', http_route: '/api/checkout' }, traceId: slower, spanId: other('a000000000000001'), value: 1.5, timestamp: 1010 });
  const result = await walk(backends, options);
  assert.ok(result.ok);
  assert.equal(result.exemplar?.traceId, TRACE_ID);
  assert.match(result.links.find((l) => l.link === 'exemplar')!.detail, /1 slower trace\(s\) skipped/);

  // When no trace has samples, the slowest correct one is still walked and only the profile link breaks.
  backends.profiled.clear();
  const unprofiled = await walk(backends, options);
  assert.equal(unprofiled.exemplar?.traceId, slower);
  assert.deepEqual(linkStates(unprofiled), { metrics: true, exemplar: true, trace: true, logs: false, profile: false });
  assert.match(unprofiled.links.find((l) => l.link === 'profile')!.detail, /2 correct trace\(s\)/);
});

test('checkTree: two roots, a cycle, a hop not from a client span', () => {
  const twoRoots = [...goodTrace(), span('d000000000000001', undefined, 'catalog', 'server', 0, 1)];
  assert.match(checkTree(twoRoots).problems.join(), /2 root spans/);
  const cycle = [span('a1', undefined, 'gateway', 'server', 0, 5), span('b1', 'c1', 'orders', 'client', 0, 1), span('c1', 'b1', 'orders', 'client', 0, 1)];
  assert.match(checkTree(cycle).problems.join(), /not reachable/);
  const direct = [span('a1', undefined, 'gateway', 'server', 0, 5), span('b1', 'a1', 'orders', 'server', 1, 2)];
  assert.match(checkTree(direct).problems.join(), /not a client span/);
  assert.ok(checkTree(goodTrace()).ok);
});

test('flow shares: every exemplar counted, a broken tree, a silent service and an unprofiled CPU-heavy span each lower one share', async () => {
  const flowOptions = { services: options.services, window: options.window, range: options.range };
  const cpuLine = (serviceName: string, spanId: string): LogLine => ({ serviceName, time: 1_000_000, traceId: TRACE_ID, spanId, line: { fault: 'cpu', cpu_ms: 60 } });
  const backends = new FakeBackends();
  // payments' local root is profiled, orders' is not: one of the two CPU-heavy spans has samples.
  backends.logLines.push(cpuLine('payments', 'c000000000000001'), cpuLine('orders', 'b000000000000001'));
  const stats = await flowStats(backends, flowOptions);
  assert.deepEqual([stats.exemplars, stats.traces, stats.tracesInWindow], [3, 1, 1]);
  assert.deepEqual(stats.completeTrace, { count: 3, of: 3 });
  assert.deepEqual(stats.logsFromEveryService, { count: 3, of: 3 });
  assert.deepEqual(stats.cpuSpansProfiled, { count: 1, of: 2 });
  assert.deepEqual(
    flowLines(stats).map((line) => [line.name, line.ok]),
    [['completeTrace', true], ['logsFromEveryService', true], ['cpuSpansProfiled', false]],
  );
  assert.match(stats.problems.join('\n'), /span b000000000000001 \(orders "server orders"\) spent 60 ms on CPU but has no labelled profile sample/);

  backends.spans = goodTrace().filter((s) => s.spanId !== 'b000000000000002');
  backends.logLines = backends.logLines.filter((line) => line.serviceName !== 'gateway');
  const broken = await flowStats(backends, flowOptions);
  assert.deepEqual(broken.completeTrace, { count: 0, of: 3 });
  assert.deepEqual(broken.logsFromEveryService, { count: 0, of: 3 });
  assert.match(broken.problems.join('\n'), /has parent b000000000000002, which is not in the trace/);
  assert.match(broken.problems.join('\n'), /no log line from gateway/);

  const none = await flowStats(new FakeBackends(), { ...flowOptions, window: { start: 0, end: 10 } });
  assert.deepEqual(flowLines(none).map((line) => [line.text.split(' ')[0], line.ok]), [['none', true], ['none', true], ['none', true]]);
});

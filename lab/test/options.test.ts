import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { LogCollector } from '../src/log-collector.ts';
import { parseOptions, UsageError } from '../src/options.ts';
import { formatProgress } from '../src/progress.ts';
import { runFolder, timestampName } from '../src/run-folder.ts';

test('defaults: 90 s, payments latency halfway, 5 s scrapes, default ports', () => {
  const options = parseOptions([], {});
  assert.equal(options.durationMs, 90_000);
  assert.equal(options.incident, 'payments-latency');
  assert.equal(options.incidentAt, 0.5);
  assert.equal(options.scrapeIntervalSeconds, 5);
  assert.equal(options.runsDir, '.lab/runs');
  assert.deepEqual(options.ports, {});
  assert.equal(options.autoPorts, false);
  assert.equal(options.otlpProtocol, 'http/protobuf');
  assert.equal(options.open, undefined);
  assert.equal(parseOptions(['--open', '.lab/runs/2026-11-26T10-04-00Z'], {}).open, '.lab/runs/2026-11-26T10-04-00Z');
  assert.throws(() => parseOptions(['--open', ' '], {}), /--open needs a run folder/);
});

test('scrape interval follows the run length unless given', () => {
  assert.equal(parseOptions(['--duration', '30s'], {}).scrapeIntervalSeconds, 2);
  assert.equal(parseOptions(['--duration', '10m'], {}).scrapeIntervalSeconds, 15);
  assert.equal(parseOptions(['--duration', '10m', '--scrape-interval', '3s'], {}).scrapeIntervalSeconds, 3);
});

test('ports: a list, auto for the rest, LAB_RUNS_DIR', () => {
  const options = parseOptions(['--ports', 'auto,gateway=18080,prometheus=19090'], { LAB_RUNS_DIR: '/tmp/runs' });
  assert.deepEqual(options.ports, { gateway: 18080, prometheus: 19090 });
  assert.equal(options.autoPorts, true);
  assert.equal(options.runsDir, '/tmp/runs');
});

test('bad input names the flag and what is accepted', () => {
  const cases: [string[], RegExp][] = [
    [['--duration', 'soon'], /--duration must be a duration like "30s"/],
    [['--incident', 'meteor'], /--incident must be one of payments-latency, payments-errors, none/],
    [['--incident-at', '0.8', '--incident-for', '0.4'], /must be at most 1/],
    [['--ports', 'gateway=99999'], /gateway=99999 is not a port number/],
    [['--otlp-protocol', 'grpc'], /http\/protobuf or http\/json/],
    [['--frobnicate'], /Unknown option '--frobnicate'/],
  ];
  for (const [argv, message] of cases) assert.throws(() => parseOptions(argv, {}), (error: Error) => error instanceof UsageError && message.test(error.message));
});

test('the progress line shows phase, elapsed, rate, errors and the incident', () => {
  const line = formatProgress({
    phase: 'load',
    elapsedMs: 12_400,
    durationMs: 90_000,
    incident: 'on',
    load: { elapsedMs: 12_400, requests: 120, errors: 3, dropped: 2, inFlight: 4, rate: 9.5, errorRatio: 0.025 },
  });
  assert.equal(line, '[load]  12s/90s  9.5 req/s  errors 2.5%  requests 120  in flight 4  dropped 2  incident on');
});

test('the log collector keeps JSON lines as they are and wraps anything else', async () => {
  const folder = runFolder(mkdtempSync(join(tmpdir(), 'lab-logs-')));
  const collector = new LogCollector(folder);
  collector.write('orders', 'stdout', '{"level":"info","time":"2026-11-26T10:00:00.000Z","service":"orders","trace_id":"abc","msg":"request completed"}');
  collector.write('orders', 'stderr', 'Warning: something from node');
  collector.write('orders', 'stdout', '');
  await collector.close();
  const lines = readFileSync(join(folder.logsDir, 'orders.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line));
  assert.equal(lines.length, 2);
  assert.equal(lines[0].trace_id, 'abc');
  assert.deepEqual({ ...lines[1], time: undefined }, { time: undefined, level: 'error', service: 'orders', msg: 'Warning: something from node', stream: 'stderr' });
  assert.deepEqual(collector.counts.get('orders'), { lines: 2, withTraceId: 1, errors: 1 });
});

test('run folder names sort by time and carry no colons', () => {
  assert.equal(timestampName(new Date('2026-11-26T10:04:00.123Z')), '2026-11-26T10-04-00Z');
});

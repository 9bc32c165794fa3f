// The trace backend refusing connections, answering 500, answering late or never: the service keeps serving, does
// not crash (no unhandled rejection), logs each kind of export error at most once per interval, and counts the
// failures and dropped spans. No timing assertions: requests must complete and the process must stay healthy.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type OtlpBehavior, OtlpReceiver } from '@lab/receiver';
import { freePort } from '@lab/dev-kit/ports';
import { jsonLines, type RunningService, startService } from './helpers/service.ts';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const fixture = fileURLToPath(new URL('./fixtures/express-app.ts', import.meta.url));

const receivers: OtlpReceiver[] = [];
after(() => Promise.all(receivers.map((receiver) => receiver.close())));

async function receiverWith(behavior: OtlpBehavior): Promise<string> {
  const receiver = await OtlpReceiver.start({ slowResponseMs: 10_000 });
  receiver.setBehavior(behavior);
  receivers.push(receiver);
  return receiver.url;
}

function metricValue(text: string, pattern: RegExp): number {
  const match = pattern.exec(text);
  return match ? Number(match[1]) : 0;
}

async function exerciseDuringOutage(service: RunningService, untilMetric: RegExp): Promise<string> {
  // Traffic in rounds until the failure shows in the metrics (export retries take a few seconds).
  let metrics = '';
  const deadline = Date.now() + 25_000;
  while (Date.now() < deadline) {
    const statuses = await Promise.all(Array.from({ length: 20 }, (_, i) => fetch(`${service.url}/items/${i}`).then((r) => r.text().then(() => r.status))));
    assert.deepEqual(new Set(statuses), new Set([200]));
    metrics = await (await fetch(`${service.url}/metrics`)).text();
    if (metricValue(metrics, untilMetric) > 0) break;
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  return metrics;
}

function assertHealthyAndQuiet(service: RunningService): void {
  assert.equal(service.child.exitCode, null, 'the service is still running');
  assert.doesNotMatch(service.stderr(), /Unhandled|unhandledRejection|ERR_/);
  const errors = jsonLines(service.lines).filter((line) => line.telemetry_error !== undefined);
  const perKind = new Map<string, number>();
  for (const line of errors) perKind.set(String(line.telemetry_error), (perKind.get(String(line.telemetry_error)) ?? 0) + 1);
  for (const [kind, count] of perKind) assert.equal(count, 1, `"${kind}" logged once per interval, not per request/batch`);
}

const cases: Array<{ name: string; endpoint: () => Promise<string>; env?: Record<string, string> }> = [
  { name: 'connection refused', endpoint: async () => `http://127.0.0.1:${await freePort()}`, env: { OTEL_EXPORTER_OTLP_TIMEOUT: '2000' } },
  { name: 'HTTP 500', endpoint: () => receiverWith('error') },
  { name: 'answers after 10 s (exporter timeout 1 s)', endpoint: () => receiverWith('slow'), env: { OTEL_EXPORTER_OTLP_TIMEOUT: '1000' } },
];

for (const outage of cases) {
  test(`backend ${outage.name}: requests complete, failures counted, error logged once`, async (t) => {
    const service = await startService({
      script: fixture,
      cwd: packageDir,
      env: {
        OTEL_SERVICE_NAME: 'outage-svc',
        OTEL_EXPORTER_OTLP_ENDPOINT: await outage.endpoint(),
        OTEL_BSP_SCHEDULE_DELAY: '100',
        LAB_TELEMETRY_ACCESS_LOG: 'false',
        ...outage.env,
      },
    });
    t.after(() => service.stop('SIGKILL'));
    const metrics = await exerciseDuringOutage(service, /^lab_telemetry_spans_dropped_total\{reason="export_failed"\} (\d+)/m);
    assert.ok(metricValue(metrics, /^lab_telemetry_export_failures_total\{signal="traces"\} (\d+)/m) > 0, metrics);
    assert.ok(metricValue(metrics, /^lab_telemetry_spans_dropped_total\{reason="export_failed"\} (\d+)/m) > 0, metrics);
    assert.equal(metricValue(metrics, /^lab_telemetry_spans_exported_total (\d+)/m), 0);
    assert.equal((await fetch(`${service.url}/healthz`)).status, 200);
    assertHealthyAndQuiet(service);
  });
}

test('backend never answers: the queue stays bounded and overflow is counted as queue_full', async (t) => {
  const service = await startService({
    script: fixture,
    cwd: packageDir,
    env: {
      OTEL_SERVICE_NAME: 'hang-svc',
      OTEL_EXPORTER_OTLP_ENDPOINT: await receiverWith('hang'),
      OTEL_EXPORTER_OTLP_TIMEOUT: '30000',
      OTEL_BSP_SCHEDULE_DELAY: '100',
      OTEL_BSP_MAX_QUEUE_SIZE: '20',
      OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '10',
      LAB_TELEMETRY_ACCESS_LOG: 'false',
    },
  });
  t.after(() => service.stop('SIGKILL'));
  const metrics = await exerciseDuringOutage(service, /^lab_telemetry_spans_dropped_total\{reason="queue_full"\} (\d+)/m);
  assert.ok(metricValue(metrics, /^lab_telemetry_spans_dropped_total\{reason="queue_full"\} (\d+)/m) > 0, metrics);
  assertHealthyAndQuiet(service);
});

test('a failing backend gets one export at a time: failed batches never pile up as concurrent exports', async (t) => {
  // Answers every export 400 (not retryable) after 150 ms and records how many were in flight at once. sdk-trace's
  // batch processor alone starts one more concurrent export after each failure.
  let inFlight = 0;
  let maxInFlight = 0;
  let exports = 0;
  const backend = createServer((request, response) => {
    inFlight++;
    exports++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    request.resume();
    setTimeout(() => {
      inFlight--;
      response.writeHead(400).end();
    }, 150);
  });
  await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve));
  t.after(() => backend.close());
  const service = await startService({
    script: fixture,
    cwd: packageDir,
    env: {
      OTEL_SERVICE_NAME: 'failing-backend-svc',
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${(backend.address() as AddressInfo).port}`,
      OTEL_BSP_SCHEDULE_DELAY: '50',
      OTEL_BSP_MAX_QUEUE_SIZE: '50',
      OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '5',
      LAB_TELEMETRY_ACCESS_LOG: 'false',
    },
  });
  t.after(() => service.stop('SIGKILL'));
  const metrics = await exerciseDuringOutage(service, /^lab_telemetry_export_failures_total\{signal="traces"\} ([1-9]\d+)/m);
  assert.ok(exports >= 10, `${exports} exports reached the backend`);
  assert.equal(maxInFlight, 1, `at most one export in flight, saw ${maxInFlight}`);
  assert.ok(metricValue(metrics, /^lab_telemetry_spans_dropped_total\{reason="export_failed"\} (\d+)/m) >= 10, metrics);
  assert.equal(metricValue(metrics, /^lab_telemetry_spans_exported_total (\d+)/m), 0);
  assertHealthyAndQuiet(service);
});

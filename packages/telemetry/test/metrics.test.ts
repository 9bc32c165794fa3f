// RED metrics scraped by a real Prometheus (exemplar storage on) from a real child process; exemplars must point at
// traces the OTLP receiver received; promtool must accept the exposition.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { OtlpReceiver } from '@lab/receiver';
import { type PrometheusInstance, promtoolCheckMetrics, startPrometheus } from '@lab/dev-kit/prometheus';
import { type RunningService, startService } from './helpers/service.ts';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const fixture = fileURLToPath(new URL('./fixtures/express-app.ts', import.meta.url));

type Vector = Array<{ metric: Record<string, string>; value: [number, string] }>;

let receiver: OtlpReceiver;
let service: RunningService;
let prometheus: PrometheusInstance;

before(async () => {
  receiver = await OtlpReceiver.start();
  service = await startService({
    script: fixture,
    cwd: packageDir,
    env: {
      OTEL_SERVICE_NAME: 'metrics-svc',
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_BSP_SCHEDULE_DELAY: '100',
      // Half of the traces are sampled: every request must still be counted.
      OTEL_TRACES_SAMPLER: 'traceidratio',
      OTEL_TRACES_SAMPLER_ARG: '0.5',
      LAB_TELEMETRY_MAX_SERIES_PER_METRIC: '4',
    },
  });
  prometheus = await startPrometheus([{ job: 'metrics-svc', port: service.port }]);
});

after(async () => {
  await service?.stop('SIGKILL');
  await prometheus?.close();
  await receiver?.close();
});

async function get(path: string, init?: RequestInit): Promise<number> {
  const response = await fetch(`${service.url}${path}`, init);
  await response.arrayBuffer();
  return response.status;
}

test('every request is counted by route template, method and status, whatever the sampling decision', async () => {
  for (let i = 0; i < 20; i++) assert.equal(await get(`/items/${i}`), 200);
  for (let i = 0; i < 3; i++) assert.equal(await get('/fail'), 500);
  assert.equal(await get('/wp-login.php'), 404);
  assert.equal(await get('/.env'), 404);
  assert.equal(await get('/items/1', { method: 'PROPFIND' }), 404);
  assert.equal(await get('/healthz'), 200);

  const count = (labels: string) => `sum(http_server_request_duration_seconds_count{job="metrics-svc",${labels}})`;
  await prometheus.waitForQuery<Vector>(count('http_route="/items/:id",http_request_method="GET",http_response_status_code="200"'), (r) => r[0]?.value[1] === '20', 20_000);
  await prometheus.waitForQuery<Vector>(count('http_route="/fail",http_response_status_code="500"'), (r) => r[0]?.value[1] === '3', 10_000);
  // Scanners' paths collapse into one route; unknown methods become _OTHER.
  await prometheus.waitForQuery<Vector>(count('http_route="/*",http_request_method="GET",http_response_status_code="404"'), (r) => r[0]?.value[1] === '2', 10_000);
  await prometheus.waitForQuery<Vector>(count('http_request_method="_OTHER"'), (r) => r[0]?.value[1] === '1', 10_000);
  const health = await prometheus.api<{ result: Vector }>('query', { query: count('http_route="/healthz"') });
  assert.deepEqual(health.result, [], '/healthz is not in the RED metrics');

  const series = await prometheus.api<Array<Record<string, string>>>('series', { 'match[]': 'http_server_request_duration_seconds_bucket{job="metrics-svc"}' });
  const labelNames = new Set(series.flatMap((labels) => Object.keys(labels)));
  assert.deepEqual([...labelNames].sort(), ['__name__', 'error_type', 'http_request_method', 'http_response_status_code', 'http_route', 'instance', 'job', 'le', 'url_scheme']);
  // error_type only on failures, with the status code as its value (semconv: 5xx), url_scheme on every series.
  assert.ok(series.every((labels) => labels.url_scheme === 'http'));
  assert.ok(series.every((labels) => (labels.http_response_status_code?.startsWith('5') ? labels.error_type === labels.http_response_status_code : labels.error_type === undefined)));
  const buckets = new Set(series.map((labels) => labels.le));
  assert.deepEqual([...buckets].sort((a, b) => Number(a.replace('+Inf', 'Infinity')) - Number(b.replace('+Inf', 'Infinity'))), ['0.005', '0.01', '0.025', '0.05', '0.075', '0.1', '0.25', '0.5', '0.75', '1', '2.5', '5', '7.5', '10', '+Inf']);
});

test('exemplars carry exactly {trace_id, span_id} of traces the OTLP receiver received', async () => {
  for (let i = 0; i < 10; i++) await get(`/items/${i}`);
  const end = Date.now() / 1000 + 60;
  const deadline = Date.now() + 20_000;
  let exemplars: Array<{ labels: Record<string, string> }> = [];
  while (Date.now() < deadline && exemplars.length === 0) {
    const data = await prometheus.api<Array<{ exemplars: Array<{ labels: Record<string, string> }> }>>('query_exemplars', {
      query: 'http_server_request_duration_seconds_bucket{job="metrics-svc"}',
      start: String(end - 600),
      end: String(end),
    });
    exemplars = data.flatMap((series) => series.exemplars);
    if (exemplars.length === 0) await new Promise((resolve) => setTimeout(resolve, 500));
  }
  assert.ok(exemplars.length > 0, 'Prometheus stored exemplars');
  for (const exemplar of exemplars) assert.deepEqual(Object.keys(exemplar.labels).sort(), ['span_id', 'trace_id']);
  for (const exemplar of exemplars.slice(0, 5)) {
    const span = await receiver.waitForSpan((candidate) => candidate.traceId === exemplar.labels.trace_id, 10_000);
    assert.equal(span.spanId, exemplar.labels.span_id);
    assert.equal(span.kind, 2);
  }
});

test('self-telemetry, runtime metrics and the series cap are on the same registry', async () => {
  await prometheus.waitForQuery<Vector>('lab_telemetry_spans_exported_total{job="metrics-svc"}', (r) => Number(r[0]?.value[1]) > 0, 20_000);
  for (const name of [
    'process_cpu_seconds_total',
    'process_resident_memory_bytes',
    'nodejs_eventloop_lag_p99_seconds',
    'nodejs_heap_size_used_bytes',
    'nodejs_active_handles',
    'nodejs_active_requests',
    'nodejs_active_resources',
  ]) {
    const { result } = await prometheus.api<{ result: Vector }>('query', { query: `${name}{job="metrics-svc"}` });
    assert.ok(result.length > 0, `${name} is exported`);
  }
  // The cap (4 label sets per metric) was reached by the first test; further new label sets are dropped and counted.
  assert.equal(await get('/items/1', { method: 'DELETE' }), 404);
  assert.equal(await get('/items/1', { method: 'PUT' }), 404);
  await prometheus.waitForQuery<Vector>(
    'lab_telemetry_series_dropped_total{job="metrics-svc",metric="http_server_request_duration_seconds"}',
    (r) => Number(r[0]?.value[1]) >= 1,
    10_000,
  );
});

test('classic text by default, OpenMetrics when asked; promtool check metrics passes', async () => {
  const classic = await fetch(`${service.url}/metrics`);
  assert.match(classic.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  const text = await classic.text();
  assert.doesNotMatch(text, /# EOF/);
  assert.match(text, /^lab_telemetry_spans_exported_total \d+/m);
  assert.doesNotMatch(text, /nodejs_active_handles_total/);
  const check = promtoolCheckMetrics(text);
  assert.equal(check.status, 0, check.output);

  const open = await fetch(`${service.url}/metrics`, { headers: { accept: 'application/openmetrics-text; version=1.0.0' } });
  assert.match(open.headers.get('content-type') ?? '', /^application\/openmetrics-text/);
  const body = await open.text();
  assert.match(body, /# EOF\n$/);
  assert.match(body, /http_server_request_duration_seconds_bucket\{[^}]*\} \d+ # \{trace_id="[0-9a-f]{32}",span_id="[0-9a-f]{16}"\}/);
  // A classic scrape after an OpenMetrics one keeps the counters' _total names.
  assert.match(await (await fetch(`${service.url}/metrics`)).text(), /^lab_telemetry_spans_exported_total \d+/m);
});

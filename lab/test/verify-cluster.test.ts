// `pnpm verify:cluster` against a fake cluster on 127.0.0.1: one HTTP server answers as Prometheus
// (query_exemplars), Tempo (/api/traces/<id>, OTLP JSON with base64 ids as Tempo encodes them), Loki (query_range
// streams, JSON lines and structured metadata) and Pyroscope (SelectMergeSpanProfile flame graph), with bodies in the
// formats their HTTP APIs document. Every request is held to the upstream contract (upstream-contracts.ts: the
// Pyroscope querier messages restated from its .proto files, the documented HTTP parameters): a field or parameter the real API does not have
// is answered 400 and fails the test. The requests' values are checked too (query, time units, auth, tenant).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, afterEach, before, beforeEach, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { clusterBackends, DEFAULT_PROFILE_TYPE, summarizeFlamegraph } from '../src/correlation/cluster.ts';
import { parseDuration } from '../src/verify-cluster.ts';
import { ContractError, checkHttpQuery, checkPyroscopeResponse, decodePyroscopeRequest } from './upstream-contracts.ts';

const CLI = join(fileURLToPath(new URL('..', import.meta.url)), 'src', 'verify-cluster.ts');
const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const NOW = Math.floor(Date.now() / 1000);

interface FakeSpan {
  id: string;
  parent?: string;
  service: string;
  name: string;
  kind: number;
}
// gateway -> orders -> catalog, orders -> payments: four local roots, each entered from a client span.
const SPANS: FakeSpan[] = [
  { id: '00f067aa0ba902b7', service: 'gateway', name: 'POST /checkout', kind: 2 },
  { id: '00f067aa0ba902b8', parent: '00f067aa0ba902b7', service: 'gateway', name: 'POST', kind: 3 },
  { id: '1111111111111111', parent: '00f067aa0ba902b8', service: 'orders', name: 'POST /orders', kind: 2 },
  { id: '1111111111111112', parent: '1111111111111111', service: 'orders', name: 'GET', kind: 3 },
  { id: '2222222222222222', parent: '1111111111111112', service: 'catalog', name: 'GET /products/:id', kind: 2 },
  { id: '1111111111111113', parent: '1111111111111111', service: 'orders', name: 'POST', kind: 3 },
  { id: '3333333333333333', parent: '1111111111111113', service: 'payments', name: 'POST /authorize', kind: 2 },
];
const SERVICES = ['gateway', 'orders', 'catalog', 'payments'];
const localRoot = (service: string) => SPANS.find((span) => span.service === service && span.kind === 2)!;
const b64 = (hex: string) => Buffer.from(hex, 'hex').toString('base64');

/** GET /api/traces/<id> as Tempo answers it: `batches` of OTLP resource spans, bytes ids in base64. */
function tempoTrace() {
  return {
    batches: SERVICES.map((service) => ({
      resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
      scopeSpans: [
        {
          scope: { name: '@lab/telemetry' },
          spans: SPANS.filter((span) => span.service === service).map((span, index) => ({
            traceId: b64(TRACE_ID),
            spanId: b64(span.id),
            ...(span.parent ? { parentSpanId: b64(span.parent) } : {}),
            name: span.name,
            kind: span.kind === 2 ? 'SPAN_KIND_SERVER' : 'SPAN_KIND_CLIENT',
            startTimeUnixNano: String(BigInt(NOW - 60) * 1_000_000_000n + BigInt(index)),
            endTimeUnixNano: String(BigInt(NOW - 59) * 1_000_000_000n),
            attributes: [{ key: 'http.response.status_code', value: { intValue: '200' } }],
          })),
        },
      ],
    })),
  };
}

/** query_exemplars: one series per job, the exemplar labels exactly {trace_id, span_id}. */
function exemplars(query: string) {
  const jobs = /job="(\w+)"/.exec(query)?.[1] ? [/job="(\w+)"/.exec(query)![1]!] : SERVICES;
  return {
    status: 'success',
    data: jobs.map((job) => ({
      seriesLabels: { __name__: 'http_server_request_duration_seconds_bucket', job, http_route: '/checkout', le: '0.5' },
      exemplars: [{ labels: { trace_id: TRACE_ID, span_id: localRoot(job).id }, value: '0.42', timestamp: NOW - 60 + 0.123 }],
    })),
  };
}

/** query_range streams: gateway's ids in the JSON line, the others' in the structured metadata (categorize-labels). */
function lokiStreams(query: string) {
  const service = /service_name="(\w+)"/.exec(query)?.[1] ?? '';
  if (fake.noLogsFor === service || !SERVICES.includes(service)) return { status: 'success', data: { resultType: 'streams', result: [] } };
  const span = localRoot(service);
  const ns = `${BigInt(NOW - 59) * 1_000_000_000n}`;
  const line = JSON.stringify({ level: 'info', service, msg: 'request completed', ...(service === 'gateway' ? { trace_id: TRACE_ID, span_id: span.id } : {}) });
  const metadata = service === 'gateway' ? undefined : { structuredMetadata: { trace_id: TRACE_ID, span_id: span.id } };
  const values: unknown[] = [metadata ? [ns, line, metadata] : [ns, line]];
  // service-kit's CPU fault declares the CPU time it burns in the span.
  if (fake.cpuFaultOn === service) values.push([ns, JSON.stringify({ level: 'warn', service, fault: 'cpu', cpu_ms: 60, msg: 'fault injected' }), metadata]);
  return {
    status: 'success',
    data: { resultType: 'streams', result: [{ stream: { service_name: service, namespace: 'shop', level: 'info' }, values }] },
  };
}

/** SelectMergeSpanProfile (the decoded request message): samples only for gateway's and orders' local-root spans. */
function flamegraph(request: Record<string, unknown>) {
  const profiled = [localRoot('gateway').id, localRoot('orders').id];
  const selected = (request['span_selector'] ?? []) as string[];
  if (!selected.some((id) => profiled.includes(id))) return { flamegraph: { names: ['total'], levels: [{ values: ['0', '0', '0', '0'] }], total: '0', maxSelf: '0' } };
  return {
    flamegraph: {
      names: ['total', 'processTicksAndRejections', 'scoreFraud', 'JSON.parse'],
      levels: [{ values: ['0', '900', '0', '0'] }, { values: ['0', '900', '100', '1'] }, { values: ['0', '600', '500', '2', '0', '200', '200', '3'] }, { values: ['0', '100', '100', '3'] }],
      total: '900',
      maxSelf: '500',
    },
  };
}

interface Recorded {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: unknown;
}

const fake: { server?: Server; base: string; requests: Recorded[]; violations: string[]; noLogsFor?: string; cpuFaultOn?: string; failTempo?: boolean } = {
  base: '',
  requests: [],
  violations: [],
};

const PYROSCOPE_PROCEDURE = '/querier.v1.QuerierService/';

/** The answer of the fake for one request, after the request passed its API's contract (throws ContractError). */
function answer(method: string, url: URL, body: unknown): [number, unknown] {
  const path = url.pathname;
  if (path.startsWith('/prom/')) {
    checkHttpQuery('Prometheus', path.slice('/prom'.length), url.searchParams);
    return [200, exemplars(url.searchParams.get('query') ?? '')];
  }
  if (path.startsWith('/tempo/')) {
    checkHttpQuery('Tempo', path.slice('/tempo'.length), url.searchParams);
    if (path === `/tempo/api/traces/${TRACE_ID}`) return fake.failTempo ? [500, 'internal: ingester unavailable'] : [200, tempoTrace()];
    return [404, 'trace not found'];
  }
  if (path.startsWith('/loki/')) {
    checkHttpQuery('Loki', path.slice('/loki'.length), url.searchParams);
    return [200, lokiStreams(url.searchParams.get('query') ?? '')];
  }
  if (path.startsWith(`/pyroscope${PYROSCOPE_PROCEDURE}`) && method === 'POST') {
    const procedure = path.slice('/pyroscope'.length);
    const request = decodePyroscopeRequest(procedure, body);
    if (procedure !== `${PYROSCOPE_PROCEDURE}SelectMergeSpanProfile`) return [501, `${procedure} is not faked`];
    const response = flamegraph(request);
    checkPyroscopeResponse(procedure, response);
    return [200, response];
  }
  return [404, { error: `unexpected ${method} ${path}` }];
}

before(async () => {
  fake.server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const url = new URL(request.url ?? '/', 'http://fake');
      const body = chunks.length > 0 ? (JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown) : undefined;
      fake.requests.push({ method: request.method ?? '', path: url.pathname, query: url.searchParams, headers: request.headers, body });
      let status: number;
      let payload: unknown;
      try {
        [status, payload] = answer(request.method ?? '', url, body);
      } catch (error) {
        if (!(error instanceof ContractError)) throw error;
        // What a strict server would answer; recorded so the test fails even when the client swallows the 400.
        fake.violations.push(error.message);
        [status, payload] = [400, { code: 'invalid_argument', message: error.message }];
      }
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(typeof payload === 'string' ? payload : JSON.stringify(payload));
    });
  });
  await new Promise<void>((resolve) => fake.server!.listen(0, '127.0.0.1', resolve));
  fake.base = `http://127.0.0.1:${(fake.server!.address() as AddressInfo).port}`;
});

after(() => new Promise<void>((resolve) => (fake.server ? fake.server.close(() => resolve()) : resolve())));

beforeEach(() => {
  fake.requests = [];
  fake.violations = [];
  delete fake.noLogsFor;
  delete fake.cpuFaultOn;
  delete fake.failTempo;
});

afterEach(() => {
  assert.deepEqual(fake.violations, [], 'every request the fakes received is valid for the real API');
});

const endpoints = () => ({
  prometheus: { url: `${fake.base}/prom`, bearerToken: 'prom-secret-token' },
  tempo: { url: `${fake.base}/tempo`, tenant: 'lab' },
  loki: { url: `${fake.base}/loki/`, basicAuth: { user: 'reader', password: 'loki-secret' }, tenant: 'lab' },
  pyroscope: { url: `${fake.base}/pyroscope`, tenant: 'lab' },
});
const range = { start: NOW - 600, end: NOW };

test('exemplars: query_exemplars with the selector and range in seconds, bearer auth, ids and numbers decoded', async () => {
  const backends = clusterBackends({ ...endpoints(), profileType: DEFAULT_PROFILE_TYPE });
  const found = await backends.exemplars('http_server_request_duration_seconds_bucket{job="gateway"}', range);
  assert.deepEqual(found, [
    {
      seriesLabels: { __name__: 'http_server_request_duration_seconds_bucket', job: 'gateway', http_route: '/checkout', le: '0.5' },
      traceId: TRACE_ID,
      spanId: localRoot('gateway').id,
      value: 0.42,
      timestamp: NOW - 60 + 0.123,
    },
  ]);
  const [request] = fake.requests;
  assert.equal(request?.query.get('query'), 'http_server_request_duration_seconds_bucket{job="gateway"}');
  assert.equal(request?.query.get('start'), String(range.start));
  assert.equal(request?.query.get('end'), String(range.end));
  assert.equal(request?.headers['authorization'], 'Bearer prom-secret-token');
});

test('trace: Tempo OTLP JSON with base64 ids becomes hex spans with services and kinds; unknown id is undefined', async () => {
  const backends = clusterBackends({ ...endpoints(), profileType: DEFAULT_PROFILE_TYPE });
  const spans = await backends.trace(TRACE_ID);
  assert.equal(spans?.length, SPANS.length);
  const payments = spans?.find((span) => span.serviceName === 'payments');
  assert.deepEqual(
    { traceId: payments?.traceId, spanId: payments?.spanId, parentSpanId: payments?.parentSpanId, kind: payments?.kind, name: payments?.name },
    { traceId: TRACE_ID, spanId: '3333333333333333', parentSpanId: '1111111111111113', kind: 'server', name: 'POST /authorize' },
  );
  assert.equal(payments?.attributes['http.response.status_code'], 200);
  assert.equal(fake.requests[0]?.headers['x-scope-orgid'], 'lab');
  assert.equal(await backends.trace('0123456789abcdef0123456789abcdef'), undefined);
});

test('logs: LogQL on service_name with a trace_id filter, nanosecond range, ids from the JSON line or structured metadata', async () => {
  const backends = clusterBackends({ ...endpoints(), profileType: DEFAULT_PROFILE_TYPE });
  const gateway = await backends.logsForTrace('gateway', TRACE_ID, range);
  const orders = await backends.logsForTrace('orders', TRACE_ID, range);
  assert.deepEqual(
    [...gateway, ...orders].map((line) => [line.serviceName, line.traceId, line.spanId, line.time]),
    [
      ['gateway', TRACE_ID, localRoot('gateway').id, (NOW - 59) * 1000],
      ['orders', TRACE_ID, localRoot('orders').id, (NOW - 59) * 1000],
    ],
  );
  assert.equal(gateway[0]?.line['msg'], 'request completed');
  const [request] = fake.requests;
  assert.equal(request?.query.get('query'), `{service_name="gateway"} | trace_id="${TRACE_ID}"`);
  assert.match(request?.query.get('start') ?? '', /^\d{19}$/, 'Loki takes nanoseconds');
  assert.ok(BigInt(request!.query.get('start')!) <= BigInt(range.start) * 1_000_000_000n);
  assert.equal(request?.headers['authorization'], `Basic ${Buffer.from('reader:loki-secret').toString('base64')}`);
  assert.equal(request?.headers['x-scope-orgid'], 'lab');
  assert.equal(request?.path, '/loki/loki/api/v1/query_range', 'a trailing slash in the base URL is not doubled');
});

test('profile: SelectMergeSpanProfile with the span selector, profile type and ms range; self time per function', async () => {
  const backends = clusterBackends({ ...endpoints(), profileType: DEFAULT_PROFILE_TYPE });
  const summary = await backends.profileForSpan('gateway', localRoot('gateway').id, range);
  assert.deepEqual(summary, {
    serviceName: 'gateway',
    total: 900,
    topFunctions: [
      { name: 'scoreFraud', self: 500 },
      { name: 'JSON.parse', self: 300 },
      { name: 'processTicksAndRejections', self: 100 },
    ],
  });
  const [request] = fake.requests;
  assert.equal(request?.path, '/pyroscope/querier.v1.QuerierService/SelectMergeSpanProfile');
  assert.equal(request?.headers['connect-protocol-version'], '1');
  const body = request?.body as Record<string, unknown>;
  assert.deepEqual(body['spanSelector'], [localRoot('gateway').id]);
  assert.equal(body['labelSelector'], '{service_name="gateway"}');
  assert.equal(body['profileTypeID'], 'wall:cpu:nanoseconds:wall:nanoseconds');
  assert.ok(Number(body['start']) <= range.start * 1000 && Number(body['end']) >= range.end * 1000, 'milliseconds covering the range');
  assert.equal(await backends.profileForSpan('catalog', localRoot('catalog').id, range), undefined, 'an empty flame graph is no profile');
  assert.equal(summarizeFlamegraph('x', {}), undefined);
});

test('the fakes reject what the real APIs do not have: a span selector on SelectMergeStacktraces, an unknown parameter', async () => {
  // The request the old client sent: Pyroscope 1.x has no span selector on SelectMergeStacktracesRequest (a Connect
  // server would drop the field and answer with the whole service's profile).
  const stacktraces = {
    profileTypeID: DEFAULT_PROFILE_TYPE,
    labelSelector: '{service_name="gateway"}',
    spanSelector: [localRoot('gateway').id],
    start: String((NOW - 600) * 1000),
    end: String(NOW * 1000),
  };
  assert.throws(() => decodePyroscopeRequest('/querier.v1.QuerierService/SelectMergeStacktraces', stacktraces), (error: Error) => {
    assert.ok(error instanceof ContractError);
    assert.match(error.message, /^Pyroscope v1\.21\.1 SelectMergeStacktracesRequest: unknown field "spanSelector"/);
    return true;
  });
  const posted = await fetch(`${fake.base}/pyroscope/querier.v1.QuerierService/SelectMergeStacktraces`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(stacktraces),
  });
  assert.equal(posted.status, 400);
  // The same fields are a valid SelectMergeSpanProfileRequest; wrong types and snake_case aliases are decoded as protojson does.
  assert.deepEqual(decodePyroscopeRequest('/querier.v1.QuerierService/SelectMergeSpanProfile', { ...stacktraces, max_nodes: 16 })['span_selector'], [localRoot('gateway').id]);
  assert.throws(() => decodePyroscopeRequest('/querier.v1.QuerierService/SelectMergeSpanProfile', { ...stacktraces, start: 'yesterday' }), /start: "yesterday" is not an integer/);
  assert.throws(() => decodePyroscopeRequest('/querier.v1.QuerierService/SelectMergeSpanProfile', { ...stacktraces, format: 'SVG' }), /format: "SVG" is not one of PROFILE_FORMAT_UNSPECIFIED/);
  assert.throws(() => checkPyroscopeResponse('/querier.v1.QuerierService/SelectMergeSpanProfile', { flamegraph: { names: [], levels: [], total: '0', self: '0' } }), /unknown field "self"/);

  const loki = await fetch(`${fake.base}/loki/loki/api/v1/query_range?query=${encodeURIComponent('{service_name="gateway"}')}&tenant=lab`);
  assert.equal(loki.status, 400);
  assert.match(await loki.text(), /Loki \/loki\/api\/v1\/query_range: unknown query parameter \\"tenant\\"/);
  const tempo = await fetch(`${fake.base}/tempo/api/traces/${TRACE_ID}?mode=all`);
  assert.equal(tempo.status, 400);
  const prometheus = await fetch(`${fake.base}/prom/api/v1/query_exemplar?query=up`);
  assert.equal(prometheus.status, 400, 'the old singular path is not an endpoint');
  assert.equal(fake.violations.length, 4, fake.violations.join('\n'));
  fake.violations = [];
});

test('an HTTP error names the backend, the URL and the status, never the credentials (user:password in the URL is basic auth)', async () => {
  fake.failTempo = true;
  const backends = clusterBackends({ ...endpoints(), tempo: { url: `http://user:tempo-secret@127.0.0.1:${new URL(fake.base).port}/tempo` }, profileType: DEFAULT_PROFILE_TYPE });
  await assert.rejects(backends.trace(TRACE_ID), (error: Error) => {
    assert.match(error.message, /^Tempo http:\/\/127\.0\.0\.1:\d+\/tempo\/api\/traces\/\w+: HTTP 500 internal: ingester unavailable$/);
    assert.doesNotMatch(error.message, /secret|user/);
    return true;
  });
  assert.equal(fake.requests[0]?.headers['authorization'], `Basic ${Buffer.from('user:tempo-secret').toString('base64')}`);
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const port = (closed.address() as AddressInfo).port;
  await new Promise<void>((resolve) => closed.close(() => resolve()));
  const unreachable = clusterBackends({ ...endpoints(), loki: { url: `http://127.0.0.1:${port}/loki` }, profileType: DEFAULT_PROFILE_TYPE });
  await assert.rejects(unreachable.logsForTrace('gateway', TRACE_ID, range), /^Error: Loki http:\/\/127\.0\.0\.1:\d+\/loki\/loki\/api\/v1\/query_range: ECONNREFUSED$/);
});

function runCli(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { PATH: process.env['PATH'] ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 30_000,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('error', reject);
    // Awaited to its end by every test; the spawn timeout kills it should it ever hang.
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const cliEndpoints = () => ['--prometheus', `${fake.base}/prom`, '--tempo', `${fake.base}/tempo`, '--loki', `${fake.base}/loki`, '--pyroscope', `${fake.base}/pyroscope`];

test('pnpm verify:cluster walks all five links, checks every exemplar of the window and exits 0', async () => {
  fake.cpuFaultOn = 'orders';
  const result = await runCli(cliEndpoints());
  assert.equal(result.code, 0, result.stdout + result.stderr);
  const links = result.stdout.split('\n').filter((line) => /^[✔✘] (metrics|exemplar|trace|logs|profile) /.test(line));
  assert.deepEqual(
    links.map((line) => line.slice(0, 10).trim()),
    ['✔ metrics', '✔ exemplar', '✔ trace', '✔ logs', '✔ profile'],
  );
  assert.match(result.stdout, /trace 4bf92f3577b34da6a3ce929d0e0e4736/);
  assert.match(result.stdout, /gateway -> orders -> catalog -> payments|spans across/);
  assert.match(result.stdout, /every exemplar of the window: 4 exemplars, 1 traces\n/);
  assert.match(result.stdout, /^✔ 4\/4 \(100%\) exemplars resolve to a complete trace/m);
  assert.match(result.stdout, /^✔ 4\/4 \(100%\) exemplars' traces have log lines from every service they crossed/m);
  assert.match(result.stdout, /^✔ 1\/1 \(100%\) local-root spans with >= 10 ms CPU time have labelled profile samples/m);
  assert.match(result.stdout, /connected end to end, for every exemplar of the window/);
});

test('a CPU-heavy span without profile samples fails the shares (exit 1) though the walk resolves', async () => {
  fake.cpuFaultOn = 'payments';
  const result = await runCli(cliEndpoints());
  assert.equal(result.code, 1, result.stdout + result.stderr);
  assert.match(result.stdout, /^✔ profile/m);
  assert.match(result.stdout, /^✘ 0\/1 \(0%\) local-root spans with >= 10 ms CPU time have labelled profile samples \(target 95%\)/m);
  assert.match(result.stdout, /span 3333333333333333 \(payments "POST \/authorize"\) spent 60 ms on CPU but has no labelled profile sample/);
  assert.doesNotMatch(result.stdout, /connected end to end/);
});

test('a broken link (no logs from orders) is printed as the first failure and exits 1', async () => {
  fake.noLogsFor = 'orders';
  const result = await runCli(cliEndpoints());
  assert.equal(result.code, 1, result.stdout + result.stderr);
  const links = result.stdout.split('\n').filter((line) => /^[✔✘] (metrics|exemplar|trace|logs|profile) /.test(line));
  assert.deepEqual(
    links.map((line) => line.slice(0, 10).trim()),
    ['✔ metrics', '✔ exemplar', '✔ trace', '✘ logs'],
  );
  assert.match(links.at(-1)!, /orders/);
  assert.doesNotMatch(result.stdout, /^. profile/m, 'no link is printed after the first break');
  assert.match(result.stdout, /^✘ 0\/4 \(0%\) exemplars' traces have log lines from every service they crossed/m);
});

test('an unreachable or failing backend breaks its link with the HTTP reason (env endpoints, tenant)', async () => {
  fake.failTempo = true;
  const result = await runCli([], {
    PROMETHEUS_URL: `${fake.base}/prom`,
    TEMPO_URL: `${fake.base}/tempo`,
    TEMPO_BEARER_TOKEN: 'very-secret-token',
    LOKI_URL: `${fake.base}/loki`,
    PYROSCOPE_URL: `${fake.base}/pyroscope`,
    PYROSCOPE_TENANT: 'lab',
  });
  assert.equal(result.code, 1);
  assert.match(result.stdout, /✘ trace +Tempo http:\/\/127\.0\.0\.1:\d+\/tempo\/api\/traces\/4bf92f3577b34da6a3ce929d0e0e4736: HTTP 500/);
  assert.doesNotMatch(result.stdout + result.stderr, /very-secret-token/);
  const tempoRequest = fake.requests.find((request) => request.path.startsWith('/tempo/'));
  assert.equal(tempoRequest?.headers['authorization'], 'Bearer very-secret-token');
});

test('bad usage exits 2 and says what is missing', async () => {
  const missing = await runCli(['--prometheus', `${fake.base}/prom`]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /no tempo endpoint: pass --tempo URL or set TEMPO_URL/);
  const badDuration = await runCli([...cliEndpoints(), '--since', 'ten minutes']);
  assert.equal(badDuration.code, 2);
  assert.match(badDuration.stderr, /--since: "ten minutes" is not a duration/);
  assert.equal(fake.requests.length, 0, 'nothing is queried on bad usage');
  assert.equal(parseDuration('90s', '--x'), 90);
  assert.equal(parseDuration('1.5h', '--x'), 5400);
});

// What an OpenTelemetry user expects of @lab/telemetry, on apps outside the repository that install the packed
// tarball (helpers/packed-app.ts) and load it with `--import @lab/telemetry/register`: handler errors and crashes
// reach the spans and the logs without changing the app's HTTP behaviour or its exit; requests cut at the shutdown
// deadline end their spans; stable HTTP semantic conventions with the spec's redaction; resource and scope
// identity. The same app without telemetry is the reference for responses and exit codes.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { OtlpReceiver, type ReceivedSpan } from '@lab/receiver';
import { fullUrl, redactQuery } from '../src/http/semconv.ts';
import { createPackedApp, packTelemetry } from './helpers/packed-app.ts';
import { freePort } from '@lab/dev-kit/ports';
import { promtoolCheckMetrics } from '@lab/dev-kit/prometheus';
import { jsonLines, type RunningService, startService } from './helpers/service.ts';

const SERVER = 2;
const CLIENT = 3;
const appSource = readFileSync(fileURLToPath(new URL('./fixtures/otel-app.cjs', import.meta.url)), 'utf8');
const packDir = mkdtempSync(join(tmpdir(), 'lab-telemetry-pack-'));
const appDirs: string[] = [];
let receiver: OtlpReceiver;
let tarball: string;
const apps: Record<'express5' | 'express4' | 'fastify' | 'koa' | 'hapi' | 'nest', string> = { express5: '', express4: '', fastify: '', koa: '', hapi: '', nest: '' };

before(async () => {
  tarball = packTelemetry(packDir);
  receiver = await OtlpReceiver.start();
  const files = { 'app.cjs': appSource };
  apps.express5 = createPackedApp(tarball, files, { express: 'express' });
  apps.express4 = createPackedApp(tarball, files, { express: 'express4' });
  apps.fastify = createPackedApp(tarball, files, { fastify: 'fastify' });
  apps.koa = createPackedApp(tarball, files, { koa: 'koa', '@koa/router': '@koa/router' });
  apps.hapi = createPackedApp(tarball, files, { '@hapi/hapi': '@hapi/hapi' });
  const nest = ['@nestjs/common', '@nestjs/core', '@nestjs/platform-express', 'reflect-metadata'];
  apps.nest = createPackedApp(tarball, files, Object.fromEntries(nest.map((name) => [name, name])));
  appDirs.push(...Object.values(apps));
});
after(async () => {
  await receiver?.close();
  for (const dir of [packDir, ...appDirs]) rmSync(dir, { recursive: true, force: true });
});

function start(app: keyof typeof apps, options: { telemetry?: boolean; env?: Record<string, string> } = {}): Promise<RunningService> {
  return startService({
    script: join(apps[app], 'app.cjs'),
    nodeArgs: options.telemetry === false ? [] : ['--import', '@lab/telemetry/register'],
    cwd: apps[app],
    env: {
      OTEL_SERVICE_NAME: `otel-${app}`,
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_BSP_SCHEDULE_DELAY: '100',
      APP_FRAMEWORK: app.startsWith('express') ? 'express' : app,
      NODE_ENV: 'production',
      ...options.env,
    },
  });
}

const newTraceId = () => randomBytes(16).toString('hex');
const traceparent = (traceId: string) => ({ traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01` });
const serverSpanOf = (traceId: string) => receiver.waitForSpan((span) => span.traceId === traceId && span.kind === SERVER, 10_000);

async function answer(url: string, headers: Record<string, string> = {}) {
  const response = await fetch(url, { headers });
  return { status: response.status, type: response.headers.get('content-type'), body: await response.text() };
}

function exceptionOf(span: ReceivedSpan) {
  const events = span.events.filter((event) => event.name === 'exception');
  assert.equal(events.length, 1, `one exception event on ${span.name}`);
  return events[0]!.attributes;
}

function errorLines(service: RunningService, traceId: string, level = 'error') {
  return jsonLines(service.lines).filter((line) => line.level === level && line.trace_id === traceId && line.err !== undefined);
}

for (const app of ['express5', 'express4', 'fastify', 'koa', 'hapi', 'nest'] as const) {
  test(`${app}: a throwing handler gives an exception event, a status message and one error line with the trace; the response is the app's own`, async (t) => {
    const [bare, traced] = await Promise.all([start(app, { telemetry: false }), start(app)]);
    t.after(() => Promise.all([bare.stop('SIGKILL'), traced.stop('SIGKILL')]));
    // express 4 does not catch rejected promises (they crash the process, see below).
    const failures: Array<[string, string, string]> = [['sync', 'TypeError', 'sync failure']];
    if (app !== 'express4') failures.push(['async', 'RangeError', 'async failure']);
    for (const [route, type, message] of failures) {
      const traceId = newTraceId();
      assert.deepEqual(await answer(`${traced.url}/${route}`, traceparent(traceId)), await answer(`${bare.url}/${route}`), `${route}: same response`);
      const span = await serverSpanOf(traceId);
      assert.equal(span.status.code, 2);
      assert.equal(span.status.message, `${type}: ${message}`);
      assert.equal(span.attributes['error.type'], '500');
      const exception = exceptionOf(span);
      assert.equal(exception['exception.type'], type);
      assert.equal(exception['exception.message'], message);
      assert.match(String(exception['exception.stacktrace']), new RegExp(`^${type}: ${message}\\n    at `));
      await traced.waitForLine((line) => line.includes(`"trace_id":"${traceId}"`) && line.includes('request completed'), 5000);
      const lines = errorLines(traced, traceId);
      assert.equal(lines.length, 1, `one error line for ${route}: ${JSON.stringify(lines)}`);
      const err = lines[0]!.err as Record<string, unknown>;
      assert.deepEqual([err.type, err.message], [type, message]);
      assert.match(String(err.stack), new RegExp(`^${type}: ${message}\\n`));
      assert.equal(lines[0]!.span_id, span.spanId);
    }
    if (!app.startsWith('express')) return;
    // An error the app's own error middleware answers: recorded on the span, the 422 left alone (status unset).
    const traceId = newTraceId();
    assert.deepEqual(await answer(`${traced.url}/handled`, traceparent(traceId)), await answer(`${bare.url}/handled`));
    const span = await serverSpanOf(traceId);
    assert.equal(span.status.code, 0);
    assert.equal(exceptionOf(span)['exception.message'], 'handled by the app');
  });
}

for (const [app, route, message] of [
  ['express5', 'crash', 'crash in a timer'],
  ['express5', 'reject', 'rejection in a timer'],
  ['express4', 'async', 'async failure'],
] as const) {
  test(`${app} /${route}: the process crashes as without telemetry, after one fatal line with the trace and the request's span exported`, async (t) => {
    const [bare, traced] = await Promise.all([start(app, { telemetry: false }), start(app)]);
    t.after(() => Promise.all([bare.stop('SIGKILL'), traced.stop('SIGKILL')]));
    const traceId = newTraceId();
    fetch(`${bare.url}/${route}`).catch(() => undefined);
    fetch(`${traced.url}/${route}`, { headers: traceparent(traceId) }).catch(() => undefined);
    const [bareCode, tracedCode] = await Promise.all([bare.exited, traced.exited]);
    assert.equal(tracedCode, bareCode, `exit code as without telemetry; stderr:\n${traced.stderr()}`);
    assert.equal(tracedCode, 1);
    for (const output of [bare.stderr(), traced.stderr()]) {
      assert.match(output, new RegExp(`Error: ${message}\\n    at `));
      assert.match(output, /Node\.js v\d+/);
    }
    const fatal = jsonLines(traced.lines).filter((line) => line.level === 'fatal');
    assert.equal(fatal.length, 1, JSON.stringify(fatal));
    assert.equal(fatal[0]!.trace_id, traceId, 'the fatal line carries the trace of the request it happened in');
    assert.equal((fatal[0]!.err as Record<string, unknown>).message, message);
    const span = await serverSpanOf(traceId);
    assert.equal(span.status.code, 2);
    assert.equal(exceptionOf(span)['exception.message'], message);
  });
}

test('shutdown: requests cut at the drain deadline end their spans and say so; draining answers pipelined requests and closes cleanly', async (t) => {
  const service = await start('express5', { env: { LAB_TELEMETRY_SHUTDOWN_TIMEOUT_MS: '2500' } });
  t.after(() => service.stop('SIGKILL'));
  const traceIds = [newTraceId(), newTraceId(), newTraceId()];
  const slow = traceIds.map((traceId) => fetch(`${service.url}/slow`, { headers: traceparent(traceId) }).then((r) => r.status, (error: Error) => error.name));
  // A keep-alive connection on which two requests arrive together once the drain has started.
  const socket = connect(service.port, '127.0.0.1');
  let received = '';
  socket.setEncoding('utf8').on('data', (chunk: string) => {
    received += chunk;
  });
  const closed = new Promise<string>((resolve) => {
    socket.on('error', (error: NodeJS.ErrnoException) => resolve(`error ${error.code}`));
    socket.on('end', () => resolve('end'));
  });
  await new Promise((resolve) => socket.once('connect', resolve));
  await new Promise((resolve) => setTimeout(resolve, 300));
  service.child.kill('SIGTERM');
  await service.waitForLine((line) => line.includes('"shutting down"'), 5000);
  socket.write('GET /quick HTTP/1.1\r\nHost: app\r\n\r\nGET /quick HTTP/1.1\r\nHost: app\r\n\r\n');

  assert.equal(await closed, 'end', 'the server ended the connection cleanly');
  const responses = received.split(/(?=HTTP\/1\.1 )/);
  assert.equal(responses.length, 2, `both pipelined requests answered:\n${received}`);
  assert.match(responses[0]!, /^HTTP\/1\.1 200 OK\r\n[\s\S]*Connection: keep-alive\r\n[\s\S]*quick$/);
  assert.match(responses[1]!, /^HTTP\/1\.1 200 OK\r\n[\s\S]*Connection: close\r\n[\s\S]*quick$/);
  assert.equal(await service.exited, 143);
  assert.ok((await Promise.all(slow)).every((outcome) => outcome !== 200), 'the slow requests were cut');

  for (const traceId of traceIds) {
    const span = await serverSpanOf(traceId);
    assert.equal(span.name, 'GET /slow');
    assert.equal(span.status.code, 2);
    assert.equal(span.attributes['error.type'], 'shutdown_deadline');
    assert.equal(span.attributes['http.response.status_code'], undefined, 'no status was sent');
    const access = jsonLines(service.lines).find((line) => line.trace_id === traceId && line.msg === 'request completed');
    assert.ok(access, `an access line for ${traceId}`);
    assert.equal(access.level, 'error');
    assert.equal(access.error_type, 'shutdown_deadline');
    assert.ok(!('status' in access), 'no invented status');
  }
});

test('stable HTTP conventions: url.query and url.full with sensitive values redacted, RED labels, error.type of a failed connection, resource and scope identity', async (t) => {
  const service = await start('express5');
  t.after(() => service.stop('SIGKILL'));
  const traceId = newTraceId();
  await answer(`${service.url}/items/7?color=red&sig=abc&X-Goog-Signature=zz`, traceparent(traceId));
  const server = await serverSpanOf(traceId);
  assert.equal(server.attributes['url.query'], 'color=red&sig=REDACTED&X-Goog-Signature=REDACTED');
  assert.equal(server.attributes['url.path'], '/items/7');
  assert.equal(server.resource['process.pid'], service.child.pid, 'process.pid is an int');
  assert.match(String(server.resource['telemetry.sdk.version']), /^\d+\.\d+\.\d+/);
  const { version } = JSON.parse(readFileSync(join(apps.express5, 'node_modules/@lab/telemetry/package.json'), 'utf8')) as { version: string };
  assert.deepEqual(server.scope, { name: '@lab/telemetry', version });

  const target = `http://127.0.0.1:${receiver.port}/v1/unknown?AWSAccessKeyId=AK&Signature=s&x=1`;
  const calledId = newTraceId();
  assert.equal((await answer(`${service.url}/call?target=${encodeURIComponent(target)}`, traceparent(calledId))).status, 200);
  const client = await receiver.waitForSpan((span) => span.traceId === calledId && span.kind === CLIENT, 10_000);
  assert.equal(client.attributes['url.full'], `http://127.0.0.1:${receiver.port}/v1/unknown?AWSAccessKeyId=REDACTED&Signature=REDACTED&x=1`);

  const closedPort = await freePort();
  const failedId = newTraceId();
  const refused = await answer(`${service.url}/call?target=${encodeURIComponent(`http://127.0.0.1:${closedPort}/`)}`, traceparent(failedId));
  assert.equal(refused.body, 'ECONNREFUSED');
  const failed = await receiver.waitForSpan((span) => span.traceId === failedId && span.kind === CLIENT, 10_000);
  assert.equal(failed.attributes['error.type'], 'ECONNREFUSED');
  assert.equal(failed.status.code, 2);

  const metrics = await (await fetch(`${service.url}/metrics`)).text();
  const clientSeries = metrics.split('\n').filter((line) => line.startsWith('http_client_request_duration_seconds_count{'));
  const refusedSeries = clientSeries.filter((line) => line.includes(`server_port="${closedPort}"`));
  assert.equal(refusedSeries.length, 1, clientSeries.join('\n'));
  assert.match(refusedSeries[0]!, /error_type="ECONNREFUSED"/);
  assert.doesNotMatch(refusedSeries[0]!, /http_response_status_code/, 'no empty status code label');
  assert.ok(clientSeries.some((line) => line.includes(`server_port="${receiver.port}"`) && /http_response_status_code="\d{3}"/.test(line)));
  assert.match(metrics, /http_server_request_duration_seconds_count\{[^}]*http_route="\/items\/:id"[^}]*url_scheme="http"[^}]*\} 1/);
});

test('url.full redaction: userinfo credentials and the sensitive query keys, nothing else', () => {
  assert.equal(fullUrl(new URL('https://user:secret@example.com:8443/a/b?sig=1&sigma=2&X-Goog-Signature=3&q=x')), 'https://REDACTED:REDACTED@example.com:8443/a/b?sig=REDACTED&sigma=2&X-Goog-Signature=REDACTED&q=x');
  assert.equal(fullUrl(new URL('http://example.com/path')), 'http://example.com/path');
  assert.equal(redactQuery('Signature&AWSAccessKeyId=&a=Signature'), 'Signature&AWSAccessKeyId=REDACTED&a=Signature');
  assert.equal(redactQuery('%73ig=secret&q=%20x'), '%73ig=REDACTED&q=%20x', 'a percent-encoded key is the same key');
});

test('OpenTelemetry API metrics: on /metrics with Prometheus names (units, _total, scope labels), promtool-clean, a name clash warned once', async (t) => {
  const service = await start('express5');
  t.after(() => service.stop('SIGKILL'));
  for (let i = 0; i < 2; i++) assert.equal((await answer(`${service.url}/record`)).body, 'recorded');
  for (const accept of ['text/plain', 'application/openmetrics-text; version=1.0.0']) {
    const { body, type } = await answer(`${service.url}/metrics`, { accept });
    // promtool parses the classic format only (OpenMetrics exemplars are a syntax error to it).
    if (!type?.includes('openmetrics')) {
      const check = promtoolCheckMetrics(body);
      assert.equal(check.status, 0, `promtool check metrics:\n${check.output}`);
    }
    const scope = 'otel_scope_name="shop",otel_scope_version="2.0.0"';
    assert.match(body, new RegExp(`^shop_orders_total\\{payment_method="card",${scope}\\} 4$`, 'm'));
    assert.match(body, new RegExp(`^shop_payload_bytes_total\\{${scope}\\} 1024$`, 'm'));
    assert.match(body, new RegExp(`^shop_checkout_duration_seconds_bucket\\{${scope},le="5"\\} 2$`, 'm'));
    assert.match(body, new RegExp(`^shop_checkout_duration_seconds_count\\{${scope}\\} 2$`, 'm'));
    assert.match(body, new RegExp(`^shop_queue_depth\\{${scope}\\} 6$`, 'm'));
    assert.match(body, new RegExp(`^shop_cache_hit_ratio\\{${scope}\\} 0.75$`, 'm'));
    assert.match(body, type?.includes('openmetrics') ? /^# TYPE shop_orders counter$/m : /^# TYPE shop_orders_total counter$/m);
    assert.equal(body.match(/^# TYPE http_server_request_duration_seconds histogram$/gm)?.length, 1, 'the clashing API metric is not written');
    if (type?.includes('openmetrics')) assert.match(body, /# EOF\n$/);
  }
  await service.waitForLine((line) => line.includes('"metric":"http_server_request_duration_seconds"'), 5000);
  await answer(`${service.url}/metrics`);
  await new Promise((resolve) => setTimeout(resolve, 300));
  const warnings = jsonLines(service.lines).filter((line) => line.level === 'warn' && line.metric === 'http_server_request_duration_seconds');
  assert.equal(warnings.length, 1, 'one warning for the clash, however many scrapes');
});

test('OTEL_METRICS_EXPORTER=prometheus,otlp pushes every metric as OTLP (API metrics and the RED histograms); none leaves /metrics to the app', async (t) => {
  const service = await start('express5', { env: { OTEL_METRICS_EXPORTER: 'prometheus,otlp', OTEL_METRIC_EXPORT_INTERVAL: '300' } });
  t.after(() => service.stop('SIGKILL'));
  await answer(`${service.url}/record`);
  await answer(`${service.url}/items/3`);
  const orders = await receiver.waitForMetric((point) => point.name === 'shop.orders' && point.resource['service.name'] === 'otel-express5', 10_000);
  assert.deepEqual([orders.type, orders.isMonotonic, orders.temporality, orders.value, orders.unit], ['sum', true, 2, 2, '{order}']);
  assert.deepEqual(orders.scope, { name: 'shop', version: '2.0.0' });
  const red = await receiver.waitForMetric(
    (point) => point.name === 'http.server.request.duration' && point.attributes['http.route'] === '/items/:id' && point.resource['service.name'] === 'otel-express5',
    10_000,
  );
  assert.equal(red.type, 'histogram');
  assert.equal(red.unit, 's');
  assert.equal(red.count, 1);
  assert.equal(red.attributes['http.response.status_code'], 200);
  assert.equal(red.attributes['url.scheme'], 'http');
  assert.deepEqual(red.explicitBounds?.slice(0, 3), [0.005, 0.01, 0.025]);
  assert.equal(red.bucketCounts?.reduce((sum, count) => sum + count, 0), 1);
  assert.equal((await answer(`${service.url}/metrics`)).status, 200, 'prometheus still served');

  const off = await start('express5', { env: { OTEL_METRICS_EXPORTER: 'none' } });
  t.after(() => off.stop('SIGKILL'));
  assert.equal((await answer(`${off.url}/metrics`)).status, 404, "the app's own 404: nothing intercepts /metrics");
});

/** A Node.js older than the package's engines on this machine (Debian's system node), if any. */
function olderNode(): string | undefined {
  const candidates = spawnSync('which', ['-a', 'node'], { encoding: 'utf8' }).stdout.split('\n').concat('/usr/bin/node');
  return candidates.find((path) => path !== '' && existsSync(path) && Number(spawnSync(path, ['-p', 'process.versions.node.split(".")[0]'], { encoding: 'utf8' }).stdout) < 22);
}

test('an unsupported Node.js: one line naming the required version, and the app runs without telemetry', async (t) => {
  const old = olderNode();
  if (old === undefined) return t.skip('no Node.js older than 22 on this machine');
  const { engines } = JSON.parse(readFileSync(join(apps.express5, 'node_modules/@lab/telemetry/package.json'), 'utf8')) as { engines: { node: string } };
  const run = (args: string[]) => spawnSync(old, args, { cwd: apps.express5, encoding: 'utf8', timeout: 30_000, env: { PATH: process.env.PATH ?? '', OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url } });
  // Zero-code: the app serves (one request to itself) and exits normally.
  const served = run(['--import', '@lab/telemetry/register', '-e', "const s = require('express')().get('/', (q, r) => r.send('hi')).listen(0, '127.0.0.1', async () => { console.log(await (await fetch('http://127.0.0.1:' + s.address().port + '/')).text()); s.close(); });"]);
  assert.equal(served.status, 0, served.stderr);
  assert.equal(served.stdout, 'hi\n', 'no telemetry output, the app as it is');
  const lines = served.stderr.trim().split('\n');
  assert.equal(lines.length, 1, served.stderr);
  assert.equal(lines[0], `@lab/telemetry needs Node.js ${engines.node} (this is ${spawnSync(old, ['--version'], { encoding: 'utf8' }).stdout.trim()}): the application runs without telemetry`);
  // init() in code: a handle whose logger, metric helpers and hooks work and do no harm.
  const coded = run(['--input-type=module', '-e', "import { init } from '@lab/telemetry'; const t = init({ serviceName: 'old-node' }); t.metrics.counter({ name: 'x_total', help: 'x' }).labels('a').inc(); t.onShutdown(() => {}); await t.shutdown(); t.logger.info({ order: 1 }, 'still logging');"]);
  assert.equal(coded.status, 0, coded.stderr);
  assert.deepEqual(
    (({ level, service, order, msg }) => ({ level, service, order, msg }))(JSON.parse(coded.stdout) as Record<string, unknown>),
    { level: 'info', service: 'old-node', order: 1, msg: 'still logging' },
  );
});

test('OTEL_LOG_LEVEL=debug shows OpenTelemetry diagnostics at debug whatever LOG_LEVEL says, objects readable', async (t) => {
  const service = await start('express5', { env: { OTEL_LOG_LEVEL: 'debug', LOG_LEVEL: 'info' } });
  t.after(() => service.stop('SIGKILL'));
  const line = JSON.parse(await service.waitForLine((text) => text.includes('app diagnostic'), 5000)) as Record<string, unknown>;
  assert.equal(line.level, 'debug');
  assert.equal(line.msg, 'app diagnostic { nested: { answer: 42 } }');
  await service.waitForLine((text) => text.includes('"level":"debug"') && text.includes('Registered a global for'), 5000);
  assert.ok(!service.lines.some((text) => text.includes('[object Object]')), 'no [object Object]');
  const quiet = await start('express5', { env: { LOG_LEVEL: 'debug' } });
  t.after(() => quiet.stop('SIGKILL'));
  await answer(`${quiet.url}/items/1`);
  await quiet.waitForLine((text) => text.includes('request completed'), 5000);
  assert.ok(!quiet.lines.some((text) => text.includes('app diagnostic')), 'diagnostics stay off without OTEL_LOG_LEVEL');
});

for (const app of ['express5', 'fastify'] as const) {
  test(`${app}: an application's own GET /metrics is left to it, with one warning naming the alternatives`, async (t) => {
    const service = await start(app, { env: { APP_OWN_METRICS: '1' } });
    t.after(() => service.stop('SIGKILL'));
    for (let i = 0; i < 2; i++) assert.equal((await answer(`${service.url}/metrics`)).body, 'app metrics');
    await service.waitForLine((line) => line.includes('OTEL_EXPORTER_PROMETHEUS_PORT'), 5000);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const warnings = jsonLines(service.lines).filter((line) => line.level === 'warn' && line.path === '/metrics');
    assert.equal(warnings.length, 1, JSON.stringify(warnings));
  });
}

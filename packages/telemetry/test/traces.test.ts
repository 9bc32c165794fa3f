// Spans exported over OTLP/HTTP protobuf by real child processes, decoded by @lab/receiver with the official schema.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { OtlpReceiver, type ReceivedSpan } from '@lab/receiver';
import { ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { B3Propagator } from '../src/tracing/b3.ts';
import { type RunningService, startService } from './helpers/service.ts';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
const SERVER = 2;
const CLIENT = 3;

let receiver: OtlpReceiver;
let downstream: RunningService;
let upstream: RunningService;

function telemetryEnv(serviceName: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    OTEL_SERVICE_NAME: serviceName,
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
    OTEL_BSP_SCHEDULE_DELAY: '100',
    ...extra,
  };
}

before(async () => {
  receiver = await OtlpReceiver.start();
  downstream = await startService({
    script: fixture('express-app.ts'),
    cwd: packageDir,
    env: telemetryEnv('downstream', {
      K8S_POD_NAME: 'downstream-7f9c-abcde',
      K8S_NAMESPACE_NAME: 'lab',
      K8S_NODE_NAME: 'node-1',
      K8S_DEPLOYMENT_NAME: 'downstream',
      OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=test,team=obs',
    }),
  });
  upstream = await startService({
    script: fixture('express-app.ts'),
    cwd: packageDir,
    env: telemetryEnv('upstream', { DOWNSTREAM_URL: downstream.url }),
  });
});

after(async () => {
  await Promise.all([upstream?.stop('SIGKILL'), downstream?.stop('SIGKILL')]);
  await receiver?.close();
});

function serverSpanOf(service: string, traceId: string): Promise<ReceivedSpan> {
  return receiver.waitForSpan((span) => span.traceId === traceId && span.kind === SERVER && span.resource['service.name'] === service, 10_000);
}

test('a server span per request, named after the route template, with stable semconv attributes and the resource', async () => {
  const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
  const response = await fetch(`${downstream.url}/items/17?color=red`, {
    headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01`, 'user-agent': 'lab-test/1.0' },
  });
  assert.equal(response.status, 200);
  const span = await serverSpanOf('downstream', traceId);
  assert.equal(span.name, 'GET /items/:id');
  assert.equal(span.parentSpanId, '00f067aa0ba902b7');
  assert.deepEqual(
    {
      method: span.attributes['http.request.method'],
      route: span.attributes['http.route'],
      path: span.attributes['url.path'],
      scheme: span.attributes['url.scheme'],
      status: span.attributes['http.response.status_code'],
      address: span.attributes['server.address'],
      port: span.attributes['server.port'],
      client: span.attributes['client.address'],
      agent: span.attributes['user_agent.original'],
      protocol: span.attributes['network.protocol.version'],
    },
    {
      method: 'GET',
      route: '/items/:id',
      path: '/items/17',
      scheme: 'http',
      status: 200,
      address: '127.0.0.1',
      port: downstream.port,
      client: '127.0.0.1',
      agent: 'lab-test/1.0',
      protocol: '1.1',
    },
  );
  assert.equal(span.status.code, 0);
  assert.equal(span.resource['service.name'], 'downstream');
  assert.equal(span.resource['k8s.pod.name'], 'downstream-7f9c-abcde');
  assert.equal(span.resource['k8s.namespace.name'], 'lab');
  assert.equal(span.resource['k8s.node.name'], 'node-1');
  assert.equal(span.resource['k8s.deployment.name'], 'downstream');
  assert.equal(span.resource['deployment.environment.name'], 'test');
  assert.equal(span.resource.team, 'obs');
  assert.equal(span.resource['service.version'], '0.1.0', 'service.version from the nearest package.json');
  assert.match(String(span.resource['service.instance.id']), /^[0-9a-f-]{36}$/);
});

test('5xx marks the span as an error with error.type; unmatched routes keep the bare method name', async () => {
  const failId = '11111111111111111111111111111111';
  const missingId = '22222222222222222222222222222222';
  await (await fetch(`${downstream.url}/fail`, { headers: { traceparent: `00-${failId}-1111111111111111-01` } })).text();
  await (await fetch(`${downstream.url}/no/such/route`, { headers: { traceparent: `00-${missingId}-1111111111111111-01` } })).text();
  const failed = await serverSpanOf('downstream', failId);
  assert.equal(failed.name, 'GET /fail');
  assert.equal(failed.status.code, 2);
  assert.equal(failed.attributes['error.type'], '500');
  const missing = await serverSpanOf('downstream', missingId);
  assert.equal(missing.name, 'GET');
  assert.equal(missing.attributes['http.response.status_code'], 404);
  assert.equal(missing.attributes['http.route'], undefined);
});

test('two services talking HTTP share one trace: server -> fetch client span -> downstream server', async () => {
  const response = await fetch(`${upstream.url}/chain`);
  assert.deepEqual(await response.json(), { downstream: { id: '42' } });
  const upstreamServer = await receiver.waitForSpan(
    (span) => span.resource['service.name'] === 'upstream' && span.name === 'GET /chain',
    10_000,
  );
  const traceId = upstreamServer.traceId;
  const client = await receiver.waitForSpan((span) => span.traceId === traceId && span.kind === CLIENT, 10_000);
  const downstreamServer = await serverSpanOf('downstream', traceId);
  assert.equal(upstreamServer.parentSpanId, '', 'the first service starts the trace');
  assert.equal(client.parentSpanId, upstreamServer.spanId);
  assert.equal(client.name, 'GET');
  assert.equal(client.attributes['server.address'], '127.0.0.1');
  assert.equal(client.attributes['server.port'], downstream.port);
  assert.equal(client.attributes['url.full'], `${downstream.url}/items/42`);
  assert.equal(client.attributes['http.response.status_code'], 200);
  assert.equal(downstreamServer.parentSpanId, client.spanId);
  assert.equal(downstreamServer.name, 'GET /items/:id');
});

test('B3 single and multi headers are accepted on the way in', async () => {
  const single = 'a3ce929d0e0e47364bf92f3577b34da6';
  await (await fetch(`${downstream.url}/items/1`, { headers: { b3: `${single}-e457b5a2e4d86bd1-1` } })).text();
  const multi = '80f198ee56343ba864fe8b2a57d3eff7';
  await (
    await fetch(`${downstream.url}/items/2`, {
      headers: { 'x-b3-traceid': multi, 'x-b3-spanid': '05e3ac9a4f6e3b90', 'x-b3-sampled': '1' },
    })
  ).text();
  assert.equal((await serverSpanOf('downstream', single)).parentSpanId, 'e457b5a2e4d86bd1');
  assert.equal((await serverSpanOf('downstream', multi)).parentSpanId, '05e3ac9a4f6e3b90');
});

test('baggage lab.run_id becomes the span attribute lab.run_id', async () => {
  const traceId = '33333333333333333333333333333333';
  await (
    await fetch(`${downstream.url}/items/3`, {
      headers: { traceparent: `00-${traceId}-3333333333333333-01`, baggage: 'lab.run_id=run-42,other=x' },
    })
  ).text();
  assert.equal((await serverSpanOf('downstream', traceId)).attributes['lab.run_id'], 'run-42');
});

test('/healthz and /metrics are not traced; keep-alive requests do not inherit the previous context', async () => {
  const before = receiver.spans().length;
  assert.equal((await fetch(`${downstream.url}/healthz`)).status, 200);
  assert.equal((await fetch(`${downstream.url}/metrics`)).status, 200);
  // fetch reuses the keep-alive connection: the untraced-context request right after must start a fresh trace.
  const first = '44444444444444444444444444444444';
  await (await fetch(`${downstream.url}/items/4`, { headers: { traceparent: `00-${first}-4444444444444444-01` } })).text();
  await (await fetch(`${downstream.url}/items/5`)).text();
  await serverSpanOf('downstream', first);
  const fresh = await receiver.waitForSpan((span) => span.attributes['url.path'] === '/items/5', 10_000);
  assert.notEqual(fresh.traceId, first);
  assert.equal(fresh.parentSpanId, '');
  const untraced = receiver.spans().slice(before).filter((span) => ['/healthz', '/metrics'].includes(String(span.attributes['url.path'])));
  assert.deepEqual(untraced, []);
});

test('zero-code entry (--import @lab/telemetry/register): plain node:http ESM service, http.get client propagation', async (t) => {
  const plain = await startService({
    script: fixture('plain-app.mjs'),
    nodeArgs: ['--import', '@lab/telemetry/register'],
    cwd: packageDir,
    env: telemetryEnv('plain', { DOWNSTREAM_URL: downstream.url }),
  });
  t.after(() => plain.stop('SIGKILL'));
  const traceId = '55555555555555555555555555555555';
  assert.equal(await (await fetch(`${plain.url}/call`, { headers: { traceparent: `00-${traceId}-5555555555555555-01` } })).text(), 'downstream 404\n');
  const server = await serverSpanOf('plain', traceId);
  assert.equal(server.name, 'GET', 'no framework route: method only');
  const client = await receiver.waitForSpan((span) => span.traceId === traceId && span.kind === CLIENT, 10_000);
  assert.equal(client.parentSpanId, server.spanId);
  const remote = await serverSpanOf('downstream', traceId);
  assert.equal(remote.parentSpanId, client.spanId);
});

test('OTEL_EXPORTER_OTLP_PROTOCOL=http/json exports decodable spans too (CommonJS service)', async (t) => {
  const service = await startService({
    script: fixture('plain-app.cjs'),
    nodeArgs: ['--import', '@lab/telemetry/register'],
    cwd: packageDir,
    env: telemetryEnv('json-exporter', { OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' }),
  });
  t.after(() => service.stop('SIGKILL'));
  const traceId = '66666666666666666666666666666666';
  await (await fetch(`${service.url}/json`, { headers: { traceparent: `00-${traceId}-6666666666666666-01` } })).text();
  const span = await serverSpanOf('json-exporter', traceId);
  assert.equal(span.attributes['url.path'], '/json');
});

test('OTEL_PROPAGATORS=b3multi injects B3 multi headers that the next service continues', async (t) => {
  const service = await startService({
    script: fixture('plain-app.mjs'),
    nodeArgs: ['--import', '@lab/telemetry/register'],
    cwd: packageDir,
    env: telemetryEnv('b3-out', { DOWNSTREAM_URL: downstream.url, OTEL_PROPAGATORS: 'b3multi' }),
  });
  t.after(() => service.stop('SIGKILL'));
  const traceId = '88888888888888888888888888888888';
  await (await fetch(`${service.url}/call`, { headers: { traceparent: `00-${traceId}-8888888888888888-01` } })).text();
  const client = await receiver.waitForSpan((span) => span.traceId === traceId && span.kind === CLIENT, 10_000);
  const remote = await serverSpanOf('downstream', traceId);
  assert.equal(remote.parentSpanId, client.spanId);
});

test('B3 extraction: 64-bit trace ids are padded, sampled=0 is respected, malformed headers are ignored', () => {
  const getter = { keys: (carrier: Record<string, string>) => Object.keys(carrier), get: (carrier: Record<string, string>, key: string) => carrier[key] };
  const b3 = new B3Propagator({ multiHeader: false });
  const short = trace.getSpanContext(b3.extract(ROOT_CONTEXT, { b3: 'a3ce929d0e0e4736-00f067aa0ba902b7-1' }, getter));
  assert.equal(short?.traceId, '0000000000000000a3ce929d0e0e4736');
  assert.equal(short?.traceFlags, 1);
  const denied = trace.getSpanContext(b3.extract(ROOT_CONTEXT, { 'x-b3-traceid': '4bf92f3577b34da6a3ce929d0e0e4736', 'x-b3-spanid': '00f067aa0ba902b7', 'x-b3-sampled': '0' }, getter));
  assert.equal(denied?.traceFlags, 0);
  assert.equal(trace.getSpanContext(b3.extract(ROOT_CONTEXT, { b3: 'not-a-b3-header' }, getter)), undefined);
  const carrier: Record<string, string> = {};
  b3.inject(trace.setSpanContext(ROOT_CONTEXT, { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: 1 }), carrier, {
    set: (target: Record<string, string>, key, value) => {
      target[key] = value;
    },
  });
  assert.deepEqual(carrier, { b3: '4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-1' });
});

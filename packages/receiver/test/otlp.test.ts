// The OTLP receiver decodes bodies encoded with the official schema (protobuf, gzip) and OTLP/JSON, spans and log
// records; bad bodies are rejected; outage behaviors answer as announced. (@lab/telemetry's tests cover the SDK
// exporters' real output end to end.)
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { after, before, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { OtlpReceiver } from '../src/otlp.ts';

// The encoder side of the same official schema the receiver decodes with.
interface Encodable {
  fromObject(object: unknown): unknown;
  encode(message: unknown): { finish(): Uint8Array };
}
const collector = (
  createRequire(import.meta.url)('otlp-proto-schema/build/src/generated/root.js') as {
    opentelemetry: { proto: { collector: { trace: { v1: { ExportTraceServiceRequest: Encodable } }; logs: { v1: { ExportLogsServiceRequest: Encodable } } } } };
  }
).opentelemetry.proto.collector;

const TRACE_ID = '5b8efff798038103d269b633813fc60c';
const SPAN_ID = 'eee19b7ec3c1b174';
const PARENT_ID = 'eee19b7ec3c1b173';

function tracesRequest(ids: (hex: string) => unknown) {
  return {
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'encoded' } }] },
        scopeSpans: [
          {
            scope: { name: 'test-scope', version: '1.2.3' },
            spans: [
              {
                traceId: ids(TRACE_ID),
                spanId: ids(SPAN_ID),
                parentSpanId: ids(PARENT_ID),
                name: 'GET /things/:id',
                kind: 2,
                startTimeUnixNano: '1700000000000000000',
                endTimeUnixNano: '1700000000250000000',
                attributes: [
                  { key: 'http.response.status_code', value: { intValue: 503 } },
                  { key: 'ok', value: { boolValue: false } },
                  { key: 'ratio', value: { doubleValue: 0.5 } },
                  { key: 'tags', value: { arrayValue: { values: [{ stringValue: 'a' }, { stringValue: 'b' }] } } },
                ],
                status: { code: 2, message: 'unavailable' },
                events: [{ name: 'exception', timeUnixNano: '1700000000100000000', attributes: [{ key: 'exception.type', value: { stringValue: 'Error' } }] }],
              },
            ],
          },
        ],
      },
    ],
  };
}

let receiver: OtlpReceiver;
before(async () => {
  receiver = await OtlpReceiver.start();
});
after(() => receiver?.close());

async function post(path: string, body: Uint8Array | string, headers: Record<string, string>): Promise<Response> {
  return fetch(`${receiver.url}${path}`, { method: 'POST', body, headers });
}

function assertDecodedSpan(spanId: string): void {
  const span = receiver.spans().find((candidate) => candidate.spanId === spanId);
  assert.ok(span, `span ${spanId} received`);
  assert.deepEqual(
    { ...span, events: span.events.map((event) => event.name) },
    {
      traceId: TRACE_ID,
      spanId,
      parentSpanId: PARENT_ID,
      name: 'GET /things/:id',
      kind: 2,
      startTimeUnixNano: 1700000000000000000n,
      endTimeUnixNano: 1700000000250000000n,
      attributes: { 'http.response.status_code': 503, ok: false, ratio: 0.5, tags: ['a', 'b'] },
      status: { code: 2, message: 'unavailable' },
      events: ['exception'],
      resource: { 'service.name': 'encoded' },
      scope: { name: 'test-scope', version: '1.2.3' },
    },
  );
}

test('protobuf bodies, plain and gzipped, decode into flat spans', async () => {
  const type = collector.trace.v1.ExportTraceServiceRequest;
  const body = type.encode(type.fromObject(tracesRequest((hex) => Buffer.from(hex, 'hex')))).finish();
  const plain = await post('/v1/traces', body, { 'content-type': 'application/x-protobuf' });
  assert.equal(plain.status, 200);
  assert.equal(plain.headers.get('content-type'), 'application/x-protobuf');
  assertDecodedSpan(SPAN_ID);
  assert.equal(receiver.spansOfTrace(TRACE_ID.toUpperCase()).length, 1);

  const other = tracesRequest((hex) => Buffer.from(hex, 'hex'));
  other.resourceSpans[0]!.scopeSpans[0]!.spans[0]!.spanId = Buffer.from('aaaaaaaaaaaaaaaa', 'hex');
  const zipped = await post('/v1/traces', gzipSync(type.encode(type.fromObject(other)).finish()), {
    'content-type': 'application/x-protobuf',
    'content-encoding': 'gzip',
  });
  assert.equal(zipped.status, 200);
  assertDecodedSpan('aaaaaaaaaaaaaaaa');
});

test('OTLP/JSON bodies (hex ids, string int64) decode the same way', async () => {
  const request = tracesRequest((hex) => hex);
  request.resourceSpans[0]!.scopeSpans[0]!.spans[0]!.spanId = 'bbbbbbbbbbbbbbbb';
  const waiting = receiver.waitForSpan((span) => span.spanId === 'bbbbbbbbbbbbbbbb', 5000);
  const response = await post('/v1/traces', JSON.stringify(request), { 'content-type': 'application/json' });
  assert.equal(response.status, 200);
  assert.equal(await response.text(), '{}');
  await waiting;
  assertDecodedSpan('bbbbbbbbbbbbbbbb');
});

test('log records decode with body, severity, trace context and resource', async () => {
  const type = collector.logs.v1.ExportLogsServiceRequest;
  const request = {
    resourceLogs: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'logger' } }] },
        scopeLogs: [
          {
            scope: { name: 'pino' },
            logRecords: [
              {
                timeUnixNano: '1700000000000000000',
                severityNumber: 17,
                severityText: 'error',
                body: { stringValue: 'request failed' },
                attributes: [{ key: 'route', value: { stringValue: '/x' } }],
                traceId: Buffer.from(TRACE_ID, 'hex'),
                spanId: Buffer.from(SPAN_ID, 'hex'),
              },
            ],
          },
        ],
      },
    ],
  };
  const response = await post('/v1/logs', type.encode(type.fromObject(request)).finish(), { 'content-type': 'application/x-protobuf' });
  assert.equal(response.status, 200);
  const log = await receiver.waitForLog((candidate) => candidate.body === 'request failed', 5000);
  assert.deepEqual(log, {
    timeUnixNano: 1700000000000000000n,
    severityNumber: 17,
    severityText: 'error',
    body: 'request failed',
    attributes: { route: '/x' },
    traceId: TRACE_ID,
    spanId: SPAN_ID,
    resource: { 'service.name': 'logger' },
    scope: { name: 'pino', version: '' },
  });
});

test('garbage is rejected with 400; unknown paths 404; outage behaviors answer as announced', async () => {
  assert.equal((await post('/v1/traces', new Uint8Array([0xff, 0xff, 0xff, 0x0f]), { 'content-type': 'application/x-protobuf' })).status, 400);
  assert.equal((await post('/v1/traces', '{not json', { 'content-type': 'application/json' })).status, 400);
  assert.equal((await post('/v1/metricz', '', {})).status, 404);
  receiver.setBehavior('error');
  assert.equal((await post('/v1/traces', '{}', { 'content-type': 'application/json' })).status, 500);
  receiver.setBehavior('hang');
  const hung = await Promise.race([
    post('/v1/traces', '{}', { 'content-type': 'application/json' }).then(() => 'answered', () => 'failed'),
    new Promise((resolve) => setTimeout(() => resolve('no answer'), 300)),
  ]);
  assert.equal(hung, 'no answer');
  receiver.setBehavior('ok');
  assert.ok(receiver.requests.traces >= 5);
});

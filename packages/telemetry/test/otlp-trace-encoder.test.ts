// The dedicated OTLP protobuf encoder against the SDK's serializer: the same spans encoded by both, decoded with the
// official opentelemetry-proto schema that @lab/receiver uses, must agree in every field. The spans cover what
// the encoder branches on: every attribute type, non-ASCII and long strings (multi-byte lengths), events, links with
// trace state, remote parents, error status with a message, dropped counts, several scopes and resources, and a span
// larger than 16 KiB.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { decodeOtlp } from '@lab/receiver';
import { type Context, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, TraceFlags } from '@opentelemetry/api';
import { TraceState } from '@opentelemetry/core';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AlwaysOnSampler, InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { EncodedSpanBatch, encodeTraceExportRequest } from '../src/tracing/otlp-trace-encoder.ts';

interface Decodable {
  decode(bytes: Uint8Array): unknown;
  toObject(message: unknown, options: object): unknown;
}
type Schema = { opentelemetry: { proto: { collector: { trace: { v1: { ExportTraceServiceRequest: Decodable } } } } } };
const requireFromReceiver = createRequire(import.meta.resolve('@lab/receiver'));
const { ExportTraceServiceRequest } = (requireFromReceiver('otlp-proto-schema/build/src/generated/root.js') as Schema).opentelemetry.proto
  .collector.trace.v1;

function decodeFully(bytes: Uint8Array): unknown {
  // Every field, defaults included; 64-bit values as strings, bytes as base64: a plain comparable object.
  return ExportTraceServiceRequest.toObject(ExportTraceServiceRequest.decode(bytes), { longs: String, bytes: String, defaults: true, arrays: true });
}

async function recordSpans(): Promise<ReadableSpan[]> {
  const exporter = new InMemorySpanExporter();
  const providers = [
    new TracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'encoder-test', 'service.version': '1.2.3', 'k8s.pod.name': 'pod-ü' }),
      sampler: new AlwaysOnSampler(),
      spanLimits: { attributeCountLimit: 20, eventCountLimit: 3, linkCountLimit: 2 },
      spanProcessors: [new SimpleSpanProcessor({ exporter })],
    }),
    new TracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'other-resource', 'deployment.environment.name': 'test' }),
      sampler: new AlwaysOnSampler(),
      spanProcessors: [new SimpleSpanProcessor({ exporter })],
    }),
  ];
  const remoteParent: Context = trace.setSpanContext(ROOT_CONTEXT, {
    traceId: '0af7651916cd43dd8448eb211c80319c',
    spanId: 'b7ad6b7169203331',
    traceFlags: TraceFlags.SAMPLED,
    isRemote: true,
    traceState: new TraceState('vendor=value,other=1'),
  });
  const tracer = providers[0]!.getTracer('@lab/telemetry', '0.1.0');
  const server = tracer.startSpan('GET', { kind: SpanKind.SERVER }, remoteParent);
  server.setAttributes({
    'http.request.method': 'GET',
    'url.path': '/items/42',
    'url.scheme': 'http',
    'server.address': '127.0.0.1',
    'server.port': 8080,
    'network.protocol.version': '1.1',
    'client.address': '::1',
    'user_agent.original': `agent/${'x'.repeat(150)}`,
    'lab.run_id': 'run-ünïcode-😀',
  });
  server.updateName('GET /items/:id');
  server.setAttributes({ 'http.route': '/items/:id', 'http.response.status_code': 503, 'error.type': '503' });
  server.setStatus({ code: SpanStatusCode.ERROR, message: 'upstream unavailable' });
  server.addEvent('exception', { 'exception.type': 'Error', 'exception.message': 'boom', attempt: 2 });
  server.end();

  const typed = tracer.startSpan('typed attributes', { kind: SpanKind.INTERNAL }, trace.setSpan(ROOT_CONTEXT, server));
  typed.setAttributes({
    negative: -42,
    large: 2 ** 60,
    double: 3.25,
    notFinite: Number.POSITIVE_INFINITY,
    yes: true,
    no: false,
    empty: '',
    strings: ['a', 'ß', ''],
    numbers: [1, -2, 3.5],
    booleans: [true, false],
    withHoles: ['a', null, 'b'],
    [`long.key.${'k'.repeat(200)}`]: 'v',
  });
  for (let index = 0; index < 25; index++) typed.setAttribute(`extra.${index}`, index); // beyond the limit: dropped
  for (let index = 0; index < 5; index++) typed.addEvent(`event ${index}`, { index }); // beyond the limit: dropped
  typed.end();

  const linked = providers[0]!.getTracer('second-scope').startSpan('linked', {
    kind: SpanKind.CONSUMER,
    links: [
      { context: trace.getSpanContext(remoteParent)!, attributes: { 'link.kind': 'remote', weight: 0.5 } },
      { context: server.spanContext() },
      { context: typed.spanContext() },
    ],
  });
  linked.setStatus({ code: SpanStatusCode.OK });
  linked.end();

  const huge = providers[1]!.getTracer('big').startSpan('huge', { kind: SpanKind.CLIENT });
  huge.setAttribute('db.query.text', `SELECT ${'column, '.repeat(4000)}id FROM items`);
  huge.end();

  const producer = providers[1]!.getTracer('big').startSpan('producer', { kind: SpanKind.PRODUCER });
  producer.end();

  await Promise.all(providers.map((provider) => provider.forceFlush()));
  return exporter.getFinishedSpans();
}

test('encodes every field as the SDK serializer does (decoded with the official schema)', async () => {
  const spans = await recordSpans();
  assert.equal(spans.length, 5);
  const ours = encodeTraceExportRequest(spans);
  const sdk = ProtobufTraceSerializer.serializeRequest(spans);
  assert.ok(sdk, 'the SDK serializer produced a request');
  assert.deepEqual(decodeFully(ours), decodeFully(sdk));
});

test('what the receiver reads from it: names, ids, attributes, events, status, resource and scope', async () => {
  const spans = await recordSpans();
  const received = decodeOtlp('traces', Buffer.from(encodeTraceExportRequest(spans)), 'application/x-protobuf');
  const server = received.find((span) => span.name === 'GET /items/:id');
  assert.ok(server);
  assert.equal(server.kind, 2);
  assert.equal(server.parentSpanId, 'b7ad6b7169203331');
  assert.equal(server.traceId, '0af7651916cd43dd8448eb211c80319c');
  assert.equal(server.attributes['http.response.status_code'], 503);
  assert.equal(server.attributes['lab.run_id'], 'run-ünïcode-😀');
  assert.equal(server.attributes['user_agent.original'], `agent/${'x'.repeat(150)}`);
  assert.deepEqual(server.status, { code: 2, message: 'upstream unavailable' });
  assert.equal(server.events[0]?.name, 'exception');
  assert.equal(server.resource['k8s.pod.name'], 'pod-ü');
  assert.deepEqual(server.scope, { name: '@lab/telemetry', version: '0.1.0' });
  const [readable] = spans.filter((span) => span.name === 'GET /items/:id');
  const startNanos = BigInt(readable!.startTime[0]) * 1_000_000_000n + BigInt(readable!.startTime[1]);
  assert.equal(server.startTimeUnixNano, startNanos);

  const typed = received.find((span) => span.name === 'typed attributes');
  assert.equal(typed?.attributes.negative, -42);
  assert.equal(typed?.attributes.double, 3.25);
  assert.deepEqual(typed?.attributes.numbers, [1, -2, 3.5]);
  const huge = received.find((span) => span.name === 'huge');
  assert.equal(String(huge?.attributes['db.query.text']).length, 'SELECT '.length + 'column, '.length * 4000 + 'id FROM items'.length);
  assert.equal(huge?.resource['service.name'], 'other-resource');
});

test('a span that fails halfway through encoding leaves the batch as it was', async () => {
  const spans = await recordSpans();
  const batch = new EncodedSpanBatch();
  batch.add(spans[0]!);
  // Everything up to the status is written before the failure.
  const failing = Object.create(spans[1]!, {
    status: {
      get() {
        throw new Error('status unavailable');
      },
    },
  }) as ReadableSpan;
  assert.throws(() => batch.add(failing), /status unavailable/);
  batch.add(spans[2]!);
  assert.equal(batch.size, 2);
  assert.deepEqual(decodeFully(batch.finish()), decodeFully(ProtobufTraceSerializer.serializeRequest([spans[0]!, spans[2]!])!));
});

test('span buffers recycled from a finished batch carry nothing over into the next', async () => {
  const spans = await recordSpans();
  const first = new EncodedSpanBatch();
  for (const readable of spans) first.add(readable);
  first.finish();
  const second = new EncodedSpanBatch();
  second.add(spans[4]!);
  assert.deepEqual(decodeFully(second.finish()), decodeFully(ProtobufTraceSerializer.serializeRequest([spans[4]!])!));
});

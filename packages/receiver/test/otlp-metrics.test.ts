// OTLP metrics: bodies encoded with the official schema (protobuf, gzip) and OTLP/JSON decode into one flat point per
// data point (sum, gauge, explicit-bucket histogram); bad bodies are rejected. (@lab/telemetry's test/otel.test.ts
// covers the SDK exporters' real output end to end.)
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { after, before, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { OtlpReceiver } from '../src/otlp.ts';

interface Encodable {
  fromObject(object: unknown): unknown;
  encode(message: unknown): { finish(): Uint8Array };
}
const { ExportMetricsServiceRequest } = (
  createRequire(import.meta.url)('otlp-proto-schema/build/src/generated/root.js') as {
    opentelemetry: { proto: { collector: { metrics: { v1: { ExportMetricsServiceRequest: Encodable } } } } };
  }
).opentelemetry.proto.collector.metrics.v1;

const request = {
  resourceMetrics: [
    {
      resource: { attributes: [{ key: 'service.name', value: { stringValue: 'metered' } }] },
      scopeMetrics: [
        {
          scope: { name: 'shop', version: '2.0.0' },
          metrics: [
            {
              name: 'shop.orders',
              unit: '{order}',
              sum: { aggregationTemporality: 2, isMonotonic: true, dataPoints: [{ asInt: '4', timeUnixNano: '1700000000000000000', attributes: [{ key: 'payment.method', value: { stringValue: 'card' } }] }] },
            },
            { name: 'shop.cache.hit', unit: '1', gauge: { dataPoints: [{ asDouble: 0.75, timeUnixNano: '1700000000000000000' }] } },
            {
              name: 'http.server.request.duration',
              unit: 's',
              histogram: {
                aggregationTemporality: 2,
                dataPoints: [
                  {
                    timeUnixNano: '1700000000000000000',
                    count: '3',
                    sum: 0.3,
                    bucketCounts: ['1', '2', '0'],
                    explicitBounds: [0.05, 0.25],
                    attributes: [{ key: 'http.response.status_code', value: { intValue: '200' } }],
                  },
                ],
              },
            },
          ],
        },
      ],
    },
  ],
};

let receiver: OtlpReceiver;
before(async () => {
  receiver = await OtlpReceiver.start();
});
after(() => receiver.close());

async function post(body: Uint8Array | string, headers: Record<string, string>): Promise<number> {
  const response = await fetch(`${receiver.url}/v1/metrics`, { method: 'POST', body, headers });
  await response.arrayBuffer();
  return response.status;
}

function check(points: ReturnType<OtlpReceiver['metrics']>): void {
  const byName = Object.fromEntries(points.map((point) => [point.name, point]));
  assert.deepEqual(
    (({ type, isMonotonic, temporality, value, unit, attributes, resource, scope }) => ({ type, isMonotonic, temporality, value, unit, attributes, resource, scope }))(byName['shop.orders']!),
    { type: 'sum', isMonotonic: true, temporality: 2, value: 4, unit: '{order}', attributes: { 'payment.method': 'card' }, resource: { 'service.name': 'metered' }, scope: { name: 'shop', version: '2.0.0' } },
  );
  assert.deepEqual([byName['shop.cache.hit']!.type, byName['shop.cache.hit']!.value], ['gauge', 0.75]);
  const histogram = byName['http.server.request.duration']!;
  assert.deepEqual([histogram.type, histogram.count, histogram.sum, histogram.bucketCounts, histogram.explicitBounds], ['histogram', 3, 0.3, [1, 2, 0], [0.05, 0.25]]);
  assert.equal(histogram.attributes['http.response.status_code'], 200);
  assert.equal(histogram.timeUnixNano, 1700000000000000000n);
}

test('protobuf bodies, plain and gzipped, decode into one point per data point', async () => {
  const encoded = ExportMetricsServiceRequest.encode(ExportMetricsServiceRequest.fromObject(request)).finish();
  const before = receiver.metrics().length;
  assert.equal(await post(encoded, { 'content-type': 'application/x-protobuf' }), 200);
  check(receiver.metrics().slice(before));
  const gzipped = receiver.metrics().length;
  assert.equal(await post(gzipSync(encoded), { 'content-type': 'application/x-protobuf', 'content-encoding': 'gzip' }), 200);
  check(receiver.metrics().slice(gzipped));
});

test('OTLP/JSON bodies decode the same way; garbage is rejected with 400', async () => {
  const before = receiver.metrics().length;
  assert.equal(await post(JSON.stringify(request), { 'content-type': 'application/json' }), 200);
  check(receiver.metrics().slice(before));
  assert.equal(await post(new Uint8Array([0x0a, 0xff, 0xff, 0xff]), { 'content-type': 'application/x-protobuf' }), 400);
  assert.equal(await post('{not json', { 'content-type': 'application/json' }), 400);
});

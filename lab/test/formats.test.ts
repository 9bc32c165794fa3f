// The readers of the wire and file formats the lab relies on: OTLP JSON spans, pprof span samples, the
// OpenMetrics text format (fallback scraper) and the lab's OTLP JSON writer.
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { test } from 'node:test';
import { Function as PprofFunction, Label, Line, Location, Profile, Sample, StringTable, ValueType } from 'pprof-format';
import { spansOf } from '../src/correlation/otlp-json.ts';
import { decodePprof, flameTree, labelledSpanIds, summarize } from '../src/correlation/pprof.ts';
import { histogramQuantile, parseExposition, parseSelector } from '../src/metrics/openmetrics.ts';
import { prometheusConfig } from '../src/metrics/prometheus.ts';
import { tracesRequestJson } from '../src/receivers.ts';
import { readableFrame } from '../src/report/data.ts';

test('OTLP JSON: hex and base64 ids, kinds as numbers or names, attributes, service from the resource', () => {
  const spans = spansOf({
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'orders' } }] },
        scopeSpans: [
          {
            spans: [
              { traceId: '0AF7651916CD43DD8448EB211C80319C', spanId: 'b7ad6b7169203331', name: 'POST /orders', kind: 2, startTimeUnixNano: '1000', endTimeUnixNano: '5000', attributes: [{ key: 'http.response.status_code', value: { intValue: '201' } }] },
              { traceId: Buffer.from('0af7651916cd43dd8448eb211c80319c', 'hex').toString('base64'), spanId: Buffer.from('00f067aa0ba902b7', 'hex').toString('base64'), parentSpanId: 'b7ad6b7169203331', name: 'POST', kind: 'SPAN_KIND_CLIENT', startTimeUnixNano: 2000, endTimeUnixNano: 4000 },
            ],
          },
        ],
      },
    ],
  });
  assert.deepEqual(spans.map((s) => [s.traceId, s.spanId, s.parentSpanId, s.kind, s.serviceName]), [
    ['0af7651916cd43dd8448eb211c80319c', 'b7ad6b7169203331', undefined, 'server', 'orders'],
    ['0af7651916cd43dd8448eb211c80319c', '00f067aa0ba902b7', 'b7ad6b7169203331', 'client', 'orders'],
  ]);
  assert.equal(spans[0]!.attributes['http.response.status_code'], 201);
  assert.equal(spans[0]!.endTimeUnixNano - spans[0]!.startTimeUnixNano, 4000n);
});

test('the OTLP JSON the lab writes reads back into the same spans', () => {
  const received = {
    traceId: '0af7651916cd43dd8448eb211c80319c',
    spanId: 'b7ad6b7169203331',
    parentSpanId: '',
    name: 'GET /api/products',
    kind: 2,
    startTimeUnixNano: 1_795_687_457_000_000_001n,
    endTimeUnixNano: 1_795_687_457_100_000_001n,
    attributes: { 'http.route': '/api/products', 'lab.run_id': 'r1', retries: 2, ratio: 0.5, ok: true },
    status: { code: 0, message: '' },
    events: [],
    resource: { 'service.name': 'gateway' },
    scope: { name: 'http', version: '1' },
  };
  const [span] = spansOf(JSON.parse(JSON.stringify(tracesRequestJson([received]))));
  assert.equal(span!.serviceName, 'gateway');
  assert.equal(span!.parentSpanId, undefined);
  assert.equal(span!.startTimeUnixNano, received.startTimeUnixNano, 'nanoseconds survive as strings');
  assert.deepEqual(span!.attributes, received.attributes);
});

function pprofWithSpans(): Uint8Array {
  const strings = new StringTable();
  const fn = (id: number, name: string) => new PprofFunction({ id, name: strings.dedup(name) });
  const loc = (id: number) => new Location({ id, line: [new Line({ functionId: id })] });
  const label = (key: string, value: string) => new Label({ key: strings.dedup(key), str: strings.dedup(value) });
  const profile = new Profile({
    sampleType: [new ValueType({ type: strings.dedup('samples'), unit: strings.dedup('count') }), new ValueType({ type: strings.dedup('wall'), unit: strings.dedup('nanoseconds') })],
    function: [fn(1, 'main'), fn(2, 'authorize'), fn(3, 'hash')],
    location: [loc(1), loc(2), loc(3)],
    sample: [
      new Sample({ locationId: [3, 2, 1], value: [1, 30], label: [label('span_id', 'aaaaaaaaaaaaaaaa'), label('span_name', 'POST /payments/authorize')] }),
      new Sample({ locationId: [2, 1], value: [1, 10], label: [label('span_id', 'aaaaaaaaaaaaaaaa')] }),
      new Sample({ locationId: [1], value: [1, 99], label: [label('span_id', 'bbbbbbbbbbbbbbbb')] }),
      new Sample({ locationId: [1], value: [1, 5], label: [] }),
    ],
    stringTable: strings,
  });
  return profile.encode();
}

test('pprof: gzipped or not, samples selected by span_id label, weighed by wall time', () => {
  const raw = pprofWithSpans();
  for (const bytes of [raw, gzipSync(raw)]) {
    const profile = decodePprof(bytes);
    const summary = summarize('payments', [profile], 'aaaaaaaaaaaaaaaa');
    assert.deepEqual(summary, { serviceName: 'payments', total: 40, topFunctions: [{ name: 'hash', self: 30 }, { name: 'authorize', self: 10 }] });
    assert.equal(summarize('payments', [profile], 'cccccccccccccccc'), undefined);
    assert.deepEqual([...labelledSpanIds([profile])].sort(), ['aaaaaaaaaaaaaaaa', 'bbbbbbbbbbbbbbbb']);
    const tree = flameTree('root', [profile], 'aaaaaaaaaaaaaaaa');
    assert.equal(tree.value, 40);
    assert.deepEqual(tree.children.map((c) => [c.name, c.value]), [['main', 40]]);
    assert.deepEqual(tree.children[0]!.children[0]!.children.map((c) => [c.name, c.value]), [['hash', 30]]);
    assert.equal(flameTree('all', [profile], undefined).value, 144);
  }
  assert.throws(() => decodePprof(Buffer.from('not a profile at all')));
});

test('OpenMetrics: samples with exemplars, selectors, histogram_quantile', () => {
  const text = [
    '# TYPE http_server_request_duration_seconds histogram',
    'http_server_request_duration_seconds_bucket{http_route="/api/checkout",le="0.5"} 3 # {trace_id="0af7651916cd43dd8448eb211c80319c",span_id="b7ad6b7169203331"} 0.42 1795687457.5',
    'http_server_request_duration_seconds_bucket{http_route="/api/checkout",le="1"} 9',
    'http_server_request_duration_seconds_bucket{http_route="/api/checkout",le="+Inf"} 10',
    'http_server_request_duration_seconds_count{http_route="/api/checkout"} 10',
    '# EOF',
  ].join('\n');
  const samples = parseExposition(text);
  assert.equal(samples.length, 4);
  assert.deepEqual(samples[0]!.exemplar, { labels: { trace_id: '0af7651916cd43dd8448eb211c80319c', span_id: 'b7ad6b7169203331' }, value: 0.42, timestamp: 1795687457.5 });
  assert.equal(samples[2]!.labels['le'], '+Inf');
  assert.deepEqual(parseSelector('http_server_request_duration_seconds_bucket{job="gateway"}'), { name: 'http_server_request_duration_seconds_bucket', matchers: { job: 'gateway' } });
  assert.throws(() => parseSelector('rate(x[5m])'), /only plain selectors/);
  const buckets = new Map([[0.5, 3], [1, 9], [Number.POSITIVE_INFINITY, 10]]);
  assert.ok(Math.abs(histogramQuantile(0.5, buckets)! - (0.5 + (0.5 * (5 - 3)) / 6)) < 1e-9);
  assert.equal(histogramQuantile(0.99, buckets), 1, 'a rank in +Inf answers the highest finite bound');
  assert.equal(histogramQuantile(0.5, new Map()), null);
});

test('Prometheus config: one job per service, named after it', () => {
  const config = prometheusConfig([{ job: 'gateway', port: 18080 }, { job: 'payments', port: 18083 }], 2);
  assert.match(config, /scrape_interval: 2s/);
  assert.match(config, /job_name: gateway\n {4}metrics_path: \/metrics\n {4}static_configs:\n {6}- targets: \['127\.0\.0\.1:18080'\]/);
  assert.match(config, /job_name: payments[\s\S]*127\.0\.0\.1:18083/);
});

test('flamegraph frame names lose the repository and pnpm store prefixes', () => {
  assert.equal(readableFrame('/work/main/node_modules/.pnpm/router@2.3.0/node_modules/router/index.js:handle:150'), 'router/index.js:handle:150');
  assert.equal(readableFrame('/home/me/lab/packages/service-kit/src/faults/middleware.ts:apply:11', '/home/me/lab/'), 'packages/service-kit/src/faults/middleware.ts:apply:11');
  assert.equal(readableFrame('node:internal/process/task_queues:processTicksAndRejections:72'), 'node:internal/process/task_queues:processTicksAndRejections:72');
});

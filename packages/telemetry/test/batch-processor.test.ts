// The batch span processor with real SDK spans and an in-process exporter: full batches leave at once and back to
// back (no timer in the way), one export at a time, nothing dropped while the exporter keeps up, and a bounded queue
// with every overflow counted when it does not. No timing assertions.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AlwaysOnSampler, TracerProvider } from '@opentelemetry/sdk-trace';
import { type BatchExporter, type BatchOptions, type DropReason, LabBatchSpanProcessor, SpanArrayBatch } from '../src/tracing/batch-processor.ts';

/** Records batches and concurrency; answers after `answer` resolves (a macrotask by default, as a socket would). */
class RecordingExporter implements BatchExporter<SpanArrayBatch> {
  batches: number[] = [];
  inFlight = 0;
  maxInFlight = 0;
  readonly answer: () => Promise<void>;
  constructor(answer: () => Promise<void> = () => new Promise((resolve) => setImmediate(resolve))) {
    this.answer = answer;
  }
  newBatch(): SpanArrayBatch {
    return new SpanArrayBatch();
  }
  export(batch: SpanArrayBatch, done: () => void): void {
    this.batches.push(batch.size);
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    void this.answer().then(() => {
      this.inFlight--;
      done();
    });
  }
  async shutdown(): Promise<void> {}
}

function setup(exporter: BatchExporter<SpanArrayBatch>, options: Partial<BatchOptions>) {
  let dropped = 0;
  const reasons = new Set<DropReason>();
  const processor = new LabBatchSpanProcessor(
    exporter,
    { maxQueueSize: 2048, maxExportBatchSize: 512, scheduledDelayMillis: 3_600_000, exportTimeoutMillis: 3_600_000, ...options },
    (reason) => {
      dropped++;
      reasons.add(reason);
    },
  );
  const provider = new TracerProvider({ resource: resourceFromAttributes({ 'service.name': 'bsp' }), sampler: new AlwaysOnSampler(), spanProcessors: [processor] });
  const tracer = provider.getTracer('bsp-test');
  const endSpans = (count: number) => {
    for (let i = 0; i < count; i++) tracer.startSpan(`span ${i}`, { attributes: { 'http.route': '/items/:id' } }).end();
  };
  return { processor, endSpans, dropped: () => dropped, reasons };
}

test('full batches are exported at once and back to back, one at a time, none dropped while the exporter keeps up', async () => {
  const exporter = new RecordingExporter();
  const { processor, endSpans, dropped } = setup(exporter, {});
  // 40 000 spans in bursts of 400 per macrotask, the exporter answering one batch of up to 512 per macrotask: spans
  // arrive just below the export capacity, so the queue must never fill.
  for (let burst = 0; burst < 100; burst++) {
    endSpans(400);
    await new Promise((resolve) => setImmediate(resolve));
  }
  await processor.forceFlush();
  assert.equal(dropped(), 0);
  assert.equal(exporter.maxInFlight, 1);
  assert.equal(
    exporter.batches.reduce((sum, size) => sum + size, 0),
    40_000,
  );
  assert.ok(exporter.batches.every((size) => size <= 512));
  // The scheduled delay is an hour: every export but the final flush was triggered by a full batch.
  assert.ok(exporter.batches.slice(0, -1).every((size) => size === 512), JSON.stringify(exporter.batches));
});

test('a backend that never answers holds the queue bound; the overflow is counted and nothing else is exported', async () => {
  const exporter = new RecordingExporter(() => new Promise(() => {}));
  const { endSpans, dropped, reasons } = setup(exporter, { maxQueueSize: 100, maxExportBatchSize: 10 });
  endSpans(1000);
  await new Promise((resolve) => setImmediate(resolve));
  endSpans(1000);
  // One batch of 10 left the queue for the hung export; the queue then holds 100 and the rest is dropped.
  assert.deepEqual(exporter.batches, [10]);
  assert.equal(dropped(), 2000 - 10 - 100);
  assert.deepEqual([...reasons], ['queue_full']);
});

test('a span its batch cannot take is dropped and counted, and span.end() does not throw', async () => {
  const exporter = new RecordingExporter();
  exporter.newBatch = () => {
    const batch = new SpanArrayBatch();
    const add = batch.add.bind(batch);
    batch.add = (span) => {
      if (span.name === 'span 1') throw new Error('cannot encode');
      add(span);
    };
    return batch;
  };
  const { processor, endSpans, dropped, reasons } = setup(exporter, {});
  endSpans(3);
  await processor.forceFlush();
  assert.deepEqual(exporter.batches, [2]);
  assert.equal(dropped(), 1);
  assert.deepEqual([...reasons], ['encoding_failed']);
});

test('an export that never calls back is given up after the export timeout, then exports resume', async () => {
  let calls = 0;
  const exporter = new RecordingExporter(() => (++calls === 1 ? new Promise(() => {}) : Promise.resolve()));
  const { processor, endSpans, dropped } = setup(exporter, { maxQueueSize: 100, maxExportBatchSize: 10, exportTimeoutMillis: 50 });
  endSpans(10);
  endSpans(25);
  await processor.forceFlush();
  assert.deepEqual(exporter.batches, [10, 10, 10, 5]);
  assert.equal(dropped(), 0);
});

test('a partial batch leaves after the scheduled delay; shutdown flushes and stops accepting spans', async () => {
  const exporter = new RecordingExporter();
  const { processor, endSpans } = setup(exporter, { scheduledDelayMillis: 20 });
  endSpans(3);
  assert.deepEqual(exporter.batches, []);
  while (exporter.batches.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
  assert.deepEqual(exporter.batches, [3]);
  endSpans(2);
  await processor.shutdown();
  endSpans(5);
  assert.deepEqual(exporter.batches, [3, 2]);
});

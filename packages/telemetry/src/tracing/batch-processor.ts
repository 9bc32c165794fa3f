// The batch span processor: a bounded queue drained by one export at a time, as fast as spans arrive.
//
// - Size-triggered: a full batch (maxExportBatchSize) is exported at once, and the next one as soon as the export in
//   flight settles, back to back, so a healthy backend is never waited on by a timer; a partial batch goes out
//   after scheduledDelayMillis. Throughput is therefore bounded by batch size / export round trip (512 spans per
//   few milliseconds on loopback), far above what one Node process serves.
// - Concurrency one: the next export starts when the exporter has called back (sdk-trace's processor starts it
//   when a failed export rejects, before the export has settled, so failures piled up concurrent exports). Only an
//   exporter that never calls back is given up, after exportTimeoutMillis (30 s), so that it cannot stop tracing for
//   good; the OTLP exporters give up first (OTEL_EXPORTER_OTLP_TIMEOUT, 10 s), so their exports never overlap.
// - What a batch holds is the exporter's choice (SpanBatch): the OTLP/protobuf exporter encodes each span as it ends
//   (otlp-trace-encoder.ts), so ended spans do not outlive their request on the JS heap; the others keep the objects.
// - Bounded memory when the backend is down or slow: at most maxQueueSize spans wait; beyond that new spans are dropped
//   and counted (queue_full). Worst case at the default 2048, measured for an HTTP server span with 13 attributes:
//   ~0.5 KiB each encoded, outside the heap (~1 MiB), or 1.2 KiB of heap each as objects (2.5 MiB); plus the framed
//   request of the one batch in flight (~0.25 MiB at 512), which the OTLP transport holds while it retries.
import { context, TraceFlags } from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';
import type { ReadableSpan, SpanProcessor } from '@opentelemetry/sdk-trace';

/** Ended spans waiting for one export, in whatever form the exporter sends. */
export interface SpanBatch {
  readonly size: number;
  /** May throw (a span that cannot be encoded); the batch is then left as it was. */
  add(span: ReadableSpan): void;
}

export interface BatchExporter<Batch extends SpanBatch> {
  newBatch(): Batch;
  export(batch: Batch, done: () => void): void;
  shutdown(): Promise<void>;
}

export type DropReason = 'queue_full' | 'encoding_failed';

/** Spans kept as objects, for a SpanExporter (console, OTLP/JSON, gRPC). */
export class SpanArrayBatch implements SpanBatch {
  readonly spans: ReadableSpan[] = [];
  get size(): number {
    return this.spans.length;
  }
  add(span: ReadableSpan): void {
    this.spans.push(span);
  }
}

export interface BatchOptions {
  maxQueueSize: number;
  maxExportBatchSize: number;
  scheduledDelayMillis: number;
  exportTimeoutMillis: number;
}

export class LabBatchSpanProcessor<Batch extends SpanBatch> implements SpanProcessor {
  readonly #exporter: BatchExporter<Batch>;
  readonly #options: BatchOptions;
  readonly #onDrop: (reason: DropReason) => void;
  /** Full batches, oldest first, then the one being filled. */
  readonly #full: Batch[] = [];
  #filling: Batch | undefined;
  /** Spans in #full and #filling. */
  #queued = 0;
  #exporting: Promise<void> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #shutDown = false;

  /** onDrop: called once per span dropped (the queue is full, or the span could not be encoded). */
  constructor(exporter: BatchExporter<Batch>, options: BatchOptions, onDrop: (reason: DropReason) => void) {
    if (options.maxExportBatchSize > options.maxQueueSize) throw new Error('maxExportBatchSize must not exceed maxQueueSize');
    this.#exporter = exporter;
    this.#options = options;
    this.#onDrop = onDrop;
  }

  onStart(): void {}

  onEnd(span: ReadableSpan): void {
    if (this.#shutDown || (span.spanContext().traceFlags & TraceFlags.SAMPLED) === 0) return;
    if (this.#queued >= this.#options.maxQueueSize) {
      this.#onDrop('queue_full');
      return;
    }
    this.#filling ??= this.#exporter.newBatch();
    const batch = this.#filling;
    try {
      batch.add(span);
    } catch {
      // Never into the application's span.end(): the span is lost and counted.
      this.#onDrop('encoding_failed');
      return;
    }
    this.#queued++;
    if (batch.size >= this.#options.maxExportBatchSize) {
      this.#full.push(batch);
      this.#filling = undefined;
    }
    this.#schedule();
  }

  /** Exports everything queued, one batch at a time. */
  async forceFlush(): Promise<void> {
    while (this.#exporting !== undefined || this.#queued > 0) {
      if (this.#exporting === undefined) this.#exportNext();
      await this.#exporting;
    }
  }

  async shutdown(): Promise<void> {
    if (this.#shutDown) return;
    await this.forceFlush();
    this.#shutDown = true;
    await this.#exporter.shutdown();
  }

  /** A full batch goes now, a partial one after the delay; nothing while an export is in flight. */
  #schedule(): void {
    if (this.#exporting !== undefined || this.#queued === 0) return;
    if (this.#full.length > 0) this.#exportNext();
    else this.#timer ??= setTimeout(() => this.#exportNext(), this.#options.scheduledDelayMillis).unref();
  }

  #exportNext(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#exporting !== undefined || this.#queued === 0) return;
    let batch = this.#full.shift();
    if (batch === undefined) {
      batch = this.#filling!;
      this.#filling = undefined;
    }
    this.#queued -= batch.size;
    this.#exporting = this.#export(batch).finally(() => {
      this.#exporting = undefined;
      this.#schedule();
    });
  }

  /** Settles when the exporter calls back, or at the timeout if it never does (the batch is then given up). */
  #export(batch: Batch): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, this.#options.exportTimeoutMillis).unref();
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      // The exporter's own HTTP requests are not the application's work.
      context.with(suppressTracing(context.active()), () => {
        try {
          this.#exporter.export(batch, done);
        } catch {
          done();
        }
      });
    });
  }
}

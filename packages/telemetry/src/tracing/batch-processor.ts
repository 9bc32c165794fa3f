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
// - Bounded memory when the backend is down or slow: at most maxQueueSize spans wait; beyond that new spans are dropped
//   and counted (queue_full). Worst case: maxQueueSize ended spans (1.2 KiB of heap each for an HTTP server span
//   with 13 attributes, measured: 2.5 MiB at the default 2048) plus the encoded body of the one batch in flight
//   (~0.4 KiB per span: ~0.2 MiB at 512), which the OTLP transport holds while it retries.
import { context, TraceFlags } from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace';

export interface BatchOptions {
  maxQueueSize: number;
  maxExportBatchSize: number;
  scheduledDelayMillis: number;
  exportTimeoutMillis: number;
}

export class LabBatchSpanProcessor implements SpanProcessor {
  readonly #exporter: SpanExporter;
  readonly #options: BatchOptions;
  readonly #onQueueFull: () => void;
  #queue: ReadableSpan[] = [];
  #exporting: Promise<void> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #shutDown = false;

  /** onQueueFull: called once per span dropped because the queue is full. */
  constructor(exporter: SpanExporter, options: BatchOptions, onQueueFull: () => void) {
    if (options.maxExportBatchSize > options.maxQueueSize) throw new Error('maxExportBatchSize must not exceed maxQueueSize');
    this.#exporter = exporter;
    this.#options = options;
    this.#onQueueFull = onQueueFull;
  }

  onStart(): void {}

  onEnd(span: ReadableSpan): void {
    if (this.#shutDown || (span.spanContext().traceFlags & TraceFlags.SAMPLED) === 0) return;
    if (this.#queue.length >= this.#options.maxQueueSize) {
      this.#onQueueFull();
      return;
    }
    this.#queue.push(span);
    this.#schedule();
  }

  /** Exports everything queued, one batch at a time. */
  async forceFlush(): Promise<void> {
    while (this.#exporting !== undefined || this.#queue.length > 0) {
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
    if (this.#exporting !== undefined || this.#queue.length === 0) return;
    if (this.#queue.length >= this.#options.maxExportBatchSize) this.#exportNext();
    else this.#timer ??= setTimeout(() => this.#exportNext(), this.#options.scheduledDelayMillis).unref();
  }

  #exportNext(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#exporting !== undefined || this.#queue.length === 0) return;
    const batch = this.#queue.length <= this.#options.maxExportBatchSize ? this.#queue : this.#queue.slice(0, this.#options.maxExportBatchSize);
    this.#queue = batch === this.#queue ? [] : this.#queue.slice(batch.length);
    this.#exporting = this.#export(batch).finally(() => {
      this.#exporting = undefined;
      this.#schedule();
    });
  }

  /** Settles when the exporter calls back, or at the timeout if it never does (the batch is then given up). */
  #export(batch: ReadableSpan[]): Promise<void> {
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

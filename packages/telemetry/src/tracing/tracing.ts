// Trace pipeline: sampler, propagators, batch processor with a bounded queue (batch-processor.ts), and an exporter
// that is loaded on the first export (the protobuf/gRPC stacks cost tens of milliseconds to import; startup should
// not pay for them).
import {
  type Context,
  propagation,
  type TextMapGetter,
  type TextMapPropagator,
  type TextMapSetter,
  trace,
} from '@opentelemetry/api';
import { CompositePropagator, type ExportResult, ExportResultCode, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  ConsoleSpanExporter,
  ParentBasedSampler,
  type Sampler,
  type SpanExporter,
  TraceIdRatioBasedSampler,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import { B3Propagator } from './b3.ts';
import { type BatchExporter, LabBatchSpanProcessor, SpanArrayBatch, type SpanBatch } from './batch-processor.ts';
import { EncodedSpanBatch } from './otlp-trace-encoder.ts';
import type { PropagatorName, TelemetryConfig } from '../config/config.ts';
import { withDeadline } from '../lifecycle/deadline.ts';
import type { ThrottledReporter } from '../logging/throttled-reporter.ts';
import type { CoreMetrics } from '../metrics/metrics.ts';
import type { ResourceAttributes } from './resource.ts';

export interface Tracing {
  shutdown(deadlineMs: number): Promise<void>;
}

export function createSampler(config: TelemetryConfig['traces']): Sampler {
  const ratio = new TraceIdRatioBasedSampler(config.samplerRatio);
  switch (config.sampler) {
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return ratio;
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: ratio });
    default:
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
  }
}

/**
 * Extracts every format we accept (B3 single and multi first, so that W3C wins when both are present) and injects
 * only the configured ones.
 */
export class LabPropagator implements TextMapPropagator {
  // Each extractor runs only when its header is present (most requests carry none or one of them).
  readonly #extractors: Array<[string[], TextMapPropagator]> = [
    [['b3', 'x-b3-traceid'], new B3Propagator({ multiHeader: false })],
    [['traceparent'], new W3CTraceContextPropagator()],
    [['baggage'], new W3CBaggagePropagator()],
  ];
  readonly #injector: CompositePropagator;

  constructor(names: PropagatorName[]) {
    const injectors = names.map((name): TextMapPropagator => {
      switch (name) {
        case 'b3':
          return new B3Propagator({ multiHeader: false });
        case 'b3multi':
          return new B3Propagator({ multiHeader: true });
        case 'baggage':
          return new W3CBaggagePropagator();
        default:
          return new W3CTraceContextPropagator();
      }
    });
    this.#injector = new CompositePropagator({ propagators: injectors });
  }

  inject(context: Context, carrier: unknown, setter: TextMapSetter): void {
    this.#injector.inject(context, carrier, setter);
  }

  extract(context: Context, carrier: unknown, getter: TextMapGetter): Context {
    let result = context;
    for (const [headers, extractor] of this.#extractors) {
      if (headers.some((header) => getter.get(carrier, header) !== undefined)) result = extractor.extract(result, carrier, getter);
    }
    return result;
  }

  fields(): string[] {
    return this.#injector.fields();
  }
}

/** An exporter of the batches that newBatch() makes, loaded on the first export. */
interface BatchSender<Batch extends SpanBatch> {
  newBatch(): Batch;
  load(): Promise<{ export(batch: Batch, done: (result: ExportResult) => void): void; shutdown(): Promise<void> }>;
}

/** http/protobuf: spans encoded as they end, sent by the OTel HTTP transport (retries, timeout, headers). */
function protobufSender(config: TelemetryConfig['traces']): BatchSender<EncodedSpanBatch> {
  return {
    newBatch: () => new EncodedSpanBatch(),
    async load() {
      const [{ OTLPExporterBase }, { convertLegacyHttpOptions, createOtlpHttpExportDelegate }, { ProtobufTraceSerializer }] = await Promise.all([
        import('@opentelemetry/otlp-exporter-base'),
        import('@opentelemetry/otlp-exporter-base/node-http'),
        import('@opentelemetry/otlp-transformer'),
      ]);
      const { url, headers, timeoutMs } = config.otlp;
      const options = convertLegacyHttpOptions({ url, headers, timeoutMillis: timeoutMs }, 'TRACES', 'v1/traces', {
        'Content-Type': 'application/x-protobuf',
      });
      const serializer = {
        serializeRequest: (batch: EncodedSpanBatch) => batch.finish(),
        deserializeResponse: ProtobufTraceSerializer.deserializeResponse,
      };
      const metricsHelper = { name: 'span' as const, countItems: (batch: EncodedSpanBatch) => batch.size };
      return new OTLPExporterBase(createOtlpHttpExportDelegate(options, serializer, 'otlp_http_span_exporter', metricsHelper, undefined));
    },
  };
}

async function loadSpanExporter(config: TelemetryConfig['traces']): Promise<SpanExporter> {
  const { url, headers, timeoutMs, protocol } = config.otlp;
  if (config.exporter === 'console') return new ConsoleSpanExporter();
  if (protocol === 'grpc') {
    const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-grpc');
    return new OTLPTraceExporter({ url, timeoutMillis: timeoutMs });
  }
  const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-http');
  return new OTLPTraceExporter({ url, headers, timeoutMillis: timeoutMs });
}

/** Console, http/json and gRPC: the SDK's exporters, given the span objects. */
function spanExporterSender(config: TelemetryConfig['traces']): BatchSender<SpanArrayBatch> {
  return {
    newBatch: () => new SpanArrayBatch(),
    async load() {
      const exporter = await loadSpanExporter(config);
      return { export: (batch, done) => exporter.export(batch.spans, done), shutdown: () => exporter.shutdown() };
    },
  };
}

/**
 * Loads the real exporter on first use, counts exported and failed spans, and reports failures (throttled). It
 * answers the batch processor once the export settled, successful or not: a failed batch is dropped and counted here.
 */
class ReportingExporter<Batch extends SpanBatch> implements BatchExporter<Batch> {
  #exporter: ReturnType<BatchSender<Batch>['load']> | undefined;
  readonly #sender: BatchSender<Batch>;
  readonly #metrics: CoreMetrics;
  readonly #onFailure: (error: unknown) => void;

  constructor(sender: BatchSender<Batch>, metrics: CoreMetrics, onFailure: (error: unknown) => void) {
    this.#sender = sender;
    this.#metrics = metrics;
    this.#onFailure = onFailure;
  }

  newBatch(): Batch {
    return this.#sender.newBatch();
  }

  export(batch: Batch, done: () => void): void {
    const settled = (error: unknown) => {
      if (error === undefined) {
        this.#metrics.spansExported.inc(batch.size);
      } else {
        this.#metrics.spansDropped.inc({ reason: 'export_failed' }, batch.size);
        this.#onFailure(error);
      }
      done();
    };
    this.#exporter ??= this.#sender.load();
    this.#exporter.then(
      (exporter) => exporter.export(batch, (result) => settled(result.code === ExportResultCode.SUCCESS ? undefined : (result.error ?? new Error('span export failed')))),
      settled,
    );
  }

  async shutdown(): Promise<void> {
    if (this.#exporter) await (await this.#exporter).shutdown();
  }
}

export function startTracing(
  config: TelemetryConfig,
  resourceAttributes: ResourceAttributes,
  metrics: CoreMetrics,
  reporter: ThrottledReporter,
): Tracing | undefined {
  propagation.setGlobalPropagator(new LabPropagator(config.traces.propagators));
  if (config.disabled) return undefined;
  const spanProcessors = [];
  if (config.traces.exporter !== 'none') {
    const sender: BatchSender<SpanBatch> =
      config.traces.exporter === 'otlp' && config.traces.otlp.protocol === 'http/protobuf' ? protobufSender(config.traces) : spanExporterSender(config.traces);
    const exporter = new ReportingExporter(
      sender,
      metrics,
      (error) => {
        metrics.exportFailures.inc({ signal: 'traces' });
        reporter.report('traces export', error);
      },
    );
    spanProcessors.push(new LabBatchSpanProcessor(exporter, config.traces.batch, (reason) => metrics.spansDropped.inc({ reason })));
  }
  const provider = new TracerProvider({
    resource: resourceFromAttributes(resourceAttributes),
    sampler: createSampler(config.traces),
    spanProcessors,
  });
  trace.setGlobalTracerProvider(provider);
  return {
    shutdown: (deadlineMs) => withDeadline(provider.shutdown(), deadlineMs),
  };
}

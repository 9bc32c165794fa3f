// The spans of the auto-detected database instrumentations feed db_client_operation_duration_seconds, with the span
// as exemplar when sampled, like the sqlite instrumentation: their tracer provider wraps the global one and observes
// every CLIENT span that carries a database system when it ends. Recorded spans are read at their end (attributes
// set after the start count); spans not recorded (sampled out) are labelled from the attributes given at start.
import { type Attributes, context, type Span, SpanKind, type SpanOptions, trace, type Tracer, type TracerProvider } from '@opentelemetry/api';
import type { CoreMetrics } from '../metrics/metrics.ts';

function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function observeOnEnd(span: Span, startAttributes: Attributes | undefined, metrics: CoreMetrics): void {
  const startedAt = performance.now();
  const end = span.end;
  span.end = function endAndObserve(endTime) {
    end.call(span, endTime);
    const attributes = (span as Span & { attributes?: Attributes }).attributes ?? startAttributes ?? {};
    const system = text(attributes['db.system.name']) ?? text(attributes['db.system']);
    if (system === undefined) return;
    // pg records no operation name: the statement's first keyword is one (SELECT, INSERT, ...).
    const operation =
      text(attributes['db.operation.name']) ?? text(attributes['db.operation']) ?? /^\s*([A-Za-z]+)/.exec(text(attributes['db.query.text']) ?? '')?.[1]?.toUpperCase();
    // A span with neither is connection setup (pg.connect, pool checkout), not an operation of the histogram.
    if (operation === undefined) return;
    const spanContext = span.spanContext();
    metrics.dbClientDuration.observe(
      {
        db_system_name: system,
        db_operation_name: operation,
        db_collection_name: text(attributes['db.collection.name']) ?? text(attributes['db.mongodb.collection']) ?? text(attributes['db.sql.table']) ?? '',
      },
      (performance.now() - startedAt) / 1000,
      spanContext.traceFlags & 1 ? { trace_id: spanContext.traceId, span_id: spanContext.spanId } : undefined,
    );
  };
}

function observingTracer(tracer: Tracer, metrics: CoreMetrics): Tracer {
  const startSpan = (name: string, options?: SpanOptions, parent = context.active()): Span => {
    const span = tracer.startSpan(name, options, parent);
    if (options?.kind === SpanKind.CLIENT) observeOnEnd(span, options.attributes, metrics);
    return span;
  };
  // Same argument handling as the SDK's Tracer.startActiveSpan: (name, [options, [context,]] fn).
  const startActiveSpan = (name: string, ...rest: unknown[]) => {
    const fn = rest.pop() as (span: Span) => unknown;
    const [options, parent = context.active()] = rest as [SpanOptions | undefined, ReturnType<typeof context.active> | undefined];
    const span = startSpan(name, options, parent);
    return context.with(trace.setSpan(parent, span), fn, undefined, span);
  };
  return { startSpan, startActiveSpan: startActiveSpan as Tracer['startActiveSpan'] };
}

export function dbMetricsTracerProvider(metrics: CoreMetrics): TracerProvider {
  return { getTracer: (name, version) => observingTracer(trace.getTracer(name, version), metrics) };
}

// The handle's pino logger: JSON lines on stdout with ISO time, level label, service name, redaction, and the active
// span's ids (plus the load test's run id from baggage) through a mixin that costs one context lookup per line.
import { context, propagation, trace } from '@opentelemetry/api';
import pino, { type Logger } from 'pino';
import type { TelemetryConfig } from './config.ts';

export const RUN_ID_BAGGAGE_KEY = 'lab.run_id';

export interface TraceFields {
  trace_id?: string;
  span_id?: string;
  trace_flags?: string;
  run_id?: string;
}

/** trace_id, span_id, trace_flags of the active span and run_id of the active baggage, when present. */
export function activeTraceFields(): TraceFields {
  const active = context.active();
  const fields: TraceFields = {};
  const spanContext = trace.getSpan(active)?.spanContext();
  if (spanContext && trace.isSpanContextValid(spanContext)) {
    fields.trace_id = spanContext.traceId;
    fields.span_id = spanContext.spanId;
    fields.trace_flags = `0${spanContext.traceFlags.toString(16)}`;
  }
  const runId = propagation.getBaggage(active)?.getEntry(RUN_ID_BAGGAGE_KEY)?.value;
  if (runId !== undefined) fields.run_id = runId;
  return fields;
}

export function createLogger(config: TelemetryConfig, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level: config.logs.level,
      base: { service: config.serviceName },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: config.logs.redact, censor: '[Redacted]' },
      mixin: activeTraceFields,
    },
    destination ?? pino.destination({ fd: 1, sync: false }),
  );
}

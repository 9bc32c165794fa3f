// The handle's pino logger: JSON lines on stdout with ISO time, level label, service name, redaction, and the active
// span's ids (plus the load test's run id from baggage) through a mixin that costs one context lookup per line.
import { context, propagation, trace } from '@opentelemetry/api';
import pino, { type Logger, type LoggerOptions } from 'pino';
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

export interface Loggers {
  /** The handle's logger: redaction on, trace fields from the active context. */
  logger: Logger;
  /**
   * For the access log only: same destination and format, but no redaction (its fields are fixed and safe) and no
   * mixin (the caller passes the trace fields): redacting costs more than the rest of a request's telemetry.
   */
  accessLogger: Logger;
}

/** JSON lines to stdout, and to `copyTo` too when given (the OTLP log export). */
export function createLoggers(config: TelemetryConfig, copyTo?: pino.DestinationStream): Loggers {
  // Lines are written in batches of up to 4 KiB, and at least every 100 ms: one write per line (the access log
  // writes one per request) cost more than the rest of a request's telemetry. pino flushes it on exit.
  const stdout = pino.destination({ fd: 1, sync: false, minLength: 4096, periodicFlush: 100 });
  const destination = copyTo
    ? pino.multistream([
        { level: 'trace', stream: stdout },
        { level: 'trace', stream: copyTo },
      ])
    : stdout;
  const common: LoggerOptions = {
    level: config.logs.level,
    base: { service: config.serviceName },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  };
  return {
    logger: pino({ ...common, redact: { paths: config.logs.redact, censor: '[Redacted]' }, mixin: activeTraceFields }, destination),
    accessLogger: pino(common, destination),
  };
}

// The handle's pino logger: JSON lines on stdout with ISO time, level label, service name, redaction, and the active
// span's ids (plus the load test's run id from baggage) through a mixin that costs one context lookup per line.
import { context, propagation, trace } from '@opentelemetry/api';
import pino, { type Logger, type LoggerOptions } from 'pino';
import { type AccessLog, createAccessLog } from './access-log.ts';
import type { TelemetryConfig } from '../config/config.ts';
import { CENSOR, redactSensitive } from './redaction.ts';
import { LineBatcher } from './line-batcher.ts';

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
   * Writes the access line: the same line the logger would write, to the same destinations, built directly (see
   * access-log.ts). Undefined when the access log is off or the level lets no access line through.
   */
  accessLog: AccessLog | undefined;
}

/** JSON lines to stdout, and to `copyTo` too when given (the OTLP log export). */
export function createLoggers(config: TelemetryConfig, copyTo?: pino.DestinationStream): Loggers {
  // Lines are written in batches of about 16 KiB, and at least every 100 ms: one write per line (the access log
  // writes one per request) cost more than the rest of a request's telemetry. The batcher collects the lines (see
  // line-batcher.ts), sonic-boom writes each chunk asynchronously and handles partial writes and EAGAIN.
  const stdout = new LineBatcher(1);
  const destination = copyTo
    ? pino.multistream([
        { level: 'trace', stream: stdout },
        { level: 'trace', stream: copyTo },
      ])
    : stdout;
  const options: LoggerOptions = {
    level: config.logs.level,
    base: { service: config.serviceName },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }), log: redactSensitive },
    // pino's path redaction only for paths the application adds: the defaults cost a fraction of it (redaction.ts).
    redact: config.logs.extraRedactPaths.length > 0 ? { paths: config.logs.extraRedactPaths, censor: CENSOR } : undefined,
    mixin: activeTraceFields,
  };
  const writeLine = copyTo
    ? (line: string) => {
        stdout.write(line);
        copyTo.write(line);
      }
    : (line: string) => {
        stdout.write(line);
      };
  return {
    logger: pino(options, destination),
    accessLog: config.logs.accessLog ? createAccessLog({ serviceName: config.serviceName, level: config.logs.level, write: writeLine }) : undefined,
  };
}

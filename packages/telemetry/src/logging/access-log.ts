// The access line (one per request), built directly as the fixed-shape JSON that the handle's pino logger would
// write for it: same fields, same order, same escaping (`{"level":…,"time":…,"service":…,"method":…,"route":…,
// ["status":…,]"duration_ms":…,["trace_id","span_id","trace_flags",]["run_id",]["error_type",]"msg":"request completed"}`).
// `status` is absent when no response was sent (client gone, or cut at the shutdown deadline): `error_type` says
// which. A generic pino call (object walk, serializers, hooks) cost about as much as the rest of a request's
// telemetry; this costs a string concatenation. Only route, run_id and error_type can hold characters that need
// escaping.
import type { SpanContext } from '@opentelemetry/api';
import { ABORTED } from '../http/semconv.ts';

/** pino's level numbers; an access line is written when its level is at or above the configured one. */
const LEVEL_VALUES: Record<string, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60, silent: Number.POSITIVE_INFINITY };

export type AccessLog = (
  method: string,
  route: string,
  status: number | undefined,
  seconds: number,
  spanContext: SpanContext | undefined,
  runId: string | undefined,
  errorType: string | undefined,
) => void;

export interface AccessLogOptions {
  serviceName: string;
  /** The handle logger's level (LOG_LEVEL). */
  level: string;
  /** Receives each complete line, newline included. */
  write: (line: string) => void;
}

/** The access log writer, or undefined when the level lets no access line through (error is their highest level). */
export function createAccessLog(options: AccessLogOptions): AccessLog | undefined {
  const threshold = LEVEL_VALUES[options.level] ?? LEVEL_VALUES.info!;
  if (threshold > LEVEL_VALUES.error!) return undefined;
  const infoOn = threshold <= LEVEL_VALUES.info!;
  const warnOn = threshold <= LEVEL_VALUES.warn!;
  const afterTime = `","service":${JSON.stringify(options.serviceName)},"method":"`;
  const write = options.write;
  let isoMs = Number.NaN;
  let iso = '';

  return (method, route, status, seconds, spanContext, runId, errorType) => {
    let level: string;
    // Without a response: a client that went away is a warning, a request cut by the server an error.
    if (status === undefined ? errorType !== ABORTED : status >= 500) level = 'error';
    else if (status === undefined || status >= 400) {
      if (!warnOn) return;
      level = 'warn';
    } else {
      if (!infoOn) return;
      level = 'info';
    }
    const now = Date.now();
    if (now !== isoMs) {
      isoMs = now;
      iso = new Date(now).toISOString();
    }
    // method is a normalized (known) method or _OTHER: never needs escaping.
    let line = `{"level":"${level}","time":"${iso}${afterTime}${method}","route":${JSON.stringify(route)}${status === undefined ? '' : `,"status":${status}`},"duration_ms":${Math.round(seconds * 1e6) / 1e3}`;
    if (spanContext !== undefined) {
      line += `,"trace_id":"${spanContext.traceId}","span_id":"${spanContext.spanId}","trace_flags":"0${spanContext.traceFlags.toString(16)}"`;
    }
    if (runId !== undefined) line += `,"run_id":${JSON.stringify(runId)}`;
    if (errorType !== undefined) line += `,"error_type":${JSON.stringify(errorType)}`;
    write(`${line},"msg":"request completed"}\n`);
  };
}

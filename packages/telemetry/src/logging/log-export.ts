// OTLP log export (OTEL_LOGS_EXPORTER=otlp; off by default: in the cluster Fluent Bit ships stdout). The handle's
// logger writes each JSON line to stdout and to this stream, which turns it into an OTLP log record (body = msg,
// the other fields as attributes, trace context from trace_id/span_id) batched by the OpenTelemetry logs SDK.
// The SDK and exporter are required only when enabled, so services that do not export logs never load them.
import { createRequire } from 'node:module';
import { Writable } from 'node:stream';
import { type Attributes, type LogRecord, ROOT_CONTEXT, SeverityNumber, trace } from '@opentelemetry/api';
import type { ExportResult } from '@opentelemetry/core';
import type { LogRecordExporter, ReadableLogRecord } from '@opentelemetry/sdk-logs';
import type { OtlpTarget } from '../config/config.ts';
import { withDeadline } from '../lifecycle/deadline.ts';
import type { ResourceAttributes } from '../tracing/resource.ts';
import { PACKAGE_VERSION } from '../module-extension.ts';

const requireLazily = createRequire(import.meta.url);

const SEVERITY: Record<string, SeverityNumber> = {
  trace: SeverityNumber.TRACE,
  debug: SeverityNumber.DEBUG,
  info: SeverityNumber.INFO,
  warn: SeverityNumber.WARN,
  error: SeverityNumber.ERROR,
  fatal: SeverityNumber.FATAL,
};
const NOT_ATTRIBUTES = new Set(['time', 'level', 'msg', 'trace_id', 'span_id', 'trace_flags']);

export interface LogExport {
  stream: Writable;
  shutdown(deadlineMs: number): Promise<void>;
}

function createExporter(target: OtlpTarget): LogRecordExporter {
  const options = { url: target.url, headers: target.headers, timeoutMillis: target.timeoutMs };
  if (target.protocol === 'http/json') {
    const { OTLPLogExporter } = requireLazily('@opentelemetry/exporter-logs-otlp-http') as typeof import('@opentelemetry/exporter-logs-otlp-http');
    return new OTLPLogExporter(options);
  }
  // gRPC log export is not bundled: protobuf over HTTP is used instead (documented).
  const { OTLPLogExporter } = requireLazily('@opentelemetry/exporter-logs-otlp-proto') as typeof import('@opentelemetry/exporter-logs-otlp-proto');
  return new OTLPLogExporter(options);
}

/** Converts one pino JSON line into an OTLP log record. */
export function toLogRecord(line: string): LogRecord | undefined {
  let fields: Record<string, unknown>;
  try {
    fields = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const attributes: Attributes = {};
  for (const [key, value] of Object.entries(fields)) {
    if (NOT_ATTRIBUTES.has(key) || value === null || value === undefined) continue;
    attributes[key] = typeof value === 'object' ? JSON.stringify(value) : (value as string | number | boolean);
  }
  const level = String(fields.level);
  const record: LogRecord = {
    timestamp: typeof fields.time === 'string' ? new Date(fields.time) : new Date(),
    severityNumber: SEVERITY[level] ?? SeverityNumber.UNSPECIFIED,
    severityText: level,
    body: typeof fields.msg === 'string' ? fields.msg : '',
    attributes,
  };
  if (typeof fields.trace_id === 'string' && typeof fields.span_id === 'string') {
    record.context = trace.setSpanContext(ROOT_CONTEXT, {
      traceId: fields.trace_id,
      spanId: fields.span_id,
      traceFlags: Number.parseInt(String(fields.trace_flags ?? '01'), 16),
      isRemote: false,
    });
  }
  return record;
}

export function startLogExport(
  target: OtlpTarget,
  scheduleDelayMs: number,
  resourceAttributes: ResourceAttributes,
  onFailure: (error: unknown) => void,
): LogExport {
  const { LoggerProvider, BatchLogRecordProcessor } = requireLazily('@opentelemetry/sdk-logs') as typeof import('@opentelemetry/sdk-logs');
  const { resourceFromAttributes } = requireLazily('@opentelemetry/resources') as typeof import('@opentelemetry/resources');
  const exporter = createExporter(target);
  const reporting: LogRecordExporter = {
    export(records: ReadableLogRecord[], done: (result: ExportResult) => void) {
      exporter.export(records, (result) => {
        if (result.error !== undefined || result.code !== 0) onFailure(result.error ?? new Error('log export failed'));
        done(result);
      });
    },
    shutdown: () => exporter.shutdown(),
    forceFlush: () => exporter.forceFlush?.() ?? Promise.resolve(),
  };
  const provider = new LoggerProvider({
    resource: resourceFromAttributes(resourceAttributes),
    processors: [new BatchLogRecordProcessor({ exporter: reporting, scheduledDelayMillis: scheduleDelayMs })],
  });
  const otelLogger = provider.getLogger('@lab/telemetry', PACKAGE_VERSION);
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      for (const line of String(chunk).split('\n')) {
        const record = line === '' ? undefined : toLogRecord(line);
        if (record) otelLogger.emit(record);
      }
      callback();
    },
  });
  return { stream, shutdown: (deadlineMs) => withDeadline(provider.shutdown(), deadlineMs) };
}

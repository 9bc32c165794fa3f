// The directly built access line must be byte for byte what the handle's pino logger writes for the same fields
// (field names and order, escaping, numbers), and honour the log level.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TraceFlags } from '@opentelemetry/api';
import pino from 'pino';
import { createAccessLog } from '../src/logging/access-log.ts';

const TIME = /"time":"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)"/;

function pinoLine(serviceName: string, level: 'info' | 'warn' | 'error', fields: Record<string, unknown>): string {
  let line = '';
  const logger = pino(
    {
      base: { service: serviceName },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    { write: (chunk: string) => (line = chunk) },
  );
  logger[level](fields, 'request completed');
  return line;
}

function ourLine(serviceName: string, logLevel: string, ...args: Parameters<NonNullable<ReturnType<typeof createAccessLog>>>): string[] {
  const lines: string[] = [];
  createAccessLog({ serviceName, level: logLevel, write: (line) => lines.push(line) })?.(...args);
  return lines;
}

const withoutTime = (line: string) => line.replace(TIME, '"time":"T"');
const spanContext = { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: TraceFlags.SAMPLED };

test('access lines are byte-compatible with pino lines: every level, trace fields, run_id, error_type, no status without a response, escaping', () => {
  const cases = [
    { status: 200, level: 'info' as const, route: '/items/:id', runId: undefined, errorType: undefined, traced: true },
    { status: 404, level: 'warn' as const, route: '/*', runId: 'run-1', errorType: undefined, traced: true },
    { status: 503, level: 'error' as const, route: '/odd/"quoted"\\path/ünï/\u0001', runId: 'r"un\n', errorType: 'aborted', traced: false },
    { status: undefined, level: 'warn' as const, route: '/slow', runId: undefined, errorType: 'aborted', traced: true },
    { status: undefined, level: 'error' as const, route: '/slow', runId: undefined, errorType: 'shutdown_deadline', traced: true },
  ];
  for (const { status, level, route, runId, errorType, traced } of cases) {
    const service = 'svc "quoted" ü';
    const [ours] = ourLine(service, 'info', 'GET', route, status, 0.0123456, traced ? spanContext : undefined, runId, errorType);
    const fields: Record<string, unknown> = { method: 'GET', route, status, duration_ms: 12.346 };
    if (status === undefined) delete fields.status;
    if (traced) Object.assign(fields, { trace_id: spanContext.traceId, span_id: spanContext.spanId, trace_flags: '01' });
    if (runId !== undefined) fields.run_id = runId;
    if (errorType !== undefined) fields.error_type = errorType;
    assert.ok(ours, `a line for status ${status}`);
    assert.match(ours, TIME);
    assert.ok(Math.abs(Date.parse(TIME.exec(ours)![1]!) - Date.now()) < 60_000, 'time is now');
    assert.equal(withoutTime(ours), withoutTime(pinoLine(service, level, fields)));
  }
});

test('the log level filters access lines as the handle logger would', () => {
  const statuses = (logLevel: string) =>
    [200, 404, 500].filter((status) => ourLine('svc', logLevel, 'GET', '/', status, 0.001, undefined, undefined, undefined).length === 1);
  assert.deepEqual(statuses('debug'), [200, 404, 500]);
  assert.deepEqual(statuses('info'), [200, 404, 500]);
  assert.deepEqual(statuses('warn'), [404, 500]);
  assert.deepEqual(statuses('error'), [500]);
  assert.equal(createAccessLog({ serviceName: 'svc', level: 'fatal', write: () => {} }), undefined);
  assert.equal(createAccessLog({ serviceName: 'svc', level: 'silent', write: () => {} }), undefined);
});

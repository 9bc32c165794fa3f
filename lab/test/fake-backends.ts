// In-memory CorrelationBackends for the walker's tests: one good trace gateway -> orders -> payments, which each test
// can break one link at a time.
import type { CorrelationBackends, Exemplar, LogLine, ProfileSummary, TimeRange, TraceSpan } from '../src/correlation/types.ts';

export const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';

export function span(spanId: string, parentSpanId: string | undefined, serviceName: string, kind: TraceSpan['kind'], startMs: number, endMs: number): TraceSpan {
  return {
    traceId: TRACE_ID,
    spanId,
    ...(parentSpanId ? { parentSpanId } : {}),
    name: `${kind} ${serviceName}`,
    serviceName,
    kind,
    startTimeUnixNano: BigInt(startMs) * 1_000_000n,
    endTimeUnixNano: BigInt(endMs) * 1_000_000n,
    attributes: {},
  };
}

export function goodTrace(): TraceSpan[] {
  return [
    span('a000000000000001', undefined, 'gateway', 'server', 0, 900),
    span('a000000000000002', 'a000000000000001', 'gateway', 'client', 10, 890),
    span('b000000000000001', 'a000000000000002', 'orders', 'server', 12, 880),
    span('b000000000000002', 'b000000000000001', 'orders', 'client', 20, 870),
    span('c000000000000001', 'b000000000000002', 'payments', 'server', 22, 860),
  ];
}

export class FakeBackends implements CorrelationBackends {
  exemplarList: Exemplar[] = ['gateway', 'orders', 'payments'].map((job, index) => ({
    seriesLabels: { job, http_route: '/api/checkout' },
    traceId: TRACE_ID,
    spanId: 'a000000000000001',
    value: 0.9 - index * 0.01,
    timestamp: 1000 + index,
  }));
  spans: TraceSpan[] | undefined = goodTrace();
  logLines: LogLine[] = goodTrace().map((s) => ({ serviceName: s.serviceName, time: 1_000_000, traceId: TRACE_ID, spanId: s.spanId, line: { msg: 'request completed' } }));
  profiled = new Set(['c000000000000001']);
  /** Traces besides TRACE_ID, by trace id. */
  otherTraces = new Map<string, TraceSpan[]>();

  async exemplars(query: string, range: TimeRange): Promise<Exemplar[]> {
    const job = /job="([^"]+)"/.exec(query)?.[1];
    return this.exemplarList.filter(
      (exemplar) => (!job || exemplar.seriesLabels['job'] === job) && exemplar.timestamp >= range.start && exemplar.timestamp <= range.end,
    );
  }
  async trace(traceId: string): Promise<TraceSpan[] | undefined> {
    return traceId === TRACE_ID ? this.spans : this.otherTraces.get(traceId);
  }
  async logsForTrace(serviceName: string, traceId: string): Promise<LogLine[]> {
    return this.logLines.filter((line) => line.serviceName === serviceName && line.traceId === traceId);
  }
  async profileForSpan(serviceName: string, spanId: string): Promise<ProfileSummary | undefined> {
    return this.profiled.has(spanId) ? { serviceName, total: 42, topFunctions: [{ name: 'authorize', self: 42 }] } : undefined;
  }
}

// The correlation loop, independent of where the data lives: the lab's end-to-end test walks it over the local
// receiver's store and the lab's Prometheus; `pnpm verify:cluster` walks it over Prometheus/Thanos, Tempo, Loki and
// Pyroscope HTTP APIs. One walker, two sets of backends.

export interface Exemplar {
  /** Labels of the series the exemplar belongs to (job, http_route, ...). */
  seriesLabels: Record<string, string>;
  traceId: string;
  spanId: string;
  value: number;
  /** Unix seconds. */
  timestamp: number;
}

export interface TraceSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  serviceName: string;
  kind: 'server' | 'client' | 'internal' | 'producer' | 'consumer' | 'unspecified';
  startTimeUnixNano: bigint;
  endTimeUnixNano: bigint;
  attributes: Record<string, string | number | boolean>;
}

export interface LogLine {
  serviceName: string;
  /** Unix ms. */
  time: number;
  traceId?: string;
  spanId?: string;
  line: Record<string, unknown>;
}

export interface ProfileSummary {
  serviceName: string;
  /** Total sample value for the selection (e.g. wall or cpu nanoseconds). */
  total: number;
  /** Function names with their self value, heaviest first. */
  topFunctions: { name: string; self: number }[];
}

export interface TimeRange {
  /** Unix seconds. */
  start: number;
  end: number;
}

export interface CorrelationBackends {
  /** Prometheus query_exemplars for a PromQL selector over the range. */
  exemplars(query: string, range: TimeRange): Promise<Exemplar[]>;
  /** The whole trace by id, or undefined when the trace store does not know it. */
  trace(traceId: string): Promise<TraceSpan[] | undefined>;
  /** Log lines of one service carrying the trace id. */
  logsForTrace(serviceName: string, traceId: string, range: TimeRange): Promise<LogLine[]>;
  /** Profile samples of one service labelled span_id=<spanId>; undefined when none. */
  profileForSpan(serviceName: string, spanId: string, range: TimeRange): Promise<ProfileSummary | undefined>;
}

export type LinkName = 'metrics' | 'exemplar' | 'trace' | 'logs' | 'profile';

export interface LinkResult {
  link: LinkName;
  ok: boolean;
  /** What was resolved, or what broke and why, in one line a person can act on. */
  detail: string;
}

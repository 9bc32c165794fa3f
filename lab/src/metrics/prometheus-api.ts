// The parts of the Prometheus HTTP API the lab reads: query_range (RED charts), query_exemplars (the walk) and query
// (the largest runtime gauge values of the run).
import type { Exemplar, TimeRange } from '../correlation/types.ts';
import type { MetricsSource, RedSeries } from './source.ts';

interface ApiResponse<T> {
  status: 'success' | 'error';
  data: T;
  error?: string;
}
interface MatrixSeries {
  metric: Record<string, string>;
  values: [number, string][];
}
interface VectorSample {
  metric: Record<string, string>;
  value: [number, string];
}
interface ExemplarSeries {
  seriesLabels: Record<string, string>;
  exemplars: { labels: Record<string, string>; value: string; timestamp: number }[];
}

export class PrometheusApi implements MetricsSource {
  readonly kind = 'prometheus' as const;
  readonly baseUrl: string;
  /** Width of rate() windows: at least four scrapes. */
  readonly rateWindowSeconds: number;

  constructor(baseUrl: string, scrapeIntervalSeconds: number) {
    this.baseUrl = baseUrl.replace(/\/$/, '');
    this.rateWindowSeconds = Math.max(4 * scrapeIntervalSeconds, 8);
  }

  async get<T>(path: string, params: Record<string, string>): Promise<T> {
    const url = `${this.baseUrl}${path}?${new URLSearchParams(params)}`;
    const response = await fetch(url, { signal: AbortSignal.timeout(15_000) });
    const body = (await response.json()) as ApiResponse<T>;
    if (body.status !== 'success') throw new Error(`Prometheus ${path} failed (${response.status}): ${body.error ?? 'no detail'}`);
    return body.data;
  }

  async queryRange(query: string, range: TimeRange, stepSeconds: number): Promise<MatrixSeries[]> {
    const data = await this.get<{ result: MatrixSeries[] }>('/api/v1/query_range', {
      query,
      start: String(range.start),
      end: String(range.end),
      step: String(stepSeconds),
    });
    return data.result;
  }

  async gaugeMax(metric: string, service: string, range: TimeRange): Promise<number | undefined> {
    const seconds = Math.max(1, Math.ceil(range.end - range.start));
    const data = await this.get<{ result: VectorSample[] }>('/api/v1/query', {
      query: `max(max_over_time(${metric}{job="${service}"}[${seconds}s]))`,
      time: String(range.end),
    });
    const value = data.result[0] ? Number(data.result[0].value[1]) : Number.NaN;
    return Number.isFinite(value) ? value : undefined;
  }

  async exemplars(query: string, range: TimeRange): Promise<Exemplar[]> {
    const data = await this.get<ExemplarSeries[]>('/api/v1/query_exemplars', { query, start: String(range.start), end: String(range.end) });
    return data.flatMap((series) =>
      series.exemplars
        .filter((exemplar) => exemplar.labels['trace_id'])
        .map((exemplar) => ({
          seriesLabels: series.seriesLabels,
          traceId: exemplar.labels['trace_id']!,
          spanId: exemplar.labels['span_id'] ?? '',
          value: Number(exemplar.value),
          timestamp: exemplar.timestamp,
        })),
    );
  }

  async red(service: string, range: TimeRange, stepSeconds: number): Promise<RedSeries> {
    const w = `${this.rateWindowSeconds}s`;
    const selector = `job="${service}"`;
    const rateQuery = `sum(rate(http_server_request_duration_seconds_count{${selector}}[${w}]))`;
    const [rate, errors, p95] = await Promise.all([
      this.queryRange(rateQuery, range, stepSeconds),
      this.queryRange(`sum(rate(http_server_request_duration_seconds_count{${selector},http_response_status_code=~"5.."}[${w}])) / ${rateQuery}`, range, stepSeconds),
      this.queryRange(`histogram_quantile(0.95, sum by (le) (rate(http_server_request_duration_seconds_bucket{${selector}}[${w}])))`, range, stepSeconds),
    ]);
    const timestamps: number[] = [];
    for (let t = range.start; t <= range.end; t += stepSeconds) timestamps.push(t);
    const align = (series: MatrixSeries[]) => {
      const values = new Map((series[0]?.values ?? []).map(([t, v]) => [Math.round(t), Number(v)]));
      return timestamps.map((t) => {
        const value = values.get(Math.round(t));
        return value === undefined || Number.isNaN(value) ? null : value;
      });
    };
    // No 5xx series at all means no errors, as long as there was traffic.
    const rateValues = align(rate);
    const errorValues = align(errors).map((value, index) => (value === null && rateValues[index] ? 0 : value));
    return { service, timestamps, rate: rateValues, errorRatio: errorValues, p95: align(p95) };
  }
}

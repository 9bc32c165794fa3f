// Where the lab reads metrics from: the real Prometheus, or the fallback scraper when Prometheus is not installed.
import type { Exemplar, TimeRange } from '../correlation/types.ts';

export interface RedSeries {
  service: string;
  /** Unix seconds, one per step. */
  timestamps: number[];
  /** Requests per second (null where there is no data). */
  rate: (number | null)[];
  /** Share of 5xx responses, 0..1. */
  errorRatio: (number | null)[];
  /** p95 server latency in seconds. */
  p95: (number | null)[];
}

/** prom-client's largest event-loop delay since the previous scrape (its histogram resets at each collect). */
export const EVENT_LOOP_DELAY_MAX = 'nodejs_eventloop_lag_max_seconds';

export interface MetricsSource {
  readonly kind: 'prometheus' | 'fallback-scraper';
  exemplars(query: string, range: TimeRange): Promise<Exemplar[]>;
  red(service: string, range: TimeRange, stepSeconds: number): Promise<RedSeries>;
  /** The largest value a gauge of the service (job) took over the range; undefined when it was never scraped. */
  gaugeMax(metric: string, service: string, range: TimeRange): Promise<number | undefined>;
}

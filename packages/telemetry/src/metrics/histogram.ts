// A histogram for the hot path (one observation per request), registered on a prom-client Registry like any metric.
// prom-client's own Histogram hashes the label object (sorting keys) twice per observation when exemplars are on;
// this one looks the series up by a key string, keeps per-bucket exemplars, and caps the number of series.
import type { Registry } from 'prom-client';

export type ExemplarLabels = { trace_id: string; span_id: string };

interface Series<T extends string> {
  labels: Partial<Record<T, string>>;
  buckets: number[];
  sum: number;
  count: number;
  /** Last exemplar per bucket (index buckets.length is +Inf). */
  exemplars: Array<{ labelSet: ExemplarLabels; value: number; timestamp: number } | undefined>;
}

export interface HistogramOptions<T extends string> {
  name: string;
  help: string;
  labelNames: readonly T[];
  buckets: readonly number[];
  registry: Registry;
  /** Label sets kept at most; observations of further label sets are dropped and reported. */
  maxSeries: number;
  onSeriesDropped: (metricName: string) => void;
}

export class ExemplarHistogram<T extends string> {
  readonly name: string;
  readonly help: string;
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  readonly labelNames: readonly T[];
  readonly #bounds: readonly number[];
  readonly #series = new Map<string, Series<T>>();
  readonly #maxSeries: number;
  readonly #onSeriesDropped: (metricName: string) => void;

  constructor(options: HistogramOptions<T>) {
    this.name = options.name;
    this.help = options.help;
    this.labelNames = options.labelNames;
    this.#bounds = options.buckets;
    this.#maxSeries = options.maxSeries;
    this.#onSeriesDropped = options.onSeriesDropped;
    options.registry.registerMetric(this as never);
  }

  /** Undefined label values are left out of the series. */
  observe(labels: Record<T, string | undefined>, value: number, exemplar: ExemplarLabels | undefined): void {
    let key = '';
    for (const name of this.labelNames) key += `${labels[name] ?? '\u0001'}\u0000`;
    let series = this.#series.get(key);
    if (series === undefined) {
      if (this.#series.size >= this.#maxSeries) {
        this.#onSeriesDropped(this.name);
        return;
      }
      series = { labels: definedLabels(labels), buckets: new Array(this.#bounds.length + 1).fill(0), sum: 0, count: 0, exemplars: [] };
      this.#series.set(key, series);
    }
    let index = 0;
    while (index < this.#bounds.length && value > this.#bounds[index]!) index++;
    series.buckets[index]!++;
    series.sum += value;
    series.count++;
    if (exemplar !== undefined) series.exemplars[index] = { labelSet: exemplar, value, timestamp: Date.now() / 1000 };
  }

  /** prom-client's metric interface, as read by Registry#metrics() and #getMetricsAsJSON(). */
  async get() {
    const values = [];
    for (const series of this.#series.values()) {
      let cumulative = 0;
      for (let index = 0; index <= this.#bounds.length; index++) {
        cumulative += series.buckets[index]!;
        values.push({
          metricName: `${this.name}_bucket`,
          labels: { ...series.labels, le: index < this.#bounds.length ? this.#bounds[index]! : '+Inf' },
          value: cumulative,
          exemplar: series.exemplars[index],
        });
      }
      values.push({ metricName: `${this.name}_sum`, labels: series.labels, value: series.sum });
      values.push({ metricName: `${this.name}_count`, labels: series.labels, value: series.count });
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }

  reset(): void {
    this.#series.clear();
  }
}

function definedLabels<T extends string>(labels: Record<T, string | undefined>): Partial<Record<T, string>> {
  const defined: Partial<Record<T, string>> = {};
  for (const name in labels) if (labels[name] !== undefined) defined[name] = labels[name];
  return defined;
}

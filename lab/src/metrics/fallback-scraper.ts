// When Prometheus is not installed: scrape every service's /metrics (OpenMetrics, so exemplars come along) in the
// lab's own process, keep the RED histograms with their exemplars and the event-loop delay gauge, and answer the few
// questions the report asks.
// Samples also go to the run folder (prometheus/scrapes.jsonl) so the run can be inspected afterwards.
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Exemplar, TimeRange } from '../correlation/types.ts';
import { histogramQuantile, parseExposition, parseSelector } from './openmetrics.ts';
import type { ScrapeTarget } from './prometheus.ts';
import { EVENT_LOOP_DELAY_MAX, type MetricsSource, type RedSeries } from './source.ts';

const HISTOGRAM = 'http_server_request_duration_seconds';
const OPENMETRICS_ACCEPT = 'application/openmetrics-text;version=1.0.0;q=0.9,text/plain;version=0.0.4;q=0.5';

interface Point {
  /** Unix seconds of the scrape. */
  t: number;
  job: string;
  labels: Record<string, string>;
  name: string;
  value: number;
}

export class FallbackScraper implements MetricsSource {
  readonly kind = 'fallback-scraper' as const;
  readonly #targets: ScrapeTarget[];
  readonly #file: string;
  readonly #points: Point[] = [];
  readonly #exemplars: Exemplar[] = [];
  readonly #seenExemplars = new Set<string>();
  #timer: NodeJS.Timeout | undefined;
  failures = 0;

  constructor(targets: ScrapeTarget[], file: string) {
    this.#targets = targets;
    this.#file = file;
    mkdirSync(dirname(file), { recursive: true });
  }

  start(intervalSeconds: number): void {
    this.#timer = setInterval(() => void this.scrapeAll(), intervalSeconds * 1000);
    void this.scrapeAll();
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  async scrapeAll(): Promise<void> {
    await Promise.all(this.#targets.map((target) => this.#scrape(target)));
  }

  async #scrape(target: ScrapeTarget): Promise<void> {
    const t = Date.now() / 1000;
    let text: string;
    try {
      const response = await fetch(`http://127.0.0.1:${target.port}/metrics`, { headers: { accept: OPENMETRICS_ACCEPT }, signal: AbortSignal.timeout(5000) });
      text = await response.text();
    } catch {
      this.failures++;
      return;
    }
    const kept: Point[] = [];
    for (const sample of parseExposition(text)) {
      if (!sample.name.startsWith(HISTOGRAM) && sample.name !== EVENT_LOOP_DELAY_MAX) continue;
      const point = { t, job: target.job, labels: { ...sample.labels, job: target.job }, name: sample.name, value: sample.value };
      kept.push(point);
      const exemplar = sample.exemplar;
      if (exemplar?.labels['trace_id']) {
        const key = `${exemplar.labels['trace_id']}/${exemplar.labels['span_id']}`;
        if (this.#seenExemplars.has(key)) continue;
        this.#seenExemplars.add(key);
        this.#exemplars.push({
          seriesLabels: { __name__: sample.name, ...point.labels },
          traceId: exemplar.labels['trace_id'],
          spanId: exemplar.labels['span_id'] ?? '',
          value: exemplar.value,
          timestamp: exemplar.timestamp ?? t,
        });
      }
    }
    this.#points.push(...kept);
    appendFileSync(this.#file, kept.map((point) => JSON.stringify(point)).join('\n') + (kept.length ? '\n' : ''));
  }

  async exemplars(query: string, range: TimeRange): Promise<Exemplar[]> {
    const { name, matchers } = parseSelector(query);
    return this.#exemplars.filter(
      (exemplar) =>
        exemplar.timestamp >= range.start &&
        exemplar.timestamp <= range.end &&
        (!name || exemplar.seriesLabels['__name__'] === name) &&
        Object.entries(matchers).every(([key, value]) => exemplar.seriesLabels[key] === value),
    );
  }

  async gaugeMax(metric: string, service: string, range: TimeRange): Promise<number | undefined> {
    let max: number | undefined;
    for (const point of this.#points) {
      if (point.name === metric && point.job === service && point.t >= range.start && point.t <= range.end) max = Math.max(max ?? point.value, point.value);
    }
    return max;
  }

  async red(service: string, range: TimeRange, stepSeconds: number): Promise<RedSeries> {
    const windowSeconds = Math.max(4 * stepSeconds, 8);
    const series: RedSeries = { service, timestamps: [], rate: [], errorRatio: [], p95: [] };
    const points = this.#points.filter((point) => point.job === service);
    for (let t = range.start; t <= range.end; t += stepSeconds) {
      series.timestamps.push(t);
      const increase = (filter: (point: Point) => boolean) => increaseBySeries(points.filter(filter), t - windowSeconds, t);
      const counts = increase((point) => point.name === `${HISTOGRAM}_count`);
      const total = sum(counts.values());
      if (counts.size === 0) {
        series.rate.push(null);
        series.errorRatio.push(null);
        series.p95.push(null);
        continue;
      }
      const errors = sum(increase((point) => point.name === `${HISTOGRAM}_count` && /^5/.test(point.labels['http_response_status_code'] ?? '')).values());
      const buckets = new Map<number, number>();
      for (const [key, value] of increase((point) => point.name === `${HISTOGRAM}_bucket`)) {
        const le = Number(JSON.parse(key).le);
        buckets.set(le, (buckets.get(le) ?? 0) + value);
      }
      series.rate.push(total / windowSeconds);
      series.errorRatio.push(total > 0 ? errors / total : 0);
      series.p95.push(histogramQuantile(0.95, buckets));
    }
    return series;
  }
}

/** Increase of each counter series between two times (the later scrape minus the earlier one, reset-aware). */
function increaseBySeries(points: Point[], from: number, to: number): Map<string, number> {
  const first = new Map<string, number>();
  const last = new Map<string, number>();
  for (const point of points) {
    if (point.t < from || point.t > to) continue;
    const key = JSON.stringify(point.labels);
    if (!first.has(key)) first.set(key, point.value);
    last.set(key, point.value);
  }
  const increases = new Map<string, number>();
  for (const [key, end] of last) {
    const start = first.get(key)!;
    increases.set(key, end >= start ? end - start : end);
  }
  return increases;
}

function sum(values: Iterable<number>): number {
  let total = 0;
  for (const value of values) total += value;
  return total;
}

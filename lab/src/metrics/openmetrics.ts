// A small reader of the Prometheus/OpenMetrics text format: samples with their labels and exemplars. Enough for the
// fallback scraper; the real Prometheus does this when it is installed.

export interface ParsedSample {
  name: string;
  labels: Record<string, string>;
  value: number;
  exemplar?: { labels: Record<string, string>; value: number; timestamp?: number };
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*?)\})?\s+(\S+)(?:\s+\S+)?(?:\s+#\s+\{(.*?)\}\s+(\S+)(?:\s+(\S+))?)?\s*$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

export function parseLabels(text: string | undefined): Record<string, string> {
  const labels: Record<string, string> = {};
  if (!text) return labels;
  for (const match of text.matchAll(LABEL)) {
    labels[match[1]!] = match[2]!.replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\');
  }
  return labels;
}

export function parseExposition(text: string): ParsedSample[] {
  const samples: ParsedSample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = LINE.exec(line);
    if (!match) continue;
    const sample: ParsedSample = { name: match[1]!, labels: parseLabels(match[3]), value: Number(match[4]) };
    if (match[5] !== undefined) {
      sample.exemplar = {
        labels: parseLabels(match[5]),
        value: Number(match[6]),
        ...(match[7] !== undefined ? { timestamp: Number(match[7]) } : {}),
      };
    }
    samples.push(sample);
  }
  return samples;
}

/** Prometheus's histogram_quantile over cumulative bucket counts (le -> count), linear within a bucket. */
export function histogramQuantile(q: number, buckets: Map<number, number>): number | null {
  const sorted = [...buckets].sort((a, b) => a[0] - b[0]);
  const total = sorted.at(-1)?.[1] ?? 0;
  if (total <= 0) return null;
  const rank = q * total;
  let previousBound = 0;
  let previousCount = 0;
  for (const [bound, count] of sorted) {
    if (count >= rank) {
      if (bound === Number.POSITIVE_INFINITY) return previousBound;
      const inBucket = count - previousCount;
      return inBucket <= 0 ? bound : previousBound + ((bound - previousBound) * (rank - previousCount)) / inBucket;
    }
    previousBound = bound;
    previousCount = count;
  }
  return previousBound;
}

/** Parses a selector like `name{job="x",k="v"}` into the metric name and equality matchers. */
export function parseSelector(query: string): { name?: string; matchers: Record<string, string> } {
  const match = /^\s*([a-zA-Z_:][a-zA-Z0-9_:]*)?\s*(?:\{(.*)\})?\s*$/.exec(query);
  if (!match) throw new Error(`the fallback scraper understands only plain selectors like name{job="x"}, not "${query}"`);
  return { ...(match[1] ? { name: match[1] } : {}), matchers: parseLabels(match[2]) };
}

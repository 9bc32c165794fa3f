// OTLP metrics (POST /v1/metrics), decoded in ./otlp.ts with the official schema like traces and logs:
// ExportMetricsServiceRequest of opentelemetry-proto (opentelemetry/proto/collector/metrics/v1/metrics_service.proto).
// Each data point becomes one flat object: sums, gauges and explicit-bucket histograms (exponential histograms and summaries are kept by type
// and name only).
import { type Attributes, attributes, forEachItem, type Int64, int64, type KeyValue, type Resourced, type Scoped } from './otlp.ts';

export interface ReceivedMetricPoint {
  name: string;
  unit: string;
  description: string;
  type: 'sum' | 'gauge' | 'histogram' | 'exponentialHistogram' | 'summary';
  /** Sums only. */
  isMonotonic?: boolean;
  /** 1 delta, 2 cumulative (sums and histograms). */
  temporality?: number;
  attributes: Attributes;
  /** Sums and gauges. */
  value?: number;
  /** Histograms. */
  count?: number;
  sum?: number;
  bucketCounts?: number[];
  explicitBounds?: number[];
  timeUnixNano: bigint;
  resource: Attributes;
  scope: { name: string; version: string };
}

interface NumberPoint {
  attributes?: KeyValue[];
  timeUnixNano?: Int64;
  asDouble?: number;
  asInt?: Int64;
}
interface HistogramPoint {
  attributes?: KeyValue[];
  timeUnixNano?: Int64;
  count?: Int64;
  sum?: number;
  bucketCounts?: Int64[];
  explicitBounds?: number[];
}
interface MetricMessage {
  name?: string;
  unit?: string;
  description?: string;
  sum?: { dataPoints?: NumberPoint[]; aggregationTemporality?: number; isMonotonic?: boolean };
  gauge?: { dataPoints?: NumberPoint[] };
  histogram?: { dataPoints?: HistogramPoint[]; aggregationTemporality?: number };
  exponentialHistogram?: { dataPoints?: Array<{ attributes?: KeyValue[]; timeUnixNano?: Int64 }>; aggregationTemporality?: number };
  summary?: { dataPoints?: Array<{ attributes?: KeyValue[]; timeUnixNano?: Int64 }> };
}
export interface MetricsRequest {
  resourceMetrics?: Array<Resourced & { scopeMetrics?: Array<Scoped & { metrics?: MetricMessage[] }> }>;
}

function numberValue(point: NumberPoint): number {
  if (point.asDouble !== undefined && point.asDouble !== null) return point.asDouble;
  return Number(int64(point.asInt));
}

export function flattenMetrics(request: MetricsRequest): ReceivedMetricPoint[] {
  const points: ReceivedMetricPoint[] = [];
  forEachItem(
    request.resourceMetrics,
    (resourceMetrics) => resourceMetrics.scopeMetrics,
    (scopeMetrics) => scopeMetrics.metrics,
    (metric, resource, scope) => {
      const base = { name: metric.name ?? '', unit: metric.unit ?? '', description: metric.description ?? '', resource, scope };
      const common = (point: { attributes?: KeyValue[]; timeUnixNano?: Int64 }) => ({ attributes: attributes(point.attributes), timeUnixNano: int64(point.timeUnixNano) });
      if (metric.sum) {
        const { aggregationTemporality, isMonotonic } = metric.sum;
        for (const point of metric.sum.dataPoints ?? [])
          points.push({ ...base, ...common(point), type: 'sum', isMonotonic: isMonotonic ?? false, temporality: aggregationTemporality ?? 0, value: numberValue(point) });
      } else if (metric.gauge) {
        for (const point of metric.gauge.dataPoints ?? []) points.push({ ...base, ...common(point), type: 'gauge', value: numberValue(point) });
      } else if (metric.histogram) {
        for (const point of metric.histogram.dataPoints ?? []) {
          points.push({
            ...base,
            ...common(point),
            type: 'histogram',
            temporality: metric.histogram.aggregationTemporality ?? 0,
            count: Number(int64(point.count)),
            sum: point.sum ?? 0,
            bucketCounts: (point.bucketCounts ?? []).map((count) => Number(int64(count))),
            explicitBounds: point.explicitBounds ?? [],
          });
        }
      } else if (metric.exponentialHistogram) {
        for (const point of metric.exponentialHistogram.dataPoints ?? []) points.push({ ...base, ...common(point), type: 'exponentialHistogram' });
      } else if (metric.summary) {
        for (const point of metric.summary.dataPoints ?? []) points.push({ ...base, ...common(point), type: 'summary' });
      }
    },
  );
  return points;
}

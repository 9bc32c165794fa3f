// The prom-client registry (RED histograms, self-telemetry, runtime metrics) as OpenTelemetry metric data, so that
// an OTLP push (OTEL_METRICS_EXPORTER=otlp) carries every metric the /metrics page shows. The RED histograms take
// their semantic-convention names, units and attribute keys (http.server.request.duration, s, http.route, ...);
// the other metrics keep their Prometheus names, counters without `_total` (an OTLP-to-Prometheus translation adds
// it back). Cumulative temporality, like the registry.
import { type Attributes, type HrTime, ValueType } from '@opentelemetry/api';
import { hrTime, millisToHrTime } from '@opentelemetry/core';
import {
  AggregationTemporality,
  type CollectionResult,
  DataPointType,
  type MetricData,
  type MetricProducer,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import type { Registry } from 'prom-client';
import { resourceFromAttributes } from '@opentelemetry/resources';

type Labels = Record<string, string | number | undefined>;
/** What Registry#getMetricsAsJSON() returns, as read here. */
interface RegistryMetric {
  name: string;
  help: string;
  type: string;
  values: Array<{ labels: Labels; value: number; metricName?: string }>;
}

const ATTRIBUTE_KEYS: Record<string, string> = {
  http_request_method: 'http.request.method',
  http_route: 'http.route',
  http_response_status_code: 'http.response.status_code',
  url_scheme: 'url.scheme',
  error_type: 'error.type',
  server_address: 'server.address',
  server_port: 'server.port',
  db_system_name: 'db.system.name',
  db_operation_name: 'db.operation.name',
  db_collection_name: 'db.collection.name',
};
const SEMCONV_NAMES: Record<string, string> = {
  http_server_request_duration_seconds: 'http.server.request.duration',
  http_client_request_duration_seconds: 'http.client.request.duration',
  db_client_operation_duration_seconds: 'db.client.operation.duration',
};
/** Attributes that are ints in the semantic conventions (labels are strings). */
const INT_ATTRIBUTES = new Set(['http.response.status_code', 'server.port']);

function attributesOf(labels: Labels, semconv: boolean): Attributes {
  const attributes: Attributes = {};
  for (const [key, value] of Object.entries(labels)) {
    if (key === 'le' || value === undefined) continue;
    const name = semconv ? (ATTRIBUTE_KEYS[key] ?? key) : key;
    attributes[name] = INT_ATTRIBUTES.has(name) && semconv ? Number(value) : value;
  }
  return attributes;
}

function seriesKey(labels: Labels): string {
  return JSON.stringify(Object.entries(labels).filter(([key]) => key !== 'le'));
}

interface HistogramSeries {
  labels: Labels;
  bounds: number[];
  cumulative: number[];
  sum: number;
  count: number;
}

function histogramData(metric: RegistryMetric, semconv: boolean, times: [HrTime, HrTime]): MetricData {
  const series = new Map<string, HistogramSeries>();
  for (const value of metric.values) {
    const key = seriesKey(value.labels);
    let entry: HistogramSeries | undefined = series.get(key);
    if (entry === undefined) {
      entry = { labels: value.labels, bounds: [], cumulative: [], sum: 0, count: 0 };
      series.set(key, entry);
    }
    if (value.metricName?.endsWith('_bucket')) {
      if (value.labels.le !== '+Inf') entry.bounds.push(Number(value.labels.le));
      entry.cumulative.push(value.value);
    } else if (value.metricName?.endsWith('_sum')) entry.sum = value.value;
    else if (value.metricName?.endsWith('_count')) entry.count = value.value;
  }
  return {
    descriptor: { name: SEMCONV_NAMES[metric.name] ?? metric.name, description: metric.help, unit: semconv ? 's' : '', valueType: ValueType.DOUBLE },
    aggregationTemporality: AggregationTemporality.CUMULATIVE,
    dataPointType: DataPointType.HISTOGRAM,
    dataPoints: [...series.values()].map((entry) => ({
      startTime: times[0],
      endTime: times[1],
      attributes: attributesOf(entry.labels, semconv),
      value: {
        buckets: { boundaries: entry.bounds, counts: entry.cumulative.map((count, index) => count - (entry.cumulative[index - 1] ?? 0)) },
        sum: entry.sum,
        count: entry.count,
      },
    })),
  };
}

function scalarData(metric: RegistryMetric, times: [HrTime, HrTime]): MetricData {
  const dataPoints = metric.values.map((value) => ({ startTime: times[0], endTime: times[1], attributes: attributesOf(value.labels, false), value: value.value }));
  const counter = metric.type === 'counter';
  const descriptor = { name: counter ? metric.name.replace(/_total$/, '') : metric.name, description: metric.help, unit: '', valueType: ValueType.DOUBLE };
  return counter
    ? { descriptor, aggregationTemporality: AggregationTemporality.CUMULATIVE, dataPointType: DataPointType.SUM, isMonotonic: true, dataPoints }
    : { descriptor, aggregationTemporality: AggregationTemporality.CUMULATIVE, dataPointType: DataPointType.GAUGE, dataPoints };
}

export function registryProducer(registry: Registry, scope: { name: string; version: string }): MetricProducer {
  const startTime = millisToHrTime(performance.timeOrigin);
  return {
    async collect(): Promise<CollectionResult> {
      const times: [HrTime, HrTime] = [startTime, hrTime()];
      const metrics: MetricData[] = [];
      for (const metric of (await registry.getMetricsAsJSON()) as unknown as RegistryMetric[]) {
        if (metric.type === 'histogram') metrics.push(histogramData(metric, metric.name in SEMCONV_NAMES, times));
        else if (metric.type === 'counter' || metric.type === 'gauge') metrics.push(scalarData(metric, times));
      }
      // The reader replaces this resource with the SDK's.
      const resourceMetrics: ResourceMetrics = { resource: resourceFromAttributes({}), scopeMetrics: [{ scope, metrics }] };
      return { resourceMetrics, errors: [] };
    },
  };
}

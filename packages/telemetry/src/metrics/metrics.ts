// The Prometheus registry of the process: RED histograms with exemplars, self-telemetry counters, the cardinality
// guard and the helpers for custom metrics. One registry, rendered as OpenMetrics or classic text per scrape.
import { Counter, Gauge, Histogram, Registry, type RegistryContentType } from 'prom-client';
import type { CounterConfiguration, GaugeConfiguration, HistogramConfiguration } from 'prom-client';
import { type ExemplarLabels, ExemplarHistogram } from './histogram.ts';
import type { MetricsHelpers } from '../types.ts';

/** Seconds; the buckets of every duration histogram (conventions.md). */
export const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];
export const UNMATCHED_ROUTE = '/*';

/** A histogram whose label sets are capped: past the cap, new label sets are dropped and counted. */
export interface GuardedHistogram<T extends string> {
  /** An undefined label is left out of the series (Prometheus reads a missing label and an empty one alike). */
  observe(labels: Record<T, string | undefined>, seconds: number, exemplar: ExemplarLabels | undefined): void;
}

export interface CoreMetrics {
  registry: Registry;
  helpers: MetricsHelpers;
  httpServerDuration: GuardedHistogram<'http_request_method' | 'http_route' | 'http_response_status_code' | 'url_scheme' | 'error_type'>;
  httpClientDuration: GuardedHistogram<'http_request_method' | 'server_address' | 'server_port' | 'http_response_status_code' | 'error_type'>;
  dbClientDuration: GuardedHistogram<'db_system_name' | 'db_operation_name' | 'db_collection_name'>;
  spansExported: Counter;
  spansDropped: Counter<'reason'>;
  exportFailures: Counter<'signal'>;
  /** Renders the registry, and the OpenTelemetry API's metrics after it, in the format the Accept header asks for. */
  render(accept: string | undefined): Promise<{ contentType: string; body: string }>;
  /** The API metrics' text (set once the metrics SDK is loaded), given the family names already on the page. */
  apiText: ((openMetrics: boolean, taken: ReadonlySet<string>) => Promise<string>) | undefined;
}

export function createMetrics(maxSeriesPerMetric: number): CoreMetrics {
  // Exemplars need an OpenMetrics registry; the public type is the plain Registry every prom-client API accepts.
  const registry = new Registry();
  (registry as unknown as Registry<RegistryContentType>).setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
  const seriesDropped = new Counter({
    name: 'lab_telemetry_series_dropped_total',
    help: 'Observations dropped because their metric reached the cap on label sets.',
    labelNames: ['metric'],
    registers: [registry],
  });

  function guardedHistogram<T extends string>(name: string, help: string, labelNames: T[]): GuardedHistogram<T> {
    return new ExemplarHistogram<T>({
      name,
      help,
      labelNames,
      buckets: DURATION_BUCKETS,
      registry,
      maxSeries: maxSeriesPerMetric,
      onSeriesDropped: (metric) => seriesDropped.inc({ metric }),
    });
  }

  const helpers: MetricsHelpers = {
    counter: <T extends string>(config: CounterConfiguration<T>) => new Counter<T>({ ...config, registers: [registry] }),
    histogram: <T extends string>(config: HistogramConfiguration<T>) =>
      new Histogram<T>({ buckets: DURATION_BUCKETS, ...config, registers: [registry] }),
    gauge: <T extends string>(config: GaugeConfiguration<T>) => new Gauge<T>({ ...config, registers: [registry] }),
  };

  // Labelled self-telemetry counters start at 0 for every known label value: dashboards show 0, not "No data".
  const spansDropped = new Counter({
    name: 'lab_telemetry_spans_dropped_total',
    help: 'Spans lost before reaching the backend, by reason (queue_full, export_failed, encoding_failed).',
    labelNames: ['reason'],
    registers: [registry],
  });
  for (const reason of ['queue_full', 'export_failed', 'encoding_failed']) spansDropped.inc({ reason }, 0);
  const exportFailures = new Counter({
    name: 'lab_telemetry_export_failures_total',
    help: 'Failed export attempts, by signal (traces, logs, metrics, profiles).',
    labelNames: ['signal'],
    registers: [registry],
  });
  for (const signal of ['traces', 'logs', 'metrics', 'profiles']) exportFailures.inc({ signal }, 0);

  const core: CoreMetrics = {
    registry,
    helpers,
    httpServerDuration: guardedHistogram('http_server_request_duration_seconds', 'Duration of HTTP server requests.', [
      'http_request_method',
      'http_route',
      'http_response_status_code',
      'url_scheme',
      'error_type',
    ]),
    httpClientDuration: guardedHistogram('http_client_request_duration_seconds', 'Duration of outgoing HTTP requests.', [
      'http_request_method',
      'server_address',
      'server_port',
      'http_response_status_code',
      'error_type',
    ]),
    dbClientDuration: guardedHistogram('db_client_operation_duration_seconds', 'Duration of database client operations.', [
      'db_system_name',
      'db_operation_name',
      'db_collection_name',
    ]),
    spansExported: new Counter({
      name: 'lab_telemetry_spans_exported_total',
      help: 'Spans accepted by the trace backend.',
      registers: [registry],
    }),
    spansDropped,
    exportFailures,
    render: (accept) => render(accept),
    apiText: undefined,
  };
  const render = createRenderer(registry, () => core.apiText);
  return core;
}

/**
 * prom-client picks the format from the registry's content type, and rendering OpenMetrics strips `_total` from
 * counter names in place. Renders are therefore serialized, and counter names restored before a classic render.
 */
function createRenderer(registry: Registry, apiText: () => CoreMetrics['apiText']): CoreMetrics['render'] {
  const counterNames = new Map<object, string>();
  let queue: Promise<unknown> = Promise.resolve();
  return (accept) => {
    const openMetrics = accept?.includes('application/openmetrics-text') ?? false;
    const render = async () => {
      for (const metric of registry.getMetricsAsArray()) {
        const named = metric as unknown as { name: string; type?: string };
        if (!counterNames.has(metric)) counterNames.set(metric, named.name);
        named.name = counterNames.get(metric)!;
      }
      const contentType = openMetrics ? Registry.OPENMETRICS_CONTENT_TYPE : Registry.PROMETHEUS_CONTENT_TYPE;
      (registry as unknown as Registry<RegistryContentType>).setContentType(contentType);
      const body = await registry.metrics();
      const api = apiText();
      if (api === undefined) return { contentType, body };
      const text = await api(openMetrics, new Set(counterNames.values()));
      // OpenMetrics ends with `# EOF`: the API metrics go before it.
      return { contentType, body: openMetrics ? body.replace(/# EOF\n?$/, `${text}# EOF\n`) : `${body}${text}` };
    };
    const result = queue.then(render, render);
    queue = result.catch(() => undefined);
    return result;
  };
}

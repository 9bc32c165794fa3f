// The OpenTelemetry metrics SDK behind the global MeterProvider (loaded by ./api-provider.ts only when a meter is
// asked for or OTLP push is configured). Two readers: one the /metrics page collects at each scrape (API metrics next
// to the registry's, ./prometheus-text.ts), and with OTEL_METRICS_EXPORTER=otlp a periodic one that pushes the API
// metrics and the whole prom-client registry (./registry-producer.ts) as OTLP.
import { ExportResultCode } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, MetricReader, PeriodicExportingMetricReader, type PushMetricExporter, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import type { Registry } from 'prom-client';
import type { TelemetryConfig } from '../config/config.ts';
import { withDeadline } from '../lifecycle/deadline.ts';
import type { ResourceAttributes } from '../tracing/resource.ts';
import { serialize } from './prometheus-text.ts';
import { registryProducer } from './registry-producer.ts';

export interface OtelSdkOptions {
  config: TelemetryConfig['metrics'];
  resourceAttributes: ResourceAttributes;
  registry: Registry;
  scope: { name: string; version: string };
  /** An OTLP push failed (counted and reported, throttled, by the caller). */
  onExportFailure(error: unknown): void;
  /** API metrics left off the page because the registry has a metric of that name (told once per name). */
  onCollision(name: string, scope: string): void;
}

export interface OtelSdk {
  provider: MeterProvider;
  /** The API metrics as Prometheus text, leaving out the names already on the page. */
  prometheusText(openMetrics: boolean, taken: ReadonlySet<string>): Promise<string>;
  shutdown(deadlineMs: number): Promise<void>;
}

/** A reader collected on demand (each scrape); the SDK has no pull reader of its own outside exporter-prometheus. */
class ScrapeReader extends MetricReader {
  protected onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
  protected onShutdown(): Promise<void> {
    return Promise.resolve();
  }
}

async function loadExporter(target: TelemetryConfig['metrics']['otlp']): Promise<PushMetricExporter> {
  const options = { url: target.url, headers: target.headers, timeoutMillis: target.timeoutMs };
  if (target.protocol === 'grpc') {
    const { OTLPMetricExporter } = await import('@opentelemetry/exporter-metrics-otlp-grpc');
    return new OTLPMetricExporter({ url: target.url, timeoutMillis: target.timeoutMs });
  }
  if (target.protocol === 'http/json') {
    const { OTLPMetricExporter } = await import('@opentelemetry/exporter-metrics-otlp-http');
    return new OTLPMetricExporter(options);
  }
  const { OTLPMetricExporter } = await import('@opentelemetry/exporter-metrics-otlp-proto');
  return new OTLPMetricExporter(options);
}

/** The exporter package is imported when the reader is created, not at startup; failures are reported. */
function lazyExporter(target: TelemetryConfig['metrics']['otlp'], onFailure: (error: unknown) => void): PushMetricExporter {
  const loaded = loadExporter(target);
  loaded.catch(onFailure);
  return {
    export(metrics: ResourceMetrics, done) {
      loaded.then(
        (exporter) =>
          exporter.export(metrics, (result) => {
            if (result.code !== ExportResultCode.SUCCESS) onFailure(result.error ?? new Error('OTLP metrics export failed'));
            done(result);
          }),
        (error: unknown) => done({ code: ExportResultCode.FAILED, error: error as Error }),
      );
    },
    forceFlush: () => loaded.then((exporter) => exporter.forceFlush()),
    shutdown: () => loaded.then((exporter) => exporter.shutdown()),
  };
}

export function startOtelSdk(options: OtelSdkOptions): OtelSdk {
  const { config } = options;
  const scrape = new ScrapeReader();
  const readers: MetricReader[] = [scrape];
  if (config.exporters.otlp) {
    readers.push(
      new PeriodicExportingMetricReader({
        exporter: lazyExporter(config.otlp, options.onExportFailure),
        exportIntervalMillis: config.exportIntervalMs,
        exportTimeoutMillis: Math.min(config.exportTimeoutMs, config.exportIntervalMs),
        metricProducers: [registryProducer(options.registry, options.scope)],
      }),
    );
  }
  const provider = new MeterProvider({ resource: resourceFromAttributes(options.resourceAttributes), readers });
  const reported = new Set<string>();
  return {
    provider,
    async prometheusText(openMetrics, taken) {
      const { resourceMetrics } = await scrape.collect();
      const { text, collisions } = serialize(resourceMetrics, openMetrics, taken);
      for (const { name, scope } of collisions) {
        if (reported.has(name)) continue;
        reported.add(name);
        options.onCollision(name, scope);
      }
      return text;
    },
    shutdown: (deadlineMs) => withDeadline(provider.shutdown({ timeoutMillis: deadlineMs }), deadlineMs),
  };
}

// Public types of @lab/telemetry: what services code against. Implementation lives in the signal modules.
import type { Tracer } from '@opentelemetry/api';
import type { Logger, LoggerOptions } from 'pino';
import type { Counter, CounterConfiguration, Gauge, GaugeConfiguration, Histogram, HistogramConfiguration, Registry } from 'prom-client';

export interface TelemetryOptions {
  /** Overrides OTEL_SERVICE_NAME. */
  serviceName?: string;
  /** Overrides the version read from the service's package.json. */
  serviceVersion?: string;
  /** Merged over OTEL_RESOURCE_ATTRIBUTES and the Downward API variables. */
  resourceAttributes?: Record<string, string>;
  /** Overrides OTEL_SDK_DISABLED: no tracing, no profiling; logger and registry still work. */
  disabled?: boolean;
  tracing?: {
    /** Overrides OTEL_TRACES_EXPORTER: 'otlp' | 'console' | 'none'. */
    exporter?: 'otlp' | 'console' | 'none';
    endpoint?: string;
    protocol?: 'http/protobuf' | 'http/json' | 'grpc';
    headers?: Record<string, string>;
    /** Ratio for parentbased_traceidratio (0..1). */
    sampleRatio?: number;
    /**
     * Overrides OTEL_NODE_ENABLED_INSTRUMENTATIONS: only these auto-detected instrumentations (e.g. ['pg', 'ioredis']);
     * ['none'] turns them all off. Default: every supported library the application has.
     */
    instrumentations?: string[];
    /** Paths not traced; default ['/healthz', '/readyz', '/metrics']. */
    ignorePaths?: string[];
  };
  metrics?: {
    /** Default '/metrics'. */
    path?: string;
    /** Serve metrics on their own port (OTEL_EXPORTER_PROMETHEUS_PORT) instead of intercepting the app's servers. */
    port?: number;
    /** Cap on label sets per metric; default 2000. */
    maxSeriesPerMetric?: number;
  };
  logging?: {
    level?: LoggerOptions['level'];
    /** One line per request; default true. */
    accessLog?: boolean;
    /** Extra redaction paths, added to the defaults. */
    redact?: string[];
  };
  profiling?: {
    /** Overrides PYROSCOPE_SERVER_ADDRESS; profiling is off when no address is set. */
    serverAddress?: string;
    /** Default 15000 ms. */
    uploadIntervalMs?: number;
    heap?: boolean;
  };
  /** Flush deadline on shutdown; default 5000 ms (LAB_TELEMETRY_SHUTDOWN_TIMEOUT_MS). */
  shutdownTimeoutMs?: number;
  /** Install SIGTERM/SIGINT handlers that run close hooks, flush and exit 143/130; default true. */
  handleSignals?: boolean;
}

export interface MetricsHelpers {
  counter<T extends string>(config: CounterConfiguration<T>): Counter<T>;
  histogram<T extends string>(config: HistogramConfiguration<T>): Histogram<T>;
  gauge<T extends string>(config: GaugeConfiguration<T>): Gauge<T>;
}

export interface Telemetry {
  readonly serviceName: string;
  readonly logger: Logger;
  readonly registry: Registry;
  readonly metrics: MetricsHelpers;
  readonly tracer: Tracer;
  /**
   * Registers a hook run on shutdown before telemetry is flushed (e.g. close a database). It gets the milliseconds
   * it has before flushing starts. The servers that served requests are drained by the library itself.
   */
  onShutdown(hook: (deadlineMs: number) => void | Promise<void>): void;
  /** Runs close hooks, flushes every signal within the deadline, and stops. Idempotent. */
  shutdown(): Promise<void>;
}

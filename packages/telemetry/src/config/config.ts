// The one module that reads the environment. It validates every variable, merges the options over it and returns a
// frozen config. A bad value never throws: it yields one warning (variable, value, what is accepted) and the
// documented default is used instead.
import type { ProfilingConfig } from '../profiling/contract.ts';
import type { TelemetryOptions } from '../types.ts';

export type TracesExporter = 'otlp' | 'console' | 'none';
export type OtlpProtocol = 'http/protobuf' | 'http/json' | 'grpc';
export type SamplerName =
  | 'always_on'
  | 'always_off'
  | 'traceidratio'
  | 'parentbased_always_on'
  | 'parentbased_always_off'
  | 'parentbased_traceidratio';
export type PropagatorName = 'tracecontext' | 'baggage' | 'b3' | 'b3multi' | 'none';
export type DiagLevel = 'none' | 'error' | 'warn' | 'info' | 'debug' | 'verbose' | 'all';

export interface ConfigWarning {
  variable: string;
  value: string;
  accepted: string;
  default: string;
}

export interface OtlpTarget {
  protocol: OtlpProtocol;
  /** Full URL of the signal endpoint (…/v1/traces for HTTP; host:port URL for gRPC). */
  url: string;
  headers: Record<string, string>;
  timeoutMs: number;
}

export interface TelemetryConfig {
  serviceName: string;
  serviceVersion: string | undefined;
  resourceAttributes: Record<string, string>;
  /** OTEL_SDK_DISABLED: no spans are recorded or exported, no profiling. Metrics and logs still work. */
  disabled: boolean;
  diagLevel: DiagLevel;
  traces: {
    exporter: TracesExporter;
    otlp: OtlpTarget;
    sampler: SamplerName;
    samplerRatio: number;
    propagators: PropagatorName[];
    batch: { maxQueueSize: number; maxExportBatchSize: number; scheduledDelayMillis: number; exportTimeoutMillis: number };
    ignorePaths: string[];
    /** Which auto-detected instrumentations run (instrumentations/registry.ts). */
    instrumentations: { enabled: string[] | undefined; disabled: string[] };
  };
  logs: {
    exporter: 'otlp' | 'none';
    otlp: OtlpTarget;
    /** OTEL_BLRP_SCHEDULE_DELAY: delay between two log exports. */
    scheduleDelayMs: number;
    level: string;
    accessLog: boolean;
    /** Paths redacted on top of the defaults of redaction.ts (pino redact syntax); empty by default. */
    extraRedactPaths: string[];
  };
  metrics: {
    /** OTEL_METRICS_EXPORTER: `prometheus` serves the metrics page, `otlp` also pushes every metric. */
    exporters: { prometheus: boolean; otlp: boolean };
    otlp: OtlpTarget;
    /** OTEL_METRIC_EXPORT_INTERVAL / _TIMEOUT: the OTLP push period and the timeout of one push. */
    exportIntervalMs: number;
    exportTimeoutMs: number;
    path: string;
    /** When set, /metrics is served on its own server instead of on the application's servers. */
    port: number | undefined;
    host: string;
    maxSeriesPerMetric: number;
  };
  profiling: ProfilingConfig | undefined;
  shutdownTimeoutMs: number;
  handleSignals: boolean;
  /** Interval during which a repeated export error is logged only once. */
  errorLogIntervalMs: number;
  warnings: ConfigWarning[];
}

type Env = Record<string, string | undefined>;

const SAMPLERS: SamplerName[] = [
  'always_on',
  'always_off',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
];
const PROPAGATORS: PropagatorName[] = ['tracecontext', 'baggage', 'b3', 'b3multi', 'none'];
const PROTOCOLS: OtlpProtocol[] = ['http/protobuf', 'http/json', 'grpc'];
const DIAG_LEVELS: DiagLevel[] = ['none', 'error', 'warn', 'info', 'debug', 'verbose', 'all'];
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
export const DEFAULT_IGNORE_PATHS = ['/healthz', '/readyz', '/metrics'];
/** Collects warnings while reading variables; each reader returns the documented default on a bad value. */
class EnvReader {
  readonly warnings: ConfigWarning[] = [];
  readonly env: Env;
  constructor(env: Env) {
    this.env = env;
  }

  raw(name: string): string | undefined {
    const value = this.env[name]?.trim();
    return value === '' ? undefined : value;
  }

  warn(variable: string, value: string, accepted: string, fallback: unknown): void {
    // Shared variables (OTEL_EXPORTER_OTLP_*) are read once per signal: report each bad value once.
    if (this.warnings.some((warning) => warning.variable === variable && warning.value === value)) return;
    this.warnings.push({ variable, value, accepted, default: String(fallback) });
  }

  oneOf<T extends string>(name: string, accepted: readonly T[], fallback: T): T {
    const value = this.raw(name)?.toLowerCase();
    if (value === undefined) return fallback;
    if ((accepted as readonly string[]).includes(value)) return value as T;
    this.warn(name, value, `one of ${accepted.join(', ')}`, fallback);
    return fallback;
  }

  number(name: string, fallback: number, min: number, max: number): number {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    const parsed = Number(value);
    if (Number.isFinite(parsed) && parsed >= min && parsed <= max) return parsed;
    this.warn(name, value, `a number from ${min} to ${max}`, fallback);
    return fallback;
  }

  integer(name: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    const parsed = Number(value);
    if (Number.isInteger(parsed) && parsed >= min && parsed <= max) return parsed;
    this.warn(name, value, `an integer from ${min} to ${max}`, fallback);
    return fallback;
  }

  boolean(name: string, fallback: boolean): boolean {
    const value = this.raw(name)?.toLowerCase();
    if (value === undefined) return fallback;
    if (value === 'true' || value === '1') return true;
    if (value === 'false' || value === '0') return false;
    this.warn(name, value, 'true or false', fallback);
    return fallback;
  }

  url(name: string, fallbackDescription: string): string | undefined {
    const value = this.raw(name);
    if (value === undefined) return undefined;
    if (isHttpUrl(value)) return value;
    this.warn(name, value, 'an absolute http:// or https:// URL', fallbackDescription);
    return undefined;
  }

  /** Comma-separated `key=value` pairs, values percent-decoded (W3C baggage style, as OTel specifies). */
  keyValues(name: string): Record<string, string> {
    const value = this.raw(name);
    const result: Record<string, string> = {};
    if (value === undefined) return result;
    for (const pair of value.split(',')) {
      const index = pair.indexOf('=');
      if (index <= 0) {
        if (pair.trim() !== '') this.warn(name, pair, 'comma-separated key=value pairs', '(pair ignored)');
        continue;
      }
      try {
        result[pair.slice(0, index).trim()] = decodeURIComponent(pair.slice(index + 1).trim());
      } catch {
        this.warn(name, pair, 'percent-encoded key=value pairs', '(pair ignored)');
      }
    }
    return result;
  }

  /** A comma-separated list (empty entries dropped); undefined when unset. */
  list(name: string): string[] | undefined {
    const value = this.raw(name);
    if (value === undefined) return undefined;
    return value
      .split(',')
      .map((entry) => entry.trim())
      .filter((entry) => entry !== '');
  }

  /** Milliseconds as an integer, or a duration with unit: 500ms, 15s, 2m. */
  duration(name: string, fallbackMs: number): number {
    const value = this.raw(name);
    if (value === undefined) return fallbackMs;
    const parsed = parseDurationMs(value);
    if (parsed !== undefined && parsed > 0) return parsed;
    this.warn(name, value, 'milliseconds (15000) or a duration (500ms, 15s, 2m)', `${fallbackMs}ms`);
    return fallbackMs;
  }
}

export function parseDurationMs(value: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m)?$/.exec(value.trim());
  if (!match) return undefined;
  const amount = Number(match[1]);
  const unit = match[2] ?? 'ms';
  return Math.round(amount * (unit === 'm' ? 60_000 : unit === 's' ? 1000 : 1));
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

function signalPath(signal: OtlpSignal): string {
  return `v1/${signal}`;
}

type OtlpSignal = 'traces' | 'logs' | 'metrics';

/** OTEL_METRICS_EXPORTER: a comma-separated list of prometheus, otlp, none (the spec's values; default prometheus). */
function readMetricsExporters(reader: EnvReader): TelemetryConfig['metrics']['exporters'] {
  const names = reader.list('OTEL_METRICS_EXPORTER')?.map((name) => name.toLowerCase()) ?? ['prometheus'];
  const accepted = ['prometheus', 'otlp', 'none'];
  for (const name of names) {
    if (!accepted.includes(name)) reader.warn('OTEL_METRICS_EXPORTER', name, `a comma-separated list of ${accepted.join(', ')}`, '(entry ignored)');
  }
  return { prometheus: names.includes('prometheus'), otlp: names.includes('otlp') };
}

function readOtlpTarget(reader: EnvReader, signal: OtlpSignal, overrides: Partial<OtlpTarget>): OtlpTarget {
  const upper = signal.toUpperCase();
  const protocol =
    overrides.protocol ??
    reader.oneOf(`OTEL_EXPORTER_OTLP_${upper}_PROTOCOL`, PROTOCOLS, reader.oneOf('OTEL_EXPORTER_OTLP_PROTOCOL', PROTOCOLS, 'http/protobuf'));
  const defaultBase = protocol === 'grpc' ? 'http://localhost:4317' : 'http://localhost:4318';
  const specific = reader.url(`OTEL_EXPORTER_OTLP_${upper}_ENDPOINT`, 'OTEL_EXPORTER_OTLP_ENDPOINT or its default');
  const base = reader.url('OTEL_EXPORTER_OTLP_ENDPOINT', defaultBase) ?? defaultBase;
  let url = overrides.url ?? specific;
  if (url === undefined) url = protocol === 'grpc' ? base : `${base.replace(/\/$/, '')}/${signalPath(signal)}`;
  return {
    protocol,
    url,
    headers: { ...reader.keyValues('OTEL_EXPORTER_OTLP_HEADERS'), ...reader.keyValues(`OTEL_EXPORTER_OTLP_${upper}_HEADERS`), ...overrides.headers },
    timeoutMs: reader.integer(`OTEL_EXPORTER_OTLP_${upper}_TIMEOUT`, reader.integer('OTEL_EXPORTER_OTLP_TIMEOUT', 10_000, 1), 1),
  };
}

function readPropagators(reader: EnvReader): PropagatorName[] {
  const value = reader.raw('OTEL_PROPAGATORS');
  if (value === undefined) return ['tracecontext', 'baggage'];
  const names: PropagatorName[] = [];
  for (const name of value.split(',').map((part) => part.trim().toLowerCase())) {
    if ((PROPAGATORS as string[]).includes(name)) names.push(name as PropagatorName);
    else reader.warn('OTEL_PROPAGATORS', name, `a comma-separated list of ${PROPAGATORS.join(', ')}`, '(entry ignored)');
  }
  if (names.length === 0 && !value.includes('none')) return ['tracecontext', 'baggage'];
  return names.includes('none') ? [] : names;
}

function readSamplerRatio(reader: EnvReader, sampler: SamplerName, optionRatio: number | undefined): number {
  if (optionRatio !== undefined) {
    if (optionRatio >= 0 && optionRatio <= 1) return optionRatio;
    reader.warn('options.tracing.sampleRatio', String(optionRatio), 'a number from 0 to 1', 1);
    return 1;
  }
  if (!sampler.endsWith('traceidratio')) return 1;
  return reader.number('OTEL_TRACES_SAMPLER_ARG', 1, 0, 1);
}

function readProfiling(
  reader: EnvReader,
  options: TelemetryOptions['profiling'],
  serviceName: string,
  disabled: boolean,
): ProfilingConfig | undefined {
  const serverAddress = options?.serverAddress ?? reader.url('PYROSCOPE_SERVER_ADDRESS', 'profiling off');
  if (serverAddress === undefined || disabled) return undefined;
  const config: ProfilingConfig = {
    serverAddress,
    appName: reader.raw('PYROSCOPE_APPLICATION_NAME') ?? serviceName,
    uploadIntervalMs: options?.uploadIntervalMs ?? reader.duration('PYROSCOPE_UPLOAD_INTERVAL', 15_000),
    heap: options?.heap ?? reader.boolean('PYROSCOPE_PROFILING_HEAP_ENABLED', false),
    // Tags are filled from the resource by init(), which knows service.version and the k8s attributes.
    tags: {},
  };
  const user = reader.raw('PYROSCOPE_BASIC_AUTH_USER');
  const password = reader.raw('PYROSCOPE_BASIC_AUTH_PASSWORD');
  const tenant = reader.raw('PYROSCOPE_TENANT_ID');
  if (user !== undefined) config.basicAuthUser = user;
  if (password !== undefined) config.basicAuthPassword = password;
  if (tenant !== undefined) config.tenantId = tenant;
  return config;
}

function readResourceAttributes(reader: EnvReader, options: TelemetryOptions): Record<string, string> {
  const attributes = reader.keyValues('OTEL_RESOURCE_ATTRIBUTES');
  const downward: Array<[string, string]> = [
    ['K8S_POD_NAME', 'k8s.pod.name'],
    ['K8S_NAMESPACE_NAME', 'k8s.namespace.name'],
    ['K8S_NODE_NAME', 'k8s.node.name'],
    ['K8S_DEPLOYMENT_NAME', 'k8s.deployment.name'],
  ];
  for (const [variable, attribute] of downward) {
    const value = reader.raw(variable);
    if (value !== undefined) attributes[attribute] = value;
  }
  return { ...attributes, ...options.resourceAttributes };
}

export function loadConfig(options: TelemetryOptions = {}, env: Env = process.env): Readonly<TelemetryConfig> {
  const reader = new EnvReader(env);
  const resourceAttributes = readResourceAttributes(reader, options);
  const serviceName =
    options.serviceName ?? reader.raw('OTEL_SERVICE_NAME') ?? resourceAttributes['service.name'] ?? 'unknown_service:node';
  const disabled = options.disabled ?? reader.boolean('OTEL_SDK_DISABLED', false);
  const sampler = reader.oneOf('OTEL_TRACES_SAMPLER', SAMPLERS, 'parentbased_always_on');
  const tracing = options.tracing ?? {};
  const maxQueueSize = reader.integer('OTEL_BSP_MAX_QUEUE_SIZE', 2048, 1);
  const metricsPort = options.metrics?.port ?? (reader.raw('OTEL_EXPORTER_PROMETHEUS_PORT') ? reader.integer('OTEL_EXPORTER_PROMETHEUS_PORT', 9464, 0, 65535) : undefined);
  const tracesOverrides: Partial<OtlpTarget> = {};
  if (tracing.endpoint !== undefined) tracesOverrides.url = tracing.endpoint;
  if (tracing.protocol !== undefined) tracesOverrides.protocol = tracing.protocol;
  if (tracing.headers !== undefined) tracesOverrides.headers = tracing.headers;

  const config: TelemetryConfig = {
    serviceName,
    serviceVersion: options.serviceVersion ?? resourceAttributes['service.version'],
    resourceAttributes,
    disabled,
    diagLevel: reader.oneOf('OTEL_LOG_LEVEL', DIAG_LEVELS, 'error'),
    traces: {
      exporter: tracing.exporter ?? reader.oneOf<TracesExporter>('OTEL_TRACES_EXPORTER', ['otlp', 'console', 'none'], 'otlp'),
      otlp: readOtlpTarget(reader, 'traces', tracesOverrides),
      sampler: tracing.sampleRatio !== undefined && !sampler.endsWith('traceidratio') ? 'parentbased_traceidratio' : sampler,
      samplerRatio: readSamplerRatio(reader, sampler, tracing.sampleRatio),
      propagators: readPropagators(reader),
      batch: {
        maxQueueSize,
        maxExportBatchSize: Math.min(maxQueueSize, reader.integer('OTEL_BSP_MAX_EXPORT_BATCH_SIZE', 512, 1)),
        scheduledDelayMillis: reader.integer('OTEL_BSP_SCHEDULE_DELAY', 5000, 0),
        exportTimeoutMillis: reader.integer('OTEL_BSP_EXPORT_TIMEOUT', 30_000, 1),
      },
      ignorePaths: tracing.ignorePaths ?? reader.list('LAB_TELEMETRY_IGNORE_PATHS') ?? DEFAULT_IGNORE_PATHS,
      // The names and semantics of @opentelemetry/auto-instrumentations-node (package suffixes: pg, ioredis, ...).
      instrumentations: {
        enabled: tracing.instrumentations ?? reader.list('OTEL_NODE_ENABLED_INSTRUMENTATIONS'),
        disabled: reader.list('OTEL_NODE_DISABLED_INSTRUMENTATIONS') ?? [],
      },
    },
    logs: {
      exporter: reader.oneOf<'otlp' | 'none'>('OTEL_LOGS_EXPORTER', ['otlp', 'none'], 'none'),
      otlp: readOtlpTarget(reader, 'logs', {}),
      scheduleDelayMs: reader.integer('OTEL_BLRP_SCHEDULE_DELAY', 1000, 0),
      level: options.logging?.level ?? reader.oneOf('LOG_LEVEL', LOG_LEVELS, 'info'),
      accessLog: options.logging?.accessLog ?? reader.boolean('LAB_TELEMETRY_ACCESS_LOG', true),
      extraRedactPaths: options.logging?.redact ?? [],
    },
    metrics: {
      exporters: readMetricsExporters(reader),
      otlp: readOtlpTarget(reader, 'metrics', {}),
      exportIntervalMs: reader.integer('OTEL_METRIC_EXPORT_INTERVAL', 60_000, 1),
      exportTimeoutMs: reader.integer('OTEL_METRIC_EXPORT_TIMEOUT', 30_000, 1),
      path: options.metrics?.path ?? reader.raw('LAB_TELEMETRY_METRICS_PATH') ?? '/metrics',
      port: metricsPort,
      host: reader.raw('OTEL_EXPORTER_PROMETHEUS_HOST') ?? '0.0.0.0',
      maxSeriesPerMetric: options.metrics?.maxSeriesPerMetric ?? reader.integer('LAB_TELEMETRY_MAX_SERIES_PER_METRIC', 2000, 1),
    },
    profiling: readProfiling(reader, options.profiling, serviceName, disabled),
    shutdownTimeoutMs: options.shutdownTimeoutMs ?? reader.integer('LAB_TELEMETRY_SHUTDOWN_TIMEOUT_MS', 5000, 0),
    handleSignals: options.handleSignals ?? true,
    errorLogIntervalMs: reader.integer('LAB_TELEMETRY_ERROR_LOG_INTERVAL_MS', 30_000, 0),
    warnings: reader.warnings,
  };
  return Object.freeze(config);
}

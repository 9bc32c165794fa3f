// What is benchmarked: the same app under each telemetry setup. Every instrumented variant samples 100% and exports
// to the local discarding sink; everything else stays at the setup's defaults unless it is noted here (and in
// docs/benchmarks.md) why changing it keeps the comparison fair.

export interface Sinks {
  /** Base URL of the discarding sink (OTLP/HTTP, Datadog agent API and Pyroscope ingest on one port). */
  url: string;
}

export interface Variant {
  id: string;
  label: string;
  nodeArgs: string[];
  env(sinks: Sinks): Record<string, string>;
  /** Settings, as shown in the report. */
  settings: string;
}

const SERVICE = 'bench-hello';

/** Stock OpenTelemetry and EDOT read the same variables. */
function otelEnv(sinks: Sinks): Record<string, string> {
  return {
    OTEL_SERVICE_NAME: SERVICE,
    OTEL_EXPORTER_OTLP_ENDPOINT: sinks.url,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
    OTEL_TRACES_SAMPLER: 'always_on',
    // Every variant writes its log lines to stdout only (collected from there, as in the lab); shipping them over
    // OTLP as well would be extra work the others do not do.
    OTEL_LOGS_EXPORTER: 'none',
  };
}

function labEnv(sinks: Sinks): Record<string, string> {
  return {
    BENCH_LAB_TELEMETRY: '1',
    OTEL_SERVICE_NAME: SERVICE,
    OTEL_EXPORTER_OTLP_ENDPOINT: sinks.url,
    OTEL_TRACES_SAMPLER: 'always_on',
  };
}

/**
 * The published form of the library (packages/telemetry/scripts/build.ts, run by `pnpm bench` before measuring):
 * what npm users run. Built into a folder of its own, so that a build of dist/ elsewhere cannot pull it away
 * mid-run. Relative to the apps' working directory, bench/.
 */
export const LAB_BUILD_DIR = 'packages/telemetry/.bench-dist';
export const LAB_REGISTER_BUILT = `../${LAB_BUILD_DIR}/register.js`;

export const UNINSTRUMENTED = 'none';
export const LAB = 'lab';
export const LAB_PROFILING = 'lab-profiling';

export const VARIANTS: readonly Variant[] = [
  {
    id: UNINSTRUMENTED,
    label: 'uninstrumented',
    nodeArgs: [],
    env: () => ({}),
    settings: 'no preload; the app logs its own access line with pino',
  },
  {
    id: LAB,
    label: '@lab/telemetry',
    nodeArgs: ['--import', LAB_REGISTER_BUILT],
    env: labEnv,
    settings: 'OTEL_TRACES_SAMPLER=always_on, OTLP http/protobuf to the sink, Prometheus /metrics (not scraped), access log on stdout',
  },
  {
    id: LAB_PROFILING,
    label: '@lab/telemetry + profiling',
    nodeArgs: ['--import', LAB_REGISTER_BUILT],
    env: (sinks) => ({ ...labEnv(sinks), PYROSCOPE_SERVER_ADDRESS: sinks.url }),
    settings: 'as @lab/telemetry, plus PYROSCOPE_SERVER_ADDRESS=sink (wall+CPU profiles with span labels, 15 s uploads)',
  },
  {
    id: 'otel',
    label: 'OTel auto-instrumentations',
    nodeArgs: ['--import', '@opentelemetry/auto-instrumentations-node/register'],
    env: otelEnv,
    settings: 'OTEL_TRACES_SAMPLER=always_on, OTLP http/protobuf to the sink, OTEL_LOGS_EXPORTER=none; metrics exporter, resource detectors, instrumentations at defaults',
  },
  {
    id: 'dd-trace',
    label: 'dd-trace 6',
    nodeArgs: ['--import', 'dd-trace/initialize.mjs'],
    env: (sinks) => ({
      DD_SERVICE: SERVICE,
      DD_TRACE_AGENT_URL: sinks.url,
      DD_TRACE_SAMPLE_RATE: '1',
      DD_LOGS_INJECTION: 'true',
    }),
    settings: 'DD_TRACE_AGENT_URL=sink, DD_TRACE_SAMPLE_RATE=1, DD_LOGS_INJECTION=true; runtime metrics, telemetry, remote config at defaults',
  },
  {
    id: 'edot',
    label: 'Elastic EDOT',
    nodeArgs: ['--import', '@elastic/opentelemetry-node'],
    env: otelEnv,
    settings: 'same OTEL_* settings as the OTel variant; EDOT defaults otherwise',
  },
];

export function variantById(id: string): Variant {
  const variant = VARIANTS.find((v) => v.id === id);
  if (!variant) throw new Error(`unknown variant ${JSON.stringify(id)}; known: ${VARIANTS.map((v) => v.id).join(', ')}`);
  return variant;
}

/** The same variant on the TypeScript sources: CPU profiles then name the library's own files, not bundle chunks. */
export function fromSources(variant: Variant): Variant {
  return { ...variant, nodeArgs: variant.nodeArgs.map((arg) => (arg === LAB_REGISTER_BUILT ? '@lab/telemetry/register' : arg)) };
}

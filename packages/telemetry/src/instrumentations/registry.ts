// Auto-detected instrumentations for the libraries services run (databases, caches, queues, RPC, loggers). Each
// entry names the modules that reveal the library in the application and the OpenTelemetry instrumentation that
// traces it; the instrumentation packages are dependencies of @lab/telemetry, required only for the libraries the
// application can load (startup cost grows with what the application uses). fetch/undici and node:http are traced by
// the built-in diagnostics_channel instrumentation (http/client.ts), so @opentelemetry/instrumentation-undici and
// -http are never loaded: one client span per request. dns, net and fs are never instrumented (noise).
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve, sep } from 'node:path';
import type { TracerProvider } from '@opentelemetry/api';

export interface RegistryEntry {
  /** The OpenTelemetry-style name (the package suffix), as in OTEL_NODE_ENABLED/DISABLED_INSTRUMENTATIONS. */
  name: string;
  /** Packages whose presence in the application (resolvable from its entry point) enables the entry. */
  detect: string[];
  /** Every module the instrumentation patches: hooked for ESM imports, checked for being loaded too early. */
  hooks: string[];
  package: string;
  exportName: string;
  config?: Record<string, unknown>;
}

// Hook lists: the InstrumentationNodeModuleDefinition names of each package (versions pinned in package.json).
export const REGISTRY: readonly RegistryEntry[] = [
  { name: 'pg', detect: ['pg'], hooks: ['pg', 'pg-pool'], package: '@opentelemetry/instrumentation-pg', exportName: 'PgInstrumentation' },
  { name: 'mysql2', detect: ['mysql2'], hooks: ['mysql2'], package: '@opentelemetry/instrumentation-mysql2', exportName: 'MySQL2Instrumentation' },
  { name: 'mongodb', detect: ['mongodb'], hooks: ['mongodb'], package: '@opentelemetry/instrumentation-mongodb', exportName: 'MongoDBInstrumentation' },
  { name: 'mongoose', detect: ['mongoose'], hooks: ['mongoose'], package: '@opentelemetry/instrumentation-mongoose', exportName: 'MongooseInstrumentation' },
  { name: 'ioredis', detect: ['ioredis'], hooks: ['ioredis'], package: '@opentelemetry/instrumentation-ioredis', exportName: 'IORedisInstrumentation' },
  {
    name: 'redis',
    detect: ['redis', '@redis/client'],
    hooks: ['redis', '@redis/client', '@node-redis/client'],
    package: '@opentelemetry/instrumentation-redis',
    exportName: 'RedisInstrumentation',
  },
  { name: 'memcached', detect: ['memcached'], hooks: ['memcached'], package: '@opentelemetry/instrumentation-memcached', exportName: 'MemcachedInstrumentation' },
  { name: 'amqplib', detect: ['amqplib'], hooks: ['amqplib'], package: '@opentelemetry/instrumentation-amqplib', exportName: 'AmqplibInstrumentation' },
  { name: 'kafkajs', detect: ['kafkajs'], hooks: ['kafkajs'], package: '@opentelemetry/instrumentation-kafkajs', exportName: 'KafkaJsInstrumentation' },
  { name: 'grpc', detect: ['@grpc/grpc-js'], hooks: ['@grpc/grpc-js'], package: '@opentelemetry/instrumentation-grpc', exportName: 'GrpcInstrumentation' },
  {
    name: 'graphql',
    detect: ['graphql'],
    hooks: ['graphql'],
    package: '@opentelemetry/instrumentation-graphql',
    exportName: 'GraphQLInstrumentation',
    // One span per resolver of a list item, and per trivial property resolver, would swamp the trace.
    config: { mergeItems: true, ignoreTrivialResolveSpans: true },
  },
  {
    name: 'aws-sdk',
    // v3 clients are separate packages (@aws-sdk/client-s3, ...): any of them is detected (see detectScope).
    detect: ['@aws-sdk/client-*'],
    hooks: ['@smithy/smithy-client', '@smithy/middleware-stack', '@smithy/core', '@aws-sdk/smithy-client', '@aws-sdk/middleware-stack'],
    package: '@opentelemetry/instrumentation-aws-sdk',
    exportName: 'AwsInstrumentation',
  },
  // Log correlation only: trace_id, span_id, trace_flags in every record, as the pino hook does. Their records are
  // not sent over OTLP (the logs pipeline of this library is the handle's pino logger).
  {
    name: 'winston',
    detect: ['winston'],
    hooks: ['winston'],
    package: '@opentelemetry/instrumentation-winston',
    exportName: 'WinstonInstrumentation',
    config: { disableLogSending: true },
  },
  {
    name: 'bunyan',
    detect: ['bunyan'],
    hooks: ['bunyan'],
    package: '@opentelemetry/instrumentation-bunyan',
    exportName: 'BunyanInstrumentation',
    config: { disableLogSending: true },
  },
];

export interface InstrumentationSelection {
  /** Only these names (OTEL_NODE_ENABLED_INSTRUMENTATIONS); undefined: every detected one. `none`: nothing. */
  enabled: string[] | undefined;
  /** Never these (OTEL_NODE_DISABLED_INSTRUMENTATIONS); `none` there also turns everything off. */
  disabled: string[];
}

/**
 * The directory the application resolves its packages from: the entry script's (process.argv[1]), whatever the
 * working directory. Without an entry script (node -e, the REPL) code resolves from the working directory.
 */
export function applicationDirectory(entry = process.argv[1]): string {
  return entry ? dirname(resolve(entry)) : process.cwd();
}

/** Whether `name` is installed where Node would find it from `fromDirectory` (node_modules of it and its parents). */
export function isInstalled(name: string, fromDirectory: string): boolean {
  const scopeWildcard = name.endsWith('*') ? name.slice(0, -1) : undefined;
  for (let directory = fromDirectory; ; directory = dirname(directory)) {
    if (scopeWildcard === undefined) {
      if (existsSync(join(directory, 'node_modules', name, 'package.json'))) return true;
    } else if (detectScope(join(directory, 'node_modules'), scopeWildcard)) {
      return true;
    }
    if (dirname(directory) === directory) return false;
  }
}

/** `@scope/prefix*`: any package of the scope whose name starts with the prefix. */
function detectScope(nodeModules: string, scopedPrefix: string): boolean {
  const [scope, prefix = ''] = scopedPrefix.split('/');
  try {
    return readdirSync(join(nodeModules, scope!)).some((entry) => entry.startsWith(prefix));
  } catch {
    return false;
  }
}

export interface SelectionResult {
  entries: RegistryEntry[];
  /** Names in the enabled/disabled lists that are not in the registry. */
  unknown: string[];
}

/** The registry entries to enable: detected in the application, and allowed by the selection. */
export function selectInstrumentations(selection: InstrumentationSelection, fromDirectory: string): SelectionResult {
  const known = new Set(REGISTRY.map((entry) => entry.name));
  const listed = [...(selection.enabled ?? []), ...selection.disabled];
  const unknown = listed.filter((name) => name !== 'none' && !known.has(name));
  if (selection.enabled?.includes('none') || selection.disabled.includes('none')) return { entries: [], unknown };
  const entries = REGISTRY.filter(
    (entry) =>
      (selection.enabled === undefined || selection.enabled.includes(entry.name)) &&
      !selection.disabled.includes(entry.name) &&
      entry.detect.some((name) => isInstalled(name, fromDirectory)),
  );
  return { entries, unknown };
}

type InstrumentationClass = new (config?: Record<string, unknown>) => { setTracerProvider(provider: TracerProvider): void };

const requireHere = createRequire(import.meta.url);

/**
 * Constructs the instrumentation of `entry` (OpenTelemetry instrumentations enable themselves when constructed:
 * require hooks, and ESM hooks when the import-in-the-middle loader is registered, see esm-hooks.ts) with its spans
 * going through `tracerProvider`.
 */
export function enableInstrumentation(entry: RegistryEntry, tracerProvider: TracerProvider): void {
  const Instrumentation = (requireHere(entry.package) as Record<string, InstrumentationClass>)[entry.exportName];
  if (typeof Instrumentation !== 'function') throw new Error(`${entry.package} exports no ${entry.exportName}`);
  new Instrumentation(entry.config).setTracerProvider(tracerProvider);
}

/** The hooked modules of `entry` that CommonJS already loaded (they will produce no spans). */
export function loadedTooEarly(entry: RegistryEntry): string[] {
  const loaded = Object.keys(requireHere.cache);
  return entry.hooks.filter((name) => {
    const marker = `${sep}node_modules${sep}${name.replaceAll('/', sep)}${sep}`;
    return loaded.some((file) => file.includes(marker));
  });
}

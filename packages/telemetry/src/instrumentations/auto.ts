// Enables the registry's instrumentations (registry.ts) for the libraries the application can load, synchronously
// (a require() right after init() is hooked), with ESM hooks for their modules, and warns once per module loaded
// before it could be hooked (it would silently produce no spans). The frameworks' module adapters (http/frameworks/)
// start here too, even with tracing disabled: the RED metrics' http_route needs them.
import type { Logger } from 'pino';
import { MODULE_ADAPTERS } from '../http/frameworks/index.ts';
import type { CoreMetrics } from '../metrics/metrics.ts';
import { dbMetricsTracerProvider } from './db-metrics.ts';
import { registerEsmHooks } from './esm-hooks.ts';
import type { ErrorSink } from './guard.ts';
import {
  applicationDirectory,
  enableInstrumentation,
  type InstrumentationSelection,
  isInstalled,
  loadedTooEarly,
  REGISTRY,
  selectInstrumentations,
} from './registry.ts';

export interface AutoInstrumentationOptions {
  selection: InstrumentationSelection;
  /** false when the SDK is disabled: no span instrumentation, route adapters only. */
  tracing: boolean;
  metrics: CoreMetrics;
  logger: Logger;
  onError: ErrorSink;
}

/**
 * The instrumentations follow the current stable database semantic conventions (db.system.name, db.namespace,
 * db.operation.name, db.query.text, ...); the application can still ask for the old or both with its own value.
 */
function optInStableDatabaseSemconv(): void {
  const current = process.env.OTEL_SEMCONV_STABILITY_OPT_IN;
  if (current === undefined || current.trim() === '') process.env.OTEL_SEMCONV_STABILITY_OPT_IN = 'database';
  else if (!/\bdatabase\b/.test(current)) process.env.OTEL_SEMCONV_STABILITY_OPT_IN = `${current},database`;
}

export function startAutoInstrumentations({ selection, tracing, metrics, logger, onError }: AutoInstrumentationOptions): void {
  const directory = applicationDirectory();
  const frameworkAdapters = MODULE_ADAPTERS.filter((adapter) => isInstalled(adapter.module, directory));
  const { entries, unknown } = tracing ? selectInstrumentations(selection, directory) : { entries: [], unknown: [] };
  for (const name of unknown) {
    logger.warn({ instrumentation: name, known: REGISTRY.map((entry) => entry.name) }, `unknown instrumentation "${name}" ignored`);
  }
  registerEsmHooks([...entries.flatMap((entry) => entry.hooks), ...frameworkAdapters.map((adapter) => adapter.module)]);
  for (const adapter of frameworkAdapters) adapter.install(onError);
  if (entries.length === 0) return;
  optInStableDatabaseSemconv();
  const tracerProvider = dbMetricsTracerProvider(metrics);
  for (const entry of entries) {
    for (const module of loadedTooEarly(entry)) {
      logger.warn(
        { instrumentation: entry.name, module },
        `${module} was loaded before @lab/telemetry could instrument it: it produces no spans. Start telemetry first: ` +
          'node --import @lab/telemetry/register, or init() before require() of it (CommonJS) or before import() of the application (ESM)',
      );
    }
    try {
      enableInstrumentation(entry, tracerProvider);
    } catch (error) {
      logger.warn({ err: error, instrumentation: entry.name }, `instrumentation "${entry.name}" not loaded`);
    }
  }
}

// Enables the registry's instrumentations (registry.ts) for the libraries the application can load, synchronously
// (a require() right after init() is hooked), with ESM hooks for their modules, and warns once per module loaded
// before it could be hooked (it would silently produce no spans).
import type { Logger } from 'pino';
import type { CoreMetrics } from '../metrics/metrics.ts';
import { dbMetricsTracerProvider } from './db-metrics.ts';
import { registerEsmHooks } from './esm-hooks.ts';
import { applicationDirectory, enableInstrumentation, type InstrumentationSelection, loadedTooEarly, REGISTRY, selectInstrumentations } from './registry.ts';

/**
 * The instrumentations follow the current stable database semantic conventions (db.system.name, db.namespace,
 * db.operation.name, db.query.text, ...); the application can still ask for the old or both with its own value.
 */
function optInStableDatabaseSemconv(): void {
  const current = process.env.OTEL_SEMCONV_STABILITY_OPT_IN;
  if (current === undefined || current.trim() === '') process.env.OTEL_SEMCONV_STABILITY_OPT_IN = 'database';
  else if (!/\bdatabase\b/.test(current)) process.env.OTEL_SEMCONV_STABILITY_OPT_IN = `${current},database`;
}

/** Returns the names of the enabled instrumentations. */
export function startAutoInstrumentations(selection: InstrumentationSelection, metrics: CoreMetrics, logger: Logger): string[] {
  const { entries, unknown } = selectInstrumentations(selection, applicationDirectory());
  for (const name of unknown) {
    logger.warn({ instrumentation: name, known: REGISTRY.map((entry) => entry.name) }, `unknown instrumentation "${name}" ignored`);
  }
  if (entries.length === 0) return [];
  optInStableDatabaseSemconv();
  registerEsmHooks(entries.flatMap((entry) => entry.hooks));
  const tracerProvider = dbMetricsTracerProvider(metrics);
  const enabled: string[] = [];
  for (const entry of entries) {
    for (const module of loadedTooEarly(entry)) {
      logger.warn(
        { instrumentation: entry.name, module },
        `${module} was loaded before @lab/telemetry could instrument it: it produces no spans. Start telemetry first ` +
          '(node --import @lab/telemetry/register, or init() in a module that runs before the application imports it)',
      );
    }
    try {
      enableInstrumentation(entry, tracerProvider);
      enabled.push(entry.name);
    } catch (error) {
      logger.warn({ err: error, instrumentation: entry.name }, `instrumentation "${entry.name}" not loaded`);
    }
  }
  return enabled;
}

// Instrumentations beyond the built-in ones (pg, ioredis, amqplib, ...) are opted in by name
// (options.tracing.instrumentations or LAB_TELEMETRY_INSTRUMENTATIONS=pg,ioredis) and loaded only then: the package
// `@opentelemetry/instrumentation-<name>` is required from the application's directory, so the application installs
// the ones it wants. They are loaded synchronously so that a `require('pg')` right after init() is hooked.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Logger } from 'pino';

type InstrumentationClass = new (config?: Record<string, unknown>) => { enable?(): void };

export function loadOptInInstrumentations(names: string[], logger: Logger, fromDirectory = process.cwd()): string[] {
  const requireFromApp = createRequire(join(fromDirectory, 'package.json'));
  const loaded: string[] = [];
  for (const name of names) {
    const specifier = `@opentelemetry/instrumentation-${name}`;
    try {
      const exported = requireFromApp(specifier) as Record<string, unknown>;
      const Instrumentation = Object.entries(exported).find(
        ([key, value]) => key.endsWith('Instrumentation') && typeof value === 'function',
      )?.[1] as InstrumentationClass | undefined;
      if (Instrumentation === undefined) throw new Error(`${specifier} exports no *Instrumentation class`);
      // OpenTelemetry instrumentations enable themselves when constructed (enabled: true is their default).
      new Instrumentation();
      loaded.push(name);
    } catch (error) {
      logger.warn({ err: error, instrumentation: name }, `instrumentation "${name}" not loaded: install ${specifier} in the service`);
    }
  }
  return loaded;
}

// On a Node.js older than package.json's `engines` the implementation cannot load (it needs require() of ES modules,
// module.enableCompileCache, process.getBuiltinModule...). ./index.ts then says so in one line on stderr and hands out
// this handle instead: the application runs as it would without telemetry. Its logger still writes JSON lines (an
// app's log calls keep working), its metric helpers and hooks do nothing, its tracer is the API's no-op one.
import { trace } from '@opentelemetry/api';
import type { Telemetry, TelemetryOptions } from './types.ts';

/** Absorbs any property access or call: the metric helpers' return values (counter.labels(...).inc(), ...). */
const inert: object = new Proxy(() => inert, { get: (_target, key) => (key === 'then' ? undefined : inert), apply: () => inert });

const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;

function jsonLogger(base: Record<string, unknown>): unknown {
  const logger: Record<string, unknown> = { level: 'info', child: (bindings: object) => jsonLogger({ ...base, ...bindings }) };
  for (const level of LEVELS) {
    logger[level] = (first: unknown, ...rest: unknown[]) => {
      if (LEVELS.indexOf(level) < LEVELS.indexOf('info')) return;
      const fields = typeof first === 'object' && first !== null && !(first instanceof Error) ? first : first instanceof Error ? { err: { type: first.name, message: first.message, stack: first.stack } } : {};
      const message = typeof first === 'string' ? first : rest.find((part) => typeof part === 'string');
      process.stdout.write(`${JSON.stringify({ level, time: new Date().toISOString(), ...base, ...fields, msg: message })}\n`);
    };
  }
  return logger;
}

export function unsupportedNodeTelemetry(options: TelemetryOptions): Telemetry {
  const serviceName = options.serviceName ?? process.env.OTEL_SERVICE_NAME ?? 'unknown_service:node';
  return Object.freeze({
    serviceName,
    logger: jsonLogger({ service: serviceName }) as Telemetry['logger'],
    registry: inert as Telemetry['registry'],
    metrics: inert as Telemetry['metrics'],
    tracer: trace.getTracer('@lab/telemetry'),
    onShutdown: () => {},
    shutdown: () => Promise.resolve(),
  });
}

/** `>=22.15.0` style engines ranges only (what package.json declares). */
export function satisfiesEngines(engines: string, version: string): boolean {
  const wanted = /^>=\s*(\d+)(?:\.(\d+))?(?:\.(\d+))?$/.exec(engines.trim());
  if (wanted === null) return true;
  const have = version.replace(/^v/, '').split('.').map(Number);
  for (let index = 0; index < 3; index++) {
    const need = Number(wanted[index + 1] ?? 0);
    const got = have[index] ?? 0;
    if (got !== need) return got > need;
  }
  return true;
}

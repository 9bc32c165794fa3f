// Public API of @lab/telemetry: one init() for traces, metrics, logs and (optionally) profiles.
//
// Startup cost matters (target: init adds <= 100 ms): before loading the implementation and its dependencies, this
// entry enables Node's on-disk compile cache, which skips re-parsing (and re-stripping the TypeScript of) every module
// on later starts. Opt out with LAB_TELEMETRY_COMPILE_CACHE=false (or Node's own NODE_DISABLE_COMPILE_CACHE=1).
// The implementation is therefore required after that call instead of imported statically (static imports would be
// loaded before this module's body runs).
// On an older Node than `engines` says, nothing of the implementation loads: one line on stderr, and init() hands out
// an inert handle (./unsupported-node.ts) so that the application runs without telemetry. node:module is imported
// whole because a named import of an export the running Node lacks (enableCompileCache on 20) fails at link time.
import nodeModule from 'node:module';
import { NODE_ENGINES, packageModulePath } from './module-extension.ts';
import { hookPino } from './logging/pino-hook.ts';
import { satisfiesEngines, unsupportedNodeTelemetry } from './unsupported-node.ts';
import type * as SharedApi from './metrics/shared-otel-api.ts';
import type * as Implementation from './init.ts';

function loadImplementation(): typeof Implementation {
  if (!satisfiesEngines(NODE_ENGINES, process.versions.node)) {
    process.stderr.write(`@lab/telemetry needs Node.js ${NODE_ENGINES} (this is ${process.version}): the application runs without telemetry\n`);
    let handle: ReturnType<typeof Implementation.init> | undefined;
    return {
      init: (options = {}) => (handle ??= unsupportedNodeTelemetry(options)),
      getTelemetry: () => handle,
      activeTraceFields: () => ({}),
      DURATION_BUCKETS: [],
    } as unknown as typeof Implementation;
  }
  if (process.env.LAB_TELEMETRY_COMPILE_CACHE !== 'false') nodeModule.enableCompileCache();
  // Before anything loads pino: the application's own imports of it are evaluated after this module.
  hookPino();
  const requireHere = nodeModule.createRequire(import.meta.url);
  (requireHere(packageModulePath('metrics/shared-otel-api')) as typeof SharedApi).shareOtelApiWithPromClient();
  return requireHere(packageModulePath('init')) as typeof Implementation;
}
const implementation = loadImplementation();

export type { MetricsHelpers, Telemetry, TelemetryOptions } from './types.ts';
/** Published on the `lab-telemetry:profile:collected` diagnostics channel once per profile window (docs/profiling.md). */
export type { CollectionTimings as ProfileCollectionTimings } from './profiling/collector.ts';
/** Drains an HTTP server within a deadline; the library already drains every server that served requests. */
export { drainServer } from './lifecycle/drain.ts';

/**
 * Starts telemetry for this process. Options override the environment. Call it before the application creates its
 * servers; a second call returns the same handle.
 */
export const init: typeof Implementation.init = implementation.init;
/** The handle of the first init() call, if any. */
export const getTelemetry: typeof Implementation.getTelemetry = implementation.getTelemetry;
/** trace_id, span_id, trace_flags (and run_id from baggage) of the active context: for loggers other than pino. */
export const activeTraceFields: typeof Implementation.activeTraceFields = implementation.activeTraceFields;
export const DURATION_BUCKETS: readonly number[] = implementation.DURATION_BUCKETS;

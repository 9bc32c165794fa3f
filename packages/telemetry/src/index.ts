// Public API of @lab/telemetry: one init() for traces, metrics, logs and (optionally) profiles.
//
// Startup cost matters (target: init adds <= 100 ms): before loading the implementation and its dependencies, this
// entry enables Node's on-disk compile cache, which skips re-parsing (and re-stripping the TypeScript of) every module
// on later starts. Opt out with LAB_TELEMETRY_COMPILE_CACHE=false (or Node's own NODE_DISABLE_COMPILE_CACHE=1).
// The implementation is therefore required after that call instead of imported statically (static imports would be
// loaded before this module's body runs).
import { createRequire, enableCompileCache } from 'node:module';
import { packageModulePath } from './module-extension.ts';
import { hookPino } from './logging/pino-hook.ts';
import type * as SharedApi from './metrics/shared-otel-api.ts';
import type * as Implementation from './init.ts';

if (process.env.LAB_TELEMETRY_COMPILE_CACHE !== 'false') enableCompileCache();
// Before anything loads pino: the application's own imports of it are evaluated after this module.
hookPino();
const requireHere = createRequire(import.meta.url);
(requireHere(packageModulePath('metrics/shared-otel-api')) as typeof SharedApi).shareOtelApiWithPromClient();
const implementation = requireHere(packageModulePath('init')) as typeof Implementation;

export type { MetricsHelpers, Telemetry, TelemetryOptions } from './types.ts';
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

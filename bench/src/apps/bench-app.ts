// What every benchmarked express app shares: the access line each variant writes once per request, the listening
// announcement, and the event-loop delay report.
//
// Under @lab/telemetry the library's own access log is the line; otherwise the app logs it from a middleware with the
// library logger's options minus trace fields (ISO time, level label, service, asynchronous stdout), so the log cost
// matches. Event-loop delay (perf_hooks monitorEventLoopDelay) goes to the harness on the ready pipe: one `loop-window`
// line per BENCH_LOOP_WINDOW_MS, and one `loop-run` line on each SIGUSR2 (the harness sends one when a measured phase
// starts and one when it ends), each `{"maxMs","p999Ms"}` since the previous line of its kind. A `loop-window` line
// also says where the time went: the longest garbage collection pause and the GC total of the window, and, under
// @lab/telemetry with profiling, the longest synchronous steps of the profile collections that ended in it (from the
// library's `lab-telemetry:profile:collected` diagnostics channel).
import diagnosticsChannel from 'node:diagnostics_channel';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { constants, monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import express from 'express';
import { pino } from 'pino';
import type { LoopDelay, LoopWindow, ProfileCollectionSteps } from '../app-process.ts';
import { announceListening, tellHarness } from './ready.ts';

const useLabTelemetry = process.env.BENCH_LAB_TELEMETRY === '1';
/** Timer resolution of the delay monitor: fine enough for the 10 ms the pause target is about. */
const LOOP_RESOLUTION_MS = 1;

export function createBenchApp(service: string): express.Express {
  const app = express();
  if (useLabTelemetry) return app;
  const logger = pino(
    {
      base: { service },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    pino.destination({ fd: 1, sync: false }),
  );
  app.use((req, res, next) => {
    const start = process.hrtime.bigint();
    res.on('finish', () => {
      const durationMs = Number(process.hrtime.bigint() - start) / 1e6;
      logger.info({ method: req.method, route: req.route?.path ?? req.path, status: res.statusCode, duration_ms: durationMs }, 'request completed');
    });
    next();
  });
  return app;
}

export function serveBenchApp(app: express.Express): void {
  reportLoopDelay();
  const server = createServer(app);
  server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
    announceListening((server.address() as AddressInfo).port);
  });
  if (!useLabTelemetry) {
    // Exit cleanly so that --cpu-prof writes its profile; @lab/telemetry installs its own signal handling.
    process.once('SIGTERM', () => server.close(() => process.exit(0)));
  }
}

function reportLoopDelay(): void {
  const windowMs = Number(process.env.BENCH_LOOP_WINDOW_MS ?? 0);
  const run = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
  run.enable();
  process.on('SIGUSR2', () => tellHarness(`loop-run ${JSON.stringify(takeDelay(run))}`));
  if (windowMs > 0) {
    const window = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
    window.enable();
    const causes = watchPauseCauses();
    setInterval(() => tellHarness(`loop-window ${JSON.stringify({ ...takeDelay(window), ...causes.take() })}`), windowMs).unref();
  }
}

function takeDelay(histogram: ReturnType<typeof monitorEventLoopDelay>): LoopDelay {
  const delay = { maxMs: histogram.max / 1e6, p999Ms: histogram.percentile(99.9) / 1e6 };
  histogram.reset();
  return delay;
}

const GC_KINDS: Record<number, string> = {
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'scavenge',
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'mark-compact',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental marking',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weak callbacks',
};

/** Garbage collections and profile collections since the last take(). */
function watchPauseCauses(): { take: () => Omit<LoopWindow, keyof LoopDelay> } {
  let gc = { maxMs: 0, kind: '', totalMs: 0 };
  let profiler: ProfileCollectionSteps | undefined;
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      gc.totalMs += entry.duration;
      // Node's gc entries carry { kind } in `detail`, which @types/node leaves off PerformanceEntry.
      const { kind } = (entry as unknown as { detail: { kind: number } }).detail;
      if (entry.duration > gc.maxMs) gc = { ...gc, maxMs: entry.duration, kind: GC_KINDS[kind] ?? 'other' };
    }
  }).observe({ entryTypes: ['gc'] });
  diagnosticsChannel.subscribe('lab-telemetry:profile:collected', (message) => {
    const { stopMs, longestSliceMs } = message as ProfileCollectionSteps;
    profiler = { stopMs: Math.max(stopMs, profiler?.stopMs ?? 0), longestSliceMs: Math.max(longestSliceMs, profiler?.longestSliceMs ?? 0) };
  });
  return {
    take() {
      const taken = { gcMaxMs: gc.maxMs, gcMaxKind: gc.kind, gcTotalMs: gc.totalMs, ...(profiler ? { profiler } : {}) };
      gc = { maxMs: 0, kind: '', totalMs: 0 };
      profiler = undefined;
      return taken;
    },
  };
}

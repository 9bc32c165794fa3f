// Export and SDK errors, reported at most once per interval per kind: a dead backend must not flood the logs (or cost
// a log line per request). The suppressed count is reported with the next line.
import { context, ROOT_CONTEXT } from '@opentelemetry/api';
import type { Logger } from 'pino';

export type ReportLevel = 'error' | 'warn' | 'info' | 'debug';

export interface ThrottledReporter {
  report(kind: string, error: unknown, level?: ReportLevel): void;
}

export function createThrottledReporter(logger: Logger, intervalMs: number): ThrottledReporter {
  const lastReported = new Map<string, { at: number; suppressed: number }>();
  return {
    report(kind, error, level = 'error') {
      const now = Date.now();
      const previous = lastReported.get(kind);
      if (previous && now - previous.at < intervalMs) {
        previous.suppressed++;
        return;
      }
      lastReported.set(kind, { at: now, suppressed: 0 });
      // Exports are scheduled from whatever request ended a batch: log outside of it, not with its trace id.
      context.with(ROOT_CONTEXT, () =>
        logger[level](
          { telemetry_error: kind, err: toError(error), suppressed_since_last: previous?.suppressed ?? 0, interval_ms: intervalMs },
          `telemetry ${kind} failed (logged at most once per ${Math.round(intervalMs / 1000)} s)`,
        ),
      );
    },
  };
}

function toError(error: unknown): Error {
  if (error instanceof Error) return error;
  return new Error(typeof error === 'string' ? error : JSON.stringify(error));
}

// One line per service for the report: the largest event-loop delay of the run (from the services' runtime metrics)
// and the profile windows the receiver got, so a profiler that stalls the event loop, or stops uploading, shows.
import type { LocalBackends } from '../correlation/local.ts';
import type { TimeRange } from '../correlation/types.ts';
import { EVENT_LOOP_DELAY_MAX, type MetricsSource } from './source.ts';

export interface ServiceRuntime {
  service: string;
  /** Largest event-loop delay scraped during the run (ms); undefined when the gauge was never scraped. */
  maxEventLoopDelayMs?: number;
  /** Wall profiles received: one per profile window. */
  profileWindows: number;
}

export async function serviceRuntime(services: string[], metrics: MetricsSource, backends: LocalBackends, range: TimeRange): Promise<ServiceRuntime[]> {
  return Promise.all(
    services.map(async (service) => {
      const maxSeconds = await metrics.gaugeMax(EVENT_LOOP_DELAY_MAX, service, range);
      return {
        service,
        ...(maxSeconds === undefined ? {} : { maxEventLoopDelayMs: Math.round(maxSeconds * 10_000) / 10 }),
        profileWindows: backends.profileWindows(service),
      };
    }),
  );
}

export function runtimeLine(runtime: ServiceRuntime): string {
  const delay = runtime.maxEventLoopDelayMs === undefined ? 'not scraped' : `${runtime.maxEventLoopDelayMs} ms`;
  return `${runtime.service.padEnd(9)} largest event-loop delay ${delay}, ${runtime.profileWindows} profile windows`;
}

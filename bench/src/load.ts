// The load generator: autocannon with a fixed number of connections, either flat out (saturation) or at a fixed
// overall arrival rate. Runs in the harness process, which is pinned away from the server's CPU.
import autocannon from 'autocannon';

export interface LoadResult {
  /** Completed requests per second over the run. */
  rps: number;
  p50Ms: number;
  p99Ms: number;
  /** Errors, timeouts and non-2xx answers: a run with failures does not measure the happy path. */
  failures: number;
}

export interface LoadOptions {
  url: string;
  connections: number;
  durationSec: number;
  /** Requests per second across all connections; omitted = as fast as the server answers. */
  rate?: number;
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const result = await autocannon({
    url: options.url,
    connections: options.connections,
    duration: options.durationSec,
    overallRate: options.rate,
    timeout: 10,
  });
  return {
    rps: result.requests.total / result.duration,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    failures: result.errors + result.timeouts + result.non2xx,
  };
}

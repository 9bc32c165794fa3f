// The local load runner: an open-model arrival rate (new journey iterations start on schedule whatever the response
// times; when too many are in flight the arrival is dropped and counted), per-journey thresholds, a run id in
// W3C baggage. Bounded in time (duration), in count (rate x duration) and in concurrency (maxInFlight).
import type { Journey } from './journey-types.ts';
import { pickJourney } from './journeys.ts';
import { LatencyReservoir, RateWindow, seededRandom } from './stats.ts';
import { runStep } from './step-client.ts';

export interface LoadOptions<State> {
  /** Gateway base URL; only loopback hosts are accepted. */
  baseUrl: string;
  journeys: Journey<State>[];
  /** Journey iterations started per second. */
  ratePerSecond: number;
  durationMs: number;
  /** Iterations in flight at most; arrivals beyond are dropped and counted. */
  maxInFlight: number;
  runId: string;
  requestTimeoutMs?: number;
  /** Multiplies each step's think time (0 skips think time). Default 1. */
  thinkTimeScale?: number;
  seed?: number;
}

export interface JourneyReport {
  name: string;
  iterations: number;
  failedIterations: number;
  requests: number;
  errors: number;
  errorRate: number;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
  thresholds: { p95Ms: number; maxErrorRate: number };
  /** Threshold breaches in words; empty when the journey passed. */
  breaches: string[];
}

export interface LoadReport {
  runId: string;
  durationMs: number;
  started: number;
  dropped: number;
  requests: number;
  errors: number;
  journeys: JourneyReport[];
  passed: boolean;
}

export interface LoadProgress {
  elapsedMs: number;
  requests: number;
  errors: number;
  dropped: number;
  inFlight: number;
  /** Requests per second over the last seconds. */
  rate: number;
  /** Error ratio (0..1) over the last seconds. */
  errorRatio: number;
}

export interface LoadRun {
  progress(): LoadProgress;
  /** Stops starting iterations; in-flight ones finish (each bounded by the request timeout). */
  stop(): void;
  done: Promise<LoadReport>;
}

interface JourneyTally<State> {
  journey: Journey<State>;
  iterations: number;
  failedIterations: number;
  requests: number;
  errors: number;
  latencies: LatencyReservoir;
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

export function assertLoopback(baseUrl: string): URL {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new Error(`base URL "${baseUrl}" is not a URL`);
  }
  if (!LOOPBACK_HOSTS.has(url.hostname)) {
    throw new Error(`base URL "${baseUrl}" is not on this machine: the local runner only sends traffic to 127.0.0.1`);
  }
  return url;
}

function validate<State>(options: LoadOptions<State>): void {
  assertLoopback(options.baseUrl);
  if (options.journeys.length === 0) throw new Error('no journeys to run');
  if (!(options.ratePerSecond > 0 && options.ratePerSecond <= 1000)) {
    throw new Error(`rate ${options.ratePerSecond}/s is out of range (0, 1000]`);
  }
  if (!(options.durationMs > 0)) throw new Error(`duration ${options.durationMs} ms must be positive`);
  if (!(options.maxInFlight >= 1)) throw new Error(`maxInFlight ${options.maxInFlight} must be at least 1`);
}

export function startLoad<State>(options: LoadOptions<State>): LoadRun {
  validate(options);
  const random = seededRandom(options.seed ?? Date.now());
  const timeoutMs = options.requestTimeoutMs ?? 10_000;
  const thinkScale = options.thinkTimeScale ?? 1;
  const tallies = new Map<string, JourneyTally<State>>(
    options.journeys.map((journey) => [
      journey.name,
      { journey, iterations: 0, failedIterations: 0, requests: 0, errors: 0, latencies: new LatencyReservoir(random) },
    ]),
  );
  const window = new RateWindow();
  const startedAt = performance.now();
  const maxIterations = Math.ceil((options.ratePerSecond * options.durationMs) / 1000);
  const inFlight = new Set<Promise<void>>();
  let started = 0;
  let dropped = 0;
  let requests = 0;
  let errors = 0;
  let stopped = false;
  let resolveStopped: () => void = () => {};
  const stoppedSignal = new Promise<void>((resolve) => {
    resolveStopped = resolve;
  });

  async function iterate(tally: JourneyTally<State>): Promise<void> {
    const journey = tally.journey;
    let state = journey.initialState(random);
    let failed = false;
    for (const step of journey.steps) {
      const outcome = await runStep(options.baseUrl, step, state, options.runId, timeoutMs);
      tally.requests++;
      requests++;
      tally.latencies.add(outcome.latencyMs);
      window.record(Date.now(), !outcome.ok);
      if (!outcome.ok) {
        tally.errors++;
        errors++;
        failed = true;
        break; // later steps depend on what this one should have returned
      }
      state = outcome.state;
      const think = (step.thinkMs ?? 0) * thinkScale;
      if (think > 0 && !stopped) await Promise.race([delay(think), stoppedSignal]);
    }
    tally.iterations++;
    if (failed) tally.failedIterations++;
  }

  function arrive(): void {
    if (inFlight.size >= options.maxInFlight) {
      dropped++;
      return;
    }
    const tally = tallies.get(pickJourney(options.journeys, random).name)!;
    started++;
    const running = iterate(tally).finally(() => inFlight.delete(running));
    inFlight.add(running);
  }

  // Arrivals are scheduled against the start time, not chained on responses: slow responses never delay them.
  const intervalMs = 1000 / options.ratePerSecond;
  let scheduled = 0;
  const tick = setInterval(
    () => {
      const due = Math.min(maxIterations, Math.floor((performance.now() - startedAt) / intervalMs) + 1);
      while (scheduled < due && !stopped) {
        scheduled++;
        arrive();
      }
      if (scheduled >= maxIterations || performance.now() - startedAt >= options.durationMs) stop();
    },
    Math.max(5, Math.min(50, intervalMs)),
  );

  function stop(): void {
    if (stopped) return;
    stopped = true;
    clearInterval(tick);
    resolveStopped();
  }

  const done = (async (): Promise<LoadReport> => {
    await stoppedSignal;
    await Promise.allSettled([...inFlight]);
    const journeys = [...tallies.values()].map(journeyReport);
    return {
      runId: options.runId,
      durationMs: Math.round(performance.now() - startedAt),
      started,
      dropped,
      requests,
      errors,
      journeys,
      passed: journeys.every((journey) => journey.breaches.length === 0),
    };
  })();

  return {
    progress: () => ({
      elapsedMs: performance.now() - startedAt,
      requests,
      errors,
      dropped,
      inFlight: inFlight.size,
      ...window.read(Date.now()),
    }),
    stop,
    done,
  };
}

function journeyReport<State>(tally: JourneyTally<State>): JourneyReport {
  const { thresholds } = tally.journey;
  const errorRate = tally.requests === 0 ? 0 : tally.errors / tally.requests;
  const p95Ms = tally.latencies.quantile(0.95);
  const breaches: string[] = [];
  if (p95Ms > thresholds.p95Ms) breaches.push(`p95 ${p95Ms.toFixed(0)} ms > ${thresholds.p95Ms} ms`);
  if (errorRate > thresholds.maxErrorRate) {
    breaches.push(`error rate ${(errorRate * 100).toFixed(1)}% > ${(thresholds.maxErrorRate * 100).toFixed(1)}%`);
  }
  return {
    name: tally.journey.name,
    iterations: tally.iterations,
    failedIterations: tally.failedIterations,
    requests: tally.requests,
    errors: tally.errors,
    errorRate,
    p50Ms: tally.latencies.quantile(0.5),
    p95Ms,
    maxMs: tally.latencies.max(),
    thresholds,
    breaches,
  };
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

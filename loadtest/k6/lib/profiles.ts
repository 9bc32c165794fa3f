// The five load profiles as k6 options: one arrival-rate scenario per shared journey (open model: iterations start
// on schedule whatever the latency, so a slow system sees the queue grow instead of the load shrink), the journey's
// share of the traffic from its weight, per-endpoint thresholds that fail the run, and a testid tag on every sample.
import type { Options, Scenario, Stage } from 'k6/options';
import type { Journey } from '../../src/journey-types.ts';
import { k6Thresholds } from './thresholds.ts';

export type ProfileName = 'smoke' | 'load' | 'stress' | 'spike' | 'soak';

/** Journey iterations started per second over all journeys, by stage. */
interface RateStage {
  perSecond: number;
  duration: string;
}

interface Profile {
  description: string;
  /** One stage: constant-arrival-rate; more: ramping-arrival-rate from `startPerSecond`. */
  stages: RateStage[];
  startPerSecond?: number;
  /** VUs per journey iteration per second the arrival rate may need (iterations last a few seconds). */
  vusPerIteration: number;
}

const stages = (...list: [perSecond: number, duration: string][]): RateStage[] =>
  list.map(([perSecond, duration]) => ({ perSecond, duration }));

export const profiles: Record<ProfileName, Profile> = {
  smoke: {
    description: 'Every journey works end to end, at a trickle; fails on any threshold.',
    stages: stages([1, '1m']),
    vusPerIteration: 3,
  },
  load: {
    description: 'Expected peak traffic: ramp up, hold, ramp down.',
    startPerSecond: 0,
    stages: stages([20, '2m'], [20, '10m'], [0, '1m']),
    vusPerIteration: 4,
  },
  stress: {
    description: 'Steps beyond the expected peak to find where latency and errors break the thresholds.',
    startPerSecond: 10,
    stages: stages([40, '3m'], [40, '3m'], [80, '3m'], [80, '3m'], [120, '3m'], [120, '3m'], [0, '2m']),
    vusPerIteration: 5,
  },
  spike: {
    description: 'A sudden 20x burst and the recovery after it.',
    startPerSecond: 5,
    stages: stages([5, '2m'], [100, '10s'], [100, '1m'], [5, '10s'], [5, '3m']),
    vusPerIteration: 5,
  },
  soak: {
    description: 'Moderate traffic for hours: leaks, slow growth, rotation and retention effects.',
    stages: stages([15, '2h']),
    vusPerIteration: 4,
  },
};

/** Environment the scripts read (k6 `__ENV`); every value is optional. */
export interface ProfileEnv {
  /** Run id: the `testid` tag on every sample and `lab.run_id` in the baggage of every request. */
  LAB_RUN_ID?: string;
  /** Multiplies every arrival rate (e.g. 0.1 for a small cluster). */
  LAB_RATE_SCALE?: string;
  /** Replaces the duration of every stage of the profile (e.g. `30s` for a quick try of the soak shape). */
  LAB_STAGE_DURATION?: string;
  [name: string]: string | undefined;
}

const SCENARIO_NAME = /^[A-Za-z0-9_-]+$/;
/** Rates are per minute so that small shares of small totals stay whole numbers. */
const TIME_UNIT = '1m';

function positiveNumber(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed <= 0) throw new Error(`${name} must be a positive number, got "${value}"`);
  return parsed;
}

/** A journey's iterations per minute at `perSecond` total; at least 1 while the total is above 0. */
function perMinute(perSecond: number, share: number): number {
  return perSecond === 0 ? 0 : Math.max(1, Math.round(perSecond * 60 * share));
}

function scenarioFor<State>(profile: Profile, journey: Journey<State>, share: number, scale: number, stageDuration?: string): Scenario {
  if (!SCENARIO_NAME.test(journey.name)) throw new Error(`journey name "${journey.name}" is not a valid k6 scenario name`);
  const peak = Math.max(profile.startPerSecond ?? 0, ...profile.stages.map((stage) => stage.perSecond)) * scale;
  const preAllocatedVUs = Math.max(1, Math.ceil(peak * share * profile.vusPerIteration));
  const common = {
    exec: 'journey',
    tags: { journey: journey.name },
    timeUnit: TIME_UNIT,
    preAllocatedVUs,
    maxVUs: preAllocatedVUs * 4,
    gracefulStop: '30s',
  };
  const [only] = profile.stages;
  if (profile.stages.length === 1 && only && profile.startPerSecond === undefined) {
    return {
      ...common,
      executor: 'constant-arrival-rate',
      rate: perMinute(only.perSecond * scale, share),
      duration: stageDuration ?? only.duration,
    };
  }
  const stages: Stage[] = profile.stages.map((stage) => ({
    target: perMinute(stage.perSecond * scale, share),
    duration: stageDuration ?? stage.duration,
  }));
  return {
    ...common,
    executor: 'ramping-arrival-rate',
    startRate: perMinute((profile.startPerSecond ?? 0) * scale, share),
    stages,
  };
}

/** The run id every VU agrees on: from the environment, else derived once from the profile and start time. */
export function runIdFor(name: ProfileName, env: ProfileEnv, now: () => number = Date.now): string {
  const runId = env.LAB_RUN_ID ?? `k6-${name}-${new Date(now()).toISOString().replace(/[-:]/g, '').slice(0, 15)}`;
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(runId)) throw new Error(`LAB_RUN_ID must be 1-64 of [A-Za-z0-9._-], got "${runId}"`);
  return runId;
}

export function profileOptions<State>(name: ProfileName, journeys: readonly Journey<State>[], env: ProfileEnv = {}): Options {
  const profile = profiles[name];
  const scale = positiveNumber('LAB_RATE_SCALE', env.LAB_RATE_SCALE, 1);
  const totalWeight = journeys.reduce((sum, journey) => sum + journey.weight, 0);
  const scenarios: Record<string, Scenario> = {};
  for (const journey of journeys) {
    scenarios[journey.name] = scenarioFor(profile, journey, journey.weight / totalWeight, scale, env.LAB_STAGE_DURATION);
  }
  return {
    scenarios,
    thresholds: k6Thresholds(journeys),
    tags: { testid: runIdFor(name, env), profile: name },
    // No `url` (one series per product id) and no `vu`/`iter`: the endpoint tag groups URLs for the remote write.
    systemTags: ['status', 'method', 'name', 'group', 'check', 'error', 'error_code', 'scenario', 'expected_response'],
    summaryTrendStats: ['avg', 'p(50)', 'p(95)', 'p(99)', 'max'],
  };
}

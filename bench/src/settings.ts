// Durations and repetitions of a full run and of the quick run CI does so the bench never rots.

export interface BenchSettings {
  mode: 'full' | 'quick';
  rounds: number;
  connections: number;
  warmupSec: number;
  saturationSec: number;
  fixedRateSec: number;
  /** Time after the first listening socket before the startup peak RSS is read (agents finish starting async). */
  settleMs: number;
  outage: { durationSec: number; windowSec: number; answerAfterSec: number };
  logLines: number;
  profileSec: number;
  /** Profiling pauses: profile window (= upload interval), phase length (>= 3 windows: the first is left out), rounds. */
  pauses: { windowSec: number; durationSec: number; rounds: number };
}

export const FULL: BenchSettings = {
  mode: 'full',
  rounds: 5,
  connections: 32,
  warmupSec: 3,
  saturationSec: 10,
  fixedRateSec: 10,
  settleMs: 1000,
  outage: { durationSec: 60, windowSec: 5, answerAfterSec: 10 },
  logLines: 200_000,
  profileSec: 10,
  pauses: { windowSec: 15, durationSec: 47, rounds: 2 },
};

export const QUICK: BenchSettings = {
  mode: 'quick',
  rounds: 1,
  connections: 16,
  warmupSec: 1,
  saturationSec: 1,
  fixedRateSec: 1,
  settleMs: 200,
  outage: { durationSec: 3, windowSec: 1.5, answerAfterSec: 1.5 },
  logLines: 10_000,
  profileSec: 0,
  pauses: { windowSec: 1, durationSec: 3.5, rounds: 1 },
};

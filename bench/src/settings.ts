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
};

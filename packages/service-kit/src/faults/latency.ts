// Turns a latency setting into the milliseconds added to one request.
import type { Latency } from './spec.ts';

/** z-score of the 99th percentile of the standard normal distribution. */
const Z_99 = 2.3263;
const MAX_SAMPLE_MS = 60_000;

export function sampleLatencyMs(latency: Latency, random: () => number): number {
  if (typeof latency === 'number') return latency;
  if ('min' in latency) return latency.min + random() * (latency.max - latency.min);
  return sampleLogNormal(latency.p50, latency.p99, random);
}

/** Log-normal with the given median and 99th percentile: a long tail like real network and disk latency. */
function sampleLogNormal(p50: number, p99: number, random: () => number): number {
  if (p50 === 0) return 0;
  const sigma = Math.log(p99 / p50) / Z_99;
  return Math.min(MAX_SAMPLE_MS, p50 * Math.exp(sigma * standardNormal(random)));
}

/** Box-Muller transform. */
function standardNormal(random: () => number): number {
  const u = 1 - random();
  const v = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

// Turns raw samples into the report's rows (ratios and deltas against the uninstrumented app, paired by round) and
// checks them against the targets of issues 8 and 16.
import { pairedDelta, pairedRatio, type Spread, spread } from './stats.ts';
import type { CheckoutResult } from './suites/checkout.ts';
import type { HelloResult, HelloSample } from './suites/hello.ts';
import type { LogCostResult } from './suites/log-cost.ts';
import type { OutageResult } from './suites/outage.ts';
import type { PauseResult } from './suites/pauses.ts';
import { LAB, LAB_PROFILING, UNINSTRUMENTED, type Variant } from './variants.ts';

export interface VariantRow {
  variant: string;
  label: string;
  saturationRps: Spread;
  throughputRatio: Spread;
  p50Ratio: Spread;
  p99Ratio: Spread;
  p99Ms: Spread;
  startupMs: Spread;
  startupDeltaMs: Spread;
  startupRssDeltaMiB: Spread;
  loadRssDeltaMiB: Spread;
  /** Server CPU per request at saturation, microseconds. */
  cpuMicrosPerRequest: Spread;
  /** Server CPU per request against the uninstrumented app's: 1/x is the throughput ratio on an otherwise idle core. */
  cpuCostRatio: Spread;
  /** Share of the server's CPU taken by other processes during saturation: the noise level. */
  foreignShare: Spread;
  /** Event-loop delay during the fixed-rate phase (ms). */
  loopMaxMs: Spread;
  loopP999Ms: Spread;
}

export interface Check {
  name: string;
  target: string;
  measured: string;
  pass: boolean;
}

const cpuPerRequest = (s: HelloSample) => (1e6 * s.saturationServerCores) / s.saturationRps;

export function helloRows(hello: HelloResult, variants: readonly Variant[]): VariantRow[] {
  const base = hello.samples[UNINSTRUMENTED];
  if (!base) throw new Error('the uninstrumented variant is needed as the baseline');
  const series = (id: string, pick: (s: HelloSample) => number) => hello.samples[id]!.map(pick);
  return variants.map((variant) => {
    const id = variant.id;
    return {
      variant: id,
      label: variant.label,
      saturationRps: spread(series(id, (s) => s.saturationRps)),
      throughputRatio: pairedRatio(series(id, (s) => s.saturationRps), series(UNINSTRUMENTED, (s) => s.saturationRps)),
      p50Ratio: pairedRatio(series(id, (s) => s.fixedP50Ms), series(UNINSTRUMENTED, (s) => s.fixedP50Ms)),
      p99Ratio: pairedRatio(series(id, (s) => s.fixedP99Ms), series(UNINSTRUMENTED, (s) => s.fixedP99Ms)),
      p99Ms: spread(series(id, (s) => s.fixedP99Ms)),
      startupMs: spread(series(id, (s) => s.startupMs)),
      startupDeltaMs: pairedDelta(series(id, (s) => s.startupMs), series(UNINSTRUMENTED, (s) => s.startupMs)),
      startupRssDeltaMiB: pairedDelta(series(id, (s) => s.startupRssMiB), series(UNINSTRUMENTED, (s) => s.startupRssMiB)),
      loadRssDeltaMiB: pairedDelta(series(id, (s) => s.loadRssMiB), series(UNINSTRUMENTED, (s) => s.loadRssMiB)),
      cpuMicrosPerRequest: spread(series(id, cpuPerRequest)),
      cpuCostRatio: pairedRatio(series(id, cpuPerRequest), series(UNINSTRUMENTED, cpuPerRequest)),
      foreignShare: spread(series(id, (s) => s.saturationForeignShare)),
      loopMaxMs: spread(series(id, (s) => s.fixedLoopMaxMs)),
      loopP999Ms: spread(series(id, (s) => s.fixedLoopP999Ms)),
    };
  });
}

const fmt = (value: number, digits = 2) => value.toFixed(digits);
const signed = (value: number, digits: number) => `${value >= 0 ? '+' : ''}${value.toFixed(digits)}`;

export interface Measured {
  rows: VariantRow[];
  hello: HelloResult;
  logCost?: LogCostResult;
  outage?: OutageResult;
  checkout?: CheckoutResult;
  catalog?: HelloResult;
  catalogRows?: VariantRow[];
  pauses?: PauseResult[];
}

export function checks({ rows, hello, logCost, outage, checkout, catalog, catalogRows, pauses }: Measured): Check[] {
  const row = (id: string) => rows.find((r) => r.variant === id);
  const lab = row(LAB);
  if (!lab) return [];
  const result: Check[] = [
    { name: 'hello throughput', target: '>= 0.75x', measured: `${fmt(lab.throughputRatio.median)}x`, pass: lab.throughputRatio.median >= 0.75 },
    {
      name: 'hello server CPU per request (robust to other load on the machine; 1/x = throughput ratio on an idle core)',
      target: '<= 1.33x',
      measured: `${fmt(lab.cpuCostRatio.median)}x`,
      pass: lab.cpuCostRatio.median <= 1 / 0.75,
    },
    { name: 'startup', target: '<= +100 ms', measured: `${signed(lab.startupDeltaMs.median, 0)} ms`, pass: lab.startupDeltaMs.median <= 100 },
    { name: 'peak RSS at startup', target: '<= +25 MiB', measured: `${signed(lab.startupRssDeltaMiB.median, 1)} MiB`, pass: lab.startupRssDeltaMiB.median <= 25 },
  ];
  if (checkout) {
    const ratio = checkoutRatio(checkout);
    result.push({ name: 'checkout throughput, traced vs disabled', target: '>= 0.9x', measured: `${fmt(ratio.median)}x`, pass: ratio.median >= 0.9 });
  }
  if (logCost) {
    const ratio = pairedRatio(logCost.nsPerLine.lab, logCost.nsPerLine.bare);
    result.push({ name: 'log line with trace fields vs bare pino', target: '<= 1.2x', measured: `${fmt(ratio.median)}x`, pass: ratio.median <= 1.2 });
  }
  if (outage) result.push(...outageChecks(outage));
  result.push(...appChecks('hello', rows, hello));
  if (catalog && catalogRows) result.push(...appChecks('catalog', catalogRows, catalog));
  for (const pause of pauses ?? []) result.push(...pauseChecks(pause));
  for (const peer of rows.filter((r) => ![UNINSTRUMENTED, LAB, LAB_PROFILING].includes(r.variant))) {
    const better =
      lab.throughputRatio.median > peer.throughputRatio.median &&
      lab.p99Ratio.median < peer.p99Ratio.median &&
      lab.startupDeltaMs.median < peer.startupDeltaMs.median &&
      lab.startupRssDeltaMiB.median < peer.startupRssDeltaMiB.median;
    result.push({
      name: `beats ${peer.label} in every row (throughput, p99, startup, RSS)`,
      target: 'better in all four',
      measured: `${fmt(lab.throughputRatio.median)}x vs ${fmt(peer.throughputRatio.median)}x, p99 ${fmt(lab.p99Ratio.median)}x vs ${fmt(peer.p99Ratio.median)}x, ${signed(lab.startupDeltaMs.median, 0)} vs ${signed(peer.startupDeltaMs.median, 0)} ms, ${signed(lab.startupRssDeltaMiB.median, 1)} vs ${signed(peer.startupRssDeltaMiB.median, 1)} MiB`,
      pass: better,
    });
  }
  return result;
}

export function checkoutRatio(checkout: CheckoutResult): Spread {
  const rate = (variant: 'traced' | 'disabled') => checkout.samples[variant].map((s) => s.checkoutsPerSec);
  return pairedRatio(rate('traced'), rate('disabled'));
}

/**
 * Flat means: the median window p99 within 1.5x of the run with the backend answering, and RSS growing no more than
 * 25 MiB beyond that run's own growth (heap warm-up) from the first window to the last.
 */
function outageChecks(outage: OutageResult): Check[] {
  const reference = outage.runs.find((r) => r.scenario === 'answering');
  if (!reference) return [];
  const medianP99 = (run: OutageResult['runs'][number]) => spread(run.windows.map((w) => w.p99Ms)).median;
  const growth = (run: OutageResult['runs'][number]) => run.windows.at(-1)!.rssMiB - run.windows[0]!.rssMiB;
  return outage.runs
    .filter((run) => run !== reference)
    .map((run) => {
      const p99Ratio = medianP99(run) / medianP99(reference);
      const extraGrowth = growth(run) - growth(reference);
      return {
        name: `outage (${run.scenario}) vs backend answering: median window p99, RSS growth beyond the reference's`,
        target: '<= 1.5x, <= +25 MiB',
        measured: `${fmt(p99Ratio)}x, ${signed(extraGrowth, 1)} MiB`,
        pass: p99Ratio <= 1.5 && extraGrowth <= 25,
      };
    });
}

/** Issue 16's targets, the same for every bench app. */
function appChecks(app: string, rows: VariantRow[], result: HelloResult): Check[] {
  const lab = rows.find((r) => r.variant === LAB);
  if (!lab) return [];
  const checked: Check[] = [
    { name: `${app} throughput at 100% sampling`, target: '>= 0.85x', measured: `${fmt(lab.throughputRatio.median)}x`, pass: lab.throughputRatio.median >= 0.85 },
    { name: `${app} p99 at the fixed rate`, target: '<= 1.5x', measured: `${fmt(lab.p99Ratio.median)}x`, pass: lab.p99Ratio.median <= 1.5 },
    {
      name: `${app} peak RSS under saturation`,
      target: '<= +60 MiB',
      measured: `${signed(lab.loadRssDeltaMiB.median, 1)} MiB`,
      pass: lab.loadRssDeltaMiB.median <= 60,
    },
  ];
  const profiled = rows.find((r) => r.variant === LAB_PROFILING);
  if (profiled) {
    const ratio = (pick: (s: HelloSample) => number) => pairedRatio(result.samples[LAB_PROFILING]!.map(pick), result.samples[LAB]!.map(pick)).median;
    const throughput = ratio((s) => s.saturationRps);
    const p99 = ratio((s) => s.fixedP99Ms);
    checked.push(
      { name: `${app} throughput with profiling vs without`, target: '>= 0.95x', measured: `${fmt(throughput)}x`, pass: throughput >= 0.95 },
      { name: `${app} p99 at the fixed rate with profiling vs without`, target: '<= 1.2x', measured: `${fmt(p99)}x`, pass: p99 <= 1.2 },
      {
        name: `${app} peak RSS under saturation with profiling`,
        target: '<= +60 MiB',
        measured: `${signed(profiled.loadRssDeltaMiB.median, 1)} MiB`,
        pass: profiled.loadRssDeltaMiB.median <= 60,
      },
    );
  }
  return checked;
}

/** The largest event-loop delay with profiling within 10 ms of the same app's without, paired by round. */
function pauseChecks(pause: PauseResult): Check[] {
  const withProfiling = pause.samples[LAB_PROFILING];
  const without = pause.samples[LAB];
  if (!withProfiling || !without) return [];
  const maxDelta = pairedDelta(withProfiling.map((r) => r.maxMs), without.map((r) => r.maxMs)).median;
  const p999Delta = pairedDelta(withProfiling.map((r) => r.p999Ms), without.map((r) => r.p999Ms)).median;
  return [
    {
      name: `${pause.app} event-loop pauses with profiling (max, p99.9 at ${pause.rate} req/s vs without)`,
      target: '<= +10 ms',
      measured: `${signed(maxDelta, 1)} ms, ${signed(p999Delta, 1)} ms`,
      pass: maxDelta <= 10 && p999Delta <= 10,
    },
  ];
}

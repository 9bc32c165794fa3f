// Measures 1 (an app's endpoint: saturation throughput, p50/p99 and event-loop delay at a fixed rate) and 3 (startup,
// peak RSS) in one pass: each round starts every variant once, in the same order (ABCABC...), so all variants see the
// same machine. Run for the hello app and for the catalog app.
import { appUrl, type BenchApp, type Placement, startApp, takeLoopDelay } from '../app-process.ts';
import { runLoad } from '../load.ts';
import { runPaced } from '../paced.ts';
import { cpuBusySeconds, cpuSeconds, peakRssMiB } from '../proc.ts';
import type { BenchSettings } from '../settings.ts';
import { type SinkStats, takeSinkStats } from '../sink.ts';
import { UNINSTRUMENTED, type Variant } from '../variants.ts';

export interface HelloSample {
  startupMs: number;
  startupRssMiB: number;
  saturationRps: number;
  /** CPU cores the server used while saturated: near 1 means the server, not the generator, was the limit. */
  saturationServerCores: number;
  /** Share of the server's CPU that other processes used during saturation (noise from the rest of the machine). */
  saturationForeignShare: number;
  fixedRate: number;
  fixedRps: number;
  fixedP50Ms: number;
  fixedP99Ms: number;
  /** Largest event-loop delay and its 99.9th percentile during the fixed-rate phase (ms). */
  fixedLoopMaxMs: number;
  fixedLoopP999Ms: number;
  /** Peak RSS after warm-up and saturation (bounded concurrency; the fixed-rate phase can queue when overloaded). */
  loadRssMiB: number;
  failures: number;
  exported: SinkStats;
}

export interface HelloResult {
  /** Per round: half the uninstrumented saturation throughput measured at the start of that round. */
  fixedRates: number[];
  /** samples[variantId][round] */
  samples: Record<string, HelloSample[]>;
}

export interface HelloContext {
  app: BenchApp;
  settings: BenchSettings;
  variants: readonly Variant[];
  sinkUrl: string;
  placement: Placement;
  log: (line: string) => void;
}

export async function runHelloSuite(ctx: HelloContext): Promise<HelloResult> {
  const [baseline, ...others] = ctx.variants;
  if (baseline?.id !== UNINSTRUMENTED) throw new Error(`the hello suite needs ${UNINSTRUMENTED} as its first variant`);
  const samples: Record<string, HelloSample[]> = Object.fromEntries(ctx.variants.map((v) => [v.id, []]));
  const fixedRates: number[] = [];
  for (let round = 1; round <= ctx.settings.rounds; round += 1) {
    // The fixed rate follows the baseline of the same round, so that a busier machine in one round does not
    // overload every variant of it.
    const base = await measureVariant(ctx, baseline, (saturationRps) => {
      fixedRates.push(Math.max(100, Math.round(saturationRps / 2)));
      return fixedRates.at(-1)!;
    });
    record(ctx, samples, baseline, base, round);
    for (const variant of others) record(ctx, samples, variant, await measureVariant(ctx, variant, () => fixedRates.at(-1)!), round);
  }
  return { fixedRates, samples };
}

function record(ctx: HelloContext, samples: Record<string, HelloSample[]>, variant: Variant, sample: HelloSample, round: number): void {
  samples[variant.id]!.push(sample);
  ctx.log(
    `${ctx.app.id} round ${round}/${ctx.settings.rounds} ${variant.id}: ${sample.saturationRps.toFixed(0)} req/s, ` +
      `p50 ${sample.fixedP50Ms.toFixed(2)} ms p99 ${sample.fixedP99Ms.toFixed(2)} ms loop max ${sample.fixedLoopMaxMs.toFixed(1)} ms at ${sample.fixedRate} req/s, startup ${sample.startupMs.toFixed(0)} ms, ` +
      `RSS ${sample.startupRssMiB.toFixed(1)}/${sample.loadRssMiB.toFixed(1)} MiB`,
  );
}

/** fixedRateFor receives this variant's saturation throughput and answers the rate for its fixed-rate phase. */
async function measureVariant(ctx: HelloContext, variant: Variant, fixedRateFor: (saturationRps: number) => number): Promise<HelloSample> {
  const { settings } = ctx;
  await takeSinkStats(ctx.sinkUrl); // start the count from zero
  const app = await startApp(variant, ctx.sinkUrl, ctx.placement, { app: ctx.app });
  try {
    await new Promise((resolve) => setTimeout(resolve, settings.settleMs));
    const startupRssMiB = peakRssMiB(app.pid);
    const url = appUrl(app, ctx.app);
    await runLoad({ url, connections: settings.connections, durationSec: settings.warmupSec });
    const cpuBefore = cpuSeconds(app.pid);
    const coreBefore = ctx.placement.serverCpu === undefined ? 0 : cpuBusySeconds(ctx.placement.serverCpu);
    const saturation = await runLoad({ url, connections: settings.connections, durationSec: settings.saturationSec });
    const serverCpuSeconds = cpuSeconds(app.pid) - cpuBefore;
    const saturationServerCores = serverCpuSeconds / settings.saturationSec;
    const coreBusy = ctx.placement.serverCpu === undefined ? serverCpuSeconds : cpuBusySeconds(ctx.placement.serverCpu) - coreBefore;
    const saturationForeignShare = Math.max(0, coreBusy - serverCpuSeconds) / settings.saturationSec;
    const loadRssMiB = peakRssMiB(app.pid);
    const fixedRate = fixedRateFor(saturation.rps);
    await takeLoopDelay(app);
    const fixed = await runPaced({
      host: '127.0.0.1',
      port: app.port,
      path: ctx.app.path,
      rate: fixedRate,
      durationSec: settings.fixedRateSec,
      connections: settings.connections,
    });
    const loop = await takeLoopDelay(app);
    return {
      startupMs: app.startupMs,
      startupRssMiB,
      saturationRps: saturation.rps,
      saturationServerCores,
      saturationForeignShare,
      fixedRate,
      fixedRps: fixed.rps,
      fixedP50Ms: fixed.p50Ms,
      fixedP99Ms: fixed.p99Ms,
      fixedLoopMaxMs: loop.maxMs,
      fixedLoopP999Ms: loop.p999Ms,
      loadRssMiB,
      failures: saturation.failures + fixed.failures,
      exported: await takeSinkStats(ctx.sinkUrl),
    };
  } finally {
    await app.stop();
  }
}

// Measures 1 (hello endpoint: saturation throughput, p50/p99 at a fixed rate) and 3 (startup, peak RSS) in one
// pass: each round starts every variant once, in the same order (ABCABC...), so all variants see the same machine.
import { HELLO_PATH, helloUrl, type Placement, startApp } from '../app-process.ts';
import { runLoad } from '../load.ts';
import { runPaced } from '../paced.ts';
import { cpuSeconds, peakRssMiB } from '../proc.ts';
import type { BenchSettings } from '../settings.ts';
import { type SinkStats, takeSinkStats } from '../sink.ts';
import { UNINSTRUMENTED, type Variant, variantById } from '../variants.ts';

export interface HelloSample {
  startupMs: number;
  startupRssMiB: number;
  saturationRps: number;
  /** CPU cores the server used while saturated: near 1 means the server, not the generator, was the limit. */
  saturationServerCores: number;
  fixedRps: number;
  fixedP50Ms: number;
  fixedP99Ms: number;
  /** Peak RSS after warm-up and saturation (bounded concurrency; the fixed-rate phase can queue when overloaded). */
  loadRssMiB: number;
  failures: number;
  exported: SinkStats;
}

export interface HelloResult {
  /** Half the uninstrumented saturation throughput measured before the rounds. */
  fixedRate: number;
  calibrationRps: number;
  /** samples[variantId][round] */
  samples: Record<string, HelloSample[]>;
}

export interface HelloContext {
  settings: BenchSettings;
  variants: readonly Variant[];
  sinkUrl: string;
  placement: Placement;
  log: (line: string) => void;
}

export async function runHelloSuite(ctx: HelloContext): Promise<HelloResult> {
  const calibrationRps = await calibrate(ctx);
  const fixedRate = Math.max(100, Math.round(calibrationRps / 2));
  ctx.log(`hello: uninstrumented saturation ${calibrationRps.toFixed(0)} req/s, fixed rate ${fixedRate} req/s`);
  const samples: Record<string, HelloSample[]> = Object.fromEntries(ctx.variants.map((v) => [v.id, []]));
  for (let round = 1; round <= ctx.settings.rounds; round += 1) {
    for (const variant of ctx.variants) {
      const sample = await measureVariant(ctx, variant, fixedRate);
      samples[variant.id]!.push(sample);
      ctx.log(
        `hello round ${round}/${ctx.settings.rounds} ${variant.id}: ${sample.saturationRps.toFixed(0)} req/s, ` +
          `p50 ${sample.fixedP50Ms.toFixed(2)} ms p99 ${sample.fixedP99Ms.toFixed(2)} ms, startup ${sample.startupMs.toFixed(0)} ms, ` +
          `RSS ${sample.startupRssMiB.toFixed(1)}/${sample.loadRssMiB.toFixed(1)} MiB`,
      );
    }
  }
  return { fixedRate, calibrationRps, samples };
}

async function calibrate(ctx: HelloContext): Promise<number> {
  const app = await startApp(variantById(UNINSTRUMENTED), ctx.sinkUrl, ctx.placement);
  try {
    const url = helloUrl(app);
    await runLoad({ url, connections: ctx.settings.connections, durationSec: ctx.settings.warmupSec });
    return (await runLoad({ url, connections: ctx.settings.connections, durationSec: ctx.settings.saturationSec })).rps;
  } finally {
    await app.stop();
  }
}

async function measureVariant(ctx: HelloContext, variant: Variant, fixedRate: number): Promise<HelloSample> {
  const { settings } = ctx;
  await takeSinkStats(ctx.sinkUrl); // start the count from zero
  const app = await startApp(variant, ctx.sinkUrl, ctx.placement);
  try {
    await new Promise((resolve) => setTimeout(resolve, settings.settleMs));
    const startupRssMiB = peakRssMiB(app.pid);
    const url = helloUrl(app);
    await runLoad({ url, connections: settings.connections, durationSec: settings.warmupSec });
    const cpuBefore = cpuSeconds(app.pid);
    const saturation = await runLoad({ url, connections: settings.connections, durationSec: settings.saturationSec });
    const saturationServerCores = (cpuSeconds(app.pid) - cpuBefore) / settings.saturationSec;
    const loadRssMiB = peakRssMiB(app.pid);
    const fixed = await runPaced({
      host: '127.0.0.1',
      port: app.port,
      path: HELLO_PATH,
      rate: fixedRate,
      durationSec: settings.fixedRateSec,
      connections: settings.connections,
    });
    return {
      startupMs: app.startupMs,
      startupRssMiB,
      saturationRps: saturation.rps,
      saturationServerCores,
      fixedRps: fixed.rps,
      fixedP50Ms: fixed.p50Ms,
      fixedP99Ms: fixed.p99Ms,
      loadRssMiB,
      failures: saturation.failures + fixed.failures,
      exported: await takeSinkStats(ctx.sinkUrl),
    };
  } finally {
    await app.stop();
  }
}

// Event-loop pauses caused by profiling (issue 16): an app under @lab/telemetry with and without profiling, at a
// moderate fixed rate (40% of the uninstrumented saturation measured by that app's own suite) over several profile
// windows, the variants alternating round by round. The app reports its event-loop delay (max and p99.9) per profile
// window and over the whole phase; the first window (startup, JIT warm-up) is left out. Each window also names its
// longest garbage collection and the profile collection's longest synchronous steps, to tell where a pause went.
import { type BenchApp, type LoopDelay, type LoopWindow, loopWindows, type Placement, startApp, takeLoopDelay } from '../app-process.ts';
import type { BenchChild } from '../child.ts';
import { runPaced } from '../paced.ts';
import type { BenchSettings } from '../settings.ts';
import type { Variant } from '../variants.ts';

export interface PauseRun extends LoopDelay {
  /** One report per profile window after the first. */
  windows: LoopWindow[];
  p99Ms: number;
  failures: number;
}

export interface PauseResult {
  app: string;
  rate: number;
  windowSec: number;
  durationSec: number;
  /** samples[variantId][round] */
  samples: Record<string, PauseRun[]>;
}

export interface PauseContext {
  settings: BenchSettings;
  app: BenchApp;
  /** Requests per second of the phase. */
  rate: number;
  variants: readonly Variant[];
  sinkUrl: string;
  placement: Placement;
  log: (line: string) => void;
}

export async function runPauseSuite(ctx: PauseContext): Promise<PauseResult> {
  const { windowSec, durationSec, rounds } = ctx.settings.pauses;
  const samples: Record<string, PauseRun[]> = Object.fromEntries(ctx.variants.map((v) => [v.id, []]));
  for (let round = 1; round <= rounds; round += 1) {
    for (const variant of ctx.variants) {
      const run = await measure(ctx, variant);
      samples[variant.id]!.push(run);
      ctx.log(
        `pauses ${ctx.app.id} round ${round}/${rounds} ${variant.id} at ${ctx.rate} req/s: loop max ${run.maxMs.toFixed(1)} ms, p99.9 ${run.p999Ms.toFixed(1)} ms, ` +
          `per window ${run.windows.map((w) => w.maxMs.toFixed(1)).join(' ')} ms`,
      );
    }
  }
  return { app: ctx.app.id, rate: ctx.rate, windowSec, durationSec, samples };
}

async function measure(ctx: PauseContext, variant: Variant): Promise<PauseRun> {
  const { windowSec, durationSec } = ctx.settings.pauses;
  const windowMs = Math.round(windowSec * 1000);
  const child = await startApp(variant, ctx.sinkUrl, ctx.placement, {
    app: ctx.app,
    // Profile windows and delay windows have the same length and both start with the process, so each delay window
    // holds exactly one profile collection, near its end.
    extraEnv: { BENCH_LOOP_WINDOW_MS: String(windowMs), PYROSCOPE_UPLOAD_INTERVAL: String(windowMs) },
  });
  try {
    const load = runPaced({ host: '127.0.0.1', port: child.port, path: ctx.app.path, rate: ctx.rate, durationSec, connections: ctx.settings.connections });
    const from = await afterFirstWindow(child, windowMs);
    const result = await load;
    const run = await takeLoopDelay(child);
    return { ...run, windows: loopWindows(child, from), p99Ms: result.p99Ms, failures: result.failures };
  } finally {
    await child.stop();
  }
}

/** Waits for the first window's report, then starts the whole-phase measure; answers where the later reports begin. */
async function afterFirstWindow(child: BenchChild, windowMs: number): Promise<number> {
  const deadline = Date.now() + 2 * windowMs + 5000;
  while (loopWindows(child, 0).length === 0) {
    if (Date.now() > deadline) throw new Error(`no event-loop window report within ${2 * windowMs + 5000} ms\n${child.stderrTail()}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const from = child.messages.length;
  await takeLoopDelay(child);
  return from;
}

// Measure 5: the backend goes away. The @lab/telemetry app runs at a fixed rate for the whole period while its OTLP
// endpoint (a) answers (reference), (b) refuses every connection, (c) refuses and then answers after a delay. Latency
// per window and RSS must stay flat: exports fail or queue in bounded memory, never in the request path.
import { HELLO, type Placement, startApp } from '../app-process.ts';
import type { BenchChild } from '../child.ts';
import { runPaced } from '../paced.ts';
import { rssMiB } from '../proc.ts';
import type { BenchSettings } from '../settings.ts';
import { freePort } from '@lab/dev-kit/ports';
import { type SinkProcess, startLateSink, startSink } from '../sink-process.ts';
import { LAB, variantById } from '../variants.ts';

const CONNECTIONS = 8;
export const OUTAGE_SCENARIOS = ['answering', 'refusing', 'answering-late'] as const;
export type OutageScenario = (typeof OUTAGE_SCENARIOS)[number];

export interface OutageWindow {
  endSec: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  rssMiB: number;
  /** V8 heap in use and memory outside it (Buffers of encoded exports), from the app's /metrics after the window. */
  heapUsedMiB: number;
  externalMiB: number;
  failures: number;
}

export interface OutageRun {
  scenario: OutageScenario;
  windows: OutageWindow[];
  /** The library's own counters at the end (lab_telemetry_* lines of /metrics): proof the outage was noticed. */
  telemetryCounters: string[];
}

export interface OutageResult {
  rate: number;
  durationSec: number;
  answerAfterSec: number;
  runs: OutageRun[];
}

export async function runOutageSuite(
  settings: BenchSettings,
  rate: number,
  placement: Placement & { generatorCpu: number | undefined },
  log: (line: string) => void,
): Promise<OutageResult> {
  const { durationSec, windowSec, answerAfterSec } = settings.outage;
  const runs: OutageRun[] = [];
  for (const scenario of OUTAGE_SCENARIOS) {
    // The late sink's clock starts now; the warm-up runs first, so it answers answerAfterSec into the measurement.
    const sink = await sinkFor(scenario, placement.generatorCpu, (settings.warmupSec + answerAfterSec) * 1000);
    const app = await startApp(variantById(LAB), sink.url, placement);
    try {
      await runPaced({ host: '127.0.0.1', port: app.port, path: HELLO.path, rate, durationSec: settings.warmupSec, connections: CONNECTIONS });
      const windows = await measureWindows(app, rate, durationSec, windowSec);
      runs.push({ scenario, windows, telemetryCounters: await telemetryCounters(app) });
      log(`outage ${scenario}: p99 per window ${windows.map((w) => w.p99Ms.toFixed(1)).join(' ')} ms; RSS ${windows[0]!.rssMiB.toFixed(0)} -> ${windows.at(-1)!.rssMiB.toFixed(0)} MiB`);
    } finally {
      await app.stop();
      await sink.child?.stop();
    }
  }
  return { rate, durationSec, answerAfterSec, runs };
}

async function sinkFor(scenario: OutageScenario, cpu: number | undefined, delayMs: number): Promise<{ url: string; child?: SinkProcess['child'] }> {
  if (scenario === 'answering') return startSink(cpu);
  if (scenario === 'answering-late') return startLateSink(cpu, delayMs);
  return { url: `http://127.0.0.1:${await freePort()}` };
}

async function measureWindows(app: BenchChild, rate: number, durationSec: number, windowSec: number): Promise<OutageWindow[]> {
  const windows: OutageWindow[] = [];
  for (let end = windowSec; end <= durationSec; end += windowSec) {
    const load = await runPaced({ host: '127.0.0.1', port: app.port, path: HELLO.path, rate, durationSec: windowSec, connections: CONNECTIONS });
    const rss = rssMiB(app.pid);
    const metrics = await metricsText(app);
    windows.push({
      endSec: end,
      rps: load.rps,
      p50Ms: load.p50Ms,
      p99Ms: load.p99Ms,
      rssMiB: rss,
      heapUsedMiB: gaugeMiB(metrics, 'nodejs_heap_size_used_bytes'),
      externalMiB: gaugeMiB(metrics, 'nodejs_external_memory_bytes'),
      failures: load.failures,
    });
  }
  return windows;
}

async function metricsText(app: BenchChild): Promise<string> {
  return (await fetch(`http://127.0.0.1:${app.port}/metrics`)).text();
}

function gaugeMiB(metrics: string, name: string): number {
  const value = new RegExp(`^${name} (\\S+)`, 'm').exec(metrics)?.[1];
  if (value === undefined) throw new Error(`${name} missing from the app's /metrics`);
  return Number(value) / 2 ** 20;
}

async function telemetryCounters(app: BenchChild): Promise<string[]> {
  return (await metricsText(app)).split('\n').filter((line) => line.startsWith('lab_telemetry_'));
}

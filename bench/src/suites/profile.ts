// Where a target is missed: CPU profiles (node --cpu-prof) of @lab/telemetry doing the missed work and of the same
// work without it, compared per unit of work, so the report names what the library adds and where.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { performance } from 'node:perf_hooks';
import { join } from 'node:path';
import { appUrl, type BenchApp, type Placement, startApp } from '../app-process.ts';
import { compareProfiles, type ProfileComparison, readSelfTime, type SelfTime } from '@lab/dev-kit/cpu-profile';
import { runLoad } from '../load.ts';
import type { BenchSettings } from '../settings.ts';
import { fromSources, LAB, UNINSTRUMENTED, variantById } from '../variants.ts';
import { type LogKind, measureLogCost } from './log-cost.ts';

export interface ProfileResult extends ProfileComparison {
  /** What was profiled, as the report names it. */
  subject: string;
  /** What it is compared with, and the unit of work. */
  baseline: string;
  unit: string;
}

interface ProfiledWork {
  /** Units of work done in the measured part. */
  units: number;
  /** Where the measured part began, milliseconds from the start of the process: startup and warm-up are skipped. */
  skipMs: number;
}

/** Runs work with the --cpu-prof flags it must pass to node; returns the self times of its measured part. */
async function withCpuProfile(work: (nodeArgs: string[]) => Promise<ProfiledWork>): Promise<{ self: SelfTime; units: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-cpuprof-'));
  try {
    const { units, skipMs } = await work(['--cpu-prof', `--cpu-prof-dir=${dir}`]);
    const file = readdirSync(dir).find((name) => name.endsWith('.cpuprofile'));
    if (!file) throw new Error('no .cpuprofile written (did the process exit through process.exit?)');
    return { self: readSelfTime(join(dir, file), skipMs), units };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function profileAppUnderLoad(app: BenchApp, settings: BenchSettings, sinkUrl: string, placement: Placement): Promise<ProfileResult> {
  const requestsServed = (variantId: string) =>
    withCpuProfile(async (nodeArgs) => {
      const child = await startApp(fromSources(variantById(variantId)), sinkUrl, placement, { app, extraNodeArgs: nodeArgs });
      try {
        const url = appUrl(child, app);
        await runLoad({ url, connections: settings.connections, durationSec: settings.warmupSec });
        const skipMs = performance.now() - child.spawnedAt;
        const load = await runLoad({ url, connections: settings.connections, durationSec: settings.profileSec });
        return { units: load.rps * settings.profileSec, skipMs };
      } finally {
        await child.stop(15_000);
      }
    });
  const lab = await requestsServed(LAB);
  const none = await requestsServed(UNINSTRUMENTED);
  return {
    subject: `the @lab/telemetry ${app.id} app saturated for ${settings.profileSec} s`,
    baseline: 'the uninstrumented app under the same load',
    unit: 'request',
    ...compareProfiles(lab.self, lab.units, none.self, none.units),
  };
}

export async function profileLogLines(settings: BenchSettings, placement: Placement): Promise<ProfileResult> {
  const lines = (kind: LogKind) =>
    withCpuProfile(async (nodeArgs) => {
      const { timedFromMs } = await measureLogCost(kind, settings.logLines, placement, nodeArgs);
      return { units: settings.logLines, skipMs: timedFromMs };
    });
  const lab = await lines('lab');
  const bare = await lines('bare');
  return {
    subject: `${settings.logLines} lines of the @lab/telemetry logger inside a span`,
    baseline: 'bare pino writing the same lines',
    unit: 'line',
    ...compareProfiles(lab.self, lab.units, bare.self, bare.units),
  };
}

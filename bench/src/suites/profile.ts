// Where a target is missed: CPU profiles (node --cpu-prof) of @lab/telemetry doing the missed work and of the same
// work without it, compared per unit of work, so the report names what the library adds and where.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { helloUrl, type Placement, startApp } from '../app-process.ts';
import { compareProfiles, type ProfileComparison, readSelfTime, type SelfTime } from '../cpu-profile.ts';
import { runLoad } from '../load.ts';
import type { BenchSettings } from '../settings.ts';
import { LAB, UNINSTRUMENTED, variantById } from '../variants.ts';
import { type LogKind, measureLogCost } from './log-cost.ts';

export interface ProfileResult extends ProfileComparison {
  /** What was profiled, as the report names it. */
  subject: string;
  /** What it is compared with, and the unit of work. */
  baseline: string;
  unit: string;
}

/** Runs work with the --cpu-prof flags it must pass to node; returns the self times and the units of work done. */
async function withCpuProfile(work: (nodeArgs: string[]) => Promise<number>): Promise<{ self: SelfTime; units: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-cpuprof-'));
  try {
    const units = await work(['--cpu-prof', `--cpu-prof-dir=${dir}`]);
    const file = readdirSync(dir).find((name) => name.endsWith('.cpuprofile'));
    if (!file) throw new Error('no .cpuprofile written (did the process exit through process.exit?)');
    return { self: readSelfTime(join(dir, file)), units };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function profileHelloUnderLoad(settings: BenchSettings, sinkUrl: string, placement: Placement): Promise<ProfileResult> {
  const requestsServed = (variantId: string) =>
    withCpuProfile(async (nodeArgs) => {
      const app = await startApp(variantById(variantId), sinkUrl, placement, nodeArgs);
      try {
        const load = await runLoad({ url: helloUrl(app), connections: settings.connections, durationSec: settings.profileSec });
        return load.rps * settings.profileSec;
      } finally {
        await app.stop(15_000);
      }
    });
  const lab = await requestsServed(LAB);
  const none = await requestsServed(UNINSTRUMENTED);
  return {
    subject: `the @lab/telemetry hello app saturated for ${settings.profileSec} s`,
    baseline: 'the uninstrumented app under the same load',
    unit: 'request',
    ...compareProfiles(lab.self, lab.units, none.self, none.units),
  };
}

export async function profileLogLines(settings: BenchSettings, placement: Placement): Promise<ProfileResult> {
  // Each process writes a warm-up batch and then the timed lines.
  const lines = (kind: LogKind) =>
    withCpuProfile(async (nodeArgs) => {
      await measureLogCost(kind, settings.logLines, placement, nodeArgs);
      return settings.logLines;
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

// Where a target is missed: a CPU profile of the @lab/telemetry variant while saturated, summarised by function and
// by area, so the report can name what eats the time.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { helloUrl, type Placement, startApp } from '../app-process.ts';
import { type ProfileSummary, summarizeProfile } from '../cpu-profile.ts';
import { runLoad } from '../load.ts';
import type { BenchSettings } from '../settings.ts';
import { variantById } from '../variants.ts';

export interface ProfileResult extends ProfileSummary {
  variant: string;
  loadSec: number;
}

export async function profileUnderLoad(variantId: string, settings: BenchSettings, sinkUrl: string, placement: Placement): Promise<ProfileResult> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-cpuprof-'));
  try {
    const app = await startApp(variantById(variantId), sinkUrl, placement, ['--cpu-prof', `--cpu-prof-dir=${dir}`]);
    try {
      await runLoad({ url: helloUrl(app), connections: settings.connections, durationSec: settings.profileSec });
    } finally {
      await app.stop(15_000);
    }
    const file = readdirSync(dir).find((name) => name.endsWith('.cpuprofile'));
    if (!file) throw new Error(`no .cpuprofile written by ${variantId} (did it exit through process.exit?)`);
    return { variant: variantId, loadSec: settings.profileSec, ...summarizeProfile(join(dir, file)) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// Startup cost of the auto-detected instrumentations (issue 11): milliseconds from spawn to the first listening
// socket of an express-only app and of an app loading pg + ioredis + kafkajs + express, uninstrumented, with
// @lab/telemetry (the build, --import .../register) and with stock @opentelemetry/auto-instrumentations-node,
// variants alternating round by round. The apps run in a temporary project outside the repository (the libraries
// are detected from the entry point there). Targets: +100 ms (express only) and +150 ms (libraries) over
// uninstrumented, as the median of the per-round differences.
// Standalone: node bench/src/suites/startup.ts [--rounds 7] [--register <built register.js>]
//   (default: the build `pnpm bench` makes, node packages/telemetry/scripts/build.ts --outdir packages/telemetry/.bench-dist)
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startChild } from '../child.ts';
import { pairedDelta, type Spread, spread } from '../stats.ts';
import type { Check } from '../summary.ts';
import { LAB_BUILD_DIR } from '../variants.ts';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const APPS = { express: 'express.cjs', libraries: 'libraries.cjs' } as const;
const TARGET_MS: Record<keyof typeof APPS, number> = { express: 100, libraries: 150 };
const LIBRARIES: Array<[string, string]> = [
  ['express', 'packages/telemetry/node_modules/express'],
  ['pg', 'packages/telemetry/node_modules/pg'],
  ['ioredis', 'packages/telemetry/node_modules/ioredis'],
  ['kafkajs', 'packages/telemetry/node_modules/kafkajs'],
  ['@opentelemetry/auto-instrumentations-node', 'bench/node_modules/@opentelemetry/auto-instrumentations-node'],
];
const COMMON_ENV = { OTEL_SERVICE_NAME: 'bench-startup', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9', OTEL_LOGS_EXPORTER: 'none' };
const BUILT_REGISTER = join(REPO, LAB_BUILD_DIR, 'register.js');

function variants(labRegister: string) {
  return [
    { id: 'none', label: 'uninstrumented', nodeArgs: [] as string[] },
    { id: 'lab', label: '@lab/telemetry', nodeArgs: ['--import', labRegister] },
    // Resolved from the cwd: the temporary project, which links it.
    { id: 'otel', label: 'OTel auto-instrumentations', nodeArgs: ['--import', '@opentelemetry/auto-instrumentations-node/register'] },
  ];
}

export interface StartupResult {
  rounds: number;
  /** app -> variant -> startup ms per round. */
  samples: Record<string, Record<string, number[]>>;
}

export async function runStartupSuite(rounds: number, log: (line: string) => void, labRegister = BUILT_REGISTER): Promise<StartupResult> {
  const VARIANTS = variants(labRegister);
  const project = mkdtempSync(join(tmpdir(), 'lab-bench-startup-'));
  try {
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'bench-startup', version: '1.0.0', private: true }));
    for (const [name, source] of LIBRARIES) {
      mkdirSync(dirname(join(project, 'node_modules', name)), { recursive: true });
      symlinkSync(join(REPO, source), join(project, 'node_modules', name), 'dir');
    }
    const samples: StartupResult['samples'] = {};
    for (const [app, file] of Object.entries(APPS)) {
      copyFileSync(new URL(`./startup-apps/${file}`, import.meta.url), join(project, file));
      samples[app] = Object.fromEntries(VARIANTS.map((variant) => [variant.id, []]));
      // One unmeasured start per variant fills each compile cache, as a redeployed service's would be.
      for (let round = -1; round < rounds; round++) {
        for (const variant of VARIANTS) {
          const child = await startChild({
            script: join(project, file),
            cwd: project,
            nodeArgs: [...variant.nodeArgs],
            env: { ...COMMON_ENV, NODE_COMPILE_CACHE: join(project, '.compile-cache', variant.id) },
            timeoutMs: 60_000,
          });
          await child.stop();
          if (round >= 0) samples[app]![variant.id]!.push(child.startupMs);
        }
      }
      const median = (id: string) => spread(samples[app]![id]!).median.toFixed(0);
      log(`startup ${app}: ${VARIANTS.map((variant) => `${variant.label} ${median(variant.id)} ms`).join(', ')}`);
    }
    return { rounds, samples };
  } finally {
    rmSync(project, { recursive: true, force: true });
  }
}

function added(result: StartupResult, app: string, variant: string): Spread {
  return pairedDelta(result.samples[app]![variant]!, result.samples[app]!['none']!);
}

export function startupChecks(result: StartupResult): Check[] {
  return (Object.keys(APPS) as Array<keyof typeof APPS>).map((app) => {
    const lab = added(result, app, 'lab');
    const otel = added(result, app, 'otel');
    return {
      name: `startup ${app === 'express' ? 'express-only app' : 'pg + ioredis + kafkajs + express app'}`,
      target: `+${TARGET_MS[app]} ms over uninstrumented`,
      measured: `+${lab.median.toFixed(0)} ms (${lab.min.toFixed(0)}..${lab.max.toFixed(0)}); OTel auto-instrumentations +${otel.median.toFixed(0)} ms`,
      pass: lab.median <= TARGET_MS[app],
    };
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { rounds: { type: 'string', default: '7' }, register: { type: 'string', default: BUILT_REGISTER } } });
  const result = await runStartupSuite(Number(values.rounds), console.log, resolve(values.register!));
  for (const check of startupChecks(result)) console.log(`${check.pass ? 'met   ' : 'MISSED'} ${check.name}: ${check.measured} (target ${check.target})`);
}

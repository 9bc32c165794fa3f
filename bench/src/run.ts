// pnpm bench: what @lab/telemetry costs, side by side with no telemetry and with the alternatives (issue 8).
// Usage: node bench/src/run.ts [--quick] [--out <dir>] [--suites hello,catalog,pauses,log,outage,checkout,startup] [--rerender <json>]
//   full (default): writes bench/results/latest.json and docs/benchmarks.md (about 25 minutes on 2 cores)
//   --quick:        one short round of everything (CI), writes <out>/quick.json and <out>/quick.md
//   --rerender:     recomputes the summary of a results file from its raw samples and writes the report again
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CATALOG, HELLO } from './app-process.ts';
import { placeProcesses } from './machine.ts';
import { renderMarkdown } from './report.ts';
import type { BenchResults } from './results.ts';
import { FULL, QUICK } from './settings.ts';
import { startSink } from './sink-process.ts';
import { checks, helloRows } from './summary.ts';
import { runCheckoutSuite } from './suites/checkout.ts';
import { runHelloSuite } from './suites/hello.ts';
import { runLogCostSuite } from './suites/log-cost.ts';
import { runOutageSuite } from './suites/outage.ts';
import { type PauseResult, runPauseSuite } from './suites/pauses.ts';
import { runStartupSuite, startupChecks } from './suites/startup.ts';
import { type ProfileResult, profileAppUnderLoad, profileLogLines } from './suites/profile.ts';
import { LAB, LAB_BUILD_DIR, LAB_PROFILING, UNINSTRUMENTED, VARIANTS } from './variants.ts';

const SUITES = ['hello', 'catalog', 'pauses', 'log', 'outage', 'checkout', 'startup'] as const;
/** The catalog app measures the library, not the peers (the hello suite compares those). */
const CATALOG_VARIANTS = VARIANTS.filter((v) => [UNINSTRUMENTED, LAB, LAB_PROFILING].includes(v.id));
const PAUSE_VARIANTS = VARIANTS.filter((v) => [LAB, LAB_PROFILING].includes(v.id));
/** The pause measure's rate: a moderate load, 40% of the uninstrumented saturation. */
const PAUSE_LOAD = 0.4;
const REPO = new URL('../../', import.meta.url).pathname;

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    out: { type: 'string' },
    suites: { type: 'string', default: SUITES.join(',') },
    rerender: { type: 'string' },
  },
});
const log = (line: string) => console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}`);

const results = values.rerender ? summarize(JSON.parse(readFileSync(values.rerender, 'utf8')) as BenchResults) : await measure();
write(results);
for (const check of results.checks) log(`${check.pass ? 'met   ' : 'MISSED'} ${check.name}: ${check.measured} (target ${check.target})`);
log(`done in ${results.durationSec} s`);

async function measure(): Promise<BenchResults> {
  const suites = new Set(values.suites!.split(','));
  for (const name of suites) {
    if (!(SUITES as readonly string[]).includes(name)) throw new Error(`--suites: unknown suite ${JSON.stringify(name)}; known: ${SUITES.join(', ')}`);
  }
  const settings = values.quick ? QUICK : FULL;
  const startedAt = new Date();
  buildLibrary();
  const { machine, serverCpu, generatorCpu } = placeProcesses();
  log(`${settings.mode} run on ${machine.nproc} CPUs (${machine.cpuModel}), node ${machine.node}; ${machine.pinning}`);
  const placement = { serverCpu, generatorCpu };
  const sink = await startSink(generatorCpu);
  try {
    const hello = await runHelloSuite({ app: HELLO, settings, variants: VARIANTS, sinkUrl: sink.url, placement, log });
    const catalog = suites.has('catalog')
      ? await runHelloSuite({ app: CATALOG, settings, variants: CATALOG_VARIANTS, sinkUrl: sink.url, placement, log })
      : undefined;
    const pauses: PauseResult[] = [];
    if (suites.has('pauses')) {
      for (const [app, result] of [[HELLO, hello], [CATALOG, catalog]] as const) {
        if (!result) continue;
        const rate = Math.max(100, Math.round(PAUSE_LOAD * helloRows(result, VARIANTS.slice(0, 1))[0]!.saturationRps.median));
        pauses.push(await runPauseSuite({ settings, app, rate, variants: PAUSE_VARIANTS, sinkUrl: sink.url, placement, log }));
      }
    }
    const logCost = suites.has('log') ? await runLogCostSuite(settings, placement, log) : undefined;
    const labRps = helloRows(hello, VARIANTS).find((row) => row.variant === LAB)!.saturationRps.median;
    // A quarter of the library's own maximum: well below overload, so only the outage could move latency.
    const outage = suites.has('outage') ? await runOutageSuite(settings, Math.max(100, Math.round(labRps / 4)), placement, log) : undefined;
    const checkout = suites.has('checkout') ? await runCheckoutSuite(settings, sink.url, placement, log) : undefined;
    const startup = suites.has('startup') ? await runStartupSuite(settings.rounds, log) : undefined;
    const measured = summarize({
      schema: 1,
      command: `pnpm bench${values.quick ? ' --quick' : ''}`,
      startedAt: startedAt.toISOString(),
      durationSec: 0,
      machine,
      settings,
      variants: VARIANTS.map(({ id, label, nodeArgs, settings: text }) => ({ id, label, nodeArgs, settings: text })),
      hello,
      rows: [],
      catalog,
      pauses: suites.has('pauses') ? pauses : undefined,
      logCost,
      outage,
      checkout,
      startup,
      profiles: [],
      checks: [],
    });
    const profiles: ProfileResult[] = [];
    if (settings.profileSec > 0) {
      const missed = (prefix: string) => measured.checks.some((check) => !check.pass && check.name.startsWith(prefix));
      if (missed('hello') || missed('beats')) profiles.push(await profileAppUnderLoad(HELLO, settings, sink.url, placement));
      if (missed('catalog')) profiles.push(await profileAppUnderLoad(CATALOG, settings, sink.url, placement));
      if (missed('log line')) profiles.push(await profileLogLines(settings, placement));
    }
    return { ...measured, profiles, durationSec: Math.round((Date.now() - startedAt.getTime()) / 1000) };
  } finally {
    await sink.child.stop();
  }
}

/** The variants run the published form of @lab/telemetry (variants.ts): build it from the current sources. */
function buildLibrary(): void {
  const build = spawnSync(process.execPath, [join(REPO, 'packages/telemetry/scripts/build.ts'), '--outdir', join(REPO, LAB_BUILD_DIR)], { encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`building @lab/telemetry failed:\n${build.stdout}${build.stderr}`);
  log(build.stdout.trim());
}

/** Derives the rows and target checks from the raw samples. */
function summarize(raw: BenchResults): BenchResults {
  const variants = VARIANTS.filter((variant) => raw.hello.samples[variant.id]);
  const rows = helloRows(raw.hello, variants);
  const catalogRows = raw.catalog ? helloRows(raw.catalog, CATALOG_VARIANTS) : undefined;
  return { ...raw, rows, catalogRows, checks: [...checks({ ...raw, rows, catalogRows }), ...(raw.startup ? startupChecks(raw.startup) : [])] };
}

function write(results: BenchResults): void {
  const markdown = renderMarkdown(results);
  const quick = results.settings.mode === 'quick';
  if (values.out || quick) {
    const dir = values.out ?? join(REPO, 'bench/results');
    mkdirSync(dir, { recursive: true });
    const name = quick ? 'quick' : 'latest';
    writeFileSync(join(dir, `${name}.json`), `${JSON.stringify(results, null, 2)}\n`);
    writeFileSync(join(dir, `${name}.md`), markdown);
    log(`wrote ${join(dir, `${name}.json`)} and ${name}.md`);
  } else {
    writeFileSync(join(REPO, 'bench/results/latest.json'), `${JSON.stringify(results, null, 2)}\n`);
    writeFileSync(join(REPO, 'docs/benchmarks.md'), markdown);
    log('wrote bench/results/latest.json and docs/benchmarks.md');
  }
}

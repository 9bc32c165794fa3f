// pnpm bench: what @lab/telemetry costs, side by side with no telemetry and with the alternatives (issue 8).
// Usage: node bench/src/run.ts [--quick] [--out <dir>] [--suites hello,log,outage,checkout]
//   full (default): writes bench/results/latest.json and docs/benchmarks.md (about 20 minutes)
//   --quick:        one short round of everything (CI), writes <out>/quick.json and <out>/quick.md
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
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
import { type ProfileResult, profileHelloUnderLoad, profileLogLines } from './suites/profile.ts';
import { LAB, VARIANTS } from './variants.ts';

const SUITES = ['hello', 'log', 'outage', 'checkout'] as const;
const REPO = new URL('../../', import.meta.url).pathname;

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    out: { type: 'string' },
    suites: { type: 'string', default: SUITES.join(',') },
  },
});
const suites = new Set(values.suites!.split(','));
for (const name of suites) {
  if (!(SUITES as readonly string[]).includes(name)) throw new Error(`--suites: unknown suite ${JSON.stringify(name)}; known: ${SUITES.join(', ')}`);
}
const settings = values.quick ? QUICK : FULL;
const log = (line: string) => console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}`);

const startedAt = new Date();
const { machine, serverCpu, generatorCpu } = placeProcesses();
log(`${settings.mode} run on ${machine.nproc} CPUs (${machine.cpuModel}), node ${machine.node}; ${machine.pinning}`);
const placement = { serverCpu, generatorCpu };
const sink = await startSink(generatorCpu);
let results: BenchResults;
try {
  const hello = await runHelloSuite({ settings, variants: VARIANTS, sinkUrl: sink.url, placement, log });
  const rows = helloRows(hello, VARIANTS);
  const logCost = suites.has('log') ? await runLogCostSuite(settings, placement, log) : undefined;
  const labRps = rows.find((row) => row.variant === LAB)!.saturationRps.median;
  // A quarter of the library's own maximum: well below overload, so only the outage could move latency.
  const outage = suites.has('outage') ? await runOutageSuite(settings, Math.max(100, Math.round(labRps / 4)), placement, log) : undefined;
  const checkout = suites.has('checkout') ? await runCheckoutSuite(settings, sink.url, placement, log) : undefined;
  const targetChecks = checks(rows, hello, logCost, outage, checkout);
  const profiles: ProfileResult[] = [];
  if (settings.profileSec > 0) {
    const missed = (prefix: string) => targetChecks.some((check) => !check.pass && check.name.startsWith(prefix));
    if (missed('hello') || missed('beats')) profiles.push(await profileHelloUnderLoad(settings, sink.url, placement));
    if (missed('log line')) profiles.push(await profileLogLines(settings, placement));
  }
  results = {
    schema: 1,
    command: `pnpm bench${values.quick ? ' --quick' : ''}`,
    startedAt: startedAt.toISOString(),
    durationSec: Math.round((Date.now() - startedAt.getTime()) / 1000),
    machine,
    settings,
    variants: VARIANTS.map(({ id, label, nodeArgs, settings: text }) => ({ id, label, nodeArgs, settings: text })),
    hello,
    rows,
    logCost,
    outage,
    checkout,
    profiles,
    checks: targetChecks,
  };
} finally {
  await sink.child.stop();
}

const markdown = renderMarkdown(results);
if (values.out || values.quick) {
  const dir = values.out ?? join(REPO, 'bench/results');
  mkdirSync(dir, { recursive: true });
  const name = values.quick ? 'quick' : 'latest';
  writeFileSync(join(dir, `${name}.json`), `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(join(dir, `${name}.md`), markdown);
  log(`wrote ${join(dir, `${name}.json`)} and ${name}.md`);
} else {
  writeFileSync(join(REPO, 'bench/results/latest.json'), `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(join(REPO, 'docs/benchmarks.md'), markdown);
  log('wrote bench/results/latest.json and docs/benchmarks.md');
}
for (const check of results.checks) log(`${check.pass ? 'met   ' : 'MISSED'} ${check.name}: ${check.measured} (target ${check.target})`);
log(`done in ${results.durationSec} s`);

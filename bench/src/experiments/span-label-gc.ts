// What span labels cost in garbage collection (docs/profiling.md, "Where the pauses go now"): the uninstrumented
// hello app at a fixed rate, without and with the native wall profiler (wall-profiler-preload.ts) and its per-request
// context, measured by the pauses suite (event-loop delay, longest GC pause and GC total per 15 s window).
//
//   node bench/src/experiments/span-label-gc.ts [--rate 7000] [--rounds 1]
import { parseArgs } from 'node:util';
import { HELLO } from '../app-process.ts';
import { placeProcesses } from '../machine.ts';
import { FULL } from '../settings.ts';
import { startSink } from '../sink-process.ts';
import { runPauseSuite } from '../suites/pauses.ts';
import { UNINSTRUMENTED, VARIANTS, type Variant } from '../variants.ts';

const { values } = parseArgs({ options: { rate: { type: 'string', default: '7000' }, rounds: { type: 'string', default: '1' } } });
const uninstrumented = VARIANTS.find((variant) => variant.id === UNINSTRUMENTED)!;
const preload = ['--import', new URL('./wall-profiler-preload.ts', import.meta.url).pathname];
const withProfiler = (id: string, label: string, env: Record<string, string>): Variant => ({ ...uninstrumented, id, label, nodeArgs: preload, env: () => env });
const variants: Variant[] = [
  uninstrumented,
  withProfiler('wall', '+ wall profiler, no contexts', {}),
  withProfiler('wall-contexts', '+ wall profiler with async contexts, none set', { WALL_CONTEXTS: '1' }),
  withProfiler('wall-set', '+ a context set per request (span labels)', { WALL_CONTEXTS: '1', WALL_SET_CONTEXT: '1' }),
  withProfiler('wall-set-dd', "the same with dd-trace's @datadog/pprof", { WALL_CONTEXTS: '1', WALL_SET_CONTEXT: '1', WALL_PPROF: 'dd-trace' }),
];

const log = (line: string) => console.log(`[span-label-gc ${new Date().toISOString().slice(11, 19)}] ${line}`);
const { serverCpu, generatorCpu } = placeProcesses();
const sink = await startSink(generatorCpu);
try {
  const result = await runPauseSuite({
    settings: { ...FULL, pauses: { ...FULL.pauses, rounds: Number(values.rounds) } },
    app: HELLO,
    rate: Number(values.rate),
    variants,
    sinkUrl: sink.url,
    placement: { serverCpu },
    log,
  });
  console.log(`\nhello at ${result.rate} req/s, ${result.windowSec} s windows after the first; per window (ms):\n`);
  console.log('| variant | GC total | longest GC pause | largest event-loop delay | request p99 |');
  console.log('|---|---|---|---|---|');
  for (const variant of variants) {
    for (const run of result.samples[variant.id]!) {
      const perWindow = (pick: (w: (typeof run.windows)[number]) => number) => run.windows.map((w) => pick(w).toFixed(1)).join(' ');
      console.log(`| ${variant.label} | ${perWindow((w) => w.gcTotalMs)} | ${perWindow((w) => w.gcMaxMs)} | ${perWindow((w) => w.maxMs)} | ${run.p99Ms.toFixed(1)} |`);
    }
  }
} finally {
  await sink.child.stop();
}

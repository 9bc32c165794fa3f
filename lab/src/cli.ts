// `pnpm lab`: the LGTM+P flow on one machine. See docs/lab.md.
import { flowLines } from './correlation/flow.ts';
import { type LabSummary, runLab } from './lab.ts';
import { graphUrl, reopenRun } from './metrics/reopen.ts';
import { runtimeLine } from './metrics/runtime.ts';
import { DEFAULT_PORTS, type LabOptions, parseOptions, UsageError, usage, wantsHelp } from './options.ts';
import { assertPortFree, freePort, PortInUseError } from './ports.ts';
import { ProgressDisplay } from './progress.ts';

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  if (wantsHelp(argv)) {
    console.log(usage);
    return 0;
  }
  const options = parseOptions(argv);
  // With --json, stdout carries only the summary; the live display goes to stderr.
  const display = new ProgressDisplay(options.json ? process.stderr : process.stdout);
  const controller = new AbortController();
  let interrupts = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    interrupts++;
    if (interrupts > 1) {
      // Second Ctrl-C: no more waiting. The exit hook kills every process group the lab started.
      process.exit(signal === 'SIGINT' ? 130 : 143);
    }
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal);

  if (options.open !== undefined) return openRun(options.open, options, controller.signal);

  let summary: LabSummary;
  try {
    summary = await runLab(options, { display, signal: controller.signal });
  } catch (error) {
    // Interrupted before the load started: everything is stopped already.
    if (controller.signal.aborted) return 130;
    throw error;
  }
  display.end();
  if (options.json) process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  else printWalk(summary);
  if (summary.status === 'interrupted') return 130;
  return summary.ok ? 0 : 1;
}

/** `--open <run>`: serves the run's Prometheus data until Ctrl-C; with --json, one line of JSON says where. */
async function openRun(runDir: string, options: LabOptions, signal: AbortSignal): Promise<number> {
  const port = options.ports.prometheus ?? (options.autoPorts ? await freePort() : DEFAULT_PORTS.prometheus);
  await assertPortFree(port, 'prometheus');
  const log = (line: string) => {
    if (/level=(error|ERROR)|"level":"(error|ERROR)"/.test(line)) console.error(`prometheus: ${line}`);
  };
  const run = await reopenRun(runDir, port, options.prometheusBin, log);
  try {
    if (options.json) console.log(JSON.stringify({ runDir: run.runDir, runId: run.runId, url: run.url, range: run.range }));
    else {
      const out = [`run ${run.runId ?? '?'} (${run.runDir})`, `Prometheus on ${run.url} serves a copy of its data; Ctrl-C stops it.`];
      if (run.range) {
        const iso = (seconds: number) => new Date(seconds * 1000).toISOString();
        out.push(`load phase: ${iso(run.range.start)} .. ${iso(run.range.end)}`);
        out.push(`p95 per service: ${graphUrl(run.url, 'histogram_quantile(0.95, sum by (job, le) (rate(http_server_request_duration_seconds_bucket[20s])))', run.range)}`);
      }
      console.log(out.join('\n'));
    }
    if (!signal.aborted) await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
  } finally {
    await run.close();
  }
  return 0;
}

function printWalk(summary: LabSummary): void {
  const out: string[] = [''];
  if (summary.load) {
    out.push(`load: ${summary.load.requests} requests, ${summary.load.errors} errors, ${summary.load.dropped} dropped (run id ${summary.runId})`);
    for (const journey of summary.load.journeys) {
      out.push(`  ${journey.breaches.length ? '✘' : '✔'} ${journey.name.padEnd(12)} p95 ${journey.p95Ms.toFixed(0).padStart(5)} ms  errors ${(journey.errorRate * 100).toFixed(1)}%  ${journey.breaches.join('; ')}`);
    }
  }
  if (summary.walk) {
    out.push('', 'the life of a request:');
    for (const link of summary.walk.links) out.push(`  ${link.ok ? '✔' : '✘'} ${link.link.padEnd(9)} ${link.detail}`);
  }
  if (summary.flow) {
    out.push('', `every exemplar of the run (${summary.flow.exemplars} exemplars, ${summary.flow.traces} traces):`);
    for (const line of flowLines(summary.flow)) out.push(`  ${line.ok ? '✔' : '✘'} ${line.text}`);
    for (const problem of summary.flow.problems) out.push(`      ${problem}`);
  }
  if (summary.runtime) {
    out.push('', 'per service:');
    for (const runtime of summary.runtime) out.push(`  ${runtimeLine(runtime)}`);
  }
  out.push('', `run folder: ${summary.runDir}`);
  if (summary.report) out.push(`report:     ${summary.report}`);
  console.log(out.join('\n'));
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    console.error(`lab: ${message}`);
    if (error instanceof UsageError) console.error(usage);
    process.exit(error instanceof UsageError || error instanceof PortInUseError ? 2 : 1);
  },
);

// The local runner's command line:
//   node loadtest/src/cli.ts --base-url http://127.0.0.1:8080 --rate 5 --duration 30s   drive load, check thresholds
//   node loadtest/src/cli.ts --plan                                                     print the request plan (no server)
//   node loadtest/src/cli.ts --dry-run --base-url http://127.0.0.1:8080                 each journey once
// Exit codes: 0 passed, 1 a threshold or dry-run step failed, 2 bad usage.
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { parseDuration } from '@lab/dev-kit/duration';
import { planJourneys, runEachOnce } from './dry-run.ts';
import { journeys } from './journeys.ts';
import { startLoad } from './runner.ts';

const usage = `usage: node loadtest/src/cli.ts [--base-url URL] [--rate N] [--duration 30s] [--max-in-flight N]
                                [--run-id ID] [--think-scale X] [--plan | --dry-run] [--json]`;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      'base-url': { type: 'string', default: 'http://127.0.0.1:8080' },
      rate: { type: 'string', default: '5' },
      duration: { type: 'string', default: '30s' },
      'max-in-flight': { type: 'string', default: '50' },
      'run-id': { type: 'string' },
      'think-scale': { type: 'string', default: '1' },
      plan: { type: 'boolean', default: false },
      'dry-run': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(usage);
    return 0;
  }
  const runId = values['run-id'] ?? randomUUID();
  if (values.plan) {
    const plan = planJourneys(journeys, runId);
    console.log(values.json ? JSON.stringify(plan, null, 2) : plan.map((r) => `${r.journey}\t${r.method} ${r.path}`).join('\n'));
    return 0;
  }
  if (values['dry-run']) {
    const steps = await runEachOnce(values['base-url'], journeys, runId);
    if (values.json) console.log(JSON.stringify(steps, null, 2));
    else for (const s of steps) console.log(`${s.ok ? 'ok  ' : 'FAIL'} ${s.journey}\t${s.step}\t${s.status}${s.error ? `\t${s.error}` : ''}`);
    return steps.every((step) => step.ok) ? 0 : 1;
  }
  const run = startLoad({
    baseUrl: values['base-url'],
    journeys,
    ratePerSecond: positiveNumber(values.rate, '--rate'),
    durationMs: parseDuration(values.duration, '--duration'),
    maxInFlight: positiveNumber(values['max-in-flight'], '--max-in-flight'),
    thinkTimeScale: nonNegativeNumber(values['think-scale'], '--think-scale'),
    runId,
  });
  process.once('SIGINT', () => run.stop());
  const report = await run.done;
  if (values.json) console.log(JSON.stringify(report, null, 2));
  else {
    console.log(`run ${report.runId}: ${report.requests} requests, ${report.errors} errors, ${report.dropped} dropped`);
    for (const j of report.journeys) {
      console.log(`${j.breaches.length ? 'FAIL' : 'ok  '} ${j.name}\tp95 ${j.p95Ms.toFixed(0)} ms\terrors ${(j.errorRate * 100).toFixed(1)}%\t${j.breaches.join('; ')}`);
    }
  }
  return report.passed ? 0 : 1;
}

function positiveNumber(text: string, flag: string): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) throw new UsageError(`${flag} must be a positive number, got "${text}"`);
  return value;
}

function nonNegativeNumber(text: string, flag: string): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0) throw new UsageError(`${flag} must be a number >= 0, got "${text}"`);
  return value;
}

class UsageError extends Error {}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`loadtest: ${error instanceof Error ? error.message : String(error)}`);
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) console.error(usage);
    process.exit(2);
  },
);

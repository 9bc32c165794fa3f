// CI runs the bench's quick mode once so it never rots: every variant must start, serve and produce numbers, every
// suite must report, and the JSON and Markdown must be written. No timing assertions: speed is the bench's job.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { BenchResults } from '../src/results.ts';
import { VARIANTS } from '../src/variants.ts';

const RUN = new URL('../src/run.ts', import.meta.url).pathname;
const out = mkdtempSync(join(tmpdir(), 'bench-smoke-'));
after(() => rmSync(out, { recursive: true, force: true }));

function runQuick(): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [RUN, '--quick', '--out', out], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), 240_000);
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

test('pnpm bench --quick measures every variant and suite and writes its results', { timeout: 250_000 }, async () => {
  const { code, output } = await runQuick();
  assert.equal(code, 0, output);
  const results = JSON.parse(readFileSync(join(out, 'quick.json'), 'utf8')) as BenchResults;

  assert.equal(results.settings.mode, 'quick');
  assert.deepEqual(
    results.rows.map((row) => row.variant),
    VARIANTS.map((v) => v.id),
  );
  for (const variant of VARIANTS) {
    const samples = results.hello.samples[variant.id]!;
    assert.equal(samples.length, 1, variant.id);
    for (const sample of samples) {
      for (const key of ['startupMs', 'startupRssMiB', 'saturationRps', 'fixedRps', 'fixedP50Ms', 'fixedP99Ms', 'loadRssMiB'] as const) {
        assert.ok(Number.isFinite(sample[key]) && sample[key] > 0, `${variant.id} ${key} = ${sample[key]}`);
      }
    }
    const row = results.rows.find((r) => r.variant === variant.id)!;
    assert.ok(Number.isFinite(row.throughputRatio.median), `${variant.id} throughput ratio`);
  }
  // Every instrumented variant really exported traces to the sink; the uninstrumented app sent nothing.
  const exported = (id: string) => results.hello.samples[id]![0]!.exported;
  assert.deepEqual(exported('none'), {});
  for (const id of ['lab', 'lab-profiling', 'otel', 'edot']) assert.ok(exported(id).otlp_traces?.requests, `${id} exported ${JSON.stringify(exported(id))}`);
  assert.ok(exported('dd-trace').datadog_traces?.requests, `dd-trace exported ${JSON.stringify(exported('dd-trace'))}`);

  // The catalog app ran under the uninstrumented app and the library, and every app reported its event-loop delay.
  assert.deepEqual(Object.keys(results.catalog!.samples), ['none', 'lab', 'lab-profiling']);
  for (const sample of [...Object.values(results.hello.samples), ...Object.values(results.catalog!.samples)].flat()) {
    assert.ok(sample.fixedLoopMaxMs > 0 && sample.fixedLoopP999Ms > 0, `loop delay ${JSON.stringify(sample)}`);
  }
  assert.deepEqual(
    results.pauses!.map((pause) => pause.app),
    ['hello', 'catalog'],
  );
  for (const pause of results.pauses!) {
    for (const variant of ['lab', 'lab-profiling']) {
      const [run] = pause.samples[variant]!;
      assert.ok(run && run.maxMs > 0 && run.windows.length >= 1 && run.windows.every((w) => w.maxMs > 0), `${pause.app} ${variant}: ${JSON.stringify(run)}`);
    }
  }

  for (const kind of ['bare', 'bare-formatted', 'lab'] as const) assert.ok(results.logCost!.nsPerLine[kind][0]! > 0, `log cost ${kind}`);
  assert.deepEqual(
    results.outage!.runs.map((run) => run.scenario),
    ['answering', 'refusing', 'answering-late'],
  );
  for (const run of results.outage!.runs) {
    assert.ok(run.windows.length >= 2, run.scenario);
    assert.ok(run.windows.every((w) => w.rps > 0 && w.rssMiB > 0 && w.heapUsedMiB > 0 && w.externalMiB > 0), run.scenario);
  }
  for (const variant of ['disabled', 'traced'] as const) {
    const [sample] = results.checkout!.samples[variant];
    assert.ok(sample && sample.checkoutsPerSec > 0 && Number.isFinite(sample.p99Ms), `checkout ${variant}: ${JSON.stringify(sample)}`);
  }
  assert.ok(results.checks.length > 0);

  const markdown = readFileSync(join(out, 'quick.md'), 'utf8');
  for (const variant of VARIANTS) assert.ok(markdown.includes(`| ${variant.label} |`), `report row for ${variant.label}`);
  assert.ok(markdown.includes('## 1c. Event-loop pauses caused by profiling'));
});

// End to end: `pnpm lab` for real (services, receiver, Prometheus, load, incident), then every link of the flow is
// checked twice: by the walker over the run's own TSDB reopened with `pnpm lab --open`, and by direct reads of what the
// receiver and the log collector wrote. Every exemplar of the run is checked too (the flow by the numbers). Every PromQL query the project ships (dashboards, SLO rules, correlations,
// rollout analyses) is evaluated on that Prometheus too. The report is rendered in headless Chromium. Nothing may be
// left running.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, type TestContext, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { flowLines } from '../src/correlation/flow.ts';
import { LocalBackends, readJsonLines } from '../src/correlation/local.ts';
import { decodePprof, labelledSpanIds } from '../src/correlation/pprof.ts';
import { checkTree } from '../src/correlation/trace-tree.ts';
import type { TraceSpan } from '../src/correlation/types.ts';
import { walk } from '../src/correlation/walk.ts';
import type { LabSummary } from '../src/lab.ts';
import { PrometheusApi } from '../src/metrics/prometheus-api.ts';
import { runtimeLine } from '../src/metrics/runtime.ts';
import { type RunFolder, runFolder, serviceLogFile } from '../src/run-folder.ts';
import { renderReport } from './browser.ts';
import { killAll, processesMentioning } from './leftovers.ts';
import { analysisTemplateQueries, describeEvaluation, evaluateOverRange, shippedExpressionQueries } from './promql-data.ts';

const SERVICES = ['gateway', 'catalog', 'orders', 'payments'];
const SCRAPE_SECONDS = 2;
const REPO = fileURLToPath(new URL('../../', import.meta.url));
const ARTIFACTS = join(REPO, 'test-artifacts');

const runsDir = mkdtempSync(join(tmpdir(), 'lab-e2e-'));
let summary: LabSummary;
let folder: RunFolder;
let backends: LocalBackends;
/** The run's TSDB files and sizes as the lab left them: `--open` must not change them. */
let tsdbFiles: string[];

function listing(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => `${join(entry.parentPath, entry.name).slice(dir.length)} ${statSync(join(entry.parentPath, entry.name)).size}`)
    .sort();
}

after(() => {
  // Whatever happened: nothing of this run may survive the test file.
  killAll(processesMentioning(runsDir));
  rmSync(runsDir, { recursive: true, force: true });
});

function run(command: string, args: string[], timeoutMs: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: REPO, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // gone
      }
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

before(async () => {
  const lab = await run(
    process.execPath,
    ['lab/src/cli.ts', '--json', '--ports', 'auto', '--runs-dir', runsDir, '--duration', '24s', '--rate', '6', '--scrape-interval', `${SCRAPE_SECONDS}s`, '--seed', '7'],
    120_000,
  );
  assert.ok(lab.stdout.trim().startsWith('{'), `lab printed no JSON summary (exit ${lab.code}):\n${lab.stderr.slice(-3000)}`);
  summary = JSON.parse(lab.stdout) as LabSummary;
  folder = runFolder(summary.runDir);
  tsdbFiles = listing(folder.prometheusData);
  assert.equal(lab.code, 0, `lab exited ${lab.code}; walk: ${JSON.stringify(summary.walk?.links, null, 1)}\n${lab.stderr.slice(-2000)}`);
});

/** `pnpm lab --open <run>`: the real Prometheus on a copy of the run's TSDB, stopped (Ctrl-C) when the calling test ends. */
async function reopenRun(t: TestContext): Promise<PrometheusApi> {
  const child = spawn(process.execPath, ['lab/src/cli.ts', '--open', summary.runDir, '--ports', 'auto', '--json'], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  t.after(async () => {
    child.kill('SIGINT');
    assert.equal(await exited, 0, '--open stops cleanly on Ctrl-C');
  });
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  const [line] = (await Promise.race([once(createInterface({ input: child.stdout }), 'line'), exited.then(() => [])])) as string[];
  assert.ok(line, `--open printed where it listens (exit ${child.exitCode}): ${stderr}`);
  const opened = JSON.parse(line) as { url: string; runId: string; range: { start: number; end: number } };
  assert.equal(opened.runId, summary.runId);
  assert.deepEqual(opened.range, summary.range);
  return new PrometheusApi(opened.url, SCRAPE_SECONDS);
}

test('the lab exits by itself and leaves no process behind', () => {
  assert.equal(summary.status, 'completed');
  assert.deepEqual(processesMentioning(runsDir), []);
});

test('the lab walked every link and the incident ran', () => {
  assert.equal(summary.metrics.source, 'prometheus');
  for (const link of summary.walk!.links) assert.ok(link.ok, `${link.link}: ${link.detail}`);
  assert.ok(summary.incident.start && summary.incident.end && summary.incident.end > summary.incident.start, 'incident started and ended');
  assert.ok(summary.load!.requests > 50, `load sent ${summary.load!.requests} requests`);
});

test('by the numbers: every exemplar of the run resolves to a complete trace with logs from every service; CPU-heavy spans are profiled', (t) => {
  const flow = summary.flow!;
  for (const line of flowLines(flow)) t.diagnostic(line.text);
  assert.ok(flow.exemplars >= 20 && flow.traces >= 10, `${flow.exemplars} exemplars, ${flow.traces} traces`);
  const problems = flow.problems.join('; ');
  assert.equal(flow.completeTrace.of, flow.exemplars);
  assert.equal(flow.completeTrace.count, flow.exemplars, `complete traces: ${problems}`);
  assert.equal(flow.logsFromEveryService.count, flow.exemplars, `logs from every service: ${problems}`);
  // The payments incident burns CPU in every slowed request: some of them are exemplars.
  assert.ok(flow.cpuSpansProfiled.of > 0, 'spans with >= 10 ms of declared CPU time among the exemplar traces');
  assert.ok(flow.cpuSpansProfiled.count >= 0.95 * flow.cpuSpansProfiled.of, `CPU-heavy spans with labelled samples: ${problems}`);
});

test('per service: the largest event-loop delay of the run and the profile windows, as the receiver got them', (t) => {
  assert.deepEqual(summary.runtime!.map((row) => row.service), SERVICES);
  for (const row of summary.runtime!) t.diagnostic(runtimeLine(row));
  const files = readdirSync(folder.profilesDir);
  for (const row of summary.runtime!) {
    assert.ok(row.maxEventLoopDelayMs !== undefined && row.maxEventLoopDelayMs > 0, `${row.service}: event-loop delay ${row.maxEventLoopDelayMs}`);
    // Profiling is on in the lab: a window every 3 s over the 24 s run, the last flushed at shutdown.
    assert.ok(row.profileWindows >= 4, `${row.service}: ${row.profileWindows} profile windows`);
    assert.equal(row.profileWindows, files.filter((file) => file.endsWith(`-${row.service}.pb.gz`)).length, 'heap profiling is off: one file per window');
    assert.equal(row.profileWindows, summary.received.profilesByService[row.service]);
  }
});

test('the real Prometheus holds every service RED series and exemplars in the incident window', async (t) => {
  // Restart Prometheus on the run's own storage: what the report showed must be in its TSDB (exemplars via the WAL).
  const api = await reopenRun(t);
  const range = { start: Math.floor(summary.range.start), end: Math.ceil(summary.range.end) };
  const window = { start: summary.incident.start!, end: summary.incident.end! + SCRAPE_SECONDS + 1 };
  for (const service of SERVICES) {
    for (const suffix of ['count', 'sum', 'bucket']) {
      const series = await api.queryRange(`http_server_request_duration_seconds_${suffix}{job="${service}"}`, range, SCRAPE_SECONDS);
      assert.ok(series.length > 0 && series.some((s) => s.values.length > 2), `${service}: http_server_request_duration_seconds_${suffix} stored`);
    }
    const red = await api.red(service, range, SCRAPE_SECONDS);
    assert.ok(red.rate.some((value) => value !== null && value > 0), `${service}: request rate`);
    assert.ok(red.p95.some((value) => value !== null && value > 0), `${service}: p95 latency`);
    const exemplars = await api.exemplars(`http_server_request_duration_seconds_bucket{job="${service}"}`, window);
    assert.ok(exemplars.length > 0, `${service}: exemplars between ${window.start} and ${window.end}`);
  }

  // The payments incident shows as a latency spike: p95 inside the window well above p95 before it.
  const payments = await api.red('payments', range, SCRAPE_SECONDS);
  const p95At = (from: number, to: number) =>
    Math.max(0, ...payments.p95.filter((value, index) => value !== null && payments.timestamps[index]! >= from && payments.timestamps[index]! <= to).map(Number));
  assert.ok(p95At(window.start + SCRAPE_SECONDS, window.end) > 0.5, 'payments p95 above 500 ms during the incident');

  // The walker again, over this Prometheus and the run folder.
  backends = new LocalBackends(folder, api);
  const result = await walk(backends, { services: SERVICES, entryService: 'gateway', window, range: { start: range.start - 60, end: range.end + 60 } });
  for (const link of result.links) assert.ok(link.ok, `${link.link}: ${link.detail}`);

  // Every exemplar in the window resolves to a received trace with a correct tree that contains its span.
  const all = await api.exemplars('http_server_request_duration_seconds_bucket', window);
  const traces = backends.traces();
  for (const exemplar of all.filter((e) => SERVICES.includes(e.seriesLabels['job']!) && e.seriesLabels['http_route'] !== '/faults')) {
    const spans = traces.get(exemplar.traceId);
    assert.ok(spans, `exemplar trace ${exemplar.traceId} (${exemplar.seriesLabels['job']} ${exemplar.seriesLabels['http_route']}) was received`);
    const tree = checkTree(spans);
    assert.ok(tree.ok, `trace ${exemplar.traceId}: ${tree.problems.join('; ')}`);
    assert.ok(spans.some((span) => span.spanId === exemplar.spanId), `exemplar span ${exemplar.spanId} is in its trace`);
  }
});

test('every PromQL query of the dashboards, SLO rules, correlations and rollout analyses evaluates on the run', async (t) => {
  const api = await reopenRun(t);
  const range = { start: Math.floor(summary.range.start), end: Math.ceil(summary.range.end) };
  // Grafana's $__rate_interval for this scrape interval: four scrapes.
  const shipped = [...shippedExpressionQueries(`${4 * SCRAPE_SECONDS}s`), ...analysisTemplateQueries()];
  const runnable = shipped.filter((query) => query.expectation !== 'parse-only');
  assert.ok(shipped.some((query) => query.expectation === 'parse-only'), 'k6 and Tempo-generated queries are listed and left out');
  assert.ok(runnable.filter((query) => query.source.startsWith('analysis ')).length >= 2, 'the AnalysisTemplate queries are found under deploy/');

  const evaluations = await evaluateOverRange(api, runnable, range, SCRAPE_SECONDS);
  const data = evaluations.filter((evaluation) => evaluation.query.expectation === 'data');
  const conditional = evaluations.filter((evaluation) => evaluation.query.expectation === 'conditional');
  const withData = conditional.filter((evaluation) => evaluation.series > 0).map((evaluation) => evaluation.query.source);
  t.diagnostic(`${evaluations.length} evaluated (${data.length} data, ${conditional.length} conditional of which ${withData.length} returned data), ${shipped.length - runnable.length} parse-only`);
  assert.ok(data.length >= 40, `only ${data.length} data queries found`);

  const empty = data.filter((evaluation) => evaluation.error || evaluation.series === 0 || evaluation.missingLabels.length > 0);
  assert.deepEqual(empty.map(describeEvaluation), [], 'every data query returns series, grouped and filtered by labels the metrics carry');
  const failed = conditional.filter((evaluation) => evaluation.error);
  assert.deepEqual(failed.map(describeEvaluation), [], `conditional queries evaluate (returned data: ${withData.join('; ') || 'none'})`);

  // Negative controls: a query for a service that does not exist is empty, and a grouping label the metric does not
  // carry is caught even though the query returns a (collapsed) series.
  const controls = await evaluateOverRange(
    api,
    [
      { source: 'control', shipped: '', query: 'sum(rate(http_server_request_duration_seconds_count{job="no-such-service"}[8s]))', expectation: 'data' },
      { source: 'control', shipped: '', query: 'sum by (route) (rate(http_server_request_duration_seconds_count[8s]))', expectation: 'data' },
    ],
    range,
    SCRAPE_SECONDS,
  );
  assert.equal(controls[0]!.series, 0);
  assert.deepEqual(controls[1]!.missingLabels, ['route']);
});

test('the walked trace: three services, every service logged it, span profiles carry its local-root span ids', () => {
  const traceId = summary.walk!.traceId!;
  const spans: TraceSpan[] = backends.traces().get(traceId)!;
  const tree = checkTree(spans);
  assert.ok(tree.ok, tree.problems.join('; '));
  assert.ok(tree.services.length >= 3, `trace crosses ${tree.services.join(', ')}`);
  assert.equal(tree.root?.serviceName, 'gateway');
  assert.equal(tree.root?.attributes['lab.run_id'], summary.runId, 'the run id travelled as baggage onto the root span');

  // Logs, read directly from the collected stdout files.
  const spanIds = new Set(spans.map((span) => span.spanId));
  for (const service of tree.services) {
    const lines = readJsonLines<Record<string, unknown>>(serviceLogFile(folder, service));
    const ofTrace = lines.filter((line) => line['trace_id'] === traceId && spanIds.has(String(line['span_id'])));
    assert.ok(ofTrace.length > 0, `${service} logged a line with trace_id ${traceId} and one of its span ids`);
    assert.ok(ofTrace.every((line) => line['service'] === service && typeof line['time'] === 'string' && typeof line['level'] === 'string'));
  }

  // Profiles, decoded directly: every service uploaded pprof that decodes; samples carry local-root span ids.
  const files = readdirSync(folder.profilesDir);
  const labelled = new Set<string>();
  for (const service of SERVICES) {
    const own = files.filter((file) => file.endsWith(`-${service}.pb.gz`));
    assert.ok(own.length > 0, `${service} uploaded profiles`);
    const profiles = own.map((file) => decodePprof(readFileSync(join(folder.profilesDir, file))));
    assert.ok(profiles.some((profile) => profile.sample.length > 0), `${service} profiles have samples`);
    for (const id of labelledSpanIds(profiles)) labelled.add(id);
  }
  assert.ok(labelled.size > 0, 'span profiles: samples carry span_id labels');
  const roots = tree.localRoots.map((span) => span.spanId);
  assert.ok(roots.some((id) => labelled.has(id)), `a sample is labelled with one of the trace's local-root span ids ${roots.join(', ')}`);
});

test('the flow report renders in headless Chromium with every section filled', async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  const screenshot = join(ARTIFACTS, 'lab-report.png');
  const rendered = await renderReport(summary.report!, screenshot);
  assert.deepEqual(rendered.consoleErrors, []);
  assert.equal(rendered.walkItems, 5);
  const { metrics, exemplar, trace, logs, profile, numbers } = rendered.sections;
  assert.ok(metrics && metrics.canvases >= SERVICES.length, `RED charts drawn: ${JSON.stringify(metrics)}`);
  assert.ok(exemplar && exemplar.text > 0, 'exemplar section');
  assert.ok(trace && trace.rows >= 3, `waterfall rows: ${JSON.stringify(trace)}`);
  assert.ok(logs && logs.rows >= 3, `log rows: ${JSON.stringify(logs)}`);
  assert.ok(profile && profile.rects > 0, `flamegraph frames: ${JSON.stringify(profile)}`);
  assert.ok(numbers && numbers.rows === SERVICES.length && numbers.text > 0, `the run by the numbers: ${JSON.stringify(numbers)}`);
  const html = readFileSync(summary.report!, 'utf8');
  assert.doesNotMatch(html, /<script[^>]+src=|<link[^>]+href="https?:/, 'self-contained: no external script or stylesheet');
});

test('nothing of the run is left running, and reopening left the run folder as it was', () => {
  assert.deepEqual(processesMentioning(runsDir), []);
  assert.ok(tsdbFiles.some((file) => file.startsWith('/wal/')), 'the TSDB (WAL with the exemplars) is in the run folder');
  assert.deepEqual(listing(folder.prometheusData), tsdbFiles);
});

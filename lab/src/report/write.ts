// Writes the flow report: one self-contained HTML file (data, libraries, styles and code inlined).
import { writeFileSync } from 'node:fs';
import type { LocalBackends } from '../correlation/local.ts';
import type { TimeRange } from '../correlation/types.ts';
import type { WalkResult } from '../correlation/walk.ts';
import type { LabSummary } from '../lab.ts';
import type { MetricsSource } from '../metrics/source.ts';
import type { RunFolder } from '../run-folder.ts';
import { reportAssets } from './assets.ts';
import { type ReportData, reportData } from './data.ts';

export interface WriteReportInput {
  folder: RunFolder;
  backends: LocalBackends;
  metrics: MetricsSource;
  walk: WalkResult;
  summary: LabSummary;
  incidentWindow: TimeRange;
}

export async function writeReport(input: WriteReportInput): Promise<string> {
  const { summary } = input;
  const data = await reportData({
    backends: input.backends,
    metrics: input.metrics,
    walk: input.walk,
    services: Object.keys(input.walk.exemplarsByService),
    runId: summary.runId,
    range: { start: Math.floor(summary.range.start), end: Math.ceil(summary.range.end) },
    incident: { name: summary.incident.name, ...(summary.incident.service ? { service: summary.incident.service } : {}), window: input.incidentWindow },
    stepSeconds: summary.metrics.scrapeIntervalSeconds,
    ...(summary.flow ? { flow: summary.flow } : {}),
    runtime: summary.runtime ?? [],
    ...(summary.load
      ? {
          load: {
            requests: summary.load.requests,
            errors: summary.load.errors,
            dropped: summary.load.dropped,
            journeys: summary.load.journeys.map((j) => ({ name: j.name, p95Ms: j.p95Ms, errorRate: j.errorRate, breaches: j.breaches })),
          },
        }
      : {}),
  });
  writeFileSync(input.folder.report, renderHtml(data));
  return input.folder.report;
}

/** JSON safe inside a <script> element. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

function inlineScript(code: string): string {
  return code.replace(/<\/script/gi, '<\\/script');
}

export function renderHtml(data: ReportData): string {
  const assets = reportAssets();
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>${escapeHtml(data.title)} · lab run ${escapeHtml(data.runId)}</title>
${assets.styles.map((css) => `<style>${css}</style>`).join('\n')}
</head>
<body>
<header>
  <h1>${escapeHtml(data.title)}</h1>
  <p class="sub">lab run <code>${escapeHtml(data.runId)}</code> · generated ${escapeHtml(data.generatedAt)} · metrics from ${escapeHtml(data.metricsSource)}</p>
  <ol id="walk" class="walk"></ol>
</header>
<main>
  <section id="metrics"><h2>1 · RED metrics per service</h2><p class="hint"></p><div class="charts"></div><a class="next" href="#exemplar">next: the exemplar on the spike ↓</a></section>
  <section id="exemplar"><h2>2 · The exemplar on the spike</h2><div class="body"></div><a class="next" href="#trace">next: its trace ↓</a></section>
  <section id="trace"><h2>3 · The trace across services</h2><div class="body"></div><a class="next" href="#logs">next: the logs of this trace ↓</a></section>
  <section id="logs"><h2>4 · Every service's logs for this trace</h2><div class="body"></div><a class="next" href="#profile">next: the profile of the slow span ↓</a></section>
  <section id="profile"><h2>5 · The flamegraph of the span</h2><div class="body"></div><a class="next" href="#numbers">next: the whole run by the numbers ↓</a></section>
  <section id="numbers"><h2>6 · The whole run by the numbers</h2><div class="body"></div><a class="next" href="#walk">back to the top ↑</a></section>
</main>
<script type="application/json" id="lab-data">${scriptJson(data)}</script>
${assets.scripts.map((code) => `<script>${inlineScript(code)}</script>`).join('\n')}
</body>
</html>
`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

// Telemetry pipeline health: is every signal leaving the services (spans, profiles, metric series) and is
// Prometheus scraping them. Drops and export failures here explain gaps everywhere else.
import type * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import { finish, labelVariable, newDashboard, withSections } from './board.ts';
import { statPanel, timeseriesPanel } from './panels.ts';
import { rateOf } from './promql.ts';

export const telemetryPipelineUid = 'lab-telemetry-pipeline';
const selected = 'job=~"$service"';
const window = '$__rate_interval';
const perJob = (metric: string, by: string[] = []) => `sum by (${['job', ...by].join(', ')}) (${rateOf(metric, selected, window)})`;

function signals() {
  const exported = `sum(${rateOf('lab_telemetry_spans_exported_total', selected, window)})`;
  // The dropped counter has a `reason` label, so it has no series until the first drop: count that as 0, or a healthy
  // pipeline would show "No data" instead of a 0% drop ratio.
  const dropped = `(sum(${rateOf('lab_telemetry_spans_dropped_total', selected, window)}) or vector(0))`;
  return [
    statPanel('Spans exported/s', { expr: exported }, 'ops'),
    statPanel('Span drop ratio', { expr: `${dropped} / (${exported} + ${dropped})` }, 'percentunit', { limit: { value: 0.001 } }),
    statPanel('Export failures/s', { expr: `sum(${rateOf('lab_telemetry_export_failures_total', selected, window)}) or vector(0)` }, 'ops', {
      limit: { value: 0.001 },
    }),
    statPanel('Profiles uploaded/min', { expr: `sum(${rateOf('lab_telemetry_profiles_uploaded_total', selected, window)}) * 60` }, 'none'),
    timeseriesPanel('Spans exported', [{ expr: perJob('lab_telemetry_spans_exported_total'), legend: '{{job}}' }], 'ops'),
    timeseriesPanel(
      'Spans dropped by reason',
      [{ expr: perJob('lab_telemetry_spans_dropped_total', ['reason']), legend: '{{job}} {{reason}}' }],
      'ops',
      { description: 'queue_full: the batch queue overflowed; export_failed: the collector refused or was unreachable; encoding_failed: a span could not be encoded.' },
    ),
    timeseriesPanel('Export failures by signal', [{ expr: perJob('lab_telemetry_export_failures_total', ['signal']), legend: '{{job}} {{signal}}' }], 'ops', {
      span: 8,
    }),
    timeseriesPanel(
      'Profiles uploaded / dropped',
      [
        { expr: perJob('lab_telemetry_profiles_uploaded_total'), legend: 'uploaded {{job}}' },
        { expr: perJob('lab_telemetry_profiles_dropped_total', ['reason']), legend: 'dropped {{job}} {{reason}}' },
      ],
      'ops',
      { span: 8 },
    ),
    timeseriesPanel('Metric series dropped (cardinality cap)', [{ expr: perJob('lab_telemetry_series_dropped_total', ['metric']), legend: '{{job}} {{metric}}' }], 'ops', {
      span: 8,
    }),
  ];
}

function scrapes() {
  return [
    timeseriesPanel('Targets up', [{ expr: `up{${selected}}`, legend: '{{job}} {{instance}}' }], 'none', { span: 8 }),
    timeseriesPanel('Scrape duration', [{ expr: `scrape_duration_seconds{${selected}}`, legend: '{{job}} {{instance}}' }], 's', { span: 8 }),
    timeseriesPanel('Samples per scrape', [{ expr: `scrape_samples_scraped{${selected}}`, legend: '{{job}} {{instance}}' }], 'none', { span: 8 }),
  ];
}

export function telemetryPipeline(): dashboard.Dashboard {
  const builder = newDashboard(
    telemetryPipelineUid,
    'Lab / Telemetry pipeline health',
    'Spans, profiles and metric series leaving the services (lab_telemetry_*), and Prometheus scrape health.',
  ).withVariable(labelVariable('service', 'job', 'up', { multi: true, includeAll: true, labelText: 'Service' }));
  return finish(
    withSections(builder, [
      ['Signals leaving the services', signals()],
      ['Scrape health', scrapes()],
    ]),
  );
}

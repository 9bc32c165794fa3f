// Service detail: one service, its routes, and every signal about it on one screen: RED by route, its logs (errors
// first), its traces, its profiles, its runtime and the faults injected into it.
import type * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import { faultAnnotation, k6RunAnnotation } from './annotations.ts';
import { finish, labelVariable, newDashboard, withSections } from './board.ts';
import { correlation } from './datasources.ts';
import {
  flamegraphPanel,
  latencyHeatmapPanel,
  logsPanel,
  statPanel,
  timeseriesPanel,
  tracesPanel,
} from './panels.ts';
import { matchers, rateOf, serverErrorRatio, serverHistogram, serverLatencyQuantile, serverRequestsRate } from './promql.ts';
import { errorBudget, slo } from './slo.ts';

export const serviceDetailUid = 'lab-service-detail';
const service = 'job="$service"';
const routes = matchers(service, 'http_route=~"$route"');
const window = '$__rate_interval';

/** Loki stream of the service; `level` is one of the three Loki labels (docs/conventions.md). */
export const serviceErrorLogs = `{${correlation.lokiServiceLabel}="$service", level=~"error|fatal"}`;
export const serviceLogs = `{${correlation.lokiServiceLabel}="$service"}`;
export const serviceTracesQuery = `{ resource.service.name = "$service" && kind = server && span.http.route =~ "\${route:regex}" }`;
export const serviceErrorTracesQuery = '{ resource.service.name = "$service" && status = error }';
const profileSelector = `{${correlation.profileServiceLabel}="$service"}`;

function redByRoute() {
  return [
    timeseriesPanel('Request rate by route', [{ expr: serverRequestsRate(routes, window, ['http_route']), legend: '{{http_route}}' }], 'reqps', {
      span: 8,
    }),
    timeseriesPanel(
      'Error ratio (5xx) by route',
      [{ expr: serverErrorRatio(routes, window, ['http_route']), legend: '{{http_route}}' }],
      'percentunit',
      { span: 8, limit: { value: errorBudget(slo.availability.objective) } },
    ),
    timeseriesPanel(
      'p95 latency by route',
      [{ expr: serverLatencyQuantile(0.95, routes, window, ['http_route']), legend: '{{http_route}}', exemplars: true }],
      's',
      { span: 8, limit: { value: slo.latency.thresholdSeconds } },
    ),
    timeseriesPanel(
      'Status codes',
      [
        {
          expr: serverRequestsRate(routes, window, ['http_response_status_code']),
          legend: '{{http_response_status_code}}',
        },
      ],
      'reqps',
      { stacked: true },
    ),
    latencyHeatmapPanel('Latency distribution (exemplars link to traces)', `sum by (le) (${rateOf(`${serverHistogram}_bucket`, routes, window)})`),
  ];
}

function logsAndTraces() {
  return [
    logsPanel('Error logs', serviceErrorLogs, { height: 8, description: 'level error or fatal; trace_id links to Tempo.' }),
    logsPanel('All logs', serviceLogs),
    tracesPanel('Traces (server spans of the selected routes)', serviceTracesQuery),
    tracesPanel('Traces with errors', serviceErrorTracesQuery),
  ];
}

function profiles() {
  return [
    flamegraphPanel('Wall time flame graph', profileSelector, correlation.wallProfileTypeId),
    flamegraphPanel('CPU flame graph', profileSelector, correlation.profileTypeId),
  ];
}

function runtime() {
  return [
    timeseriesPanel('Event loop delay p99', [{ expr: `nodejs_eventloop_lag_p99_seconds{${service}}`, legend: '{{instance}}' }], 's', {
      span: 6,
    }),
    timeseriesPanel(
      'Heap used / RSS',
      [
        { expr: `sum by (instance) (nodejs_heap_size_used_bytes{${service}})`, legend: 'heap used {{instance}}' },
        { expr: `process_resident_memory_bytes{${service}}`, legend: 'rss {{instance}}' },
      ],
      'bytes',
      { span: 6 },
    ),
    timeseriesPanel(
      'GC time by kind',
      [{ expr: `sum by (kind) (${rateOf('nodejs_gc_duration_seconds_sum', service, window)})`, legend: '{{kind}}' }],
      'percentunit',
      { span: 6, description: 'Seconds spent in GC per second.' },
    ),
    timeseriesPanel('CPU', [{ expr: `sum by (instance) (${rateOf('process_cpu_seconds_total', service, window)})`, legend: '{{instance}}' }], 'percentunit', {
      span: 6,
      description: 'Cores used (1 = one full core).',
    }),
  ];
}

export const activeFaultsQuery = `max by (route, fault) (lab_fault_active{${service}}) > 0`;

function faults() {
  return [
    statPanel('Active faults', { expr: `count(${activeFaultsQuery}) or vector(0)`, legend: 'active faults' }, 'none', {
      limit: { value: 1 },
    }),
    timeseriesPanel('Faults by route', [{ expr: activeFaultsQuery, legend: '{{fault}} on {{route}}' }], 'none', { span: 18, height: 5 }),
  ];
}

export function serviceDetail(): dashboard.Dashboard {
  const builder = newDashboard(
    serviceDetailUid,
    'Lab / Service detail',
    'One service: RED by route, logs (errors first), traces, flame graphs, Node runtime and active faults.',
  )
    .withVariable(labelVariable('service', 'job', `${serverHistogram}_count`, { labelText: 'Service' }))
    .withVariable(
      labelVariable('route', 'http_route', `${serverHistogram}_count{${service}}`, {
        multi: true,
        includeAll: true,
        labelText: 'Route',
      }),
    )
    .annotation(faultAnnotation(activeFaultsQuery))
    .annotation(k6RunAnnotation());
  return finish(
    withSections(builder, [
      ['Active faults', faults()],
      ['Rate, errors, duration by route', redByRoute()],
      ['Logs and traces', logsAndTraces()],
      ['Profiles', profiles()],
      ['Node.js runtime', runtime()],
    ]),
  );
}

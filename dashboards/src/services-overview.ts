// Services overview: RED for every service side by side, the latency distribution with exemplars, and the service
// graph Tempo derives from the spans.
import type * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import { k6RunAnnotation } from './annotations.ts';
import { finish, labelVariable, newDashboard, withSections } from './board.ts';
import { latencyHeatmapPanel, serviceGraphPanel, statPanel, timeseriesPanel } from './panels.ts';
import {
  histogramQuantile,
  rateOf,
  serverErrorRatio,
  serverHistogram,
  serverLatencyQuantile,
  serverRequestsRate,
} from './promql.ts';
import { errorBudget, slo } from './slo.ts';

export const servicesOverviewUid = 'lab-services-overview';
const selected = 'job=~"$service"';
const window = '$__rate_interval';

function servicesRed() {
  return [
    statPanel('Requests', { expr: serverRequestsRate(selected, window, []) }, 'reqps'),
    statPanel('Error ratio (5xx)', { expr: serverErrorRatio(selected, window, []) }, 'percentunit', {
      limit: { value: errorBudget(slo.availability.objective) },
    }),
    statPanel('p95 latency', { expr: serverLatencyQuantile(0.95, selected, window, []) }, 's', {
      limit: { value: slo.latency.thresholdSeconds },
    }),
    statPanel('Services up', { expr: `sum(up{${selected}})`, legend: 'up' }, 'none'),
    timeseriesPanel('Request rate by service', [{ expr: serverRequestsRate(selected, window, ['job']), legend: '{{job}}' }], 'reqps'),
    timeseriesPanel(
      'Error ratio (5xx) by service',
      [{ expr: serverErrorRatio(selected, window, ['job']), legend: '{{job}}' }],
      'percentunit',
      { limit: { value: errorBudget(slo.availability.objective), label: 'availability error budget' } },
    ),
    timeseriesPanel(
      'Latency percentiles by service',
      [0.5, 0.95, 0.99].map((quantile) => ({
        expr: serverLatencyQuantile(quantile, selected, window, ['job']),
        legend: `{{job}} p${quantile * 100}`,
        exemplars: quantile === 0.99,
      })),
      's',
      { limit: { value: slo.latency.thresholdSeconds }, description: 'Exemplar dots open the trace of that request.' },
    ),
    latencyHeatmapPanel(
      'Latency distribution (exemplars link to traces)',
      `sum by (le) (${rateOf(`${serverHistogram}_bucket`, selected, window)})`,
    ),
  ];
}

function serviceGraph() {
  const edges = '{{client}} → {{server}}';
  return [
    serviceGraphPanel('Service graph (Tempo)', { span: 24, height: 12 }),
    timeseriesPanel(
      'Calls between services',
      [{ expr: `sum by (client, server) (${rateOf('traces_service_graph_request_total', '', window)})`, legend: edges }],
      'reqps',
      { span: 8 },
    ),
    timeseriesPanel(
      'Failed calls between services',
      [
        {
          expr: `sum by (client, server) (${rateOf('traces_service_graph_request_failed_total', '', window)})`,
          legend: edges,
        },
      ],
      'reqps',
      { span: 8 },
    ),
    timeseriesPanel(
      'p95 server latency between services',
      [
        {
          expr: histogramQuantile(0.95, 'traces_service_graph_request_server_seconds_bucket', '', window, ['client', 'server']),
          legend: edges,
        },
      ],
      's',
      { span: 8 },
    ),
  ];
}

export function servicesOverview(): dashboard.Dashboard {
  const builder = newDashboard(
    servicesOverviewUid,
    'Lab / Services overview',
    'RED per service from http_server_request_duration_seconds, exemplars to Tempo, and the service graph.',
  )
    .withVariable(labelVariable('service', 'job', `${serverHistogram}_count`, { multi: true, includeAll: true, labelText: 'Service' }))
    .annotation(k6RunAnnotation());
  return finish(
    withSections(builder, [
      ['Rate, errors, duration', servicesRed()],
      ['Service graph', serviceGraph()],
    ]),
  );
}

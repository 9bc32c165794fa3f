// Load test: what k6 measured (Prometheus remote-write output, `k6_*` series) next to what the services measured,
// filtered by the run's testid, with each run marked as an annotation.
import type * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import { journeys } from '@lab/loadtest';
import { endpointThresholds } from '@lab/loadtest/k6/thresholds';
import { k6RunAnnotation } from './annotations.ts';
import { finish, labelVariable, newDashboard, withSections } from './board.ts';
import { statPanel, timeseriesPanel } from './panels.ts';
import { matchers, rateOf, serverErrorRatio, serverLatencyQuantile, serverRequestsRate } from './promql.ts';

export const loadTestUid = 'lab-load-test';
const run = 'testid=~"$testid"';
const selected = matchers(run, 'scenario=~"$scenario"');
const window = '$__rate_interval';
const byEndpoint = '{{scenario}} {{endpoint}}';

/** Dashed lines at each endpoint's k6 threshold, on the series of that endpoint. */
function thresholdOverrides(panel: ReturnType<typeof timeseriesPanel>, value: (t: ReturnType<typeof endpointThresholds>[number]) => number) {
  for (const threshold of endpointThresholds(journeys)) {
    panel.overrideByRegexp(`.* ${escapeRegex(threshold.endpoint)}$`, [
      {
        id: 'thresholds',
        value: { mode: 'absolute', steps: [{ value: null, color: 'green' }, { value: value(threshold), color: 'red' }] },
      },
      { id: 'custom.thresholdsStyle', value: { mode: 'dashed' } },
    ]);
  }
  return panel;
}

const escapeRegex = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function k6Summary() {
  return [
    statPanel('Virtual users', { expr: `sum(k6_vus{${run}})` }, 'none'),
    statPanel('Requests/s', { expr: `sum(${rateOf('k6_http_reqs_total', selected, window)})` }, 'reqps'),
    statPanel('Failed requests', { expr: `avg(k6_http_req_failed_rate{${selected}})` }, 'percentunit', {
      description: 'http_req_failed: responses outside each step\'s expected statuses.',
    }),
    statPanel('Checks passed', { expr: `avg(k6_checks_rate{${selected}})` }, 'percentunit'),
  ];
}

function k6Details() {
  return [
    timeseriesPanel('Virtual users', [{ expr: `sum by (testid) (k6_vus{${run}})`, legend: '{{testid}}' }], 'none', { span: 8 }),
    timeseriesPanel(
      'Iterations and dropped iterations',
      [
        { expr: `sum by (scenario) (${rateOf('k6_iterations_total', selected, window)})`, legend: '{{scenario}}' },
        {
          expr: `sum by (scenario) (${rateOf('k6_dropped_iterations_total', selected, window)})`,
          legend: 'dropped {{scenario}}',
        },
      ],
      'ops',
      { span: 8, description: 'Dropped iterations: the arrival rate needed more VUs than preAllocatedVUs/maxVUs.' },
    ),
    timeseriesPanel(
      'Request rate by endpoint',
      [{ expr: `sum by (scenario, endpoint) (${rateOf('k6_http_reqs_total', selected, window)})`, legend: byEndpoint }],
      'reqps',
      { span: 8 },
    ),
    thresholdOverrides(
      timeseriesPanel('p95 by scenario and endpoint (k6)', [{ expr: `max by (scenario, endpoint) (k6_http_req_duration_p95{${selected}})`, legend: byEndpoint }], 's', {
        description: 'Dashed: the endpoint\'s p95 threshold, which fails the run when crossed.',
      }),
      (threshold) => threshold.p95Ms / 1000,
    ),
    timeseriesPanel('p99 by scenario and endpoint (k6)', [{ expr: `max by (scenario, endpoint) (k6_http_req_duration_p99{${selected}})`, legend: byEndpoint }], 's'),
    thresholdOverrides(
      timeseriesPanel('Failed request ratio by endpoint', [{ expr: `max by (scenario, endpoint) (k6_http_req_failed_rate{${selected}})`, legend: byEndpoint }], 'percentunit', {
        description: 'Dashed: the endpoint\'s error-rate threshold.',
      }),
      (threshold) => threshold.maxErrorRate,
    ),
    timeseriesPanel('Checks passed by check', [{ expr: `min by (check) (k6_checks_rate{${selected}})`, legend: '{{check}}' }], 'percentunit'),
  ];
}

function servicesRed() {
  return [
    timeseriesPanel('Service request rate', [{ expr: serverRequestsRate('', window, ['job']), legend: '{{job}}' }], 'reqps', { span: 8 }),
    timeseriesPanel('Service error ratio (5xx)', [{ expr: serverErrorRatio('', window, ['job']), legend: '{{job}}' }], 'percentunit', {
      span: 8,
    }),
    timeseriesPanel('Service p95 latency', [{ expr: serverLatencyQuantile(0.95, '', window, ['job']), legend: '{{job}}', exemplars: true }], 's', {
      span: 8,
    }),
  ];
}

export function loadTest(): dashboard.Dashboard {
  const builder = newDashboard(
    loadTestUid,
    'Lab / Load test',
    'k6 runs (Prometheus remote write, testid tag) next to the services they load.',
  )
    .withVariable(labelVariable('testid', 'testid', 'k6_http_reqs_total', { multi: true, includeAll: true, labelText: 'Test id' }))
    .withVariable(
      labelVariable('scenario', 'scenario', `k6_http_reqs_total{${run}}`, { multi: true, includeAll: true, labelText: 'Scenario' }),
    )
    .annotation(k6RunAnnotation(run));
  return finish(
    withSections(builder, [
      ['k6', k6Summary()],
      ['k6 by scenario and endpoint', k6Details()],
      ['Services under load', servicesRed()],
    ]),
  );
}

// SLO recording rules and multi-window, multi-burn-rate alerts (Google SRE workbook, chapter 5) for availability and
// latency, as PrometheusRule manifests. Everything aggregates `by (job)`, so every service gets its own alerts.
import { stringify } from 'yaml';
import { serverErrorRatio, serverRequestsRate, serverSlowRatio } from './promql.ts';
import { errorBudget, slo } from './slo.ts';

export interface RecordingRule {
  record: string;
  expr: string;
}

export interface AlertingRule {
  alert: string;
  expr: string;
  for: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export interface RuleGroup {
  name: string;
  interval?: string;
  rules: (RecordingRule | AlertingRule)[];
}

export interface PrometheusRule {
  apiVersion: 'monitoring.coreos.com/v1';
  kind: 'PrometheusRule';
  metadata: { name: string; labels: Record<string, string> };
  spec: { groups: RuleGroup[] };
}

const windows = ['5m', '30m', '1h', '2h', '6h', '1d', '3d'] as const;
type Window = (typeof windows)[number];

/** Recorded SLI series; an Argo Rollouts analysis can reuse `sli.availability.record('5m')`. */
export const sli = {
  requests: { record: (window: Window) => `job:http_server_requests:rate${window}` },
  availability: { record: (window: Window) => `job:http_server_errors:ratio_rate${window}` },
  latency: { record: (window: Window) => `job:http_server_slow_requests:ratio_rate${window}` },
} as const;

/** Page on fast burn (2% of a 30-day budget in 1h, 5% in 6h), ticket on slow burn (10% in 1d, 10% in 3d). */
const burnRates = {
  page: [
    { factor: 14.4, long: '1h', short: '5m' },
    { factor: 6, long: '6h', short: '30m' },
  ],
  ticket: [
    { factor: 3, long: '1d', short: '2h' },
    { factor: 1, long: '3d', short: '6h' },
  ],
} as const satisfies Record<string, readonly { factor: number; long: Window; short: Window }[]>;

const severityFor = { page: '2m', ticket: '15m' } as const;

/** Labels kube-prometheus-stack's default ruleSelector matches (`release: <release name>`). */
export const ruleLabels = { 'app.kubernetes.io/part-of': 'lab-observability', release: 'kube-prometheus-stack' };

function recordingRules(): RecordingRule[] {
  return windows.flatMap((window) => [
    { record: sli.requests.record(window), expr: serverRequestsRate('', window, ['job']) },
    { record: sli.availability.record(window), expr: serverErrorRatio('', window, ['job']) },
    { record: sli.latency.record(window), expr: serverSlowRatio(slo.latency.thresholdSeconds, '', window, ['job']) },
  ]);
}

interface Objective {
  name: 'availability' | 'latency';
  title: string;
  objective: number;
  sli: { record: (window: Window) => string };
  what: string;
}

const objectives: Objective[] = [
  { name: 'availability', title: 'Availability', objective: slo.availability.objective, sli: sli.availability, what: '5xx responses' },
  {
    name: 'latency',
    title: 'Latency',
    objective: slo.latency.objective,
    sli: sli.latency,
    what: `Requests slower than ${slo.latency.thresholdSeconds}s`,
  },
];

const percent = (ratio: number): string => `${Number((ratio * 100).toPrecision(6))}%`;

function burnAlert(objective: Objective, severity: keyof typeof burnRates): AlertingRule {
  const budget = errorBudget(objective.objective);
  const conditions = burnRates[severity].map(({ factor, long, short }) => {
    const threshold = Number((factor * budget).toPrecision(6));
    return `(${objective.sli.record(long)} > ${threshold} and ${objective.sli.record(short)} > ${threshold})`;
  });
  const speed = severity === 'page' ? 'Fast' : 'Slow';
  return {
    alert: `SLO${objective.title}${speed}Burn`,
    expr: conditions.join('\nor\n'),
    for: severityFor[severity],
    labels: { severity, slo: objective.name },
    annotations: {
      summary: `{{ $labels.job }} is burning its ${objective.name} error budget ${severity === 'page' ? 'fast' : 'slowly'}`,
      description:
        `${objective.what} burn the ${percent(budget)} error budget of the ${percent(objective.objective)} objective ` +
        `at over ${burnRates[severity].map((b) => `${b.factor}x (${b.long} and ${b.short})`).join(' or ')} the sustainable rate.`,
      dashboard: '/d/lab-service-detail?var-service={{ $labels.job }}',
    },
  };
}

function manifest(name: string, groups: RuleGroup[]): PrometheusRule {
  return {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PrometheusRule',
    metadata: { name, labels: ruleLabels },
    spec: { groups },
  };
}

export function ruleManifests(): Record<string, PrometheusRule> {
  return {
    'slo-recording.yaml': manifest('lab-slo-recording', [{ name: 'lab-slo-sli', interval: '30s', rules: recordingRules() }]),
    'slo-alerts.yaml': manifest('lab-slo-alerts', [
      { name: 'lab-slo-burn-rate', rules: objectives.flatMap((o) => [burnAlert(o, 'page'), burnAlert(o, 'ticket')]) },
    ]),
  };
}

export function renderRuleManifest(rule: PrometheusRule): string {
  const header =
    '# Generated by dashboards/src/build.ts from dashboards/src/rules.ts: edit the source, then run\n' +
    '# `pnpm --filter @lab/dashboards build`. Checked with promtool by dashboards/test/rules.test.ts.\n';
  return header + stringify(rule, { lineWidth: 0 });
}

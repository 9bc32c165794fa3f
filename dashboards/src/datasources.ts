// Datasource identity and every correlation between the four signals, in one place: the dashboards reference these
// UIDs and the provisioning file is rendered from the same objects, so a reference cannot point at nothing.
import type { DataSourceRef } from '@grafana/grafana-foundation-sdk/common';
import { stringify } from 'yaml';
import { serverRequestsRate, serverErrorRatio, serverLatencyQuantile } from './promql.ts';

/** Names the services emit (docs/conventions.md); the correlation settings below must match them exactly. */
export const correlation = {
  exemplarTraceIdLabel: 'trace_id',
  logTraceIdKey: 'trace_id',
  profileSpanIdLabel: 'span_id',
  profileServiceLabel: 'service_name',
  lokiServiceLabel: 'service_name',
  /**
   * Node's wall profiler with CPU time yields these types (docs/conventions.md; there is no process_cpu type for
   * Node). The span-to-profile link opens CPU time: what the span's own code burned, not time spent waiting.
   */
  profileTypeId: 'wall:cpu:nanoseconds:wall:nanoseconds',
  wallProfileTypeId: 'wall:wall:nanoseconds:wall:nanoseconds',
} as const;

export const datasource = {
  prometheus: { type: 'prometheus', uid: 'prometheus' },
  tempo: { type: 'tempo', uid: 'tempo' },
  loki: { type: 'loki', uid: 'loki' },
  pyroscope: { type: 'grafana-pyroscope-datasource', uid: 'pyroscope' },
} as const satisfies Record<string, Required<DataSourceRef>>;

/** Environment variables the Grafana pod must set: the backends' in-cluster URLs (Grafana expands them). */
export const urlEnv = {
  prometheus: 'PROMETHEUS_URL',
  tempo: 'TEMPO_URL',
  loki: 'LOKI_URL',
  pyroscope: 'PYROSCOPE_URL',
} as const;

// Grafana expands `$NAME` in provisioning files; a literal `$` is written `$$`.
const literal = (template: string): string => template.replaceAll('$', () => '$$');

/** Tempo's `$__tags` expands to `job="gateway", http_route="/api/x"` through the tag mapping below. */
const spanMetricsSelector = '$__tags';

export const tracesToMetricsQueries = [
  { name: 'Request rate', query: serverRequestsRate(spanMetricsSelector, '5m', ['http_route']) },
  { name: 'Error ratio', query: serverErrorRatio(spanMetricsSelector, '5m', ['http_route']) },
  { name: 'p95 latency', query: serverLatencyQuantile(0.95, spanMetricsSelector, '5m', ['http_route']) },
];

/** LogQL Tempo runs for "Logs for this span": the service's stream, filtered on the trace id structured metadata. */
export const tracesToLogsQuery = `{\${__tags}} | ${correlation.logTraceIdKey}="\${__trace.traceId}"`;

export function datasourceProvisioning() {
  const common = { access: 'proxy', editable: false, version: 1 } as const;
  return {
    apiVersion: 1,
    deleteDatasources: [],
    datasources: [
      {
        ...common,
        name: 'Prometheus',
        ...datasource.prometheus,
        url: `\${${urlEnv.prometheus}}`,
        isDefault: true,
        jsonData: {
          httpMethod: 'POST',
          timeInterval: '15s',
          exemplarTraceIdDestinations: [
            { name: correlation.exemplarTraceIdLabel, datasourceUid: datasource.tempo.uid, urlDisplayLabel: 'View trace' },
          ],
        },
      },
      {
        ...common,
        name: 'Tempo',
        ...datasource.tempo,
        url: `\${${urlEnv.tempo}}`,
        jsonData: {
          tracesToLogsV2: {
            datasourceUid: datasource.loki.uid,
            spanStartTimeShift: '-5m',
            spanEndTimeShift: '5m',
            tags: [{ key: 'service.name', value: correlation.lokiServiceLabel }],
            filterByTraceID: true,
            filterBySpanID: false,
            customQuery: true,
            query: literal(tracesToLogsQuery),
          },
          tracesToMetrics: {
            datasourceUid: datasource.prometheus.uid,
            spanStartTimeShift: '-5m',
            spanEndTimeShift: '5m',
            tags: [
              { key: 'service.name', value: 'job' },
              { key: 'http.route', value: 'http_route' },
            ],
            queries: tracesToMetricsQueries.map(({ name, query }) => ({ name, query: literal(query) })),
          },
          tracesToProfiles: {
            datasourceUid: datasource.pyroscope.uid,
            tags: [{ key: 'service.name', value: correlation.profileServiceLabel }],
            profileTypeId: correlation.profileTypeId,
            customQuery: false,
          },
          serviceMap: { datasourceUid: datasource.prometheus.uid },
          nodeGraph: { enabled: true },
          lokiSearch: { datasourceUid: datasource.loki.uid },
          search: { hide: false },
          traceQuery: { timeShiftEnabled: true, spanStartTimeShift: '-30m', spanEndTimeShift: '30m' },
          streamingEnabled: { search: true },
        },
      },
      {
        ...common,
        name: 'Loki',
        ...datasource.loki,
        url: `\${${urlEnv.loki}}`,
        jsonData: {
          maxLines: 1000,
          derivedFields: [
            {
              name: correlation.logTraceIdKey,
              matcherType: 'label',
              matcherRegex: correlation.logTraceIdKey,
              datasourceUid: datasource.tempo.uid,
              url: literal(`\${__value.raw}`),
              urlDisplayLabel: 'View trace',
            },
          ],
        },
      },
      {
        ...common,
        name: 'Pyroscope',
        ...datasource.pyroscope,
        url: `\${${urlEnv.pyroscope}}`,
        jsonData: { minStep: '15s' },
      },
    ],
  };
}

export function renderDatasourcesYaml(): string {
  const header = [
    '# Generated by dashboards/src/build.ts from dashboards/src/datasources.ts: edit the source, then run',
    '# `pnpm --filter @lab/dashboards build`. Grafana expands $NAME from its environment; `$$` is a literal `$`.',
    `# Required env: ${Object.values(urlEnv).join(', ')}.`,
  ].join('\n');
  return `${header}\n${stringify(datasourceProvisioning(), { lineWidth: 0 })}`;
}

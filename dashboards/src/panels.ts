// Panel and query helpers every dashboard shares: each panel is bound to a provisioned datasource UID and gets
// consistent legends, units and refIds, so the dashboard files only say what to show.
import * as common from '@grafana/grafana-foundation-sdk/common';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import * as heatmap from '@grafana/grafana-foundation-sdk/heatmap';
import * as logs from '@grafana/grafana-foundation-sdk/logs';
import * as loki from '@grafana/grafana-foundation-sdk/loki';
import * as nodegraph from '@grafana/grafana-foundation-sdk/nodegraph';
import * as prometheus from '@grafana/grafana-foundation-sdk/prometheus';
import * as pyroscope from '@grafana/grafana-foundation-sdk/grafanapyroscope';
import * as stat from '@grafana/grafana-foundation-sdk/stat';
import type * as table from '@grafana/grafana-foundation-sdk/table';
import * as tempo from '@grafana/grafana-foundation-sdk/tempo';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';
import { datasource } from './datasources.ts';

export interface PromQuery {
  expr: string;
  legend?: string;
  /** Ask Prometheus for exemplars too (latency panels): each one links to its trace. */
  exemplars?: boolean;
}

export interface Size {
  /** Width in grid columns (24 per row). */
  span?: number;
  height?: number;
  description?: string;
}

/** Red above `value`: SLO targets and k6 thresholds drawn on the panel. */
export interface Limit {
  value: number;
  label?: string;
}

const refId = (index: number): string => String.fromCharCode(65 + index);

function promTarget(query: PromQuery, index: number) {
  const target = new prometheus.DataqueryBuilder()
    .datasource(datasource.prometheus)
    .refId(refId(index))
    .expr(query.expr)
    .legendFormat(query.legend ?? '__auto')
    .range();
  return query.exemplars ? target.exemplar(true) : target;
}

function sized<T extends { span(w: number): T; height(h: number): T; description(d: string): T }>(
  panel: T,
  size: Size,
): T {
  const withSize = panel.span(size.span ?? 12).height(size.height ?? 8);
  return size.description ? withSize.description(size.description) : withSize;
}

function limitThresholds(limit: Limit) {
  return new dashboard.ThresholdsConfigBuilder().mode(dashboard.ThresholdsMode.Absolute).steps([
    { value: null, color: 'green' },
    { value: limit.value, color: 'red' },
  ]);
}

export function timeseriesPanel(
  title: string,
  queries: PromQuery[],
  unit: string,
  size: Size & { stacked?: boolean; limit?: Limit } = {},
) {
  const panel = new timeseries.PanelBuilder()
    .title(title)
    .datasource(datasource.prometheus)
    .unit(unit)
    .min(0)
    .fillOpacity(size.stacked ? 30 : 10)
    .lineWidth(1)
    .showPoints(common.VisibilityMode.Never)
    .legend(
      new common.VizLegendOptionsBuilder()
        .showLegend(true)
        .displayMode(common.LegendDisplayMode.Table)
        .placement(common.LegendPlacement.Bottom)
        .calcs(['mean', 'max', 'lastNotNull']),
    )
    .tooltip(new common.VizTooltipOptionsBuilder().mode(common.TooltipDisplayMode.Multi).sort(common.SortOrder.Descending))
    .targets(queries.map(promTarget));
  if (size.stacked) panel.stacking(new common.StackingConfigBuilder().mode(common.StackingMode.Normal));
  if (size.limit) {
    panel
      .thresholds(limitThresholds(size.limit))
      .thresholdsStyle(new common.GraphThresholdsStyleConfigBuilder().mode(common.GraphThresholdsStyleMode.Dashed));
  }
  return sized(panel, size);
}

export function statPanel(title: string, query: PromQuery, unit: string, size: Size & { limit?: Limit } = {}) {
  const panel = new stat.PanelBuilder()
    .title(title)
    .datasource(datasource.prometheus)
    .unit(unit)
    .graphMode(common.BigValueGraphMode.Area)
    .colorMode(common.BigValueColorMode.Value)
    .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false))
    .targets([promTarget(query, 0)]);
  if (size.limit) panel.thresholds(limitThresholds(size.limit));
  return sized(panel, { span: 6, height: 5, ...size });
}

/** Latency distribution from the classic histogram's buckets, with exemplars as dots linking to traces. */
export function latencyHeatmapPanel(title: string, bucketRateExpr: string, size: Size = {}) {
  const target = promTarget({ expr: bucketRateExpr, legend: '{{le}}', exemplars: true }, 0).format(
    prometheus.PromQueryFormat.Heatmap,
  );
  const panel = new heatmap.PanelBuilder()
    .title(title)
    .datasource(datasource.prometheus)
    .calculate(false)
    .yAxis(new heatmap.YAxisConfigBuilder().unit('s'))
    .color(
      new heatmap.HeatmapColorOptionsBuilder()
        .mode(heatmap.HeatmapColorMode.Scheme)
        .scheme('Spectral')
        .exponent(0.5)
        .steps(64),
    )
    .cellValues(new heatmap.CellValuesBuilder().unit('reqps'))
    .exemplarsColor('rgba(255,0,255,0.7)')
    .showLegend()
    .targets([target]);
  return sized(panel, size);
}

export function logsPanel(title: string, logql: string, size: Size = {}) {
  const target = new loki.DataqueryBuilder()
    .datasource(datasource.loki)
    .refId('A')
    .expr(logql)
    .queryType('range')
    .direction(loki.LokiQueryDirection.Backward)
    .maxLines(500);
  const panel = new logs.PanelBuilder()
    .title(title)
    .datasource(datasource.loki)
    .showTime(true)
    .wrapLogMessage(true)
    .prettifyLogMessage(false)
    .enableLogDetails(true)
    .sortOrder(common.LogsSortOrder.Descending)
    .dedupStrategy(common.LogsDedupStrategy.None)
    .targets([target]);
  return sized(panel, { span: 24, height: 10, ...size });
}

/** TraceQL search results as a table; each trace id opens the trace view. */
export function tracesPanel(title: string, traceql: string, size: Size = {}) {
  const target = new tempo.DataqueryBuilder()
    .datasource(datasource.tempo)
    .refId('A')
    .queryType('traceql')
    .query(traceql)
    .tableType(tempo.SearchTableType.Traces)
    .limit(20)
    .spss(3);
  // Generic builder: the table builder always adds `footer`, an option Grafana's current table schema dropped.
  const options: table.Options = { frameIndex: 0, showHeader: true, cellHeight: common.TableCellHeight.Sm };
  const custom: table.FieldConfig = {
    align: common.FieldTextAlignment.Auto,
    cellOptions: { type: common.TableCellDisplayMode.Auto },
    inspect: false,
  };
  const panel = new dashboard.PanelBuilder()
    .type('table')
    .title(title)
    .datasource(datasource.tempo)
    .options(options)
    .custom(custom)
    .targets([target]);
  return sized(panel, size);
}

/** Service graph from Tempo's service-graph metrics (Tempo reads them from Prometheus via `serviceMap`). */
export function serviceGraphPanel(title: string, size: Size = {}) {
  const target = new tempo.DataqueryBuilder().datasource(datasource.tempo).refId('A').queryType('serviceMap');
  const panel = new nodegraph.PanelBuilder().title(title).datasource(datasource.tempo).targets([target]);
  return sized(panel, size);
}

/** The foundation SDK has no flame graph panel builder: the generic builder with Grafana's core `flamegraph` type. */
export function flamegraphPanel(title: string, labelSelector: string, profileTypeId: string, size: Size = {}) {
  const target = new pyroscope.DataqueryBuilder()
    .datasource(datasource.pyroscope)
    .refId('A')
    .queryType('profile')
    .profileTypeId(profileTypeId)
    .labelSelector(labelSelector)
    .groupBy([]);
  const panel = new dashboard.PanelBuilder()
    .type('flamegraph')
    .title(title)
    .datasource(datasource.pyroscope)
    .targets([target]);
  return sized(panel, { height: 12, ...size });
}

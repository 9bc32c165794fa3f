// What every lab dashboard has in common: tags, time settings, a link bar to its siblings, Prometheus variables,
// stable panel ids.
import type * as cog from '@grafana/grafana-foundation-sdk/cog';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import { datasource } from './datasources.ts';

export const labTag = 'lab-observability';

export function newDashboard(uid: string, title: string, description: string): dashboard.DashboardBuilder {
  return new dashboard.DashboardBuilder(title)
    .uid(uid)
    .description(description)
    .tags([labTag])
    .readonly()
    .tooltip(dashboard.DashboardCursorSync.Crosshair)
    .time({ from: 'now-1h', to: 'now' })
    .refresh('30s')
    .timezone('browser')
    .link(
      new dashboard.DashboardLinkBuilder('Lab dashboards')
        .type(dashboard.DashboardLinkType.Dashboards)
        .tags([labTag])
        .asDropdown(true)
        .includeVars(true)
        .keepTime(true),
    );
}

/** A variable filled from a Prometheus label, e.g. the services from `job` of the server histogram. */
export function labelVariable(
  name: string,
  label: string,
  series: string,
  options: { multi?: boolean; includeAll?: boolean; labelText?: string } = {},
) {
  const query = `label_values(${series}, ${label})`;
  const variable = new dashboard.QueryVariableBuilder(name)
    .label(options.labelText ?? name)
    .datasource(datasource.prometheus)
    .query({ qryType: 1, query, refId: 'PrometheusVariableQueryEditor-VariableQuery' })
    .refresh(dashboard.VariableRefresh.OnTimeRangeChanged)
    .sort(dashboard.VariableSort.AlphabeticalAsc)
    .multi(options.multi ?? false)
    .includeAll(options.includeAll ?? false);
  // A regex-friendly "All" keeps `=~"$var"` matchers valid whatever is selected.
  return options.includeAll ? variable.allValue('.*') : variable;
}

/** Adds each section as a row followed by its panels (the builder flows them left to right, top to bottom). */
export function withSections(
  builder: dashboard.DashboardBuilder,
  sections: [title: string, panels: cog.Builder<dashboard.Panel>[]][],
): dashboard.DashboardBuilder {
  for (const [title, panels] of sections) {
    builder.withRow(new dashboard.RowBuilder(title));
    for (const panel of panels) builder.withPanel(panel);
  }
  return builder;
}

/**
 * Builds the dashboard and numbers its panels (rows included) so links and embeds stay stable. The SDK gives every
 * variable the interval-only `auto*` fields and a display-only `definition`, which Grafana's schema does not know on
 * query variables: dropped.
 */
export function finish(builder: dashboard.DashboardBuilder): dashboard.Dashboard {
  const built = builder.build();
  for (const variable of built.templating.list ?? []) {
    if (variable.type === 'query') {
      delete variable.auto;
      delete variable.auto_min;
      delete variable.auto_count;
      delete variable.definition;
    }
  }
  let id = 1;
  for (const panel of built.panels ?? []) {
    panel.id = id++;
    if ('panels' in panel) for (const nested of panel.panels ?? []) nested.id = id++;
  }
  return built;
}

// Every PromQL query the project ships, made runnable against the Prometheus of a lab run: the dashboards' panels,
// annotations and variables, the SLO rules and the Tempo correlations (dashboards/src/expressions.ts), and the
// Argo Rollouts analysis queries under deploy/. Grafana variables, recorded series and analysis arguments are
// replaced by what a lab run has, so the e2e test can ask whether each query returns data.
import { type Expectation, allExpressions, concreteQuery } from '@lab/dashboards/expressions';
import { ruleManifests } from '@lab/dashboards/rules';
import { asArray, asObject, at, describe, loadDir } from '@lab/deploy/manifests';
import { DEPLOY_DIR } from '@lab/deploy/paths';
import type { TimeRange } from '../src/correlation/types.ts';
import type { PrometheusApi } from '../src/metrics/prometheus-api.ts';

export interface RunnableQuery {
  /** Where the query comes from, e.g. `dashboard lab-service-detail / panel "CPU" / A`. */
  source: string;
  /** The query as shipped (before variables, recorded series and arguments were filled in). */
  shipped: string;
  /** The query sent to Prometheus. */
  query: string;
  expectation: Expectation;
  reason?: string;
}

/**
 * The recording rules are not loaded into the lab's Prometheus: an expression over a recorded series gets the rule's
 * own expression in its place, so it is evaluated over the run's raw samples at the run's time.
 */
function recordedSeries(): Map<string, string> {
  const records = new Map<string, string>();
  for (const manifest of Object.values(ruleManifests())) {
    for (const group of manifest.spec.groups) for (const rule of group.rules) if ('record' in rule) records.set(rule.record, rule.expr);
  }
  return records;
}

/** Every `level:metric:operation` name (a colon is reserved for recording rules) becomes its rule's expression. */
function inlineRecordedSeries(expr: string, records: Map<string, string>, source: string): string {
  return expr.replaceAll(/(?<![\w:])[a-zA-Z_]\w*:[\w:]+(?![\w:])(\s*[{[])?/g, (match, selector: string | undefined) => {
    const name = selector ? match.slice(0, -selector.length) : match;
    const recorded = records.get(name);
    if (recorded === undefined) throw new Error(`${source}: ${name} looks like a recorded series, but no recording rule defines it`);
    if (selector) throw new Error(`${source}: ${name} carries a selector or range; only a bare recorded series can be replaced by its rule`);
    return `(${recorded})`;
  });
}

/** The PromQL of dashboards/src/expressions.ts, variables filled with values every lab run matches. */
export function shippedExpressionQueries(rateInterval: string): RunnableQuery[] {
  const records = recordedSeries();
  return allExpressions()
    .filter((expression) => expression.language === 'promql')
    .map(({ source, expr, expectation, reason }) => ({
      source,
      shipped: expr,
      query: inlineRecordedSeries(concreteQuery(expr, 'promql', rateInterval), records, source),
      expectation,
      ...(reason === undefined ? {} : { reason }),
    }));
}

/**
 * What the lab passes for analysis arguments that have no default. The lab scrapes its processes directly, so its
 * series carry no `rollouts_pod_template_hash`; an empty hash makes the matcher select exactly the series without it.
 */
const labArguments: Record<string, string> = { 'canary-hash': '' };

/** A ratio whose numerator only exists once a 5xx was served, with no `or ... * 0` fallback, is empty until then. */
function analysisExpectation(query: string): Pick<RunnableQuery, 'expectation' | 'reason'> {
  return /status_code=~"5\.\."/.test(query) && !/\bor\b/.test(query)
    ? { expectation: 'conditional', reason: 'no series until the canary served a 5xx' }
    : { expectation: 'data' };
}

/** The Prometheus queries of every Argo Rollouts (Cluster)AnalysisTemplate under deploy/, arguments filled in. */
export function analysisTemplateQueries(): RunnableQuery[] {
  const templates = loadDir(DEPLOY_DIR).filter((manifest) => /^(Cluster)?AnalysisTemplate$/.test(String(manifest.doc['kind'])));
  return templates.flatMap((template) => {
    const defaults = new Map(asArray(at(template.doc, 'spec', 'args')).map((arg) => [String(asObject(arg)['name']), asObject(arg)['value']]));
    return asArray(at(template.doc, 'spec', 'metrics')).flatMap((metric) => {
      const shipped = at(metric, 'provider', 'prometheus', 'query');
      if (typeof shipped !== 'string') return [];
      const source = `analysis ${describe(template)} / metric ${String(asObject(metric)['name'])}`;
      const query = shipped.trim().replaceAll(/\{\{\s*args\.([\w-]+)\s*\}\}/g, (_match, name: string) => {
        const value = labArguments[name] ?? defaults.get(name);
        if (typeof value !== 'string') throw new Error(`${source}: argument ${name} has no default and no lab value`);
        return value;
      });
      return [{ source, shipped, query, ...analysisExpectation(query) }];
    });
  });
}

export interface Evaluation {
  query: RunnableQuery;
  /** Series returned over the range (0 when the query failed). */
  series: number;
  error?: string;
  /** Labels the query groups or filters by that no series of the metrics it reads carries. */
  missingLabels: string[];
}

const notMetricNames = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'and', 'or', 'unless', 'offset', 'inf', 'nan']);

/**
 * The metric names a query reads and the labels it groups or joins by or requires (positive matchers; `label=""`
 * selects series without the label). A text scan, not a parser: enough for the queries this project writes.
 */
export function referencedNames(query: string): { metrics: string[]; labels: string[] } {
  const labels = new Set<string>();
  for (const [, label, operator, value] of query.matchAll(/(\w+)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"/g)) {
    if (operator === '=~' || (operator === '=' && value !== '')) labels.add(label!);
  }
  const rest = query
    .replaceAll(/\{[^}]*\}/g, ' ')
    .replaceAll(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)/g, (_clause, list: string) => {
      for (const label of list.split(',').map((item) => item.trim()).filter(Boolean)) labels.add(label);
      return ' ';
    });
  const metrics = [...rest.matchAll(/(?<![\w:.])([a-zA-Z_:][\w:]*)(?![\w:]|\s*\()/g)].map((match) => match[1]!).filter((name) => !notMetricNames.has(name.toLowerCase()));
  labels.delete('__name__');
  return { metrics: [...new Set(metrics)], labels: [...labels] };
}

const escapeRegex = (text: string) => text.replaceAll(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Labels of the query that no series of its metrics carries over the range: a grouping by them collapses to one series. */
async function labelsNotEmitted(api: PrometheusApi, query: string, range: TimeRange, stepSeconds: number): Promise<string[]> {
  const { metrics, labels } = referencedNames(query);
  if (metrics.length === 0) return [];
  const names = metrics.map(escapeRegex).join('|');
  const missing: string[] = [];
  for (const label of labels) {
    const carried = await api.queryRange(`count({__name__=~"${names}", ${label}!=""})`, range, stepSeconds);
    if (carried.length === 0) missing.push(label);
  }
  return missing;
}

/**
 * Evaluates the queries one after another (a 2-core machine also runs the test's other processes). For `data` queries
 * that returned series, also checks that every label they group or filter by is carried by the metrics they read.
 */
export async function evaluateOverRange(api: PrometheusApi, queries: RunnableQuery[], range: TimeRange, stepSeconds: number): Promise<Evaluation[]> {
  const evaluations: Evaluation[] = [];
  for (const query of queries) {
    try {
      const result = await api.queryRange(query.query, range, stepSeconds);
      const series = result.filter((item) => item.values.length > 0).length;
      const missingLabels = query.expectation === 'data' && series > 0 ? await labelsNotEmitted(api, query.query, range, stepSeconds) : [];
      evaluations.push({ query, series, missingLabels });
    } catch (error) {
      evaluations.push({ query, series: 0, error: (error as Error).message, missingLabels: [] });
    }
  }
  return evaluations;
}

/** One line per evaluation, naming the source and the query, for assertion messages. */
export function describeEvaluation({ query, series, error, missingLabels }: Evaluation): string {
  const outcome = error ? `error: ${error}` : `${series} series${missingLabels.length > 0 ? `, labels no series it reads carries: ${missingLabels.join(', ')}` : ''}`;
  const flat = (text: string) => text.trim().replaceAll(/\s*\n\s*/g, ' ');
  const shipped = query.shipped && flat(query.shipped) !== flat(query.query) ? `\n    as shipped: ${flat(query.shipped)}` : '';
  return `${query.source} (${query.expectation}): ${outcome}\n    evaluated: ${flat(query.query)}${shipped}`;
}

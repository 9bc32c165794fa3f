import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { allExpressions, concreteQuery, type Expression } from '../src/expressions.ts';
import { checkRules } from '../src/promtool.ts';
import { syntaxErrors } from '../src/query-syntax.ts';

const expressions = allExpressions();

const describe = (item: Expression, query: string, errors: number[]) =>
  `${item.source}: ${item.language} syntax error at ${errors.join(', ')}\n  ${query}`;

test('every dashboard, rule and correlation query is listed, from every source', () => {
  const count = (prefix: string, language?: string) =>
    expressions.filter((item) => item.source.startsWith(prefix) && (!language || item.language === language)).length;
  for (const uid of ['lab-services-overview', 'lab-service-detail', 'lab-load-test', 'lab-telemetry-pipeline']) {
    assert.ok(count(`dashboard ${uid} /`, 'promql') >= 5, `${uid} has PromQL panels`);
  }
  assert.equal(count('dashboard lab-service-detail', 'logql'), 2);
  assert.equal(count('dashboard lab-service-detail', 'traceql'), 2);
  assert.equal(count('rule slo-recording.yaml'), 21);
  assert.equal(count('rule slo-alerts.yaml'), 4);
  assert.equal(count('datasource tempo / tracesToMetrics'), 3);
  assert.equal(count('datasource tempo / tracesToLogsV2', 'logql'), 1);
});

test('every PromQL, LogQL and TraceQL query parses with its grammar (variables filled in)', () => {
  const broken = expressions.flatMap((item) => {
    const query = concreteQuery(item.expr, item.language);
    const errors = syntaxErrors(item.language, query);
    return errors.length > 0 ? [describe(item, query, errors)] : [];
  });
  assert.deepEqual(broken, []);
});

test('queries over k6 and Tempo-generated series are parse-only; Loki and Tempo queries too', () => {
  for (const item of expressions) {
    const clusterOnly = item.language !== 'promql' || /\b(k6_|traces_service_graph_)/.test(item.expr);
    assert.equal(item.expectation === 'parse-only', clusterOnly, `${item.source}: ${item.expectation}`);
    if (item.expectation !== 'data') assert.ok(item.reason, `${item.source} says why it may return nothing`);
  }
});

test('the grammars reject broken queries (the parse check can fail)', () => {
  assert.notDeepEqual(syntaxErrors('promql', 'sum by (job) (rate(http_server_request_duration_seconds_count[5m])'), []);
  assert.notDeepEqual(syntaxErrors('promql', 'rate(x[$__rate_interval])'), [], 'unfilled Grafana variables do not parse');
  assert.notDeepEqual(syntaxErrors('logql', '{service_name=} | json'), []);
  assert.notDeepEqual(syntaxErrors('traceql', '{ resource.service.name = }'), []);
  assert.deepEqual(syntaxErrors('logql', '{service_name="gateway"} | trace_id="0af7651916cd43dd8448eb211c80319c"'), []);
});

test('concreteQuery fills Grafana variables with matchers every lab series satisfies', () => {
  assert.equal(
    concreteQuery(`sum(rate(x{job="$service", http_route=~"\${route:regex}"}[$__rate_interval]))`, 'promql'),
    'sum(rate(x{job=~".+", http_route=~".+"}[1m]))',
  );
  assert.equal(concreteQuery('rate(x{$__tags}[5m])', 'promql'), 'rate(x{job=~".+"}[5m])');
  assert.equal(concreteQuery(`{\${__tags}}`, 'logql'), '{service_name=~".+"}');
  assert.equal(concreteQuery('{ resource.service.name = "$service" }', 'traceql'), '{ resource.service.name =~ ".+" }');
});

/** Every PromQL expression as a recording rule, so promtool parses and type-checks it with Prometheus' own parser. */
function checkWithPromtool(exprs: string[]) {
  const dir = mkdtempSync(join(tmpdir(), 'lab-promql-'));
  try {
    const rules = exprs.map((expr, index) => ({ record: `lab:expression_check:${index}`, expr }));
    const file = join(dir, 'expressions.yaml');
    writeFileSync(file, JSON.stringify({ groups: [{ name: 'expressions', rules }] }));
    return checkRules([file], dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test("every PromQL expression passes Prometheus' own parser and type checks (promtool)", () => {
  const promql = expressions.filter((item) => item.language === 'promql').map((item) => concreteQuery(item.expr, 'promql'));
  const result = checkWithPromtool(promql);
  assert.equal(result.status, 0, result.output);
  assert.match(result.output, new RegExp(`SUCCESS: ${promql.length} rules found`));
  // Lezer only parses; promtool also rejects type errors such as rate() over an instant vector.
  assert.deepEqual(syntaxErrors('promql', 'rate(up)'), []);
  assert.notEqual(checkWithPromtool(['rate(up)']).status, 0);
});

// promtool check rules on every PrometheusRule deploy/ ships (including the dashboards/ SLO rules, at their source
// and as the synced copy) and on the Argo Rollouts analysis queries (wrapped as recording rules, arguments filled).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { stringify } from 'yaml';
import { asArray, asObject, at, describe, type JsonObject, loadDir, type Manifest } from '../src/manifests.ts';
import { DEPLOY_DIR, REPO_ROOT } from '../src/paths.ts';

const dir = mkdtempSync(join(tmpdir(), 'deploy-rules-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const promtool = spawnSync('promtool', ['--version'], { encoding: 'utf8' }).status === 0;
const skip = promtool ? false : 'promtool is not installed (Debian: apt-get install prometheus)';

function check(name: string, groups: JsonObject[]): { ok: boolean; output: string } {
  const file = join(dir, `${name.replace(/[^a-z0-9]+/gi, '-')}.yaml`);
  writeFileSync(file, stringify({ groups }));
  const run = spawnSync('promtool', ['check', 'rules', file], { encoding: 'utf8', timeout: 30_000 });
  return { ok: run.status === 0, output: `${run.stdout}${run.stderr}` };
}

const sources: Manifest[] = [
  ...loadDir(DEPLOY_DIR),
  ...(existsSync(join(REPO_ROOT, 'dashboards', 'rules')) ? loadDir(join(REPO_ROOT, 'dashboards', 'rules')) : []),
];
const prometheusRules = sources.filter((manifest) => manifest.doc['kind'] === 'PrometheusRule');

test('PrometheusRules are found (deploy/ copies and dashboards/rules)', () => {
  assert.ok(prometheusRules.length >= 2, `found ${prometheusRules.length}`);
});

for (const manifest of prometheusRules) {
  test(`promtool check rules: ${describe(manifest)}`, { skip }, () => {
    const groups = asArray(at(manifest.doc, 'spec', 'groups')).map(asObject);
    assert.ok(groups.length > 0, 'no groups');
    const result = check(describe(manifest), groups);
    assert.ok(result.ok, result.output);
  });
}

/** The analysis queries with {{args.*}} replaced by each argument's value, or by a placeholder. */
function analysisRules(template: Manifest): JsonObject[] {
  const args = new Map(asArray(at(template.doc, 'spec', 'args')).map((arg) => [String(asObject(arg)['name']), String(asObject(arg)['value'] ?? 'placeholder')]));
  return asArray(at(template.doc, 'spec', 'metrics')).map((metric) => {
    const query = String(at(metric, 'provider', 'prometheus', 'query'));
    const expr = query.replace(/\{\{\s*args\.([\w-]+)\s*\}\}/g, (_match, name: string) => {
      assert.ok(args.has(name), `${describe(template)}: query uses undeclared argument ${name}`);
      return args.get(name)!;
    });
    return { record: `analysis:${String(asObject(metric)['name']).replace(/-/g, '_')}`, expr };
  });
}

const templates = sources.filter((manifest) => manifest.doc['kind'] === 'AnalysisTemplate');
for (const template of templates) {
  test(`promtool check rules: analysis queries of ${describe(template)}`, { skip }, () => {
    const rules = analysisRules(template);
    assert.ok(rules.length >= 2, 'error ratio and p99 expected');
    for (const rule of rules) assert.match(String(rule['expr']), /http_server_request_duration_seconds_(count|bucket)\{job="gateway"/);
    const result = check(describe(template), [{ name: 'analysis', rules }]);
    assert.ok(result.ok, result.output);
  });
}

test('promtool rejects a broken expression (negative control)', { skip }, () => {
  const result = check('broken', [{ name: 'broken', rules: [{ record: 'job:broken:rate5m', expr: 'sum(rate(http_server_request_duration_seconds_count[5m])' }] }]);
  assert.equal(result.ok, false);
  assert.match(result.output, /unclosed|parse error|unexpected/i);
});

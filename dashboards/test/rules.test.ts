import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { PrometheusRule } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule';
import { parse } from 'yaml';
import { checkRules, rulesDir, stageRules, testRules, yamlFiles } from '../src/promtool.ts';

const manifests = yamlFiles(rulesDir);

test('the rule files are PrometheusRule manifests the prometheus-operator CRD schema accepts', () => {
  assert.deepEqual(
    manifests.map((file) => file.slice(rulesDir.length + 1)),
    ['slo-alerts.yaml', 'slo-recording.yaml'],
  );
  for (const file of manifests) {
    const rule = new PrometheusRule(parse(readFileSync(file, 'utf8')));
    rule.validate();
    assert.ok(rule.metadata?.labels?.['release'], `${file}: labelled for the kube-prometheus-stack ruleSelector`);
  }
});

test('promtool check rules accepts every rule file', (t) => {
  const staged = stageRules(manifests, []);
  t.after(staged.cleanup);
  const result = checkRules(staged.ruleFiles, staged.dir);
  assert.equal(result.status, 0, result.output);
  assert.match(result.output, /SUCCESS: 21 rules found/);
  assert.match(result.output, /SUCCESS: 4 rules found/);
});

test('promtool test rules: every alert fires when it should and stays quiet when it should not', (t) => {
  const staged = stageRules();
  t.after(staged.cleanup);
  assert.equal(staged.testFiles.length, 2);
  const result = testRules(staged.testFiles, staged.dir);
  assert.equal(result.status, 0, result.output);
  assert.doesNotMatch(result.output, /FAILED/);
});

test('promtool fails on a broken rule file', (t) => {
  const staged = stageRules(manifests, []);
  t.after(staged.cleanup);
  const broken = join(staged.dir, 'broken.yaml');
  writeFileSync(broken, 'groups:\n  - name: broken\n    rules:\n      - record: job:broken:rate5m\n        expr: sum by (job) (rate(x[5m])\n');
  const result = checkRules([broken], staged.dir);
  assert.notEqual(result.status, 0);
  assert.match(result.output, /broken\.yaml/);
});

test('promtool test rules fails when the rules stop matching the expectations (the unit tests can fail)', (t) => {
  const staged = stageRules();
  t.after(staged.cleanup);
  // Short windows that can never burn (ratio > 1): the availability page can no longer fire, the tests must say so.
  const alerts = join(staged.dir, 'slo-alerts.yaml');
  const mutated = readFileSync(alerts, 'utf8')
    .replace('job:http_server_errors:ratio_rate5m > 0.072', 'job:http_server_errors:ratio_rate5m > 1')
    .replace('job:http_server_errors:ratio_rate30m > 0.03', 'job:http_server_errors:ratio_rate30m > 1');
  assert.notEqual(mutated, readFileSync(alerts, 'utf8'));
  writeFileSync(alerts, mutated);
  const result = testRules(staged.testFiles, staged.dir);
  assert.notEqual(result.status, 0);
  assert.match(result.output, /FAILED[\s\S]*SLOAvailabilityFastBurn/);
});

// The control plane's backup watch: the alerts' windows follow the k3s snapshot schedule iac/ configures (one
// interval plus an hour), and promtool's unit tests (deploy/test/fixtures/etcd-snapshot-rules.test.yaml) show each
// alert firing for a late, a never-uploading and an unmonitored server and staying quiet for one on schedule.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { parseHcl } from '../src/hcl.ts';
import { parse, stringify } from 'yaml';
import { argoApps } from '../src/inventory.ts';
import { asArray, asObject, at, type JsonObject, loadFile } from '../src/manifests.ts';
import { DEPLOY_DIR, REPO_ROOT } from '../src/paths.ts';

const RULES = join(DEPLOY_DIR, 'platform', 'etcd-backup', 'prometheusrule.yaml');
const [rule] = loadFile(RULES);
const groups = asArray(at(rule?.doc, 'spec', 'groups')).map(asObject);
const rules = groups.flatMap((group) => asArray(group['rules']).map(asObject));
const VARIABLES = join(REPO_ROOT, 'iac', 'cluster', 'variables.tf');
const variables = asObject(((await parseHcl(VARIABLES, readFileSync(VARIABLES, 'utf8'))) as JsonObject)['variable']);
const schedule = String(asObject(asArray(variables['etcd_snapshot_schedule'])[0])['default']);

// Hours between runs of a cron schedule that runs every N hours at a fixed minute ("M */N * * *").
function intervalHours(cron: string): number {
  const match = /^(\d{1,2}) \*\/(\d{1,2}) \* \* \*$/.exec(cron);
  if (!match) throw new Error(`etcd snapshot schedule "${cron}": only "M */N * * *" is understood here`);
  return Number(match[2]);
}

const promtool = spawnSync('promtool', ['--version'], { encoding: 'utf8' }).status === 0;
const skip = promtool ? false : 'promtool is not installed (Debian: apt-get install prometheus)';
const dir = mkdtempSync(join(tmpdir(), 'etcd-rules-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** promtool test rules with the fixture against the given rule groups. */
function unitTest(ruleGroups: JsonObject[]): { ok: boolean; output: string } {
  const rulesFile = join(dir, `rules-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(rulesFile, stringify({ groups: ruleGroups }));
  const fixture = parse(readFileSync(join(DEPLOY_DIR, 'test', 'fixtures', 'etcd-snapshot-rules.test.yaml'), 'utf8')) as JsonObject;
  const testFile = join(dir, 'test.yaml');
  writeFileSync(testFile, stringify({ ...fixture, rule_files: [rulesFile] }));
  const run = spawnSync('promtool', ['test', 'rules', testFile], { encoding: 'utf8', timeout: 60_000 });
  return { ok: run.status === 0, output: `${run.stdout}${run.stderr}` };
}

test('the alert windows allow one snapshot interval of the k3s schedule plus an hour', () => {
  const window = `${intervalHours(schedule) + 1}h`;
  const names = rules.map((entry) => entry['alert']);
  assert.deepEqual(names, ['EtcdSnapshotTooOld', 'EtcdSnapshotNotUploaded', 'EtcdSnapshotFailing', 'EtcdSnapshotMetricsAbsent']);
  for (const entry of rules) {
    const ranges = [...String(entry['expr']).matchAll(/\[(\w+)\]/g)].map((match) => match[1]);
    if (entry['alert'] === 'EtcdSnapshotMetricsAbsent') assert.equal(entry['for'], window, 'absent for longer than an interval');
    else assert.ok(ranges.length > 0 && ranges.every((range) => range === window), `${entry['alert']}: windows ${ranges.join(', ')}, expected ${window}`);
    assert.equal(at(entry, 'labels', 'severity'), 'ticket', 'routed by Alertmanager (page|ticket)');
  }
  // The metrics the rules read are the ones k3s exposes with supervisor-metrics (k3s docs, "Supervisor Metrics").
  const template = readFileSync(join(REPO_ROOT, 'iac', 'modules', 'k3s-cluster', 'cloud-init.yaml.tftpl'), 'utf8');
  assert.match(template, /supervisor-metrics: true/);
  assert.match(readFileSync(RULES, 'utf8'), new RegExp(`every ${intervalHours(schedule)} hours`));
  assert.throws(() => intervalHours('@daily'), /only "M \*\/N \* \* \*"/);
});

test('promtool test rules: late, never-uploading and unmonitored servers alert; one on schedule does not', { skip }, () => {
  const result = unitTest(groups);
  assert.ok(result.ok, result.output);
});

test('the unit tests fail when the window stops matching (negative control)', { skip }, () => {
  const lax = JSON.parse(JSON.stringify(groups).replaceAll('[7h]', '[13h]')) as JsonObject[];
  const result = unitTest(lax);
  assert.ok(!result.ok, 'a 13 h window must miss the late server');
  assert.match(result.output, /EtcdSnapshotTooOld/);
});

test('the rules sync with Prometheus after their CRD, in the namespace Prometheus selects', () => {
  const apps = argoApps();
  const app = apps.find((candidate) => candidate.paths.includes('deploy/platform/etcd-backup'));
  assert.ok(app, 'no Application syncs deploy/platform/etcd-backup');
  const crds = apps.find((candidate) => candidate.name === 'prometheus-operator-crds')!;
  const stack = apps.find((candidate) => candidate.name === 'kube-prometheus-stack')!;
  assert.ok(app.wave > crds.wave && app.wave > stack.wave);
  assert.equal(at(stack.values, 'prometheus', 'prometheusSpec', 'ruleSelectorNilUsesHelmValues'), false, 'Prometheus picks up rules outside its chart');
  assert.equal(at(rule?.doc, 'metadata', 'namespace'), 'monitoring');
});

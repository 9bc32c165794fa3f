// Alertmanager's routing, checked by Alertmanager's own tool: `amtool check-config` loads the config the
// kube-prometheus-stack values give, and `amtool config routes test` resolves every alert our PrometheusRules can
// fire to the receiver of its severity. amtool comes with Debian's prometheus-alertmanager (.ci/run installs it).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { stringify } from 'yaml';
import { argoApps, renderedKustomizations } from '../src/inventory.ts';
import { asArray, asObject, at, type JsonObject, loadDir } from '../src/manifests.ts';
import { DEPLOY_DIR, REPO_ROOT } from '../src/paths.ts';

const found = spawnSync('amtool', ['--version'], { encoding: 'utf8' });
if (found.error) {
  throw new Error('amtool is not installed: `apt-get install prometheus-alertmanager` (bash .ci/run installs it); the Alertmanager routing cannot be checked without it');
}

const apps = argoApps();
const stack = apps.find((app) => app.name === 'kube-prometheus-stack');
assert.ok(stack, 'no kube-prometheus-stack Application');
const alertmanager = asObject(stack.values['alertmanager']);
const dir = mkdtempSync(join(tmpdir(), 'deploy-alertmanager-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function writeConfig(config: JsonObject, name: string): string {
  const file = join(dir, name);
  writeFileSync(file, stringify(config));
  return file;
}

function amtool(args: string[]) {
  const run = spawnSync('amtool', args, { encoding: 'utf8', timeout: 20_000 });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

/** The receiver(s) amtool resolves for a label set. */
function receiversFor(file: string, labels: Record<string, string>): string {
  const run = amtool(['config', 'routes', 'test', `--config.file=${file}`, ...Object.entries(labels).map(([key, value]) => `${key}=${value}`)]);
  assert.equal(run.status, 0, run.output);
  return run.output.split('\n').find((line) => line.trim() && !line.startsWith('Warning'))!.trim();
}

const configFile = writeConfig(asObject(alertmanager['config']), 'alertmanager.yaml');

test('amtool accepts the Alertmanager config of the kube-prometheus-stack values', () => {
  const run = amtool(['check-config', configFile]);
  assert.equal(run.status, 0, run.output);
  assert.match(run.output, /SUCCESS/);
});

/** Every alert the PrometheusRules synced by Argo CD declare, with its static labels. */
function alertRules(): { alert: string; labels: Record<string, string> }[] {
  const rules = [...renderedKustomizations(apps).values()].flat().filter((object) => object['kind'] === 'PrometheusRule');
  return rules.flatMap((rule) =>
    asArray(at(rule, 'spec', 'groups')).flatMap((group) =>
      asArray(asObject(group)['rules'])
        .map(asObject)
        .filter((item) => typeof item['alert'] === 'string')
        .map((item) => ({ alert: String(item['alert']), labels: Object.fromEntries(Object.entries(asObject(item['labels'])).map(([key, value]) => [key, String(value)])) })),
    ),
  );
}

test('every alert reaches the receiver named by its severity (page, ticket); nothing lands in "null"', () => {
  const alerts = alertRules();
  assert.ok(alerts.length >= 4, `only ${alerts.length} alerts found`);
  const receivers = new Set(asArray(at(alertmanager, 'config', 'receivers')).map((receiver) => String(asObject(receiver)['name'])));
  for (const { alert, labels } of alerts) {
    const severity = labels['severity'];
    assert.ok(severity && receivers.has(severity), `${alert}: severity ${String(severity)} has no receiver of that name`);
    assert.equal(receiversFor(configFile, { alertname: alert, job: 'gateway', ...labels }), severity, `${alert} is routed elsewhere`);
  }
  // The chart's own rules: critical pages, warning makes a ticket, the heartbeat and info notify nobody.
  assert.equal(receiversFor(configFile, { alertname: 'KubePodCrashLooping', severity: 'critical' }), 'page');
  assert.equal(receiversFor(configFile, { alertname: 'KubePodCrashLooping', severity: 'warning' }), 'ticket');
  assert.equal(receiversFor(configFile, { alertname: 'Watchdog', severity: 'none' }), 'null');
});

test('a config without routes sends a page to the default receiver (negative control)', () => {
  const bare = writeConfig({ route: { receiver: 'null' }, receivers: [{ name: 'null' }, { name: 'page' }] }, 'bare.yaml');
  assert.equal(receiversFor(bare, { alertname: 'SLOAvailabilityFastBurn', severity: 'page' }), 'null');
});

test("receivers read their credentials from files of a mounted Secret that an ExternalSecret provides", () => {
  const mounted = asArray(at(alertmanager, 'alertmanagerSpec', 'secrets')).map(String);
  const externalSecrets = loadDir(join(DEPLOY_DIR, 'platform', 'external-secrets', 'config')).filter(
    (manifest) => manifest.doc['kind'] === 'ExternalSecret' && at(manifest.doc, 'metadata', 'namespace') === stack.namespace,
  );
  const text = readFileSync(join(REPO_ROOT, 'deploy', 'platform', 'kube-prometheus-stack', 'values.yaml'), 'utf8');
  const files = [...JSON.stringify(at(alertmanager, 'config', 'receivers')).matchAll(/"(\w+_file)":"([^"]+)"/g)];
  assert.ok(files.length >= 2, 'the page and ticket receivers read their credentials from files');
  for (const [, key, path] of files) {
    const match = /^\/etc\/alertmanager\/secrets\/([^/]+)\/([^/]+)$/.exec(path!);
    assert.ok(match, `${key}: ${path} is not under the operator's secret mount /etc/alertmanager/secrets/<secret>/<key>`);
    const [, secret, item] = match;
    assert.ok(mounted.includes(secret!), `${key}: Secret ${secret} is not in alertmanagerSpec.secrets`);
    const source = externalSecrets.find((manifest) => at(manifest.doc, 'spec', 'target', 'name') === secret);
    assert.ok(source, `${key}: no ExternalSecret in ${stack.namespace} makes Secret ${secret}`);
    assert.ok(asArray(at(source.doc, 'spec', 'data')).some((entry) => asObject(entry)['secretKey'] === item), `${key}: ExternalSecret ${secret} has no key ${item}`);
  }
  // No inline credentials: the *_file forms only.
  assert.doesNotMatch(text, /\b(routing_key|service_key|api_url|api_key|url):\s*\S/, 'an inline receiver credential');
});

// iac/ offline: every .tf file parses with HashiCorp's HCL parser (@cdktf/hcl2json: Go's hashicorp/hcl compiled to
// WebAssembly, no network); providers pinned to exact versions, required_version set, S3 backends with locking;
// every variable described, typed and used, every module argument a variable of the module; the cloud-init
// template's variables all passed; the buckets against the platform values; the bootstrap against deploy/.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { test } from 'node:test';
import { parseHcl } from '../src/hcl.ts';
import { argoApps, s3Clients } from '../src/inventory.ts';
import { asArray, asObject, at, type JsonObject, parseYaml } from '../src/manifests.ts';
import { DEPLOY_DIR, REPO_ROOT } from '../src/paths.ts';

const IAC = join(REPO_ROOT, 'iac');
const files = (readdirSync(IAC, { recursive: true }) as string[]).filter((file) => file.endsWith('.tf')).map((file) => join(IAC, file));
const parsed = new Map<string, JsonObject>();
for (const file of files) parsed.set(file, (await parseHcl(file, readFileSync(file, 'utf8'))) as JsonObject);
const modules = [...new Set(files.map(dirname))];
const inModule = (dir: string) => files.filter((file) => dirname(file) === dir);
/** A block type merged over a module's files: { name: [body] }. */
const blocks = (dir: string, type: string): JsonObject => Object.assign({}, ...inModule(dir).map((file) => asObject(parsed.get(file)![type] ?? {})));
const moduleText = (dir: string) => (readdirSync(dir) as string[]).filter((file) => /\.(tf|tftpl)$/.test(file)).map((file) => readFileSync(join(dir, file), 'utf8')).join('\n');
const where = (dir: string) => relative(REPO_ROOT, dir) || '.';

test('every .tf file parses (HashiCorp HCL), and a broken one is rejected (negative control)', async () => {
  assert.ok(files.length >= 12, `only ${files.length} .tf files`);
  assert.deepEqual(modules.map(where).sort(), ['iac/bootstrap', 'iac/cluster', 'iac/modules/k3s-cluster', 'iac/modules/object-store']);
  await assert.rejects(parseHcl('broken.tf', 'resource "aws_s3_bucket" "x" {\n  bucket = "a"\n'), /Unclosed configuration block/);
  await assert.rejects(parseHcl('broken.tf', 'variable "x" {\n  description = "a\n}\n'), /Unterminated|Invalid|newline/i);
});

test('providers are pinned to exact versions, the same in every module; Terraform/OpenTofu 1.6+ is required', () => {
  const versions = new Map<string, string>();
  for (const dir of modules) {
    const terraform = inModule(dir).flatMap((file) => asArray(parsed.get(file)!['terraform'] ?? []));
    assert.ok(terraform.length > 0, `${where(dir)}: no terraform block`);
    assert.ok(terraform.some((block) => asObject(block)['required_version'] === '>= 1.6.0'), `${where(dir)}: required_version`);
    for (const block of terraform) {
      for (const providers of asArray(asObject(block)['required_providers'] ?? [])) {
        for (const [name, spec] of Object.entries(asObject(providers))) {
          const version = String(asObject(spec)['version']);
          assert.match(version, /^\d+\.\d+\.\d+$/, `${where(dir)}: provider ${name} must be pinned to an exact version, not "${version}"`);
          assert.ok(!versions.has(name) || versions.get(name) === version, `${where(dir)}: ${name} ${version} differs from ${versions.get(name)} elsewhere`);
          versions.set(name, version);
        }
      }
    }
  }
  assert.deepEqual([...versions.keys()].sort(), ['aws', 'helm', 'random']);
  // Modules from a registry would need an exact version too; these are all local.
  for (const dir of modules) {
    for (const [name, body] of Object.entries(blocks(dir, 'module'))) {
      const source = String(asObject(asArray(body)[0])['source']);
      assert.ok(source.startsWith('../') || /^\d+\.\d+\.\d+$/.test(String(asObject(asArray(body)[0])['version'])), `${where(dir)}: module ${name} (${source}) is not pinned`);
    }
  }
});

test('every variable is described, typed and used; every var.x used is declared', () => {
  for (const dir of modules) {
    const variables = blocks(dir, 'variable');
    const text = moduleText(dir).replace(/variable\s+"[\w-]+"\s*\{/g, '');
    const used = new Set([...text.matchAll(/\bvar\.([A-Za-z_]\w*)/g)].map((match) => match[1]!));
    for (const [name, body] of Object.entries(variables)) {
      const variable = asObject(asArray(body)[0]);
      assert.ok(String(variable['description'] ?? '').length > 10, `${where(dir)}: variable ${name} has no description`);
      assert.ok(variable['type'], `${where(dir)}: variable ${name} has no type`);
      assert.ok(used.has(name), `${where(dir)}: variable ${name} is declared but never used`);
    }
    for (const name of used) assert.ok(name in variables, `${where(dir)}: var.${name} is not declared`);
  }
});

test('module calls pass exactly variables of the module, and every variable without a default', () => {
  const META = new Set(['source', 'version', 'providers', 'depends_on', 'count', 'for_each']);
  let calls = 0;
  for (const dir of modules) {
    for (const [name, body] of Object.entries(blocks(dir, 'module'))) {
      calls++;
      const call = asObject(asArray(body)[0]);
      const target = join(dir, String(call['source']));
      const variables = blocks(target, 'variable');
      const passed = Object.keys(call).filter((key) => !META.has(key));
      for (const key of passed) assert.ok(key in variables, `${where(dir)}: module ${name} passes ${key}, not a variable of ${where(target)}`);
      for (const [variable, declared] of Object.entries(variables)) {
        if (!('default' in asObject(asArray(declared)[0]))) assert.ok(passed.includes(variable), `${where(dir)}: module ${name} lacks ${variable}`);
      }
    }
  }
  assert.equal(calls, 2);
});

test("the cloud-init template's variables are all passed by templatefile(); k3s snapshots to the etcd bucket", () => {
  const dir = join(IAC, 'modules', 'k3s-cluster');
  const template = readFileSync(join(dir, 'cloud-init.yaml.tftpl'), 'utf8');
  const needed = new Set([...template.matchAll(/\$\{\s*([A-Za-z_]\w*)\s*\}/g), ...template.matchAll(/%\{\s*(?:if|for)\s+([A-Za-z_]\w*)/g)].map((match) => match[1]!));
  const main = readFileSync(join(dir, 'main.tf'), 'utf8');
  const nodeConfig = /node_config = \{([\s\S]*?)\n {2}\}/.exec(main)?.[1] ?? '';
  const provided = new Set([...nodeConfig.matchAll(/^\s*(\w+)\s*=/gm)].map((match) => match[1]!));
  const calls = [...main.matchAll(/templatefile\([^,]+cloud-init\.yaml\.tftpl", merge\(local\.node_config, \{([^}]*)\}\)\)/g)];
  assert.equal(calls.length, 2, 'servers and agents render the template');
  for (const call of calls) {
    const extra = new Set([...call[1]!.matchAll(/(\w+)\s*=/g)].map((match) => match[1]!));
    for (const name of needed) assert.ok(provided.has(name) || extra.has(name), `template variable ${name} is not passed`);
  }
  // Template placeholders written as (name) here: `$` + `{name}` in the file.
  const settings = ['cluster-init: true', 'supervisor-metrics: true', 'etcd-s3: true', 'etcd-snapshot-schedule-cron: "(etcd_snapshot_schedule)"', 'etcd-snapshot-retention: (etcd_snapshot_retention)', 'etcd-s3-bucket: "(etcd_snapshot_bucket)"', 'flannel-backend: none', 'disable-network-policy: true'];
  for (const setting of settings.map((line) => line.replace(/\((\w+)\)/, (_, name: string) => `$${'{'}${name}}`))) {
    assert.ok(template.includes(setting), `the server config lacks ${setting}`);
  }
  const cluster = readFileSync(join(IAC, 'cluster', 'main.tf'), 'utf8');
  assert.match(cluster, /etcd_snapshot_bucket\s*=\s*module\.object_store\.buckets\["etcd-snapshots"\]/);
});

/** The buckets the object store creates and those every S3 client of the platform uses, from the values Argo CD syncs. */
function platformBuckets(): Set<string> {
  const apps = argoApps();
  const store = apps.find((app) => app.name === 'seaweedfs')!.values;
  return new Set([
    ...asArray(at(store, 'allInOne', 's3', 'createBuckets')).map((bucket) => String(asObject(bucket)['name'])),
    ...s3Clients(apps).map((client) => client.bucket),
  ]);
}

test('the buckets iac creates are the platform values\' buckets, plus the etcd snapshots', () => {
  const store = readFileSync(join(IAC, 'modules', 'object-store', 'main.tf'), 'utf8');
  const locals = asObject(asArray(blocks(join(IAC, 'modules', 'object-store'), 'locals')['buckets'] ?? [])[0] ?? {});
  const fromLocals = Object.keys(locals).length > 0 ? Object.keys(locals) : [...store.matchAll(/^\s{4}"([\w-]+)"\s*=\s*\{/gm)].map((match) => match[1]!);
  const platform = platformBuckets();
  assert.ok(platform.size >= 6, `platform buckets: ${[...platform].join(', ')}`);
  assert.deepEqual(fromLocals.sort(), [...platform, 'etcd-snapshots'].sort());
  assert.match(store, /bucket\s*=\s*"\$\{var\.cluster_name\}-\$\{each\.key\}"/, 'bucket names are <cluster>-<platform name>');
  for (const backup of ['velero', 'etcd-snapshots']) assert.match(store, new RegExp(`"${backup}"\\s*=\\s*\\{ versioned = true \\}`), `${backup} is versioned`);
});

test("the IAM identities reach the same buckets as SeaweedFS' identities in-cluster", () => {
  const text = readFileSync(join(IAC, 'modules', 'object-store', 'main.tf'), 'utf8');
  const block = /identities = \{([\s\S]*?)\n {2}\}/.exec(text)?.[1] ?? '';
  const iam = Object.fromEntries([...block.matchAll(/"([\w-]+)"\s*=\s*\[([^\]]*)\]/g)].map((match) => [match[1]!, [...match[2]!.matchAll(/"([\w-]+)"/g)].map((name) => name[1]!).sort()]));
  const source = readFileSync(join(DEPLOY_DIR, 'platform', 'external-secrets', 'config', 'seaweedfs.yaml'), 'utf8');
  const [secret] = parseYaml(source, 'seaweedfs.yaml');
  const config = JSON.parse(String(at(secret, 'spec', 'target', 'template', 'data', 'seaweedfs_s3_config')).replace(/\{\{[^}]*\}\}/g, 'x')) as JsonObject;
  const seaweed = Object.fromEntries(
    asArray(config['identities']).map(asObject).map((identity) => [String(identity['name']), [...new Set(asArray(identity['actions']).map((action) => String(action).split(':')[1]!))].sort()]),
  );
  assert.ok(Object.keys(seaweed).length >= 2);
  assert.deepEqual(iam, seaweed);
  assert.doesNotMatch(text, /aws_iam_access_key/, 'no access keys in the state');
});

test('both roots keep remote state in S3 with locking, each under its own key', () => {
  const keys: string[] = [];
  for (const root of ['cluster', 'bootstrap']) {
    const terraform = inModule(join(IAC, root)).flatMap((file) => asArray(parsed.get(file)!['terraform'] ?? []));
    const backend = terraform.map((block) => asObject(asObject(block)['backend'] ?? {})).find((entry) => entry['s3']);
    assert.ok(backend, `iac/${root}: no s3 backend`);
    const s3 = asObject(asArray(backend['s3'])[0]);
    assert.equal(s3['use_lockfile'], true, `iac/${root}: locking`);
    assert.equal(s3['encrypt'], true);
    keys.push(String(s3['key']));
  }
  assert.equal(new Set(keys).size, 2, 'one state key per root');
  assert.match(readFileSync(join(IAC, 'README.md'), 'utf8'), /## Remote state/);
});

test('the bootstrap installs Argo CD with the README\'s health check and the repository\'s root Application', () => {
  const dir = join(IAC, 'bootstrap');
  const releases = asObject(blocks(dir, 'resource')['helm_release']);
  const argocd = asObject(asArray(releases['argocd'])[0]);
  const root = asObject(asArray(releases['root'])[0]);
  for (const release of [argocd, root]) {
    assert.equal(release['repository'], 'https://argoproj.github.io/argo-helm');
    assert.match(String(release['version']), /^\d+\.\d+\.\d+$/);
  }
  assert.deepEqual([argocd['chart'], root['chart']], ['argo-cd', 'argocd-apps']);
  // The Lua the README passes with --set-json, byte for byte.
  const readme = readFileSync(join(DEPLOY_DIR, 'README.md'), 'utf8');
  const setJson = /--set-json 'configs\.cm=(\{.*\})'/.exec(readme)?.[1];
  assert.ok(setJson, 'the README installs Argo CD with --set-json configs.cm');
  const lua = String((JSON.parse(setJson) as JsonObject)['resource.customizations.health.argoproj.io_Application']);
  assert.equal(readFileSync(join(dir, 'application-health.lua'), 'utf8'), lua);
  // The root Application file the bootstrap reads exists for both environments and is an Application.
  const main = readFileSync(join(dir, 'main.tf'), 'utf8');
  assert.match(main, /deploy\/argocd\/bootstrap\/root-\$\{var\.environment\}\.yaml/);
  const validation = String(asObject(asArray(blocks(dir, 'variable')['environment'])[0])['validation'] ? JSON.stringify(asObject(asArray(blocks(dir, 'variable')['environment'])[0])['validation']) : '');
  for (const environment of ['dev', 'prod']) {
    assert.ok(validation.includes(`\\"${environment}\\"`), `environment ${environment} allowed`);
    const [doc] = parseYaml(readFileSync(join(DEPLOY_DIR, 'argocd', 'bootstrap', `root-${environment}.yaml`), 'utf8'), environment);
    assert.equal(doc?.['kind'], 'Application');
  }
});

// Writes deploy/upstream/charts/<chart>-<version>/contract.json (see src/chart-values.ts) for the chart version each
// Argo CD Application pins, and deploy/upstream/charts/SOURCES.md, from local git copies of the charts' repositories:
//
//   node deploy/scripts/vendor-chart-schemas.ts --mirrors <dir>
//
// <dir> holds one bare or working git copy per repository as <owner>+<name>/repo, <owner>+<name> or <owner>/<name>
// (e.g. `git clone --bare https://github.com/grafana-community/helm-charts <dir>/grafana-community+helm-charts`).
// The chart's release is found by the version in its Chart.yaml (the commit that introduced it) or by tag. A pinned
// version the copy does not have is an error (no other release stands for it: pin a version you can check, or bring a
// newer copy). Each contract also records the release's appVersion, which the tests compare between a CRD chart and
// the operator it serves. Contracts no Application uses are removed.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { type ChartContract, CONTRACTS_DIR, contractPaths, pinnedReleases, serializeContract, templatePaths } from '../src/chart-values.ts';
import { argoApps } from '../src/inventory.ts';
import type { JsonObject } from '../src/manifests.ts';

interface Source {
  repo: string;
  /** The chart's folder: in the repository, or inside the packaged chart for `tarballs`. */
  path: string;
  /**
   * `history` (default): the commit whose Chart.yaml introduced the version; `tags`: release tags (`tagIsVersion` when
   * the tag names the chart version, as Istio's placeholder Chart.yaml does not); `tarballs`: a chart repository's
   * packaged `<chart>-<version>.tgz` files at its root.
   */
  releases?: 'history' | 'tags' | 'tarballs';
  tagPattern?: RegExp;
  /**
   * The release tag is the chart version; the Chart.yaml in git carries placeholders (Istio's 1.0.0, Kiali's 0.0.0)
   * that the release build replaces with the tag for both `version` and `appVersion`.
   */
  tagIsVersion?: boolean;
  /** A key the chart's values.yaml nests its defaults under, merged by its templates with the user's top-level values. */
  defaultsUnder?: string;
}

/** Where each chart the Applications install is developed. */
const SOURCES: Record<string, Source> = {
  'argo-rollouts': { repo: 'argoproj/argo-helm', path: 'charts/argo-rollouts' },
  'external-secrets': { repo: 'external-secrets/external-secrets', path: 'deploy/charts/external-secrets' },
  falco: { repo: 'falcosecurity/charts', path: 'charts/falco' },
  'fluent-bit': { repo: 'fluent/helm-charts', path: 'charts/fluent-bit' },
  grafana: { repo: 'grafana-community/helm-charts', path: 'charts/grafana' },
  loki: { repo: 'grafana-community/helm-charts', path: 'charts/loki' },
  tempo: { repo: 'grafana-community/helm-charts', path: 'charts/tempo' },
  'kube-prometheus-stack': { repo: 'prometheus-community/helm-charts', path: 'charts/kube-prometheus-stack' },
  'opentelemetry-collector': { repo: 'open-telemetry/opentelemetry-helm-charts', path: 'charts/opentelemetry-collector' },
  thanos: { repo: 'stevehipwell/helm-charts', path: 'charts/thanos' },
  velero: { repo: 'vmware-tanzu/helm-charts', path: 'charts/velero' },
  'k6-operator': { repo: 'grafana/k6-operator', path: 'charts/k6-operator' },
  pyroscope: { repo: 'grafana/pyroscope', path: 'operations/pyroscope/helm/pyroscope' },
  seaweedfs: { repo: 'seaweedfs/seaweedfs', path: 'k8s/charts/seaweedfs' },
  // Kyverno's main branch carries a placeholder chart version; each release tag sets the real one.
  kyverno: { repo: 'kyverno/kyverno', path: 'charts/kyverno', releases: 'tags', tagPattern: /^v\d+\.\d+\.\d+$/ },
  'prometheus-operator-crds': { repo: 'prometheus-community/helm-charts', path: 'charts/prometheus-operator-crds' },
  // Istio's charts say version 1.0.0 in git; the release tag is the published chart version, and the templates merge
  // `_internal_defaults_do_not_set` with the user's values.
  base: { repo: 'istio/istio', path: 'manifests/charts/base', releases: 'tags', tagPattern: /^\d+\.\d+\.\d+$/, tagIsVersion: true, defaultsUnder: '_internal_defaults_do_not_set' },
  cni: { repo: 'istio/istio', path: 'manifests/charts/istio-cni', releases: 'tags', tagPattern: /^\d+\.\d+\.\d+$/, tagIsVersion: true, defaultsUnder: '_internal_defaults_do_not_set' },
  istiod: { repo: 'istio/istio', path: 'manifests/charts/istio-control/istio-discovery', releases: 'tags', tagPattern: /^\d+\.\d+\.\d+$/, tagIsVersion: true, defaultsUnder: '_internal_defaults_do_not_set' },
  gateway: { repo: 'istio/istio', path: 'manifests/charts/gateway', releases: 'tags', tagPattern: /^\d+\.\d+\.\d+$/, tagIsVersion: true, defaultsUnder: '_internal_defaults_do_not_set' },
  // cilium/cilium is too large to copy here; cilium/charts holds the published packages.
  cilium: { repo: 'cilium/charts', path: 'cilium', releases: 'tarballs', tagPattern: /^cilium-(\d+\.\d+\.\d+)\.tgz$/ },
  // Kiali's chart says version 0.0.0 in git; each release tag (vX.Y.Z) is the published chart version.
  'kiali-server': { repo: 'kiali/helm-charts', path: 'kiali-server', releases: 'tags', tagPattern: /^v\d+\.\d+\.\d+$/, tagIsVersion: true },
  jenkins: { repo: 'jenkinsci/helm-charts', path: 'charts/jenkins' },
};

function argument(name: string): string | undefined {
  const index = process.argv.indexOf(name);
  return index >= 0 ? process.argv[index + 1] : undefined;
}

const mirrors = argument('--mirrors');
if (!mirrors) throw new Error('usage: node deploy/scripts/vendor-chart-schemas.ts --mirrors <dir with git copies of the chart repositories>');

function gitDir(repo: string): string {
  const [owner, name] = repo.split('/');
  const candidates = [join(mirrors!, `${owner}+${name}`, 'repo'), join(mirrors!, `${owner}+${name}`), join(mirrors!, owner!, `${name}.git`), join(mirrors!, owner!, name!)];
  const found = candidates.find((candidate) => existsSync(candidate));
  if (!found) throw new Error(`no git copy of ${repo} under ${mirrors} (tried ${candidates.join(', ')})`);
  return found;
}

const gitDirFlag = (dir: string) => `--git-dir=${existsSync(join(dir, '.git')) ? join(dir, '.git') : dir}`;
const git = (dir: string, ...args: string[]): string => execFileSync('git', [gitDirFlag(dir), ...args], { encoding: 'utf8', maxBuffer: 256 << 20, stdio: ['ignore', 'pipe', 'ignore'] });

function show(dir: string, commit: string, file: string): string | undefined {
  try {
    return git(dir, 'show', `${commit}:${file}`);
  } catch {
    return undefined;
  }
}

// A line match, not a YAML parse: some old Chart.yaml revisions in these histories are not valid YAML.
const chartField = (text: string | undefined, field: 'version' | 'appVersion'): string | undefined => text?.match(new RegExp(String.raw`^${field}:\s*["']?([^"'\s#]+)`, 'm'))?.[1];
const chartVersion = (text: string | undefined): string | undefined => chartField(text, 'version');

interface Release {
  version: string;
  commit: string;
  date: string;
  tarball?: string;
}

/** The chart's files at a release: `read(file)` relative to the chart folder, and its own templates' names. */
function chartFiles(dir: string, source: Source, release: Release): { read: (file: string) => string | undefined; templates: string[] } {
  if (!release.tarball) {
    const names = git(dir, 'ls-tree', '-r', '--name-only', release.commit, '--', `${source.path}/templates`).trim().split('\n');
    return { read: (file) => show(dir, release.commit, `${source.path}/${file}`), templates: names.map((name) => name.slice(source.path.length + 1)) };
  }
  const archive = execFileSync('git', [gitDirFlag(dir), 'cat-file', 'blob', `${release.commit}:${release.tarball}`], { maxBuffer: 256 << 20 });
  const tar = (...args: string[]) => execFileSync('tar', ['-xzf', '-', ...args], { input: archive, encoding: 'utf8', maxBuffer: 256 << 20, stdio: ['pipe', 'pipe', 'ignore'] });
  const names = execFileSync('tar', ['-tzf', '-'], { input: archive, encoding: 'utf8', maxBuffer: 64 << 20 }).split('\n');
  const read = (file: string) => (names.includes(`${source.path}/${file}`) ? tar('-O', `${source.path}/${file}`) : undefined);
  return { read, templates: names.filter((name) => name.startsWith(`${source.path}/templates/`)).map((name) => name.slice(source.path.length + 1)) };
}

/** Every release of a chart in the copy, by version; the commit that introduced each (oldest with that version). */
function releases(dir: string, source: Source): Map<string, Release> {
  const found = new Map<string, Release>();
  if (source.releases === 'tarballs') {
    for (const file of git(dir, 'ls-tree', '--name-only', 'HEAD').split('\n')) {
      const version = file.match(source.tagPattern!)?.[1];
      if (!version) continue;
      const [commit = '', date = ''] = git(dir, 'log', '-1', '--format=%H %cs', 'HEAD', '--', file).trim().split(' ');
      found.set(version, { version, commit, date, tarball: file });
    }
    return found;
  }
  if (source.releases === 'tags') {
    for (const tag of git(dir, 'tag', '-l').split('\n').filter((name) => source.tagPattern?.test(name))) {
      const [commit = '', date = ''] = git(dir, 'log', '-1', '--format=%H %cs', `${tag}^{commit}`).trim().split(' ');
      const version = source.tagIsVersion ? tag : chartVersion(show(dir, commit, `${source.path}/Chart.yaml`));
      if (version && show(dir, commit, `${source.path}/values.yaml`) !== undefined) found.set(version, { version, commit, date });
    }
    return found;
  }
  for (const line of git(dir, 'log', '--format=%H %cs', 'HEAD', '--', `${source.path}/Chart.yaml`).trim().split('\n')) {
    const [commit = '', date = ''] = line.split(' ');
    const version = chartVersion(show(dir, commit, `${source.path}/Chart.yaml`));
    if (version) found.set(version, { version, commit, date });
  }
  return found;
}

const numbers = (version: string): number[] => version.replace(/^v/, '').split(/[.-]/).map((part) => Number.parseInt(part, 10) || 0);
function compare(a: string, b: string): number {
  const [x, y] = [numbers(a), numbers(b)];
  for (let index = 0; index < Math.max(x.length, y.length); index++) if ((x[index] ?? 0) !== (y[index] ?? 0)) return (x[index] ?? 0) - (y[index] ?? 0);
  return 0;
}

/** Why a pinned version has no release in the copy, naming the newest release it has. */
function absent(all: Map<string, Release>, pinned: string, repo: string): string {
  const newest = [...all.values()].filter((release) => !/-/.test(release.version)).sort((a, b) => compare(a.version, b.version)).at(-1);
  return `${pinned} is not in the copy of ${repo}${newest ? ` (newest release there: ${newest.version}, ${newest.date})` : ''}`;
}

const contracts = new Map<string, ChartContract>();
const missing: string[] = [];
for (const release of pinnedReleases(argoApps())) {
  const source = SOURCES[release.chart];
  if (!source) {
    missing.push(`${release.where}: chart ${release.chart} has no entry in SOURCES`);
    continue;
  }
  const dir = gitDir(source.repo);
  const all = releases(dir, source);
  const upstream = all.get(release.version) ?? all.get(`v${release.version}`);
  if (!upstream) {
    missing.push(`${release.where}: ${release.chart} ${absent(all, release.version, source.repo)}`);
    continue;
  }
  const key = `${release.chart}-${upstream.version.replace(/^v/, '')}`;
  if (contracts.has(key)) continue;
  const files = chartFiles(dir, source, upstream);
  const appVersion = source.tagIsVersion ? upstream.version : chartField(files.read('Chart.yaml'), 'appVersion');
  if (!appVersion) throw new Error(`${source.repo}@${upstream.commit}: no appVersion in ${source.path}/Chart.yaml`);
  const valuesText = files.read('values.yaml');
  if (valuesText === undefined) throw new Error(`${source.repo}@${upstream.commit}: no ${source.path}/values.yaml`);
  let defaults = (parse(valuesText) ?? {}) as JsonObject;
  if (source.defaultsUnder && defaults[source.defaultsUnder]) {
    const { [source.defaultsUnder]: nested, ...rest } = defaults;
    defaults = { ...(nested as JsonObject), ...rest };
  }
  const schemaText = files.read('values.schema.json');
  const templates = files.templates.filter((file) => /\.(ya?ml|tpl|txt|json)$/.test(file)).map((file) => files.read(file) ?? '');
  contracts.set(key, {
    chart: release.chart,
    version: upstream.version.replace(/^v/, ''),
    appVersion,
    source: {
      repo: source.repo,
      path: upstream.tarball ? `${upstream.tarball}:${source.path}` : source.path,
      commit: upstream.commit,
      date: upstream.date,
      files: ['Chart.yaml', 'values.yaml', ...(schemaText ? ['values.schema.json'] : []), 'templates/'],
    },
    // values.yaml joins the templates for the strings the chart passes to tpl.
    paths: templatePaths(contractPaths(defaults, schemaText ? JSON.parse(schemaText) : undefined), [valuesText, ...templates]),
  });
}

mkdirSync(CONTRACTS_DIR, { recursive: true });
for (const entry of readdirSync(CONTRACTS_DIR, { withFileTypes: true })) {
  if (entry.isDirectory() && !contracts.has(entry.name)) rmSync(join(CONTRACTS_DIR, entry.name), { recursive: true });
}
for (const [key, contract] of contracts) {
  mkdirSync(join(CONTRACTS_DIR, key), { recursive: true });
  writeFileSync(join(CONTRACTS_DIR, key, 'contract.json'), serializeContract(contract));
}
const rows = [...contracts.values()]
  .sort((a, b) => a.chart.localeCompare(b.chart))
  .map((contract) => {
    const { repo, path, commit, date, files } = contract.source;
    return `| ${contract.chart} | ${contract.version} | ${contract.appVersion} | ${repo} | \`${path}\` | \`${commit}\` (${date}) | ${files.join(', ')} | ${Object.keys(contract.paths).length} |`;
  });
writeFileSync(
  join(CONTRACTS_DIR, 'SOURCES.md'),
  [
    '# Chart contracts and where they come from',
    '',
    'Generated by `node deploy/scripts/vendor-chart-schemas.ts --mirrors <dir>`; do not edit. Each `<chart>-<version>/contract.json`',
    "lists the key paths of the chart's default `values.yaml` and, where the chart has one, what its `values.schema.json`",
    'declares (types, enums, free-form maps), and its `appVersion`. `deploy/test/chart-values.test.ts` validates every',
    'values file against the contract of the exact version its Application pins, and compares the appVersions of CRD',
    'charts with those of the operators they serve.',
    '',
    '| chart | version | appVersion | repository | path | commit | from | key paths |',
    '|-------|--------|-------------|------------|------|--------|------|-----------|',
    ...rows,
    '',
  ].join('\n'),
);
console.log(`deploy/upstream/charts: ${contracts.size} contracts`);
if (missing.length > 0) {
  console.error(missing.join('\n'));
  process.exitCode = 1;
}

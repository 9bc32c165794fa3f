// Everything deploy/ declares, loaded once per test file: raw manifests, the Argo CD Applications with their Helm
// values, and the rendered kustomizations.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderFallback } from './kustomize.ts';
import { asArray, asObject, at, type JsonObject, loadDir, loadFile, type Manifest, parseYaml } from './manifests.ts';
import { DEPLOY_DIR, REPO_ROOT } from './paths.ts';

export const REPO_URL = 'https://github.com/lab-observability/lab-observability.git';

export interface HelmSource {
  repoURL: string;
  chart: string;
  version: string;
  releaseName: string;
  /** Repository-relative paths of the value files ($values/...). */
  valueFiles: string[];
}

export interface ArgoApp {
  manifest: Manifest;
  name: string;
  project: string;
  namespace: string;
  wave: number;
  helm?: HelmSource;
  /** Repository paths synced as plain manifests / kustomizations. */
  paths: string[];
  /** The Helm values of the release, value files deep-merged in order (later files win). */
  values: JsonObject;
}

export function deepMerge(base: JsonObject, over: JsonObject): JsonObject {
  const result: JsonObject = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const current = result[key];
    result[key] =
      value && typeof value === 'object' && !Array.isArray(value) && current && typeof current === 'object' && !Array.isArray(current)
        ? deepMerge(current, value)
        : value;
  }
  return result;
}

export function argoApps(): ArgoApp[] {
  return loadDir(join(DEPLOY_DIR, 'argocd'))
    .filter((manifest) => manifest.doc['kind'] === 'Application')
    .map((manifest) => {
      const doc = manifest.doc;
      const sources = [...asArray(at(doc, 'spec', 'sources')), ...(at(doc, 'spec', 'source') ? [at(doc, 'spec', 'source')!] : [])].map(asObject);
      const chartSource = sources.find((source) => typeof source['chart'] === 'string');
      const valueFiles = asArray(at(chartSource, 'helm', 'valueFiles')).map((file) => String(file).replace(/^\$values\//, ''));
      const helm: HelmSource | undefined = chartSource && {
        repoURL: String(chartSource['repoURL']),
        chart: String(chartSource['chart']),
        version: String(chartSource['targetRevision']),
        releaseName: String(at(chartSource, 'helm', 'releaseName') ?? asObject(doc['metadata'])['name']),
        valueFiles,
      };
      const values = valueFiles.reduce<JsonObject>((merged, file) => {
        const path = join(REPO_ROOT, file);
        return existsSync(path) ? deepMerge(merged, parseYaml(readFileSync(path, 'utf8'), file)[0] ?? {}) : merged;
      }, {});
      return {
        manifest,
        name: String(asObject(doc['metadata'])['name']),
        project: String(at(doc, 'spec', 'project')),
        namespace: String(at(doc, 'spec', 'destination', 'namespace')),
        wave: Number(at(doc, 'metadata', 'annotations', 'argocd.argoproj.io/sync-wave') ?? 0),
        ...(helm ? { helm } : {}),
        paths: sources.filter((source) => typeof source['path'] === 'string').map((source) => String(source['path'])),
        values,
      };
    });
}

/**
 * The name and pod labels an istio/gateway release gets (istio/istio manifests/charts/gateway/templates/_helpers.tpl,
 * gateway.name and gateway.selectorLabels, commit 8fb266ccd3af4532197509bb35ae61e06db6e302): the name is `name` or the
 * release name, and names the Deployment and the Service; app = labels.app or the name, istio = labels.istio or the
 * name without "istio-".
 */
export function istioGatewayIdentity(app: ArgoApp): { name: string; labels: Record<string, string> } {
  const name = String(app.values['name'] || app.helm?.releaseName);
  const labels = asObject(app.values['labels']);
  return { name, labels: { app: String(labels['app'] ?? name), istio: String(labels['istio'] ?? name.replace(/^istio-/, '')) } };
}

/** An S3 client of the platform: the bucket its settings name and the access key it signs with. */
export interface S3Client {
  who: string;
  bucket: string;
  accessKey: string;
}

/** Every S3 client of the platform, from the values Argo CD syncs and the Thanos objstore secret's template. */
export function s3Clients(apps: ArgoApp[]): S3Client[] {
  const values = (name: string) => {
    const found = apps.find((app) => app.name === name);
    if (!found) throw new Error(`no Application ${name}`);
    return found.values;
  };
  const monitoring = join(DEPLOY_DIR, 'platform', 'external-secrets', 'config', 'monitoring.yaml');
  const secret = loadFile(monitoring).find((manifest) => at(manifest.doc, 'metadata', 'name') === 'thanos-objstore');
  if (!secret) throw new Error(`no thanos-objstore ExternalSecret in ${monitoring}`);
  const thanos = asObject(at(parseYaml(String(at(secret.doc, 'spec', 'target', 'template', 'data', 'objstore.yml')), 'objstore.yml')[0], 'config'));
  return [
    ...Object.values(asObject(at(values('loki'), 'loki', 'storage', 'bucketNames'))).map((bucket) => ({ who: 'loki', bucket: String(bucket), accessKey: 'observability' })),
    { who: 'tempo', bucket: String(at(values('tempo'), 'tempo', 'storage', 'trace', 's3', 'bucket')), accessKey: 'observability' },
    { who: 'pyroscope', bucket: String(at(values('pyroscope'), 'pyroscope', 'structuredConfig', 'storage', 's3', 'bucket_name')), accessKey: 'observability' },
    { who: 'thanos', bucket: String(thanos['bucket']), accessKey: String(thanos['access_key']) },
    { who: 'velero', bucket: String(asObject(asArray(at(values('velero'), 'configuration', 'backupStorageLocation'))[0])['bucket']), accessKey: 'velero' },
  ];
}

/** Every kustomization Argo CD syncs (repository-relative path) with its rendered objects. */
export function renderedKustomizations(apps: ArgoApp[] = argoApps()): Map<string, JsonObject[]> {
  const rendered = new Map<string, JsonObject[]>();
  for (const path of new Set(apps.flatMap((app) => app.paths))) {
    if (path === 'deploy/argocd') continue;
    rendered.set(path, renderFallback(join(REPO_ROOT, path)));
  }
  return rendered;
}

export const OVERLAYS = ['deploy/apps/overlays/dev', 'deploy/apps/overlays/prod'];

/** Files referenced as patches by a kustomization: partial objects, validated as part of their render. */
export function patchFiles(manifests: Manifest[]): Set<string> {
  const files = new Set<string>();
  for (const manifest of manifests) {
    if (!/kustomization\.ya?ml$/.test(manifest.file)) continue;
    const dir = manifest.file.replace(/\/[^/]+$/, '');
    for (const patch of asArray(manifest.doc['patches'])) {
      const path = asObject(patch)['path'];
      if (typeof path === 'string') files.add(join(dir, path));
    }
  }
  return files;
}

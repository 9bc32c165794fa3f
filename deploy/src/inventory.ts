// Everything deploy/ declares, loaded once per test file: raw manifests, the Argo CD Applications with their Helm
// values, and the rendered kustomizations.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderFallback } from './kustomize.ts';
import { asArray, asObject, at, type JsonObject, loadDir, type Manifest, parseYaml } from './manifests.ts';
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

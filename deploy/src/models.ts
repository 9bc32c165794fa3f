// Schema validation through the kubernetes-models packages: core kinds from kubernetes-models, CRDs from the model
// package of their project. Kinds without a model package (Kyverno, Cilium, k6, Falco, Velero) get the structural
// checks of structural.ts instead.
import type { JsonObject } from './manifests.ts';

const CRD_PACKAGES: [RegExp, string[]][] = [
  [/^argoproj\.io$/, ['@kubernetes-models/argo-cd', '@kubernetes-models/argo-rollouts']],
  [/^monitoring\.coreos\.com$/, ['@kubernetes-models/prometheus-operator']],
  [/\.istio\.io$/, ['@kubernetes-models/istio']],
  [/^(generators\.)?external-secrets\.io$/, ['@kubernetes-models/external-secrets']],
];

/** Groups whose kinds have no model package here; checked structurally. */
export const STRUCTURAL_GROUPS = ['kyverno.io', 'cilium.io', 'k6.io', 'velero.io'];

interface ModelClass {
  new (data: JsonObject): { validate(): void };
}

function candidates(apiVersion: string, kind: string): string[] {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  if (group === '') return [`kubernetes-models/${version}/${kind}`];
  const crd = CRD_PACKAGES.find(([pattern]) => pattern.test(group!));
  if (crd) return crd[1].map((pkg) => `${pkg}/${group}/${version}/${kind}`);
  return [`kubernetes-models/${group}/${version}/${kind}`];
}

export function groupOf(apiVersion: string): string {
  return apiVersion.includes('/') ? apiVersion.split('/')[0]! : '';
}

const cache = new Map<string, ModelClass | undefined>();

/** The model class for an apiVersion/kind, or undefined when no installed package knows it. */
export async function modelFor(apiVersion: string, kind: string): Promise<ModelClass | undefined> {
  const key = `${apiVersion}/${kind}`;
  if (cache.has(key)) return cache.get(key);
  let found: ModelClass | undefined;
  for (const specifier of candidates(apiVersion, kind)) {
    try {
      const module = (await import(specifier)) as Record<string, ModelClass | undefined>;
      found = module[kind];
      if (found) break;
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'ERR_PACKAGE_PATH_NOT_EXPORTED') throw error;
    }
  }
  cache.set(key, found);
  return found;
}

/** Schema errors of one object ('' when valid); throws when no model exists for its kind. */
export async function schemaErrors(doc: JsonObject): Promise<string> {
  const apiVersion = String(doc['apiVersion']);
  const kind = String(doc['kind']);
  const Model = await modelFor(apiVersion, kind);
  if (!Model) throw new Error(`no model for ${apiVersion} ${kind}`);
  try {
    new Model(doc).validate();
    return '';
  } catch (error) {
    return (error as Error).message;
  }
}

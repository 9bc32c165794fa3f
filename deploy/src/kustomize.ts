// Rendering kustomizations. `kubectl kustomize` when kubectl is on the machine; otherwise a small renderer for the
// features deploy/ uses (resources, components, namespace, images, patches with strategic merge, configMapGenerator
// without hash suffix). Anything else in a kustomization makes the fallback throw, so it can never silently render
// something different; where kubectl exists a test asserts both renders are equal.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { asArray, asObject, type Json, type JsonObject, parseYaml } from './manifests.ts';
import { strategicMerge } from './strategic-merge.ts';

const SUPPORTED_KEYS = new Set(['apiVersion', 'kind', 'resources', 'components', 'namespace', 'images', 'patches', 'configMapGenerator', 'generatorOptions']);

const CLUSTER_SCOPED = new Set([
  'Namespace',
  'ClusterRole',
  'ClusterRoleBinding',
  'CustomResourceDefinition',
  'ClusterPolicy',
  'ClusterSecretStore',
  'CiliumClusterwideNetworkPolicy',
  'StorageClass',
  'PersistentVolume',
  'PriorityClass',
  'ValidatingWebhookConfiguration',
  'MutatingWebhookConfiguration',
]);

export function kubectlPath(): string | undefined {
  const probe = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8', timeout: 20_000 });
  return probe.status === 0 ? 'kubectl' : undefined;
}

export function renderWithKubectl(dir: string): JsonObject[] {
  const run = spawnSync('kubectl', ['kustomize', dir], { encoding: 'utf8', timeout: 60_000, maxBuffer: 64 * 1024 * 1024 });
  if (run.status !== 0) throw new Error(`kubectl kustomize ${dir} failed: ${run.stderr || run.error?.message}`);
  return parseYaml(run.stdout, `kubectl kustomize ${dir}`);
}

function kustomizationOf(dir: string): JsonObject {
  const file = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'].map((name) => join(dir, name)).find(existsSync);
  if (!file) throw new Error(`${dir}: no kustomization.yaml`);
  const [doc] = parseYaml(readFileSync(file, 'utf8'), file);
  if (!doc) throw new Error(`${file}: empty`);
  const unsupported = Object.keys(doc).filter((key) => !SUPPORTED_KEYS.has(key));
  if (unsupported.length > 0) throw new Error(`${file}: ${unsupported.join(', ')} not supported by the fallback renderer`);
  return doc;
}

function strings(value: Json | undefined, what: string): string[] {
  return asArray(value).map((item) => {
    if (typeof item !== 'string') throw new Error(`${what}: expected strings`);
    return item;
  });
}

/** The objects a kustomization renders, in the order kustomize would accumulate them. */
export function renderFallback(dir: string): JsonObject[] {
  const kustomization = kustomizationOf(dir);
  let objects: JsonObject[] = [];
  for (const entry of strings(kustomization['resources'], `${dir} resources`)) {
    const path = join(dir, entry);
    objects.push(...(statSync(path).isDirectory() ? renderFallback(path) : parseYaml(readFileSync(path, 'utf8'), path)));
  }
  objects.push(...generateConfigMaps(dir, kustomization));
  for (const entry of strings(kustomization['components'], `${dir} components`)) {
    objects = applyComponent(join(dir, entry), objects);
  }
  return transform(dir, kustomization, objects);
}

function applyComponent(dir: string, objects: JsonObject[]): JsonObject[] {
  const component = kustomizationOf(dir);
  if (component['kind'] !== 'Component') throw new Error(`${dir}: a component must have kind Component`);
  const own = strings(component['resources'], `${dir} resources`).flatMap((entry) => parseYaml(readFileSync(join(dir, entry), 'utf8'), entry));
  return transform(dir, component, [...objects, ...own, ...generateConfigMaps(dir, component)]);
}

function transform(dir: string, kustomization: JsonObject, input: JsonObject[]): JsonObject[] {
  let objects = input;
  for (const patch of asArray(kustomization['patches'])) objects = applyPatch(dir, asObject(patch), objects);
  for (const image of asArray(kustomization['images'])) objects = objects.map((object) => setImage(object, asObject(image)));
  const namespace = kustomization['namespace'];
  if (typeof namespace === 'string') objects = objects.map((object) => withNamespace(object, namespace));
  return objects;
}

function withNamespace(object: JsonObject, namespace: string): JsonObject {
  if (CLUSTER_SCOPED.has(String(object['kind']))) return object;
  return { ...object, metadata: { ...asObject(object['metadata']), namespace } };
}

function applyPatch(dir: string, entry: JsonObject, objects: JsonObject[]): JsonObject[] {
  const text = typeof entry['path'] === 'string' ? readFileSync(join(dir, entry['path']), 'utf8') : entry['patch'];
  if (typeof text !== 'string') throw new Error(`${dir}: a patch needs path or patch`);
  const patches = parseYaml(text, `${dir} patch`);
  if (patches.length !== 1 || Array.isArray(patches[0])) throw new Error(`${dir}: only single-document strategic merge patches are supported`);
  const patch = patches[0]!;
  const target = entry['target'] === undefined ? undefined : asObject(entry['target']);
  const unsupportedTarget = Object.keys(target ?? {}).filter((key) => key !== 'kind' && key !== 'name');
  if (unsupportedTarget.length > 0) throw new Error(`${dir}: patch target ${unsupportedTarget.join(', ')} not supported by the fallback renderer`);
  const kind = target ? target['kind'] : patch['kind'];
  const name = target ? target['name'] : asObject(patch['metadata'])['name'];
  let matched = 0;
  const result = objects.map((object) => {
    if (kind !== undefined && object['kind'] !== kind) return object;
    if (name !== undefined && asObject(object['metadata'])['name'] !== name) return object;
    matched++;
    // With a target, kustomize applies the patch to each match whatever name the patch itself carries.
    const metadata = { ...asObject(patch['metadata']), name: asObject(object['metadata'])['name'] ?? null };
    return strategicMerge(object, target ? { ...patch, metadata } : patch);
  });
  if (matched === 0) throw new Error(`${dir}: patch ${String(entry['path'] ?? '(inline)')} matches no resource`);
  return result;
}

const POD_SPEC_PATHS: string[][] = [['spec', 'template', 'spec'], ['spec', 'jobTemplate', 'spec', 'template', 'spec'], ['spec']];

function setImage(object: JsonObject, rule: JsonObject): JsonObject {
  const result = structuredClone(object);
  for (const path of POD_SPEC_PATHS) {
    let spec: Json | undefined = result;
    for (const key of path) spec = asObject(spec)[key];
    for (const field of ['containers', 'initContainers']) {
      for (const container of asArray(asObject(spec)[field])) {
        const item = asObject(container);
        if (typeof item['image'] === 'string') item['image'] = rewriteImage(item['image'], rule);
      }
    }
  }
  return result;
}

export function splitImage(image: string): { name: string; tag?: string; digest?: string } {
  const [withoutDigest, digest] = image.split('@') as [string, string | undefined];
  const slash = withoutDigest.lastIndexOf('/');
  const colon = withoutDigest.lastIndexOf(':');
  const hasTag = colon > slash;
  return {
    name: hasTag ? withoutDigest.slice(0, colon) : withoutDigest,
    ...(hasTag ? { tag: withoutDigest.slice(colon + 1) } : {}),
    ...(digest ? { digest } : {}),
  };
}

function rewriteImage(image: string, rule: JsonObject): string {
  const parts = splitImage(image);
  if (parts.name !== rule['name']) return image;
  const name = typeof rule['newName'] === 'string' ? rule['newName'] : parts.name;
  const newTag = typeof rule['newTag'] === 'string' ? rule['newTag'] : undefined;
  // kustomize keeps a newTag next to a digest (name:tag@sha256:...), for people; the digest is what pulls.
  if (typeof rule['digest'] === 'string') return newTag ? `${name}:${newTag}@${rule['digest']}` : `${name}@${rule['digest']}`;
  const tag = newTag ?? parts.tag;
  return tag ? `${name}:${tag}` : name;
}

function generateConfigMaps(dir: string, kustomization: JsonObject): JsonObject[] {
  const generators = asArray(kustomization['configMapGenerator']);
  if (generators.length === 0) return [];
  const options = asObject(kustomization['generatorOptions']);
  if (options['disableNameSuffixHash'] !== true) throw new Error(`${dir}: the fallback renderer needs generatorOptions.disableNameSuffixHash: true`);
  return generators.map((generator) => {
    const spec = asObject(generator);
    const data: JsonObject = {};
    for (const entry of strings(spec['files'], `${dir} configMapGenerator files`)) {
      const [key, path] = entry.includes('=') ? (entry.split('=', 2) as [string, string]) : [basename(entry), entry];
      data[key] = readFileSync(join(dir, path), 'utf8');
    }
    for (const literal of strings(spec['literals'], `${dir} configMapGenerator literals`)) {
      const [key, ...value] = literal.split('=');
      data[key!] = value.join('=');
    }
    const generatorOptions = asObject(spec['options']);
    const metadata: JsonObject = { name: String(spec['name']) };
    if (generatorOptions['labels']) metadata['labels'] = generatorOptions['labels'];
    if (generatorOptions['annotations']) metadata['annotations'] = generatorOptions['annotations'];
    return { apiVersion: 'v1', kind: 'ConfigMap', metadata, data };
  });
}

/** Stable order for comparing renders: kind, namespace, name. */
export function sortObjects(objects: JsonObject[]): JsonObject[] {
  const key = (object: JsonObject) => {
    const meta = asObject(object['metadata']);
    return `${String(object['kind'])}/${String(meta['namespace'] ?? '')}/${String(meta['name'])}`;
  };
  return [...objects].sort((a, b) => key(a).localeCompare(key(b)));
}

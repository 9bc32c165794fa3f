// The part of Kubernetes' strategic merge patch our overlays use: maps merge key by key (null deletes), lists of
// containers / env / volumes / mounts / ports merge by their merge key, every other list is replaced. New list items
// come first, as kustomize orders them, so the fallback render equals `kubectl kustomize` (checked by a test).
import type { Json, JsonObject } from './manifests.ts';

const MERGE_KEYS: Record<string, string[]> = {
  containers: ['name'],
  initContainers: ['name'],
  ephemeralContainers: ['name'],
  env: ['name'],
  volumes: ['name'],
  volumeMounts: ['mountPath'],
  imagePullSecrets: ['name'],
  ports: ['containerPort', 'port'],
};

function isObject(value: Json | undefined): value is JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function mergeKeyOf(field: string, items: Json[]): string | undefined {
  const keys = MERGE_KEYS[field];
  if (!keys || !items.every(isObject)) return undefined;
  return keys.find((key) => items.every((item) => (item as JsonObject)[key] !== undefined));
}

function mergeList(field: string, base: Json[], patch: Json[]): Json[] {
  const key = mergeKeyOf(field, [...base, ...patch]);
  if (!key) return structuredClone(patch);
  const patchByKey = new Map(patch.map((item) => [JSON.stringify((item as JsonObject)[key]), item as JsonObject]));
  const baseKeys = new Set(base.map((item) => JSON.stringify((item as JsonObject)[key])));
  const added = patch.filter((item) => !baseKeys.has(JSON.stringify((item as JsonObject)[key]))).map((item) => structuredClone(item));
  const merged = base.map((item) => {
    const update = patchByKey.get(JSON.stringify((item as JsonObject)[key]));
    return update ? strategicMerge(item as JsonObject, update) : structuredClone(item);
  });
  return [...added, ...merged];
}

export function strategicMerge(base: JsonObject, patch: JsonObject): JsonObject {
  const result: JsonObject = structuredClone(base);
  for (const [field, value] of Object.entries(patch)) {
    if (field.startsWith('$')) throw new Error(`strategic merge directive ${field} is not supported by the fallback renderer`);
    const current = result[field];
    if (value === null) delete result[field];
    else if (isObject(value) && isObject(current)) result[field] = strategicMerge(current, value);
    else if (Array.isArray(value) && Array.isArray(current)) result[field] = mergeList(field, current, value);
    else result[field] = structuredClone(value);
  }
  return result;
}

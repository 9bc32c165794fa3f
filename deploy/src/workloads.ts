// Pod templates of workload objects, the unit the Kyverno policies and the cross-reference checks look at.
import { asArray, asObject, at, type Json, type JsonObject } from './manifests.ts';

export interface PodTemplate {
  /** kind/name of the owning object. */
  owner: string;
  namespace: string;
  labels: Record<string, string>;
  spec: JsonObject;
}

const TEMPLATE_PATHS: Record<string, string[]> = {
  Deployment: ['spec', 'template'],
  StatefulSet: ['spec', 'template'],
  DaemonSet: ['spec', 'template'],
  Job: ['spec', 'template'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template'],
  Rollout: ['spec', 'template'],
};

export function podTemplates(objects: JsonObject[]): PodTemplate[] {
  const templates: PodTemplate[] = [];
  for (const object of objects) {
    const path = TEMPLATE_PATHS[String(object['kind'])];
    if (!path) continue;
    const template = at(object, ...path);
    // A Rollout with workloadRef has no template of its own: the referenced Deployment's is checked.
    if (template === undefined) continue;
    const meta = asObject(object['metadata']);
    templates.push({
      owner: `${String(object['kind'])}/${String(meta['name'])}`,
      namespace: String(meta['namespace'] ?? ''),
      labels: stringMap(at(template, 'metadata', 'labels')),
      spec: asObject(at(template, 'spec')),
    });
  }
  return templates;
}

export function containersOf(spec: JsonObject): JsonObject[] {
  return [...asArray(spec['initContainers']), ...asArray(spec['containers'])].map(asObject);
}

export function stringMap(value: Json | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(asObject(value)).map(([key, item]) => [key, String(item)]));
}

/** True when every key/value of the selector is among the labels (an empty selector selects nothing here). */
export function selects(selector: Record<string, string>, labels: Record<string, string>): boolean {
  const entries = Object.entries(selector);
  return entries.length > 0 && entries.every(([key, value]) => labels[key] === value);
}

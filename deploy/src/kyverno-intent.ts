// What our Kyverno ClusterPolicies demand, evaluated on pod templates offline (no kyverno CLI here). The required
// labels are read from the require-labels policy itself; the other checks follow the patterns of their policies,
// whose shape a structural test pins, so a policy and this evaluation cannot drift apart unnoticed.
import { splitImage } from './kustomize.ts';
import { asArray, asObject, at, type Manifest } from './manifests.ts';
import { containersOf, type PodTemplate } from './workloads.ts';

export interface Violation {
  policy: string;
  owner: string;
  detail: string;
}

/** Label keys the require-labels policy's pattern demands ("?*" = any non-empty value). */
export function requiredLabels(policies: Manifest[]): string[] {
  const policy = policies.find((manifest) => asObject(manifest.doc['metadata'])['name'] === 'require-labels');
  if (!policy) throw new Error('no require-labels ClusterPolicy');
  const keys = asArray(at(policy.doc, 'spec', 'rules')).flatMap((rule) => Object.keys(asObject(at(rule, 'validate', 'pattern', 'metadata', 'labels'))));
  if (keys.length === 0) throw new Error('require-labels has no metadata.labels pattern');
  return keys;
}

function runAsNonRoot(pod: PodTemplate): string | undefined {
  const podLevel = at(pod.spec, 'securityContext', 'runAsNonRoot') === true;
  for (const container of containersOf(pod.spec)) {
    const own = at(container, 'securityContext', 'runAsNonRoot');
    if (own === false) return `container ${String(container['name'])} sets runAsNonRoot: false`;
    if (!podLevel && own !== true) return `container ${String(container['name'])} may run as root (runAsNonRoot unset on pod and container)`;
  }
  return undefined;
}

function limits(pod: PodTemplate): string | undefined {
  for (const container of asArray(pod.spec['containers']).map(asObject)) {
    const resources = asObject(container['resources']);
    const missing = [
      at(resources, 'requests', 'memory') ? undefined : 'requests.memory',
      at(resources, 'limits', 'cpu') ? undefined : 'limits.cpu',
      at(resources, 'limits', 'memory') ? undefined : 'limits.memory',
    ].filter(Boolean);
    if (missing.length > 0) return `container ${String(container['name'])} lacks ${missing.join(', ')}`;
  }
  return undefined;
}

/** An image pinned to a tag other than latest, or to a digest. */
export function imageProblem(image: unknown): string | undefined {
  if (typeof image !== 'string' || image === '') return 'no image';
  const parts = splitImage(image);
  if (!parts.tag && !parts.digest) return `${image} has no tag or digest`;
  if (parts.tag === 'latest') return `${image} uses :latest`;
  return undefined;
}

function images(pod: PodTemplate): string | undefined {
  for (const container of asArray(pod.spec['containers']).map(asObject)) {
    const problem = imageProblem(container['image']);
    if (problem) return problem;
  }
  return undefined;
}

export function evaluate(pod: PodTemplate, requiredLabelKeys: string[]): Violation[] {
  const violations: Violation[] = [];
  const add = (policy: string, detail: string | undefined) => detail && violations.push({ policy, owner: pod.owner, detail });
  const missingLabels = requiredLabelKeys.filter((key) => !pod.labels[key]);
  add('require-labels', missingLabels.length > 0 ? `pod template lacks ${missingLabels.join(', ')}` : undefined);
  add('require-run-as-nonroot', runAsNonRoot(pod));
  add('require-limits', limits(pod));
  add('disallow-latest-tag', images(pod));
  return violations;
}

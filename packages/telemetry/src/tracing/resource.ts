// The resource describing this process: service identity, deployment environment and Kubernetes placement.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { SDK_INFO } from '@opentelemetry/core';
import type { TelemetryConfig } from '../config/config.ts';
import { PACKAGE_VERSION } from '../module-extension.ts';

export type ResourceAttributes = Record<string, string | number>;

export function buildResourceAttributes(config: TelemetryConfig): ResourceAttributes {
  const attributes: ResourceAttributes = {
    ...config.resourceAttributes,
    'service.name': config.serviceName,
    'service.instance.id': config.resourceAttributes['service.instance.id'] ?? randomUUID(),
    'telemetry.sdk.name': 'opentelemetry',
    'telemetry.sdk.language': 'nodejs',
    // The OpenTelemetry SDK whose trace and log pipelines this package runs; the distro is this package.
    'telemetry.sdk.version': String(SDK_INFO['telemetry.sdk.version']),
    'telemetry.distro.name': '@lab/telemetry',
    'telemetry.distro.version': PACKAGE_VERSION,
    'process.pid': process.pid,
    'process.runtime.name': 'nodejs',
    'process.runtime.version': process.versions.node,
  };
  const version = config.serviceVersion ?? findServiceVersion(process.argv[1]);
  if (version !== undefined) attributes['service.version'] = version;
  return attributes;
}

/** The version in the nearest package.json above the entry script: the service's own package. */
export function findServiceVersion(entryScript: string | undefined): string | undefined {
  if (!entryScript) return undefined;
  let directory = dirname(entryScript);
  for (let depth = 0; depth < 8; depth++) {
    try {
      const manifest = JSON.parse(readFileSync(join(directory, 'package.json'), 'utf8')) as { version?: unknown };
      return typeof manifest.version === 'string' ? manifest.version : undefined;
    } catch {
      const parent = dirname(directory);
      if (parent === directory) return undefined;
      directory = parent;
    }
  }
  return undefined;
}

/** Profile tags per conventions.md, taken from the resource. */
export function profileTags(attributes: ResourceAttributes): Record<string, string> {
  const tags: Record<string, string> = {};
  const mapping: Array<[string, string]> = [
    ['service_version', 'service.version'],
    ['environment', 'deployment.environment.name'],
    ['k8s_namespace_name', 'k8s.namespace.name'],
    ['k8s_pod_name', 'k8s.pod.name'],
  ];
  for (const [tag, attribute] of mapping) {
    const value = attributes[attribute];
    if (value !== undefined) tags[tag] = String(value);
  }
  return tags;
}

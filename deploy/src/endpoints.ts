// In-cluster URLs and host:port pairs found anywhere in a document, and their resolution to a Service: a name in
// the platform catalog (platform/services.yaml) or a Service rendered from apps/.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { asArray, asObject, type Json, parseYaml } from './manifests.ts';
import { DEPLOY_DIR } from './paths.ts';

export interface ServiceRef {
  namespace: string;
  name: string;
  ports: number[];
  /** The Helm release that creates it, for catalog entries. */
  release?: string;
}

export interface Endpoint {
  /** Where it was found (file and JSON path). */
  where: string;
  host: string;
  port: number;
  /** The namespace a short host name resolves in. */
  namespace: string;
}

export function platformCatalog(): ServiceRef[] {
  const path = join(DEPLOY_DIR, 'platform', 'services.yaml');
  const [doc] = parseYaml(readFileSync(path, 'utf8'), path);
  return asArray(asObject(doc)['services']).map((entry) => {
    const item = asObject(entry);
    return {
      namespace: String(item['namespace']),
      name: String(item['name']),
      ports: asArray(item['ports']).map(Number),
      release: String(item['release']),
    };
  });
}

const DEFAULT_PORTS: Record<string, number> = { http: 80, https: 443 };
// host[:port] of cluster DNS names (x.ns.svc[.cluster.local]) anywhere in a string, with or without a scheme;
// and short names with a scheme and a port (http://catalog:8081), which resolve in the document's namespace.
const CLUSTER_HOST = /(?:(https?|dnssrv\+_grpc\._tcp):\/\/|dnssrv\+_grpc\._tcp\.|\b)([a-z0-9-]+)\.([a-z0-9-]+)\.svc(?:\.cluster\.local)?(?::(\d+))?/g;
const SHORT_HOST = /\b(https?):\/\/([a-z0-9-]+):(\d+)/g;

function endpointsIn(text: string, where: string, namespace: string): Endpoint[] {
  const found: Endpoint[] = [];
  for (const match of text.matchAll(CLUSTER_HOST)) {
    const scheme = match[1] ?? '';
    const port = match[4] ? Number(match[4]) : (DEFAULT_PORTS[scheme] ?? 0);
    found.push({ where, host: match[2]!, namespace: match[3]!, port });
  }
  for (const match of text.matchAll(SHORT_HOST)) found.push({ where, host: match[2]!, namespace, port: Number(match[3]) });
  return found;
}

/** Every endpoint in the string values of a document (keys are not searched). */
export function findEndpoints(value: Json | undefined, where: string, namespace: string): Endpoint[] {
  if (typeof value === 'string') return endpointsIn(value, where, namespace);
  if (Array.isArray(value)) return value.flatMap((item, index) => findEndpoints(item, `${where}[${index}]`, namespace));
  if (value !== null && typeof value === 'object') return Object.entries(value).flatMap(([key, item]) => findEndpoints(item, `${where}.${key}`, namespace));
  return [];
}

/** Why an endpoint does not resolve, or undefined when a Service with that name, namespace and port exists. */
export function unresolved(endpoint: Endpoint, services: ServiceRef[]): string | undefined {
  const service = services.find((candidate) => candidate.name === endpoint.host && candidate.namespace === endpoint.namespace);
  if (!service) return `${endpoint.where}: no Service ${endpoint.host} in namespace ${endpoint.namespace}`;
  // dnssrv lookups name the port by SRV record, not by number.
  if (endpoint.port !== 0 && !service.ports.includes(endpoint.port)) {
    return `${endpoint.where}: Service ${endpoint.namespace}/${endpoint.host} has no port ${endpoint.port} (ports ${service.ports.join(', ')})`;
  }
  return undefined;
}

// Names the other layers own, read from their source so deploy/ is checked against them rather than a copy:
// docs/conventions.md (ports, datasource UIDs) and the telemetry library's logger (the log keys).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './paths.ts';

const CONVENTIONS = join(REPO_ROOT, 'docs', 'conventions.md');
const LOGGER = join(REPO_ROOT, 'packages', 'telemetry', 'src', 'logging', 'logging.ts');

export interface ServicePorts {
  port: number;
  adminPort: number;
}

/** The services table of docs/conventions.md. */
export function conventionPorts(): Map<string, ServicePorts> {
  const rows = readFileSync(CONVENTIONS, 'utf8').matchAll(/^\|\s*([a-z]+)\s*\|\s*(\d+)\s*\|\s*(\d+)\s*\|/gm);
  return new Map([...rows].map((row) => [row[1]!, { port: Number(row[2]), adminPort: Number(row[3]) }]));
}

export function conventionDatasourceUids(): string[] {
  const line = /Grafana datasource UIDs: (.*)/.exec(readFileSync(CONVENTIONS, 'utf8'))?.[1];
  if (!line) throw new Error('docs/conventions.md names no Grafana datasource UIDs');
  return [...line.matchAll(/`([a-z]+)`/g)].map((match) => match[1]!);
}

export interface LogKeys {
  traceId: string;
  spanId: string;
  service: string;
  source: string;
}

/** The log keys the library writes: from its logger when present, else from docs/conventions.md. */
export function libraryLogKeys(): LogKeys {
  if (existsSync(LOGGER)) {
    const source = readFileSync(LOGGER, 'utf8');
    const traceId = /fields\.(\w+)\s*=\s*spanContext\.traceId/.exec(source)?.[1];
    const spanId = /fields\.(\w+)\s*=\s*spanContext\.spanId/.exec(source)?.[1];
    const service = /base:\s*\{\s*(\w+):\s*config\.serviceName/.exec(source)?.[1];
    if (traceId && spanId && service) return { traceId, spanId, service, source: 'packages/telemetry/src/logging/logging.ts' };
  }
  const logs = /## Logs[\s\S]*?whenever a span is\s+active `(\w+)`, `(\w+)`/.exec(readFileSync(CONVENTIONS, 'utf8'));
  const service = /`(\w+)` \(service name\)/.exec(readFileSync(CONVENTIONS, 'utf8'));
  if (!logs || !service) throw new Error('cannot find the log keys in packages/telemetry or docs/conventions.md');
  return { traceId: logs[1]!, spanId: logs[2]!, service: service[1]!, source: 'docs/conventions.md' };
}

const CONFIG = join(REPO_ROOT, 'packages', 'telemetry', 'src', 'config', 'config.ts');

/** The values the library accepts for its enumerated env variables (the arrays of packages/telemetry/src/config/config.ts). */
export function libraryEnumValues(): Record<'OTEL_PROPAGATORS' | 'OTEL_TRACES_SAMPLER' | 'OTEL_EXPORTER_OTLP_PROTOCOL', string[]> {
  const source = readFileSync(CONFIG, 'utf8');
  const list = (name: string) => {
    const body = new RegExp(`const ${name}: \\w+\\[\\] = \\[([^\\]]*)\\]`).exec(source)?.[1];
    if (!body) throw new Error(`packages/telemetry/src/config/config.ts has no ${name} list`);
    return [...body.matchAll(/'([^']+)'/g)].map((match) => match[1]!);
  };
  return { OTEL_PROPAGATORS: list('PROPAGATORS'), OTEL_TRACES_SAMPLER: list('SAMPLERS'), OTEL_EXPORTER_OTLP_PROTOCOL: list('PROTOCOLS') };
}

/** The downstream services a service's code asks for (downstreamFromEnv('<name>', ...) reads <NAME>_URL). */
export function downstreamsInCode(service: string): string[] {
  return matchesInSources([join(REPO_ROOT, 'services', service, 'src')], /downstreamFromEnv\(\s*'([a-z]+)'/g);
}

/** Secret-valued variables (…_KEY, …_TOKEN, …_SECRET, …_PASSWORD) that a service or the kit it runs on reads. */
export function secretVariablesInCode(service: string): string[] {
  const dirs = [join(REPO_ROOT, 'services', service, 'src'), join(REPO_ROOT, 'packages', 'service-kit', 'src')];
  return matchesInSources(dirs, /env\['([A-Z0-9_]+_(?:KEY|TOKEN|SECRET|PASSWORD))'\]/g);
}

function matchesInSources(dirs: string[], pattern: RegExp): string[] {
  const names = dirs
    .filter((dir) => existsSync(dir))
    .flatMap((dir) => readdirSync(dir).filter((file) => file.endsWith('.ts')).map((file) => join(dir, file)))
    .flatMap((file) => [...readFileSync(file, 'utf8').matchAll(pattern)].map((match) => match[1]!));
  return [...new Set(names)].sort();
}

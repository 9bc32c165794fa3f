// `pnpm lab` flags. Every default is what a first run on a laptop needs; tests and CI move ports and the runs folder.
import { parseArgs } from 'node:util';
import { parseDuration } from '@lab/dev-kit/duration';

export const SERVICE_NAMES = ['gateway', 'catalog', 'orders', 'payments'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

/** Every port the lab binds, by the name used in --ports and in errors. */
export const DEFAULT_PORTS = {
  gateway: 8080,
  catalog: 8081,
  orders: 8082,
  payments: 8083,
  'gateway-admin': 9080,
  'catalog-admin': 9081,
  'orders-admin': 9082,
  'payments-admin': 9083,
  otlp: 4318,
  pyroscope: 4040,
  prometheus: 9090,
};
export type PortName = keyof typeof DEFAULT_PORTS;
export type Ports = Record<PortName, number>;

export const INCIDENTS = ['payments-latency', 'payments-errors', 'none'] as const;
export type IncidentName = (typeof INCIDENTS)[number];

export interface LabOptions {
  durationMs: number;
  /** Journey iterations per second. */
  rate: number;
  maxInFlight: number;
  incident: IncidentName;
  /** Injected latency of the payments-latency incident. */
  incidentLatencyMs: number;
  /** Incident start and length as fractions of the duration. */
  incidentAt: number;
  incidentFor: number;
  /** Ports given explicitly; the others are the defaults, or free ports chosen by the OS when `autoPorts`. */
  ports: Partial<Ports>;
  autoPorts: boolean;
  runsDir: string;
  scrapeIntervalSeconds: number;
  /** Use the fallback scraper even when Prometheus is installed. */
  noPrometheus: boolean;
  prometheusBin?: string;
  /** OTLP protocol the services export with; the receiver decodes both. */
  otlpProtocol: 'http/protobuf' | 'http/json';
  json: boolean;
  /** Skip the flow report (the walk still runs). */
  report: boolean;
  seed?: number;
  /** A finished run's folder: serve its Prometheus data instead of running. */
  open?: string;
}

export const usage = `pnpm lab [flags]
  --duration <d>           how long load runs: 90s (default), 5m, ...
  --rate <n>               journeys started per second (default 8)
  --max-in-flight <n>      journeys in flight at most; more arrivals are dropped and counted (default 64)
  --incident <name>        ${INCIDENTS.join(' | ')} (default payments-latency)
  --incident-latency <d>   latency the payments-latency incident injects (default 1200ms)
  --incident-at <f>        incident start, as a fraction of the duration (default 0.5)
  --incident-for <f>       incident length, as a fraction of the duration (default 0.3)
  --ports <list>           e.g. gateway=18080,prometheus=19090; "auto" picks free ports for every port not
                           listed (--ports auto,gateway=18080).
                           names: ${Object.keys(DEFAULT_PORTS).join(', ')}
  --runs-dir <path>        where run folders go (default .lab/runs; env LAB_RUNS_DIR)
  --scrape-interval <d>    Prometheus scrape interval (default 15s, shorter for short runs)
  --no-prometheus          scrape /metrics in-process instead of running Prometheus
  --prometheus-bin <path>  Prometheus binary (default: prometheus on PATH)
  --otlp-protocol <p>      http/protobuf (default) or http/json: what the services export with
  --no-report              walk the flow but do not write report.html
  --seed <n>               reproduce a traffic mix
  --json                   print a machine-readable summary on stdout (progress goes to stderr)
  --open <run folder>      serve a finished run's Prometheus data (a copy) to re-query it, until Ctrl-C;
                           --ports prometheus=<port> or --ports auto moves it from 9090
  -h, --help`;

export class UsageError extends Error {}

export function parseOptions(argv: string[], env: NodeJS.ProcessEnv = process.env): LabOptions {
  let values: ReturnType<typeof parse>['values'];
  try {
    values = parse(argv).values;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const durationMs = duration(values.duration, '--duration');
  const incident = values.incident as IncidentName;
  if (!INCIDENTS.includes(incident)) throw new UsageError(`--incident must be one of ${INCIDENTS.join(', ')}, got "${incident}"`);
  const incidentAt = fraction(values['incident-at'], '--incident-at');
  const incidentFor = fraction(values['incident-for'], '--incident-for');
  if (incidentAt + incidentFor > 1) throw new UsageError('--incident-at + --incident-for must be at most 1 (the incident ends before the run)');
  return {
    durationMs,
    rate: positive(values.rate, '--rate'),
    maxInFlight: Math.floor(positive(values['max-in-flight'], '--max-in-flight')),
    incident,
    incidentLatencyMs: duration(values['incident-latency'], '--incident-latency'),
    incidentAt,
    incidentFor,
    ...parsePorts(values.ports),
    runsDir: values['runs-dir'] ?? env['LAB_RUNS_DIR'] ?? '.lab/runs',
    scrapeIntervalSeconds: values['scrape-interval']
      ? Math.max(1, Math.round(duration(values['scrape-interval'], '--scrape-interval') / 1000))
      : defaultScrapeInterval(durationMs),
    noPrometheus: values['no-prometheus'] ?? false,
    ...(values['prometheus-bin'] ? { prometheusBin: values['prometheus-bin'] } : {}),
    otlpProtocol: otlpProtocol(values['otlp-protocol']),
    json: values.json ?? false,
    report: !values['no-report'],
    ...(values.seed ? { seed: positive(values.seed, '--seed') } : {}),
    ...(values.open !== undefined ? { open: nonEmpty(values.open, '--open') } : {}),
  };
}

export function wantsHelp(argv: string[]): boolean {
  return argv.includes('--help') || argv.includes('-h');
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    options: {
      duration: { type: 'string', default: '90s' },
      rate: { type: 'string', default: '8' },
      'max-in-flight': { type: 'string', default: '64' },
      incident: { type: 'string', default: 'payments-latency' },
      'incident-latency': { type: 'string', default: '1200ms' },
      'incident-at': { type: 'string', default: '0.5' },
      'incident-for': { type: 'string', default: '0.3' },
      ports: { type: 'string', default: '' },
      'runs-dir': { type: 'string' },
      'scrape-interval': { type: 'string' },
      'no-prometheus': { type: 'boolean' },
      'prometheus-bin': { type: 'string' },
      'otlp-protocol': { type: 'string', default: 'http/protobuf' },
      'no-report': { type: 'boolean' },
      seed: { type: 'string' },
      json: { type: 'boolean' },
      open: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  });
}

/** 15 s as on the cluster, but a short run needs several scrapes inside the incident. */
function defaultScrapeInterval(durationMs: number): number {
  if (durationMs >= 5 * 60_000) return 15;
  if (durationMs >= 90_000) return 5;
  return 2;
}

function otlpProtocol(text: string | undefined): LabOptions['otlpProtocol'] {
  if (text === 'http/protobuf' || text === 'http/json') return text;
  throw new UsageError(`--otlp-protocol must be http/protobuf or http/json, got "${text}"`);
}

function parsePorts(text: string): { ports: Partial<Ports>; autoPorts: boolean } {
  const ports: Partial<Ports> = {};
  let autoPorts = false;
  for (const entry of text.split(',').filter((item) => item.trim() !== '')) {
    if (entry.trim() === 'auto') {
      autoPorts = true;
      continue;
    }
    const [name, value] = entry.split('=').map((part) => part.trim());
    if (!name || !(name in DEFAULT_PORTS)) throw new UsageError(`--ports: unknown name "${name}" (known: ${Object.keys(DEFAULT_PORTS).join(', ')})`);
    const port = Number(value);
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new UsageError(`--ports: ${name}=${value} is not a port number`);
    ports[name as PortName] = port;
  }
  return { ports, autoPorts };
}

function duration(text: string | undefined, flag: string): number {
  try {
    return parseDuration(text ?? '', flag);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

function nonEmpty(text: string, flag: string): string {
  if (text.trim() === '') throw new UsageError(`${flag} needs a run folder`);
  return text;
}

function positive(text: string | undefined, flag: string): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) throw new UsageError(`${flag} must be a positive number, got "${text}"`);
  return value;
}

function fraction(text: string | undefined, flag: string): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0 || value > 1) throw new UsageError(`${flag} must be a fraction between 0 and 1, got "${text}"`);
  return value;
}

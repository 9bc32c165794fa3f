// The demo shop for tests, the lab and the benchmarks: which service calls which, how each is started (its package's
// `start` script), and a harness that runs services as real child processes on free ports, wired together, reading
// their JSON log lines. `startShop()` starts all four; `startServiceProcess()` one.
// A service's directory is resolved from the caller's module (`from: import.meta.url`), whose package declares
// `@lab/service-<name>` as a dependency: no package reaches into another by a relative path.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';

export type ServiceName = 'gateway' | 'catalog' | 'orders' | 'payments';

/** Who calls whom: each service gets `<DOWNSTREAM>_URL` for each of these. */
const SHOP_DOWNSTREAMS: Readonly<Record<ServiceName, readonly ServiceName[]>> = {
  gateway: ['catalog', 'orders'],
  catalog: [],
  orders: ['catalog', 'payments'],
  payments: [],
};

/** `CATALOG_URL=...` etc. for the downstreams of `name`, given where each service is. */
export function downstreamUrls(name: ServiceName, urlOf: (downstream: ServiceName) => string): Record<string, string> {
  return Object.fromEntries(SHOP_DOWNSTREAMS[name].map((downstream) => [`${downstream.toUpperCase()}_URL`, urlOf(downstream)]));
}

/** The directory of `@lab/service-<name>`, resolved from the module `from` (whose package depends on it). */
export function serviceDirectory(name: ServiceName, from: string | URL): string {
  return dirname(createRequire(from).resolve(`@lab/service-${name}/package.json`));
}

/** The `start` script of the service's package.json, run with this Node: `node --import ... src/main.ts`. */
export function startCommand(serviceDir: string): { command: string; args: string[] } {
  const manifest = JSON.parse(readFileSync(join(serviceDir, 'package.json'), 'utf8')) as { scripts?: Record<string, string> };
  const words = (manifest.scripts?.['start'] ?? 'node src/main.ts').trim().split(/\s+/);
  if (words[0] !== 'node') throw new Error(`${serviceDir}/package.json: start script "${words.join(' ')}" does not run node`);
  return { command: process.execPath, args: words.slice(1) };
}
export type LogLine = Record<string, unknown> & { msg?: string; level?: string; trace_id?: string };

export interface ServiceProcess {
  name: ServiceName;
  /** http://127.0.0.1:<port> of the public API. */
  url: string;
  /** http://127.0.0.1:<admin port> of the fault admin API. */
  adminUrl: string;
  port: number;
  adminPort: number;
  /** The JSON lines the service wrote to stdout so far (a live array, capped by `maxLogLines`). */
  logs: LogLine[];
  /** Non-JSON stdout lines and stderr, for diagnosing failures. */
  output: string[];
  child: ChildProcess;
  waitForLog(predicate: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit code (null when killed by a signal). */
  stop(graceMs?: number): Promise<number | null>;
}

export interface ServiceProcessOptions {
  /** `import.meta.url` of the caller: its package declares the services it starts as dependencies. */
  from: string | URL;
  /** Added to the child's environment (after the defaults below, so they can be overridden). */
  env?: Record<string, string | undefined>;
  /** DATA_DIR; default a fresh temporary directory. */
  dataDir?: string;
  /** OTLP/HTTP base URL (e.g. an OtlpReceiver's url); without it traces are not exported. */
  otlpEndpoint?: string;
  /** PYROSCOPE_SERVER_ADDRESS; without it profiling is off. */
  pyroscopeUrl?: string;
  /** LAB_ADMIN_TOKEN; without it the admin API is loopback-only and needs no token. */
  adminToken?: string;
  /** How long to wait for the "listening" line; default 20 s. */
  startTimeoutMs?: number;
  /** Log lines kept in `logs` (oldest dropped first), so long runs do not grow without bound; default 100 000. */
  maxLogLines?: number;
}

export async function startServiceProcess(name: ServiceName, options: ServiceProcessOptions): Promise<ServiceProcess> {
  const env: Record<string, string | undefined> = {
    ...process.env,
    NODE_OPTIONS: undefined,
    OTEL_SERVICE_NAME: name,
    PORT: '0',
    ADMIN_PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: options.dataDir ?? mkdtempSync(join(tmpdir(), `lab-${name}-`)),
    LAB_ADMIN_TOKEN: options.adminToken,
    OTEL_TRACES_EXPORTER: options.otlpEndpoint ? 'otlp' : 'none',
    OTEL_EXPORTER_OTLP_ENDPOINT: options.otlpEndpoint,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
    OTEL_BSP_SCHEDULE_DELAY: '200',
    OTEL_LOGS_EXPORTER: 'none',
    PYROSCOPE_SERVER_ADDRESS: options.pyroscopeUrl,
    ...options.env,
  };
  const directory = serviceDirectory(name, options.from);
  const { command, args } = startCommand(directory);
  const child = spawn(command, args, {
    cwd: directory,
    env: Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined)) as NodeJS.ProcessEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: LogLine[] = [];
  const maxLogLines = options.maxLogLines ?? 100_000;
  const output: string[] = [];
  const listeners = new Set<() => void>();
  createInterface({ input: child.stdout! }).on('line', (line) => {
    const parsed = parseJsonLine(line);
    if (parsed) logs.push(parsed);
    else output.push(line);
    if (logs.length > maxLogLines) logs.splice(0, logs.length - maxLogLines);
    if (output.length > maxLogLines) output.splice(0, output.length - maxLogLines);
    for (const listener of listeners) listener();
  });
  createInterface({ input: child.stderr! }).on('line', (line) => output.push(line));
  const exited = once(child, 'exit').then(([code]) => code as number | null);

  const recentOutput = () => [...output, ...logs.map((line) => JSON.stringify(line))].slice(-20).join('\n');
  const waitForLog = (predicate: (line: LogLine) => boolean, timeoutMs = 10_000): Promise<LogLine> =>
    new Promise((resolve, reject) => {
      const check = () => {
        const found = logs.find(predicate);
        if (!found) return;
        cleanup();
        resolve(found);
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`${name}: no matching log line within ${timeoutMs} ms; output:\n${recentOutput()}`));
      }, timeoutMs);
      const onExit = () => {
        cleanup();
        reject(new Error(`${name} exited (code ${child.exitCode}) before the expected log line; output:\n${recentOutput()}`));
      };
      const cleanup = () => {
        clearTimeout(timer);
        listeners.delete(check);
        child.off('exit', onExit);
      };
      listeners.add(check);
      child.once('exit', onExit);
      check();
    });

  const stop = async (graceMs = 10_000): Promise<number | null> => {
    if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    try {
      return await exited;
    } finally {
      clearTimeout(timer);
    }
  };

  try {
    const listening = await waitForLog((line) => line.msg === 'listening', options.startTimeoutMs ?? 20_000);
    const port = listening['port'] as number;
    const adminPort = listening['admin_port'] as number;
    return { name, url: `http://127.0.0.1:${port}`, adminUrl: `http://127.0.0.1:${adminPort}`, port, adminPort, logs, output, child, waitForLog, stop };
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
}

export interface ShopOptions extends Omit<ServiceProcessOptions, 'env' | 'dataDir'> {
  /** Extra environment per service (e.g. { payments: { LAB_FAULTS: '...' } }), and for all under `all`. */
  env?: Partial<Record<ServiceName | 'all', Record<string, string | undefined>>>;
  /** Parent of each service's DATA_DIR; default a fresh temporary directory. */
  dataDir?: string;
}

export interface Shop {
  gateway: ServiceProcess;
  catalog: ServiceProcess;
  orders: ServiceProcess;
  payments: ServiceProcess;
  services: ServiceProcess[];
  dataDir: string;
  /** Stops every service (gateway first, so nothing calls a stopped downstream) and resolves with exit codes. */
  stop(): Promise<Record<ServiceName, number | null>>;
}

/** Starts catalog and payments, then orders wired to them, then the gateway wired to catalog and orders. */
export async function startShop(options: ShopOptions): Promise<Shop> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'lab-shop-'));
  const running = new Map<ServiceName, ServiceProcess>();
  const start = async (name: ServiceName) => {
    const wiring = downstreamUrls(name, (downstream) => running.get(downstream)!.url);
    const service = await startServiceProcess(name, {
      ...options,
      dataDir: join(dataDir, name),
      env: { ...options.env?.all, ...wiring, ...options.env?.[name] },
    });
    running.set(name, service);
    return service;
  };
  try {
    const [catalog, payments] = await Promise.all([start('catalog'), start('payments')]);
    const orders = await start('orders');
    const gateway = await start('gateway');
    const services = [gateway, orders, catalog, payments];
    const stop = async () => {
      const codes = {} as Record<ServiceName, number | null>;
      for (const service of services) codes[service.name] = await service.stop();
      return codes;
    };
    return { gateway, catalog, orders, payments, services, dataDir, stop };
  } catch (error) {
    await Promise.all([...running.values()].map((service) => service.stop(2000)));
    throw error;
  }
}

function parseJsonLine(line: string): LogLine | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    return JSON.parse(line) as LogLine;
  } catch {
    return undefined;
  }
}

// biome-ignore lint/suspicious/noExplicitAny: test code asserts response bodies field by field
export interface JsonResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

/** fetch with a JSON body in and out (10 s timeout), for tests and the lab's probes. */
// biome-ignore lint/suspicious/noExplicitAny: see JsonResponse
export async function requestJson<T = any>(
  url: string,
  init: { method?: string; body?: unknown; headers?: Record<string, string>; rawBody?: string } = {},
): Promise<JsonResponse<T>> {
  const hasBody = init.body !== undefined || init.rawBody !== undefined;
  const response = await fetch(url, {
    method: init.method ?? (hasBody ? 'POST' : 'GET'),
    headers: { ...(hasBody ? { 'content-type': 'application/json' } : {}), ...init.headers },
    body: init.rawBody ?? (init.body === undefined ? undefined : JSON.stringify(init.body)),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
}

/** The value of one sample of a Prometheus text exposition, or undefined when absent. */
export async function scrapeSample(baseUrl: string, metric: string, labels: Record<string, string> = {}): Promise<number | undefined> {
  const text = await (await fetch(`${baseUrl}/metrics`, { signal: AbortSignal.timeout(10_000) })).text();
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${metric}{`) && !line.startsWith(`${metric} `)) continue;
    const matches = Object.entries(labels).every(([name, value]) => line.includes(`${name}="${value}"`));
    if (matches) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

/** startServiceProcess and startShop bound to the caller's module: `const { startShop } = shopHarness(import.meta.url)`. */
export function shopHarness(from: string | URL) {
  return {
    startServiceProcess: (name: ServiceName, options: Omit<ServiceProcessOptions, 'from'> = {}) => startServiceProcess(name, { ...options, from }),
    startShop: (options: Omit<ShopOptions, 'from'> = {}) => startShop({ ...options, from }),
  };
}

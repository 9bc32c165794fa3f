// The real Prometheus, as the lab and the tests run it: one job per loopback target, exemplar storage on, and a
// readiness wait that notices a Prometheus that exited. `startPrometheus()` is the tests' own instance (temporary
// TSDB, 1 s scrapes, query helpers); the lab supervises its long-lived one with the same config and flags.
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.ts';

const PROMETHEUS_BIN = '/usr/bin/prometheus';
const PROMTOOL_BIN = '/usr/bin/promtool';

export interface ScrapeTarget {
  job: string;
  /** Port on 127.0.0.1. */
  port: number;
  metricsPath?: string;
}

export function prometheusConfig(targets: ScrapeTarget[], intervalSeconds: number, header = ''): string {
  const jobs = targets.map(
    (target) => `  - job_name: ${target.job}
    metrics_path: ${target.metricsPath ?? '/metrics'}
    static_configs:
      - targets: ['127.0.0.1:${target.port}']`,
  );
  return `${header}global:
  scrape_interval: ${intervalSeconds}s
  scrape_timeout: ${Math.max(1, intervalSeconds - 1)}s
  evaluation_interval: ${intervalSeconds}s
storage:
  exemplars:
    max_exemplars: 100000
scrape_configs:
${jobs.join('\n')}
`;
}

/** The flags every Prometheus here runs with; `extra` adds the caller's own. */
export function prometheusArgs(configFile: string, dataDir: string, port: number, extra: string[] = []): string[] {
  return [
    `--config.file=${configFile}`,
    `--storage.tsdb.path=${dataDir}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--enable-feature=exemplar-storage',
    ...extra,
  ];
}

/** Resolves when `url` (/-/ready) answers 200; rejects at once when `exited` settles first, or after the timeout. */
export async function waitReady(url: string, timeoutMs: number, exited: Promise<unknown>, whereOutput: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let gone = false;
  void exited.then(() => {
    gone = true;
  });
  while (Date.now() < deadline) {
    if (gone) throw new Error(`Prometheus exited during startup; ${whereOutput}`);
    try {
      if ((await fetch(url, { signal: AbortSignal.timeout(1000) })).ok) return;
    } catch {
      // not up yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`Prometheus not ready at ${url} within ${timeoutMs / 1000} s; ${whereOutput}`);
}

export interface PrometheusInstance {
  url: string;
  /** GET /api/v1/<path> with query parameters; returns `data` or throws with Prometheus' error. */
  api<T = unknown>(path: string, params: Record<string, string>): Promise<T>;
  /** Polls an instant query until `accept` returns true for its result (or the timeout passes). */
  waitForQuery<T = unknown>(query: string, accept: (result: T) => boolean, timeoutMs: number): Promise<T>;
  close(): Promise<void>;
}

/** A Prometheus for one test: free port, temporary TSDB (removed by close()), 1 s scrapes of `targets`. */
export async function startPrometheus(targets: ScrapeTarget[]): Promise<PrometheusInstance> {
  const dir = mkdtempSync(join(tmpdir(), 'lab-prometheus-'));
  const configFile = join(dir, 'prometheus.yml');
  writeFileSync(configFile, prometheusConfig(targets, 1));
  const port = await freePort();
  const child = spawn(PROMETHEUS_BIN, prometheusArgs(configFile, join(dir, 'data'), port, ['--log.level=warn']), {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk.slice(0, 10_000);
  });
  const exited = once(child, 'exit');
  const url = `http://127.0.0.1:${port}`;

  async function close(): Promise<void> {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  }

  async function api<T>(path: string, params: Record<string, string>): Promise<T> {
    const response = await fetch(`${url}/api/v1/${path}?${new URLSearchParams(params)}`);
    const body = (await response.json()) as { status: string; data: T; error?: string };
    if (body.status !== 'success') throw new Error(`Prometheus ${path} failed: ${body.error}`);
    return body.data;
  }

  async function waitForQuery<T>(query: string, accept: (result: T) => boolean, timeoutMs: number): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let last: T | undefined;
    while (Date.now() < deadline) {
      last = (await api<{ result: T }>('query', { query })).result;
      if (accept(last)) return last;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    throw new Error(`query ${query} not satisfied within ${timeoutMs} ms; last result: ${JSON.stringify(last)}`);
  }

  try {
    await waitReady(`${url}/-/ready`, 20_000, exited, 'its stderr:');
  } catch (error) {
    await close();
    throw new Error(`${(error as Error).message}\n${stderr}`);
  }
  return { url, api, waitForQuery, close };
}

/** Runs `promtool check metrics` on an exposition text; returns its exit status and output. */
export function promtoolCheckMetrics(text: string): { status: number | null; output: string } {
  const result = spawnSync(PROMTOOL_BIN, ['check', 'metrics'], { input: text, encoding: 'utf8', timeout: 20_000 });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

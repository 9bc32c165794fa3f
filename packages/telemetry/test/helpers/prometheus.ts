// Test helper: a real Prometheus (/usr/bin/prometheus) on a free loopback port, with exemplar storage, a temp TSDB
// and a 1 s scrape interval, scraping the given targets. `close()` stops it and removes its directory.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@lab/dev-kit/ports';

export const PROMETHEUS_BIN = '/usr/bin/prometheus';
export const PROMTOOL_BIN = '/usr/bin/promtool';

export interface ScrapeTarget {
  job: string;
  /** host:port */
  address: string;
  metricsPath?: string;
}

export interface PrometheusInstance {
  url: string;
  /** GET /api/v1/<path> with query parameters; returns `data` or throws with Prometheus' error. */
  api<T = unknown>(path: string, params: Record<string, string>): Promise<T>;
  /** Polls an instant query until `accept` returns true for its result (or the timeout passes). */
  waitForQuery<T = unknown>(query: string, accept: (result: T) => boolean, timeoutMs: number): Promise<T>;
  close(): Promise<void>;
}

export async function startPrometheus(targets: ScrapeTarget[]): Promise<PrometheusInstance> {
  const dir = mkdtempSync(join(tmpdir(), 'lab-prometheus-'));
  const scrapeConfigs = targets
    .map(
      (target) => `  - job_name: ${JSON.stringify(target.job)}
    scrape_interval: 1s
    scrape_timeout: 1s
    metrics_path: ${JSON.stringify(target.metricsPath ?? '/metrics')}
    static_configs:
      - targets: [${JSON.stringify(target.address)}]`,
    )
    .join('\n');
  writeFileSync(join(dir, 'prometheus.yml'), `global:\n  scrape_interval: 1s\nscrape_configs:\n${scrapeConfigs}\n`);
  const port = await freePort();
  const child: ChildProcess = spawn(
    PROMETHEUS_BIN,
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--enable-feature=exemplar-storage',
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
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

  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      if ((await fetch(`${url}/-/ready`)).ok) break;
    } catch {
      // not listening yet
    }
    if (child.exitCode !== null || Date.now() > deadline) {
      await close();
      throw new Error(`Prometheus did not become ready; stderr:\n${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return { url, api, waitForQuery, close };
}

/** Runs `promtool check metrics` on an exposition text; returns its exit status and output. */
export function promtoolCheckMetrics(text: string): { status: number | null; output: string } {
  const result = spawnSync(PROMTOOL_BIN, ['check', 'metrics'], { input: text, encoding: 'utf8', timeout: 20_000 });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

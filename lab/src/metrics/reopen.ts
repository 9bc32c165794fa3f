// `pnpm lab --open <run>`: a finished run's Prometheus data, served again to re-query it (exemplars included: they
// live in the WAL). Prometheus writes into its data directory even without scraping (lock, head chunks, WAL
// checkpoints), so it runs on a copy and the run folder stays as the run left it.
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { TimeRange } from '../correlation/types.ts';
import { UsageError } from '../options.ts';
import { Supervisor } from '../processes.ts';
import { runFolder } from '../run-folder.ts';
import { findPrometheus, INSTALL_HINT, prometheusArgs, prometheusConfig, waitReady } from './prometheus.ts';

export interface ReopenedRun {
  runDir: string;
  runId?: string;
  url: string;
  /** The run's load phase (unix seconds), from its summary. */
  range?: TimeRange;
  /** Stops Prometheus and removes the copy. */
  close(): Promise<void>;
}

/** Files Prometheus keeps only while running; a copy without them starts clean. */
const RUNTIME_FILES = new Set(['lock', 'queries.active']);

export async function reopenRun(runDir: string, port: number, prometheusBin: string | undefined, log: (line: string) => void): Promise<ReopenedRun> {
  const folder = runFolder(resolve(runDir));
  if (!existsSync(folder.prometheusData)) {
    const hint = existsSync(folder.scrapes) ? ': it ran with the fallback scraper, its samples are in prometheus/scrapes.jsonl' : '';
    throw new UsageError(`--open: ${folder.root} has no Prometheus data (prometheus/data)${hint}`);
  }
  const binary = findPrometheus(prometheusBin);
  if (!binary) throw new UsageError(`--open needs Prometheus: ${INSTALL_HINT}`);
  const summary = existsSync(folder.summary) ? (JSON.parse(readFileSync(folder.summary, 'utf8')) as { runId?: string; range?: TimeRange }) : {};

  const copy = runFolder(mkdtempSync(join(tmpdir(), 'lab-open-')));
  mkdirSync(join(copy.root, 'prometheus'), { recursive: true });
  cpSync(folder.prometheusData, copy.prometheusData, { recursive: true, filter: (source) => !RUNTIME_FILES.has(source.split(/[\\/]/).pop()!) });
  // No scrape jobs: only the stored data is served.
  writeFileSync(copy.prometheusConfig, prometheusConfig([], 1));
  const supervisor = new Supervisor();
  const prometheus = supervisor.start({ name: 'prometheus', command: binary, args: prometheusArgs(copy, port), cwd: copy.root, onStdout: log, onStderr: log });
  const close = async () => {
    await supervisor.stopAll(10_000);
    rmSync(copy.root, { recursive: true, force: true });
  };
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitReady(`${url}/-/ready`, 60_000, prometheus.exited);
  } catch (error) {
    await close();
    throw error;
  }
  return { runDir: folder.root, ...(summary.runId ? { runId: summary.runId } : {}), url, ...(summary.range ? { range: summary.range } : {}), close };
}

/** A Prometheus graph link over the run's range. */
export function graphUrl(url: string, expression: string, range: TimeRange): string {
  const seconds = Math.max(60, Math.ceil(range.end - range.start) + 60);
  const params = new URLSearchParams({
    'g0.expr': expression,
    'g0.tab': '0',
    'g0.range_input': `${seconds}s`,
    'g0.end_input': new Date((range.end + 30) * 1000).toISOString(),
  });
  return `${url}/graph?${params}`;
}

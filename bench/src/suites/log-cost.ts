// Measure 4: the cost of one log line, bare pino against the library's logger inside a span (with trace fields).
// Each round runs one process per logger kind, alternating, and pairs the kinds within the round.
import { BENCH_DIR, type Placement } from '../app-process.ts';
import { startChild } from '../child.ts';
import type { BenchSettings } from '../settings.ts';

const SCRIPT = new URL('../apps/log-cost.ts', import.meta.url).pathname;
export const LOG_KINDS = ['bare', 'bare-formatted', 'lab'] as const;
export type LogKind = (typeof LOG_KINDS)[number];

export interface LogCostResult {
  lines: number;
  /** nsPerLine[kind][round] */
  nsPerLine: Record<LogKind, number[]>;
}

export async function runLogCostSuite(settings: BenchSettings, placement: Placement, log: (line: string) => void): Promise<LogCostResult> {
  const nsPerLine: Record<LogKind, number[]> = { bare: [], 'bare-formatted': [], lab: [] };
  for (let round = 1; round <= settings.rounds; round += 1) {
    for (const kind of LOG_KINDS) {
      nsPerLine[kind].push((await measureLogCost(kind, settings.logLines, placement)).nsPerLine);
    }
    log(`log cost round ${round}/${settings.rounds}: ${LOG_KINDS.map((k) => `${k} ${nsPerLine[k].at(-1)!.toFixed(0)} ns`).join(', ')}`);
  }
  return { lines: settings.logLines, nsPerLine };
}

export interface LogCostSample {
  nsPerLine: number;
  /** When the timed lines began, milliseconds since the process started (profiles skip what came before). */
  timedFromMs: number;
}

/** Nanoseconds per line of one logger kind, measured in a fresh process. */
export async function measureLogCost(kind: LogKind, lines: number, placement: Placement, nodeArgs: string[] = []): Promise<LogCostSample> {
  const child = await startChild({ script: SCRIPT, args: [kind, String(lines)], nodeArgs, cwd: BENCH_DIR, cpu: placement.serverCpu, noWait: true });
  const code = await child.exited();
  const line = child.messages.find((m) => m.startsWith('{'));
  if (code !== 0 || !line) throw new Error(`log cost ${kind} exited ${code}: ${child.stderrTail()}`);
  return JSON.parse(line) as LogCostSample;
}

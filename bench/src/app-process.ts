// Starts a benchmarked app under one variant, pinned to the server CPU, with stdout (its log lines) discarded, and
// reads its event-loop delay reports (apps/bench-app.ts).
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BenchChild, startChild } from './child.ts';
import type { Variant } from './variants.ts';

export interface BenchApp {
  id: string;
  /** How the report names it. */
  label: string;
  script: string;
  /** The path the load generators request. */
  path: string;
}

export const HELLO: BenchApp = {
  id: 'hello',
  label: 'hello',
  script: new URL('./apps/hello.ts', import.meta.url).pathname,
  path: '/hello',
};
export const CATALOG: BenchApp = {
  id: 'catalog',
  label: 'catalog (route parameters, express.json(), 20-item JSON answer)',
  script: new URL('./apps/catalog.ts', import.meta.url).pathname,
  path: '/stores/s1/categories/c7/items?page=2',
};

/** Where the peers and @lab/telemetry resolve from: the bench package's own node_modules. */
export const BENCH_DIR = new URL('..', import.meta.url).pathname;

export interface Placement {
  /** CPU for the server; undefined when the machine cannot pin. */
  serverCpu: number | undefined;
}

export interface StartAppOptions {
  app?: BenchApp;
  extraNodeArgs?: string[];
  extraEnv?: Record<string, string>;
}

export function startApp(variant: Variant, sinkUrl: string, placement: Placement, options: StartAppOptions = {}): Promise<BenchChild> {
  return startChild({
    script: (options.app ?? HELLO).script,
    cwd: BENCH_DIR,
    nodeArgs: [...(options.extraNodeArgs ?? []), ...variant.nodeArgs],
    // Every variant gets Node's compile cache (its own folder): @lab/telemetry turns it on for the whole app, so
    // without this its startup would also be credited with loading express faster.
    env: { ...variant.env({ url: sinkUrl }), NODE_COMPILE_CACHE: join(tmpdir(), 'lab-bench-compile-cache', variant.id), ...options.extraEnv },
    cpu: placement.serverCpu,
    timeoutMs: 60_000,
  });
}

export function appUrl(child: BenchChild, app: BenchApp = HELLO): string {
  return `http://127.0.0.1:${child.port}${app.path}`;
}

/** Event-loop delay (perf_hooks monitorEventLoopDelay) over a stretch of time, in milliseconds. */
export interface LoopDelay {
  maxMs: number;
  p999Ms: number;
}

/** An overloaded app first works off the requests queued at the fixed rate: its answer can take seconds. */
const REPORT_TIMEOUT_MS = 30_000;

/**
 * Asks the app for its event-loop delay since the previous request (SIGUSR2) and waits for the answer: called at the
 * start of a measured phase (the answer is discarded) and at its end. Without an answer in time the values are NaN
 * (shown as such in the report, failing any check on them) and a warning names the app: one stuck variant must not
 * end a run of half an hour.
 */
export async function takeLoopDelay(child: BenchChild): Promise<LoopDelay> {
  const seen = child.messages.length;
  process.kill(child.pid, 'SIGUSR2');
  const deadline = Date.now() + REPORT_TIMEOUT_MS;
  for (;;) {
    const line = child.messages.slice(seen).find((message) => message.startsWith('loop-run '));
    if (line) return JSON.parse(line.slice('loop-run '.length)) as LoopDelay;
    if (Date.now() > deadline) {
      console.warn(`[bench] warning: pid ${child.pid} sent no event-loop delay report within ${REPORT_TIMEOUT_MS} ms\n${child.stderrTail()}`);
      return { maxMs: Number.NaN, p999Ms: Number.NaN };
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Synchronous steps of @lab/telemetry's profile collection (its `lab-telemetry:profile:collected` channel), ms. */
export interface ProfileCollectionSteps {
  stopMs: number;
  longestSliceMs: number;
}

/** One BENCH_LOOP_WINDOW_MS of event-loop delay, and what may have caused its pauses (ms). */
export interface LoopWindow extends LoopDelay {
  gcMaxMs: number;
  gcMaxKind: string;
  gcTotalMs: number;
  /** Present when a profile collection ended in the window. */
  profiler?: ProfileCollectionSteps;
}

/** The per-window reports (BENCH_LOOP_WINDOW_MS) the app wrote after message index `from`. */
export function loopWindows(child: BenchChild, from: number): LoopWindow[] {
  return child.messages
    .slice(from)
    .filter((message) => message.startsWith('loop-window '))
    .map((message) => JSON.parse(message.slice('loop-window '.length)) as LoopWindow);
}

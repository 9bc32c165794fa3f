// Collects one profile window: wall time (with CPU time and span labels) and, optionally, the sampled live heap.
import type { GenerateLabels, NativeProfiler, PprofProfile } from './native.ts';
import { toPyroscopeFormat } from './pyroscope-format.ts';
import { SPAN_NAME_LABEL } from './span-labels.ts';

/** Pyroscope's default sampling rate for Node (100 Hz). */
export const SAMPLING_INTERVAL_MICROS = 10_000;
/** The official client's heap sampling: one sample per 512 KiB allocated, stacks up to 64 frames. */
const HEAP_SAMPLING_INTERVAL_BYTES = 512 * 1024;
const HEAP_STACK_DEPTH = 64;

export interface CollectedProfile {
  /** gzip-compressed pprof. */
  body: Uint8Array;
  fromMs: number;
  untilMs: number;
  /** Samples per second, sent for the wall profile as the official client does. */
  sampleRate?: number;
}

export interface CollectorOptions {
  windowMs: number;
  heap: boolean;
  generateLabels: GenerateLabels;
}

export class ProfileCollector {
  readonly #native: NativeProfiler;
  readonly #options: CollectorOptions;
  #windowStartMs = Date.now();

  constructor(native: NativeProfiler, options: CollectorOptions) {
    this.#native = native;
    this.#options = options;
  }

  /** `withContexts`: keep per-async-context objects for span labels (needs AsyncContextFrame, Node 24). */
  start(withContexts: boolean): void {
    this.#native.time.start({
      durationMillis: this.#options.windowMs,
      intervalMicros: SAMPLING_INTERVAL_MICROS,
      withContexts,
      useCPED: withContexts,
      collectCpuTime: true,
      // The workaround for V8's stuck sample processor sleeps on the main thread until the next profiler signal,
      // before and after every restart: up to two sampling intervals each, most of time.stop's pause. Without it the
      // native side still detects a stuck processor and @datadog/pprof then restarts the profiler fully.
      workaroundV8Bug: false,
    });
    if (this.#options.heap) this.#native.heap.start(HEAP_SAMPLING_INTERVAL_BYTES, HEAP_STACK_DEPTH);
    this.#windowStartMs = Date.now();
  }

  /**
   * Ends the current window; `last` stops the profilers instead of starting the next window. Each step runs in a turn
   * of the event loop of its own, so requests that arrive meanwhile are served in between: the longest pause is the
   * longest single step (stopping and serializing the wall profile), not the sum. gzip runs on the thread pool.
   */
  async collect(last: boolean): Promise<CollectedProfile[]> {
    const fromMs = this.#windowStartMs;
    const untilMs = Date.now();
    this.#windowStartMs = untilMs;
    const raw: Array<{ profile: PprofProfile; sampleRate?: number }> = [
      { profile: this.#native.time.stop(!last, this.#options.generateLabels, [SPAN_NAME_LABEL]), sampleRate: 1e6 / SAMPLING_INTERVAL_MICROS },
    ];
    if (this.#options.heap) {
      await nextTurn();
      raw.push({ profile: this.#native.heap.profile() });
      if (last) this.#native.heap.stop();
    }
    const collected: CollectedProfile[] = [];
    for (const { profile, ...rest } of raw) {
      await nextTurn();
      toPyroscopeFormat(profile, process.cwd());
      collected.push({ ...rest, fromMs, untilMs, body: await this.#native.encode(profile) });
    }
    return collected;
  }
}

function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

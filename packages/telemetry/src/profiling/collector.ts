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
      workaroundV8Bug: true,
    });
    if (this.#options.heap) this.#native.heap.start(HEAP_SAMPLING_INTERVAL_BYTES, HEAP_STACK_DEPTH);
    this.#windowStartMs = Date.now();
  }

  /** Ends the current window; `last` stops the profilers instead of starting the next window. */
  async collect(last: boolean): Promise<CollectedProfile[]> {
    const fromMs = this.#windowStartMs;
    const untilMs = Date.now();
    this.#windowStartMs = untilMs;
    const wall = this.#native.time.stop(!last, this.#options.generateLabels, [SPAN_NAME_LABEL]);
    const raw: Array<{ profile: PprofProfile; sampleRate?: number }> = [
      { profile: wall, sampleRate: 1e6 / SAMPLING_INTERVAL_MICROS },
    ];
    if (this.#options.heap) {
      raw.push({ profile: this.#native.heap.profile() });
      if (last) this.#native.heap.stop();
    }
    return Promise.all(
      raw.map(async ({ profile, ...rest }) => ({ ...rest, fromMs, untilMs, body: await this.#encode(profile) })),
    );
  }

  async #encode(profile: PprofProfile): Promise<Uint8Array> {
    toPyroscopeFormat(profile, process.cwd());
    return this.#native.encode(profile);
  }
}

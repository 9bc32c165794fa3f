// Collects one profile window: wall time (with CPU time and span labels) and, optionally, the sampled live heap.
import diagnosticsChannel from 'node:diagnostics_channel';
import type { GenerateLabels, NativeProfiler } from './native.ts';
import { toPyroscopeFormat } from './pyroscope-format.ts';
import { encodeWallProfile, type SerializationSlices } from './wall-profile-encoder.ts';
import type { WallProfiler } from './wall-profiler.ts';

/** Pyroscope's default sampling rate for Node (100 Hz). */
export const SAMPLING_INTERVAL_MICROS = 10_000;
/** The official client's heap sampling: one sample per 512 KiB allocated, stacks up to 64 frames. */
const HEAP_SAMPLING_INTERVAL_BYTES = 512 * 1024;
const HEAP_STACK_DEPTH = 64;
/**
 * Published once per collected window (when someone subscribes): how long each synchronous step held the main thread,
 * so that an event-loop pause can be told apart from a collection (docs/profiling.md, "Pauses").
 */
export const COLLECTION_CHANNEL = 'lab-telemetry:profile:collected';
const collectionChannel = diagnosticsChannel.channel(COLLECTION_CHANNEL);

export interface CollectionTimings {
  fromMs: number;
  untilMs: number;
  /** The wall profiler's native stop (and restart): one synchronous step. */
  stopMs: number;
  /** Slices of the wall profile's serialization, each synchronous. */
  slices: number;
  longestSliceMs: number;
  /** The longest synchronous heap-profile step, when the heap is profiled. */
  heapStepMs?: number;
}

export interface CollectedProfile {
  /** gzip-compressed pprof. */
  body: Uint8Array;
  fromMs: number;
  untilMs: number;
  /** Samples per second, sent for the wall profile as the official client does. */
  sampleRate?: number;
}

export interface CollectorOptions {
  heap: boolean;
  generateLabels: GenerateLabels;
}

export class ProfileCollector {
  readonly #wall: WallProfiler;
  readonly #native: NativeProfiler;
  readonly #options: CollectorOptions;
  #windowStartMs = Date.now();

  constructor(wall: WallProfiler, native: NativeProfiler, options: CollectorOptions) {
    this.#wall = wall;
    this.#native = native;
    this.#options = options;
  }

  start(): void {
    this.#wall.start();
    if (this.#options.heap) this.#native.heap.start(HEAP_SAMPLING_INTERVAL_BYTES, HEAP_STACK_DEPTH);
    this.#windowStartMs = Date.now();
  }

  /**
   * Ends the current window; `last` stops the profilers instead of starting the next window. Requests that arrive
   * meanwhile are served in between the steps: the longest pause is the native stop of the wall profiler (the next
   * window starts in the same step); its tree is serialized in slices of ~2 ms, and gzip runs on the thread pool.
   */
  async collect(last: boolean): Promise<CollectedProfile[]> {
    const fromMs = this.#windowStartMs;
    const untilMs = Date.now();
    this.#windowStartMs = untilMs;
    const [wall, stopMs] = timed(() => this.#wall.stop(!last));
    const collected: CollectedProfile[] = [];
    await nextTurn();
    const encoding = { intervalMicros: SAMPLING_INTERVAL_MICROS, generateLabels: this.#options.generateLabels, cwd: process.cwd() };
    const slices: SerializationSlices = { count: 0, longestMs: 0 };
    collected.push({ fromMs, untilMs, sampleRate: 1e6 / SAMPLING_INTERVAL_MICROS, body: await encodeWallProfile(wall, encoding, slices) });
    const timings: CollectionTimings = { fromMs, untilMs, stopMs, slices: slices.count, longestSliceMs: slices.longestMs };
    if (this.#options.heap) {
      await nextTurn();
      const [heap, profileMs] = timed(() => {
        const profile = this.#native.heap.profile();
        if (last) this.#native.heap.stop();
        return profile;
      });
      await nextTurn();
      const [, renameMs] = timed(() => toPyroscopeFormat(heap, process.cwd()));
      timings.heapStepMs = Math.max(profileMs, renameMs);
      collected.push({ fromMs, untilMs, body: await this.#native.encode(heap) });
    }
    if (collectionChannel.hasSubscribers) collectionChannel.publish(timings);
    return collected;
  }
}

/** The step's result and how long it held the main thread (ms). */
function timed<T>(step: () => T): [T, number] {
  const start = performance.now();
  const result = step();
  return [result, performance.now() - start];
}

function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

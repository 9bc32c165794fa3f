// The native wall profiler, driven without @datadog/pprof's time module: its stop() turns a whole window into
// pprof-format objects in one synchronous step (5–20 ms per 15 s window at 8,000 requests/s, measured), a pause every
// request waiting meanwhile sees. Here stop() returns the raw call tree, which wall-profile-encoder.ts serializes in
// slices between other work. Start, restart and the stuck-profiler recovery are the ones the time module does.
import { AsyncLocalStorage } from 'node:async_hooks';
import { isMainThread } from 'node:worker_threads';
import type { NativeProfiler, TimeProfile, WallProfilerBinding } from './native.ts';

export interface WallProfilerOptions {
  intervalMicros: number;
  /** The window: the native side sizes its sample buffers for it. */
  durationMillis: number;
  /** Keep the object given to setContext with each sample, in the async context frame (Node 24's AsyncLocalStorage). */
  withContexts: boolean;
}

export class WallProfiler {
  readonly #binding: WallProfilerBinding;

  constructor(native: NativeProfiler, options: WallProfilerOptions) {
    this.#binding = new native.WallProfiler({
      ...options,
      useCPED: options.withContexts,
      CPEDKey: options.withContexts ? new AsyncLocalStorage() : undefined,
      // The native side records CPU time per context: without contexts it refuses to start with it.
      collectCpuTime: options.withContexts,
      lineNumbers: false,
      collectAsyncId: false,
      isMainThread,
      // The workaround for V8's stuck sample processor sleeps on the main thread until the next profiler signal,
      // before and after every restart: up to two sampling intervals each. Without it the native side still detects
      // a stuck processor, and stop() then restarts the profiler fully.
      workaroundV8Bug: false,
    });
  }

  start(): void {
    this.#binding.start();
  }

  /** Ends the window; `restart` starts the next one in the same step, so no sample falls between the two. */
  stop(restart: boolean): TimeProfile {
    const profile = this.#binding.stop(restart);
    if (restart && this.#binding.v8ProfilerStuckEventLoopDetected() > 0) {
      // V8's sample processor spins and the next profile would be empty: only a full stop and start recovers it.
      this.#binding.stop(false);
      this.#binding.start();
    }
    return profile;
  }

  setContext(context: object): void {
    this.#binding.context = context;
  }

  getContext(): unknown {
    return this.#binding.context;
  }
}

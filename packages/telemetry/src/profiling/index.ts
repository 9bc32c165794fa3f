// Continuous profiling with span labels: the wall profiler (CPU time included) and optionally the heap profiler,
// one window per upload interval, pushed to Pyroscope. Nothing here may crash the service: a profiler that cannot
// start leaves the service running unprofiled, with the reason logged.
import type { Logger } from 'pino';
import { ProfileCollector, SAMPLING_INTERVAL_MICROS } from './collector.ts';
import type { ProfilingContext, ProfilingHooks, StartProfiling } from './contract.ts';
import { loadNativeProfiler, type NativeProfiler } from './native.ts';
import { profilingMetrics } from './self-metrics.ts';
import { SpanLabels } from './span-labels.ts';
import { PyroscopeUploader } from './uploader.ts';
import { WallProfiler } from './wall-profiler.ts';

const NO_PROFILING: ProfilingHooks = {
  onLocalRootSpanStart: () => undefined,
  onLocalRootSpanEnd() {},
  shutdown: async () => {},
};

export const startProfiling: StartProfiling = (context) => {
  try {
    return start(context);
  } catch (error) {
    context.logger.error({ err: error }, 'profiling could not start; the service runs without it');
    return NO_PROFILING;
  }
};

function start({ config, registry, logger }: ProfilingContext): ProfilingHooks {
  const native = loadNativeProfiler();
  if (native.time.isStarted()) {
    logger.warn('another wall profiler already runs in this process; Pyroscope profiling stays off');
    return NO_PROFILING;
  }
  const metrics = profilingMetrics(registry);
  const { wall, withContexts } = createWallProfiler(native, config.uploadIntervalMs, logger);
  const labels = new SpanLabels(wall, SAMPLING_INTERVAL_MICROS);
  const collector = new ProfileCollector(wall, native, { heap: config.heap, generateLabels: labels.generateLabels });
  collector.start();
  let spanLabels = withContexts && labels.followsAsyncContext();
  if (!spanLabels) {
    logger.warn('span labels need AsyncContextFrame (Node 24); profiles are uploaded without span_id labels');
  }
  const uploader = new PyroscopeUploader({ config, metrics, logger });
  uploader.warmUp();

  let collecting: Promise<void> = Promise.resolve();
  const collectInto = (last: boolean) => {
    collecting = collecting
      .then(() => collector.collect(last))
      .then((profiles) => {
        for (const profile of profiles) uploader.enqueue(profile);
      })
      .catch((error: unknown) => logger.error({ err: error, signal: 'profiles' }, 'profile collection failed'));
    return collecting;
  };
  const timer = setInterval(() => collectInto(false), config.uploadIntervalMs);
  timer.unref();

  let stopped: Promise<void> | undefined;
  return {
    onLocalRootSpanStart(span, name) {
      return spanLabels ? labels.onStart(span, name) : undefined;
    },
    onLocalRootSpanEnd(handle, finalName) {
      if (spanLabels) labels.onEnd(handle, finalName);
    },
    shutdown(deadlineMs) {
      stopped ??= (async () => {
        const startedAt = Date.now();
        // The profiler stops below: requests still being served must not reach it any more.
        spanLabels = false;
        clearInterval(timer);
        await collectInto(true);
        await uploader.flush(deadlineMs - (Date.now() - startedAt));
      })();
      return stopped;
    },
  };
}

function createWallProfiler(native: NativeProfiler, windowMs: number, logger: Logger): { wall: WallProfiler; withContexts: boolean } {
  const options = { intervalMicros: SAMPLING_INTERVAL_MICROS, durationMillis: windowMs };
  try {
    return { wall: new WallProfiler(native, { ...options, withContexts: true }), withContexts: true };
  } catch (error) {
    logger.warn({ err: error }, 'the wall profiler cannot keep async contexts here; starting it without');
    return { wall: new WallProfiler(native, { ...options, withContexts: false }), withContexts: false };
  }
}

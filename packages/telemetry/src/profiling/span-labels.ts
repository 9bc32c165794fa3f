// Span labels on profile samples. The wall profiler stores the object given to setContext in the current async
// context frame (Node 24's AsyncLocalStorage implementation, reached through V8's continuation-preserved embedder
// data), so every continuation of a request — await, timers, fetch, child-span contexts — samples with that
// request's object. The object becomes pprof labels only when the profile is serialized, which lets the span name
// be the final route template and lets samples taken after the span ended go unlabelled.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Span } from '@opentelemetry/api';
import type { GenerateLabels, LabelSet } from './native.ts';
import type { WallProfiler } from './wall-profiler.ts';

export const SPAN_ID_LABEL = 'span_id';
export const SPAN_NAME_LABEL = 'span_name';

/**
 * The profiler holds each sampled object strongly until the window is serialized, and every object given to
 * setContext until the request's async context dies, one collection later: so this holds no span (whose object graph
 * would then survive young-generation collections), only what the labels need.
 */
class SpanSampleContext {
  readonly spanId: string;
  spanName: string;
  /** When the end hook ran plus one sampling interval (microseconds since the epoch); undefined while it runs. */
  endMicros: number | undefined;
  /** The labels of the latest serialization: a request's samples share one object instead of one each. */
  labels: LabelSet | undefined;

  constructor(spanId: string, name: string) {
    this.spanId = spanId;
    this.spanName = name;
  }
}

const NO_LABELS: LabelSet = Object.freeze({});

export class SpanLabels {
  readonly #time: Pick<WallProfiler, 'setContext' | 'getContext'>;
  readonly #samplingIntervalMicros: number;

  /** `samplingIntervalMicros`: a sample stands for the interval before it, so it may end that much after the span. */
  constructor(time: Pick<WallProfiler, 'setContext' | 'getContext'>, samplingIntervalMicros: number) {
    this.#time = time;
    this.#samplingIntervalMicros = samplingIntervalMicros;
  }

  /** True when contexts follow async continuations on this runtime (AsyncContextFrame, Node 24's default). */
  followsAsyncContext(): boolean {
    const probe = {};
    return new AsyncLocalStorage<boolean>().run(true, () => {
      this.#time.setContext(probe);
      return this.#time.getContext() === probe;
    });
  }

  /**
   * setContext writes into the current async context frame, so the caller must have entered a frame of the request's
   * own (the core enters the span's context first); a frame shared with other requests would carry this span's
   * labels into them. Per request this allocates one small object, no frame and no weak-map entry.
   */
  onStart(span: Span, name: string): SpanSampleContext {
    const context = new SpanSampleContext(span.spanContext().spanId, name);
    this.#time.setContext(context);
    return context;
  }

  onEnd(handle: object, finalName: string): void {
    if (!(handle instanceof SpanSampleContext)) return;
    handle.spanName = finalName;
    handle.endMicros = Date.now() * 1000 + this.#samplingIntervalMicros;
  }

  readonly generateLabels: GenerateLabels = ({ context: sample }) => {
    const context = sample?.context;
    // Only our own objects become labels, whoever else calls setContext.
    if (!(context instanceof SpanSampleContext) || sample === undefined) return NO_LABELS;
    // Work a request leaves behind (a timer it scheduled, say) keeps its frame: once the span has ended, its
    // labels stop at the end hook so they never claim time outside the span.
    if (context.endMicros !== undefined && Number(sample.timestamp) > context.endMicros) return NO_LABELS;
    if (context.labels?.[SPAN_NAME_LABEL] !== context.spanName) {
      context.labels = { [SPAN_ID_LABEL]: context.spanId, [SPAN_NAME_LABEL]: context.spanName };
    }
    return context.labels;
  };
}

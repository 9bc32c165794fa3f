// B3 propagation (https://github.com/openzipkin/b3-propagation), single `b3` header and multi `x-b3-*` headers.
// Written here instead of using @opentelemetry/propagator-b3, whose pinned core version loaded a second copy of
// @opentelemetry/core (~30 modules) at startup.
import {
  type Context,
  isSpanContextValid,
  type SpanContext,
  type TextMapGetter,
  type TextMapPropagator,
  type TextMapSetter,
  TraceFlags,
  trace,
} from '@opentelemetry/api';
import { isTracingSuppressed } from '@opentelemetry/core';

const TRACE_ID = /^([0-9a-f]{16}){1,2}$/;
const SPAN_ID = /^[0-9a-f]{16}$/;

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function sampledFlag(value: string | undefined): TraceFlags | undefined {
  if (value === '1' || value === 'd' || value === 'true') return TraceFlags.SAMPLED;
  if (value === '0' || value === 'false') return TraceFlags.NONE;
  return undefined;
}

function remoteContext(context: Context, traceId: string | undefined, spanId: string | undefined, flags: TraceFlags | undefined): Context {
  if (traceId === undefined || spanId === undefined || !TRACE_ID.test(traceId) || !SPAN_ID.test(spanId)) return context;
  const spanContext: SpanContext = {
    traceId: traceId.padStart(32, '0'),
    spanId,
    // No sampling decision: defer to the sampler as if sampled upstream (B3 "accept" semantics).
    traceFlags: flags ?? TraceFlags.SAMPLED,
    isRemote: true,
  };
  return isSpanContextValid(spanContext) ? trace.setSpanContext(context, spanContext) : context;
}

export class B3Propagator implements TextMapPropagator {
  readonly #multiHeader: boolean;

  /** `multiHeader` selects what is injected; extraction accepts both encodings. */
  constructor(options: { multiHeader: boolean }) {
    this.#multiHeader = options.multiHeader;
  }

  inject(context: Context, carrier: unknown, setter: TextMapSetter): void {
    const spanContext = trace.getSpanContext(context);
    if (!spanContext || !isSpanContextValid(spanContext) || isTracingSuppressed(context)) return;
    const sampled = spanContext.traceFlags & TraceFlags.SAMPLED ? '1' : '0';
    if (this.#multiHeader) {
      setter.set(carrier, 'x-b3-traceid', spanContext.traceId);
      setter.set(carrier, 'x-b3-spanid', spanContext.spanId);
      setter.set(carrier, 'x-b3-sampled', sampled);
    } else {
      setter.set(carrier, 'b3', `${spanContext.traceId}-${spanContext.spanId}-${sampled}`);
    }
  }

  extract(context: Context, carrier: unknown, getter: TextMapGetter): Context {
    const single = first(getter.get(carrier, 'b3'));
    if (single !== undefined) {
      const [traceId, spanId, sampled] = single.trim().toLowerCase().split('-');
      return remoteContext(context, traceId, spanId, sampledFlag(sampled));
    }
    const header = (name: string) => first(getter.get(carrier, name))?.trim().toLowerCase();
    const flags = header('x-b3-flags') === '1' ? TraceFlags.SAMPLED : sampledFlag(header('x-b3-sampled'));
    return remoteContext(context, header('x-b3-traceid'), header('x-b3-spanid'), flags);
  }

  fields(): string[] {
    return this.#multiHeader ? ['x-b3-traceid', 'x-b3-spanid', 'x-b3-sampled'] : ['b3'];
  }
}

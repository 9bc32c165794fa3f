// Reads OTLP JSON trace exports (one ExportTraceServiceRequest per line, as the lab writes them) into TraceSpans.
// Accepts the spec's encoding (hex ids, kind as number, int64 as strings) and the variants other encoders emit
// (base64 ids, kind as "SPAN_KIND_SERVER").
import type { TraceSpan } from './types.ts';

interface AnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: string | number;
  doubleValue?: number;
  arrayValue?: { values?: AnyValue[] };
}
interface KeyValue {
  key: string;
  value?: AnyValue;
}
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind?: number | string;
  startTimeUnixNano: string | number;
  endTimeUnixNano: string | number;
  attributes?: KeyValue[];
}
export interface ExportTraceRequestJson {
  resourceSpans?: { resource?: { attributes?: KeyValue[] }; scopeSpans?: { spans?: OtlpSpan[] }[] }[];
}

const KINDS: TraceSpan['kind'][] = ['unspecified', 'internal', 'server', 'client', 'producer', 'consumer'];

export function attributeValue(value: AnyValue | undefined): string | number | boolean {
  if (!value) return '';
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.boolValue !== undefined) return value.boolValue;
  if (value.intValue !== undefined) return Number(value.intValue);
  if (value.doubleValue !== undefined) return value.doubleValue;
  if (value.arrayValue) return JSON.stringify((value.arrayValue.values ?? []).map(attributeValue));
  return '';
}

export function attributes(list: KeyValue[] | undefined): Record<string, string | number | boolean> {
  return Object.fromEntries((list ?? []).map((entry) => [entry.key, attributeValue(entry.value)]));
}

/** Hex id from hex or base64 (the protobuf JSON mapping of bytes). */
export function hexId(id: string | undefined, bytes: number): string | undefined {
  if (!id) return undefined;
  if (id.length === bytes * 2 && /^[0-9a-f]+$/i.test(id)) return id.toLowerCase();
  const hex = Buffer.from(id, 'base64').toString('hex');
  return hex.length === bytes * 2 ? hex : id;
}

function kindOf(kind: number | string | undefined): TraceSpan['kind'] {
  if (typeof kind === 'number') return KINDS[kind] ?? 'unspecified';
  const name = (kind ?? '').replace(/^SPAN_KIND_/, '').toLowerCase();
  return (KINDS as string[]).includes(name) ? (name as TraceSpan['kind']) : 'unspecified';
}

export function spansOf(request: ExportTraceRequestJson): TraceSpan[] {
  const spans: TraceSpan[] = [];
  for (const resourceSpans of request.resourceSpans ?? []) {
    const serviceName = String(attributes(resourceSpans.resource?.attributes)['service.name'] ?? 'unknown');
    for (const scopeSpans of resourceSpans.scopeSpans ?? []) {
      for (const span of scopeSpans.spans ?? []) {
        const parentSpanId = hexId(span.parentSpanId, 8);
        spans.push({
          traceId: hexId(span.traceId, 16)!,
          spanId: hexId(span.spanId, 8)!,
          ...(parentSpanId ? { parentSpanId } : {}),
          name: span.name,
          serviceName,
          kind: kindOf(span.kind),
          startTimeUnixNano: BigInt(span.startTimeUnixNano),
          endTimeUnixNano: BigInt(span.endTimeUnixNano),
          attributes: attributes(span.attributes),
        });
      }
    }
  }
  return spans;
}

// Checks that a trace's spans form one correct parent/child tree, and finds its local roots (the first span of each
// service hop: the span whose parent is missing or belongs to another service). Local roots are what span profiles
// are labelled with (`span_id` = the local-root span id).
import type { TraceSpan } from './types.ts';

export interface TreeCheck {
  ok: boolean;
  /** What is wrong with the tree, one line each; empty when ok. */
  problems: string[];
  root?: TraceSpan;
  services: string[];
  localRoots: TraceSpan[];
}

export function checkTree(spans: TraceSpan[]): TreeCheck {
  const problems: string[] = [];
  const byId = new Map<string, TraceSpan>();
  for (const span of spans) {
    if (byId.has(span.spanId)) problems.push(`span id ${span.spanId} appears twice`);
    byId.set(span.spanId, span);
  }
  const traceIds = new Set(spans.map((span) => span.traceId));
  if (traceIds.size > 1) problems.push(`spans of ${traceIds.size} different trace ids mixed`);

  const roots = spans.filter((span) => !span.parentSpanId);
  if (roots.length !== 1) problems.push(`${roots.length} root spans (expected exactly 1)`);
  for (const span of spans) {
    if (span.parentSpanId && !byId.has(span.parentSpanId)) {
      problems.push(`span "${span.name}" (${span.serviceName}) has parent ${span.parentSpanId}, which is not in the trace`);
    }
    if (span.endTimeUnixNano < span.startTimeUnixNano) problems.push(`span "${span.name}" ends before it starts`);
  }

  // Every span must be reachable from the root, which also rules out cycles.
  const children = new Map<string, TraceSpan[]>();
  for (const span of spans) {
    if (!span.parentSpanId) continue;
    const list = children.get(span.parentSpanId) ?? [];
    list.push(span);
    children.set(span.parentSpanId, list);
  }
  const root = roots.length === 1 ? roots[0] : undefined;
  if (root) {
    const reached = new Set<string>();
    const queue = [root];
    while (queue.length > 0) {
      const span = queue.pop()!;
      if (reached.has(span.spanId)) continue;
      reached.add(span.spanId);
      queue.push(...(children.get(span.spanId) ?? []));
    }
    const unreachable = spans.length - reached.size;
    if (unreachable > 0) problems.push(`${unreachable} span(s) not reachable from the root`);
  }

  const localRoots = spans.filter((span) => {
    const parent = span.parentSpanId ? byId.get(span.parentSpanId) : undefined;
    return !parent || parent.serviceName !== span.serviceName;
  });
  // A service hop must enter through a server span whose parent is the caller's client span.
  for (const span of localRoots) {
    const parent = span.parentSpanId ? byId.get(span.parentSpanId) : undefined;
    if (parent && parent.kind !== 'client') {
      problems.push(`"${span.name}" (${span.serviceName}) is called from "${parent.name}" (${parent.serviceName}), a ${parent.kind} span, not a client span`);
    }
  }

  const services = [...new Set(spans.map((span) => span.serviceName))];
  return { ok: problems.length === 0, problems, root, services, localRoots };
}

/** Children by parent span id, each list ordered by start time: the waterfall's shape. */
export function orderedTree(spans: TraceSpan[]): { span: TraceSpan; depth: number }[] {
  const children = new Map<string | undefined, TraceSpan[]>();
  const ids = new Set(spans.map((span) => span.spanId));
  for (const span of spans) {
    const parent = span.parentSpanId && ids.has(span.parentSpanId) ? span.parentSpanId : undefined;
    const list = children.get(parent) ?? [];
    list.push(span);
    children.set(parent, list);
  }
  for (const list of children.values()) list.sort((a, b) => (a.startTimeUnixNano < b.startTimeUnixNano ? -1 : 1));
  const rows: { span: TraceSpan; depth: number }[] = [];
  const visit = (parent: string | undefined, depth: number) => {
    for (const span of children.get(parent) ?? []) {
      rows.push({ span, depth });
      visit(span.spanId, depth + 1);
    }
  };
  visit(undefined, 0);
  return rows;
}

// Instrumentation for node:sqlite: statements become client spans named `OPERATION table` with the db.* semantic
// conventions, and feed the db_client_operation_duration_seconds histogram. Opt-in per database:
//   const db = instrumentDatabase(new DatabaseSync(file), { name: 'catalog' });
// Queries are recorded as prepared (placeholders, never values); literals in exec() text are replaced by `?`.
import { createRequire } from 'node:module';
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type * as Implementation from '../init.ts';
import { PACKAGE_VERSION, packageModulePath } from '../module-extension.ts';

export interface InstrumentDatabaseOptions {
  /** db.namespace: the logical database name (e.g. the service's store name). */
  name: string;
}

export interface SqlSummary {
  operation: string;
  collection: string | undefined;
  text: string;
}

const TRACER_NAME = '@lab/telemetry/sqlite';
const STATEMENT_METHODS = ['run', 'get', 'all', 'iterate'] as const;
const kInstrumented = Symbol('lab.telemetry.sqlite');

// The implementation is required the way ../index.ts requires it, not imported: a static import would put init.ts in
// the application's module graph as well (`import { init } from '@lab/telemetry'` next to
// `import ... from '@lab/telemetry/sqlite'`), and Node 22.16 and 24.0.x (not 22.18, 24.1 or later) then let index.ts's
// require() see init.ts unevaluated ("Cannot access ... before initialization").
let implementation: typeof Implementation | undefined;
function coreMetrics(): ReturnType<typeof Implementation.coreMetrics> {
  implementation ??= createRequire(import.meta.url)(packageModulePath('init')) as typeof Implementation;
  return implementation.coreMetrics();
}

/** Operation, main table and a literal-free text of a SQL statement. */
export function summarizeSql(sql: string): SqlSummary {
  const text = sql
    .replace(/'(?:[^']|'')*'/g, '?')
    .replace(/\b\d+(?:\.\d+)?\b/g, '?')
    .replace(/\s+/g, ' ')
    .trim();
  const operation = /^\s*(?:WITH\b[\s\S]*?\)\s*)?([A-Za-z]+)/.exec(text)?.[1]?.toUpperCase() ?? 'UNKNOWN';
  const table =
    /\b(?:FROM|INTO|UPDATE|JOIN)\s+["`[]?([\w.]+)/i.exec(text)?.[1] ??
    /\bTABLE\s+(?:IF\s+(?:NOT\s+)?EXISTS\s+)?["`[]?([\w.]+)/i.exec(text)?.[1];
  return { operation, collection: table, text };
}

function traced<T>(namespace: string, sql: string, action: () => T): T {
  const summary = summarizeSql(sql);
  const attributes: Record<string, string> = {
    'db.system.name': 'sqlite',
    'db.namespace': namespace,
    'db.operation.name': summary.operation,
    'db.query.text': summary.text,
  };
  if (summary.collection !== undefined) attributes['db.collection.name'] = summary.collection;
  const name = summary.collection === undefined ? summary.operation : `${summary.operation} ${summary.collection}`;
  const span = trace.getTracer(TRACER_NAME, PACKAGE_VERSION).startSpan(name, { kind: SpanKind.CLIENT, attributes }, context.active());
  const startedAt = performance.now();
  try {
    return action();
  } catch (error) {
    const failure = error instanceof Error ? error : new Error(String(error));
    span.setAttribute('error.type', (failure as Error & { code?: string }).code ?? failure.name);
    span.recordException(failure);
    span.setStatus({ code: SpanStatusCode.ERROR, message: failure.message });
    throw error;
  } finally {
    span.end();
    const spanContext = span.spanContext();
    coreMetrics()?.dbClientDuration.observe(
      { db_system_name: 'sqlite', db_operation_name: summary.operation, db_collection_name: summary.collection ?? '' },
      (performance.now() - startedAt) / 1000,
      spanContext.traceFlags & 1 ? { trace_id: spanContext.traceId, span_id: spanContext.spanId } : undefined,
    );
  }
}

function instrumentStatement(statement: StatementSync, namespace: string, sql: string): StatementSync {
  const methods = statement as unknown as Record<string, (...args: unknown[]) => unknown>;
  for (const method of STATEMENT_METHODS) {
    const original = methods[method]!;
    methods[method] = (...args: unknown[]) => traced(namespace, sql, () => original.apply(statement, args));
  }
  return statement;
}

/** Traces every statement of `db` (prepare + run/get/all/iterate, and exec). Returns the same object. */
export function instrumentDatabase<T extends DatabaseSync>(db: T, options: InstrumentDatabaseOptions): T {
  const marked = db as T & { [kInstrumented]?: true };
  if (marked[kInstrumented]) return db;
  marked[kInstrumented] = true;
  const prepare = db.prepare;
  const exec = db.exec;
  db.prepare = (sql: string) => instrumentStatement(prepare.call(db, sql), options.name, sql);
  db.exec = (sql: string) => traced(options.name, sql, () => exec.call(db, sql));
  return db;
}

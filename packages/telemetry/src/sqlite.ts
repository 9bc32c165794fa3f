// Public entry `@lab/telemetry/sqlite`: spans and duration metrics for node:sqlite databases.
export { type InstrumentDatabaseOptions, instrumentDatabase, type SqlSummary, summarizeSql } from './instrumentations/sqlite.ts';

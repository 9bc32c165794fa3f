// The one place services open SQLite (node:sqlite), so instrumentation and pragmas are set the same way everywhere.
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { instrumentDatabase } from '@lab/telemetry/sqlite';

export interface DatabaseOptions {
  /** DATA_DIR; created when missing. */
  dataDir: string;
  /** File name inside dataDir, e.g. "catalog.db". */
  file: string;
  /** Logical database name (`db.namespace` on spans). */
  name: string;
}

export function dataDirFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env['DATA_DIR'] || 'data');
}

export function openDatabase(options: DatabaseOptions): DatabaseSync {
  mkdirSync(options.dataDir, { recursive: true });
  const db = new DatabaseSync(join(options.dataDir, options.file));
  // WAL lets readers run during a write; busy_timeout waits for a lock instead of failing at once.
  db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON;');
  // Every statement from here on is a client span (`SELECT products`) and a db_client_operation_duration sample.
  return instrumentDatabase(db, { name: options.name });
}

/** Runs `work` in one IMMEDIATE transaction (write lock taken up front): all or nothing. */
export function transaction<T>(db: DatabaseSync, work: () => T): T {
  db.exec('BEGIN IMMEDIATE');
  try {
    const result = work();
    db.exec('COMMIT');
    return result;
  } catch (error) {
    db.exec('ROLLBACK');
    throw error;
  }
}

// The one place services open SQLite (node:sqlite), so instrumentation and pragmas are set the same way everywhere.
import { accessSync, constants, existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { instrumentDatabase } from '@lab/telemetry/sqlite';
import { ConfigError } from './env.ts';

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
  ensureDirectory(options.dataDir);
  const db = new DatabaseSync(join(options.dataDir, options.file));
  // WAL lets readers run during a write; busy_timeout waits for a lock instead of failing at once.
  db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON;');
  // Every statement from here on is a client span (`SELECT products`) and a db_client_operation_duration sample.
  return instrumentDatabase(db, { name: options.name });
}

/**
 * Creates DATA_DIR one level at a time, or says why it cannot. `mkdirSync(..., { recursive: true })` under /proc
 * spins forever at full CPU, deaf to SIGTERM, instead of failing.
 */
function ensureDirectory(dir: string): void {
  const missing: string[] = [];
  let existing = dir;
  while (!existsSync(existing) && dirname(existing) !== existing) {
    missing.unshift(existing);
    existing = dirname(existing);
  }
  if (!statSync(existing).isDirectory()) throw new ConfigError(`DATA_DIR '${dir}' cannot be created: '${existing}' is not a directory`);
  for (const path of missing) {
    try {
      mkdirSync(path);
    } catch (error) {
      // Services started side by side may create a shared parent at the same moment.
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EEXIST' && statSync(path).isDirectory()) continue;
      throw new ConfigError(`DATA_DIR '${dir}' cannot be created: ${code} on '${path}'`);
    }
  }
  try {
    accessSync(dir, constants.W_OK);
  } catch (error) {
    throw new ConfigError(`DATA_DIR '${dir}' is not writable: ${(error as NodeJS.ErrnoException).code}`);
  }
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

// Opens a vault's SQLite catalogue (better-sqlite3) and brings its schema up to date.
import Database from 'better-sqlite3';
import type { Database as SqliteDatabase } from 'better-sqlite3';
import { MIGRATIONS, LATEST_SCHEMA_VERSION } from './migrations/index.ts';

export type Catalogue = SqliteDatabase;

export const CATALOGUE_FILE = 'catalogue.sqlite';

export function openCatalogue(file: string, opts: { create: boolean }): Catalogue {
  const db = new Database(file, { fileMustExist: !opts.create });
  try {
    // WAL: readers never block the importer, and a killed process leaves a journal
    // SQLite replays on the next open. synchronous=NORMAL is durable against process
    // crashes (the kill test) and only risks the last commits on power loss.
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    migrate(db);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

function migrate(db: Catalogue): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > LATEST_SCHEMA_VERSION) {
    throw new Error(
      `catalogue schema v${current} is newer than this SealSight understands (v${LATEST_SCHEMA_VERSION})`,
    );
  }
  for (const migration of MIGRATIONS) {
    if (migration.version <= current) continue;
    db.transaction(() => {
      db.exec(migration.sql);
      db.pragma(`user_version = ${migration.version}`);
    })();
  }
}

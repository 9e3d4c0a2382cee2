// The catalogue's SQLite file (better-sqlite3): opened with the pragmas every connection
// needs, and its schema brought up to date by the migrations. Opening and migrating are two
// steps: the vault opens the file, checks that its vault id is the header's, and only then
// migrates (with the vault's subkeys), so a catalogue from elsewhere is never rewritten.
// The file is owner-only and never a symlink. Only catalogue.ts holds the handle this
// returns; nothing outside this folder sees it.
import { chmodSync, lstatSync } from 'node:fs';
import Database from 'better-sqlite3';
import type { Database as SqliteDatabase } from 'better-sqlite3';
import { MIGRATIONS, LATEST_SCHEMA_VERSION } from '../migrations/index.ts';
import type { MigrationKeys } from '../migrations/index.ts';

export const CATALOGUE_FILE = 'catalogue.sqlite';

export function openCatalogueFile(file: string, opts: { create: boolean }): SqliteDatabase {
  refuseSymlink(file);
  const db = new Database(file, { fileMustExist: !opts.create });
  try {
    if (process.platform !== 'win32') chmodSync(file, 0o600);
    // WAL: readers never block the importer, and a killed process leaves a journal
    // SQLite replays on the next open. synchronous=FULL: a commit is on disk before it
    // returns, so a power cut never loses an image reported as imported.
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    // A catalogue is untrusted input: no SQL functions with side effects from its schema.
    db.pragma('trusted_schema = OFF');
    const current = schemaVersion(db);
    if (current > LATEST_SCHEMA_VERSION)
      throw new Error(
        `catalogue schema v${current} is newer than this SealSight understands (v${LATEST_SCHEMA_VERSION})`,
      );
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

function refuseSymlink(file: string): void {
  let isLink: boolean;
  try {
    isLink = lstatSync(file).isSymbolicLink();
  } catch {
    return; // missing: created (or refused by fileMustExist) below
  }
  if (isLink) throw new Error(`${file}: the catalogue is a symbolic link; refusing to follow it`);
}

export function schemaVersion(db: SqliteDatabase): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/** Runs every pending migration, each in its own transaction (SQL, then its code step). */
export function migrateCatalogueFile(db: SqliteDatabase, keys: MigrationKeys): void {
  const current = schemaVersion(db);
  for (const migration of MIGRATIONS) {
    if (migration.version <= current) continue;
    db.transaction(() => {
      db.exec(migration.sql);
      migration.run?.(db, keys);
      db.pragma(`user_version = ${migration.version}`);
    })();
  }
}

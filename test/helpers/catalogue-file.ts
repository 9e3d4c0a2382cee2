// A vault's catalogue file opened the way any SQLite tool opens it, beside the vault. The
// vault hands out no database handle (its catalogue repository owns the SQL), so a test
// that plays the attacker — flipping, swapping, moving or deleting rows behind the vault's
// back — or that counts what is stored on disk, edits and reads the file itself.
import path from 'node:path';
import Database from 'better-sqlite3';
import { CATALOGUE_FILE } from '../../src-main/engine/vault/catalogue/index.ts';

export type CatalogueFile = Database.Database;

/**
 * The catalogue file of the vault in `vaultDir`. Foreign keys are enforced, as the vault's
 * own connection enforces them (turn them off to write rows SQLite would refuse); writes
 * are visible to an open vault on its next read. Close it when done.
 */
export function openCatalogueFile(
  vaultDir: string,
  options: { readonly?: boolean } = {},
): CatalogueFile {
  const db = new Database(path.join(vaultDir, CATALOGUE_FILE), {
    fileMustExist: true,
    readonly: options.readonly ?? false,
  });
  db.pragma('busy_timeout = 5000');
  db.pragma('foreign_keys = ON');
  return db;
}

/** Runs fn on the vault's catalogue file and closes it again. */
export function withCatalogueFile<T>(vaultDir: string, fn: (db: CatalogueFile) => T): T {
  const db = openCatalogueFile(vaultDir);
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

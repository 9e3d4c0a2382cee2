// One schema migration. Most are SQL only; a migration that must rewrite sealed data
// (re-encrypt, MAC, re-wrap) also has `run`, which gets the vault's subkeys — never the
// master key — and runs in the same transaction as its SQL, after it. Migrations are the
// schema's owner: they, and the catalogue repository (../catalogue/), are the only code
// with SQL, and `run` gets the raw database handle for that reason alone.
import type { Database } from 'better-sqlite3';

export interface MigrationKeys {
  readonly vaultId: string;
  readonly blobKey: Uint8Array;
  readonly ckksMacKey: Uint8Array;
  /** Re-wraps a wrapped CKKS secret key under new associated data (the key never leaves). */
  readonly rewrapCkksSecret: (wrapped: Uint8Array, fromAad: string, toAad: string) => Uint8Array;
}

export interface Migration {
  /** Schema version this migration produces (PRAGMA user_version after it runs). */
  readonly version: number;
  readonly name: string;
  readonly sql: string;
  readonly run?: (db: Database, keys: MigrationKeys) => void;
}

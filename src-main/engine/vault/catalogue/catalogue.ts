// The catalogue repository: the one owner of the vault's SQLite catalogue and the only
// code (with the schema's migrations) that holds SQL. It offers typed rows per table group
// through two handles: `read`, whose every statement SQLite reports read-only, and
// `write(tx => …)`, whose writes run inside one transaction — committed when the callback
// returns, rolled back when it throws. The raw database handle never leaves this object.
import type { Database } from 'better-sqlite3';
import type { MigrationKeys } from '../migrations/index.ts';
import { migrateCatalogueFile, openCatalogueFile, schemaVersion } from './catalogue-file.ts';
import { classificationReads, classificationWrites } from './classifications.ts';
import type { ClassificationReads, ClassificationWrites } from './classifications.ts';
import { embeddingReads, embeddingWrites } from './embeddings.ts';
import type { EmbeddingReads, EmbeddingWrites } from './embeddings.ts';
import { imageReads, imageWrites } from './images.ts';
import type { ImageReads, ImageWrites } from './images.ts';
import { keysetReads, keysetWrites } from './keysets.ts';
import type { KeysetReads, KeysetWrites } from './keysets.ts';
import { laneBatchReads, laneBatchWrites } from './lane-batches.ts';
import type { LaneBatchReads, LaneBatchWrites } from './lane-batches.ts';
import { storedModelReads, storedModelWrites } from './models.ts';
import type { StoredModelReads, StoredModelWrites } from './models.ts';
import { obfKeyReads, obfKeyWrites } from './obf-keys.ts';
import type { ObfKeyReads, ObfKeyWrites } from './obf-keys.ts';
import { reviewReads, reviewWrites } from './reviews.ts';
import type { ReviewReads, ReviewWrites } from './reviews.ts';
import { settingReads, settingWrites } from './settings.ts';
import type { SettingReads, SettingWrites } from './settings.ts';
import { CatalogueSql } from './sql.ts';
import type { SqlReads, SqlWrites } from './sql.ts';
import { vaultMetaReads, vaultMetaWrites } from './vault-meta.ts';
import type { VaultMetaReads, VaultMetaWrites } from './vault-meta.ts';

/** The read handle: every table group's reads, and nothing that writes. */
export interface CatalogueReader {
  readonly vaultMeta: VaultMetaReads;
  readonly keysets: KeysetReads;
  readonly images: ImageReads;
  readonly laneBatches: LaneBatchReads;
  readonly classifications: ClassificationReads;
  readonly embeddings: EmbeddingReads;
  readonly reviews: ReviewReads;
  readonly vaultModels: StoredModelReads;
  readonly obfModels: StoredModelReads;
  readonly obfKeys: ObfKeyReads;
  readonly settings: SettingReads;
}

/** The write handle a transaction gets: each table group's reads (seeing its writes) and writes. */
export interface CatalogueWriter {
  readonly vaultMeta: VaultMetaReads & VaultMetaWrites;
  readonly keysets: KeysetReads & KeysetWrites;
  readonly images: ImageReads & ImageWrites;
  readonly laneBatches: LaneBatchReads & LaneBatchWrites;
  readonly classifications: ClassificationReads & ClassificationWrites;
  readonly embeddings: EmbeddingReads & EmbeddingWrites;
  readonly reviews: ReviewReads & ReviewWrites;
  readonly vaultModels: StoredModelReads & StoredModelWrites;
  readonly obfModels: StoredModelReads & StoredModelWrites;
  readonly obfKeys: ObfKeyReads & ObfKeyWrites;
  readonly settings: SettingReads & SettingWrites;
}

/** What the vault hands out of its catalogue: the two handles, never opening or closing. */
export interface CatalogueAccess {
  readonly read: CatalogueReader;
  /** Runs fn in one write transaction and returns its result (a nested call is a savepoint). */
  write<T>(fn: (tx: CatalogueWriter) => T): T;
}

export class Catalogue implements CatalogueAccess {
  readonly #db: Database;
  readonly #sql: CatalogueSql;
  readonly read: CatalogueReader;
  readonly #writer: CatalogueWriter;

  /** Opens the catalogue file (catalogue-file.ts); migrate() brings its schema up to date. */
  static open(file: string, options: { create: boolean }): Catalogue {
    return new Catalogue(openCatalogueFile(file, options));
  }

  /** Takes ownership of an open database (the vault's file, or an in-memory one in tests). */
  constructor(db: Database) {
    this.#db = db;
    this.#sql = new CatalogueSql(db);
    this.read = readerOver(this.#sql.reads);
    this.#writer = writerOver(this.#sql.writes);
  }

  write<T>(fn: (tx: CatalogueWriter) => T): T {
    return this.#sql.transaction(() => fn(this.#writer));
  }

  schemaVersion(): number {
    return schemaVersion(this.#db);
  }

  /** Runs every pending migration, each in its own transaction. */
  migrate(keys: MigrationKeys): void {
    migrateCatalogueFile(this.#db, keys);
  }

  get open(): boolean {
    return this.#db.open;
  }

  /** Folds the WAL back into the main file (a closed vault is two files) and closes; again is a no-op. */
  close(): void {
    if (!this.#db.open) return;
    this.#db.pragma('wal_checkpoint(TRUNCATE)');
    this.#db.close();
  }
}

function readerOver(sql: SqlReads): CatalogueReader {
  return {
    vaultMeta: vaultMetaReads(sql),
    keysets: keysetReads(sql),
    images: imageReads(sql),
    laneBatches: laneBatchReads(sql),
    classifications: classificationReads(sql),
    embeddings: embeddingReads(sql),
    reviews: reviewReads(sql),
    vaultModels: storedModelReads(sql, 'vault_models'),
    obfModels: storedModelReads(sql, 'obf_models'),
    obfKeys: obfKeyReads(sql),
    settings: settingReads(sql),
  };
}

function writerOver(sql: SqlWrites): CatalogueWriter {
  const reads = readerOver(sql);
  return {
    vaultMeta: { ...reads.vaultMeta, ...vaultMetaWrites(sql) },
    keysets: { ...reads.keysets, ...keysetWrites(sql) },
    images: { ...reads.images, ...imageWrites(sql) },
    laneBatches: { ...reads.laneBatches, ...laneBatchWrites(sql) },
    classifications: { ...reads.classifications, ...classificationWrites(sql) },
    embeddings: { ...reads.embeddings, ...embeddingWrites(sql) },
    reviews: { ...reads.reviews, ...reviewWrites(sql) },
    vaultModels: { ...reads.vaultModels, ...storedModelWrites(sql, 'vault_models') },
    obfModels: { ...reads.obfModels, ...storedModelWrites(sql, 'obf_models') },
    obfKeys: { ...reads.obfKeys, ...obfKeyWrites(sql) },
    settings: { ...reads.settings, ...settingWrites(sql) },
  };
}

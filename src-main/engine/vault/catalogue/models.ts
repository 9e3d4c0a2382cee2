// The vault's own models: vault_models (sealed tier) and obf_models (obfuscated tier), each
// a model file AES-GCM-sealed under its id (weights trained on private images can leak
// them); only the id and the time are plain. A model stored twice keeps its first row.
import type { SqlReads, SqlWrites } from './sql.ts';

export interface StoredModelRow {
  readonly id: string;
  readonly createdAt: string;
  /** The sealed model file. */
  readonly model: Buffer;
}

export interface StoredModelReads {
  /** Every model, in the table's listing order (vault models oldest first, obfuscated-tier newest first). */
  list(): StoredModelRow[];
  /** Every model, by id (verify's order). */
  listById(): StoredModelRow[];
  /** Every model's id, sorted. */
  ids(): string[];
  /** Ids that start with `prefix`, taken literally (no SQL wildcards). */
  idsWithPrefix(prefix: string): string[];
  byId(id: string): Buffer | undefined;
}

export interface StoredModelWrites {
  /** Stores a sealed model, created now, unless one with its id is stored already. */
  insert(id: string, model: Uint8Array): void;
}

type ModelTable = 'vault_models' | 'obf_models';

const LISTING_ORDER: Record<ModelTable, string> = {
  vault_models: 'created_at',
  obf_models: 'created_at DESC, id',
};

export function storedModelReads(sql: SqlReads, table: ModelTable): StoredModelReads {
  const rows = (order: string) =>
    sql.all<StoredModelRow>(
      `SELECT id, created_at AS createdAt, model FROM ${table} ORDER BY ${order}`,
    );
  return {
    list: () => rows(LISTING_ORDER[table]),
    listById: () => rows('id'),
    ids: () => sql.values<string>(`SELECT id FROM ${table} ORDER BY id`),
    idsWithPrefix: (prefix) =>
      sql.values<string>(
        `SELECT id FROM ${table} WHERE id LIKE ? || '%' ESCAPE '\\'`,
        prefix.replace(/[\\%_]/g, '\\$&'),
      ),
    byId: (id) => sql.value<Buffer>(`SELECT model FROM ${table} WHERE id = ?`, id),
  };
}

export function storedModelWrites(sql: SqlWrites, table: ModelTable): StoredModelWrites {
  return {
    insert: (id, model) => {
      sql.run(
        `INSERT INTO ${table} (id, created_at, model) VALUES (?, ?, ?) ON CONFLICT (id) DO NOTHING`,
        id,
        new Date().toISOString(),
        model,
      );
    },
  };
}

// The obf_keys table: the vault's obfuscation keys, stored only wrapped (obf-key.ts wraps
// and unwraps them, bound to the vault and the key id).
import type { SqlReads, SqlWrites } from './sql.ts';

export interface ObfKeyReads {
  /** Every key's id, sorted. */
  ids(): number[];
  /** The newest key's id; null when the vault has none yet. */
  newestId(): number | null;
  wrapped(id: number): Buffer | undefined;
}

export interface ObfKeyWrites {
  /** Stores a wrapped key, created now. */
  insert(id: number, keyWrapped: Uint8Array): void;
}

export function obfKeyReads(sql: SqlReads): ObfKeyReads {
  return {
    ids: () => sql.values<number>('SELECT id FROM obf_keys ORDER BY id'),
    newestId: () => sql.value<number | null>('SELECT max(id) FROM obf_keys') ?? null,
    wrapped: (id) => sql.value<Buffer>('SELECT key_wrapped FROM obf_keys WHERE id = ?', id),
  };
}

export function obfKeyWrites(sql: SqlWrites): ObfKeyWrites {
  return {
    insert: (id, keyWrapped) => {
      sql.run(
        'INSERT INTO obf_keys (id, created_at, key_wrapped) VALUES (?, ?, ?)',
        id,
        new Date().toISOString(),
        keyWrapped,
      );
    },
  };
}

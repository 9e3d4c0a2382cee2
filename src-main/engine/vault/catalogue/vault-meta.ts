// The vault_meta table: what ties a catalogue to its vault (the vault id, checked against
// the header before any migration may rewrite the file).
import type { SqlReads, SqlWrites } from './sql.ts';

export interface VaultMetaReads {
  /** The vault id the catalogue was created for; undefined when it names none. */
  vaultId(): string | undefined;
}

export interface VaultMetaWrites {
  setVaultId(vaultId: string): void;
}

export function vaultMetaReads(sql: SqlReads): VaultMetaReads {
  return {
    vaultId: () => sql.value<string>("SELECT value FROM vault_meta WHERE key = 'vault_id'"),
  };
}

export function vaultMetaWrites(sql: SqlWrites): VaultMetaWrites {
  return {
    setVaultId: (vaultId) => {
      sql.run('INSERT INTO vault_meta (key, value) VALUES (?, ?)', 'vault_id', vaultId);
    },
  };
}

// The vault_settings table: one row per setting name, its value sealed and an optional
// sealed secret (vault-settings.ts seals and opens them); only the name is plain.
import type { SqlReads, SqlWrites } from './sql.ts';

export interface SettingRow {
  readonly value: Buffer;
  readonly secret: Buffer | null;
}

export interface SettingReads {
  byName(name: string): SettingRow | undefined;
  /** Every stored setting's name, sorted. */
  names(): string[];
}

export interface SettingWrites {
  /** Stores (or replaces) a setting, updated now. */
  put(name: string, value: Uint8Array, secret: Uint8Array | null): void;
  delete(name: string): void;
}

export function settingReads(sql: SqlReads): SettingReads {
  return {
    byName: (name) =>
      sql.get<SettingRow>('SELECT value, secret FROM vault_settings WHERE name = ?', name),
    names: () => sql.values<string>('SELECT name FROM vault_settings ORDER BY name'),
  };
}

export function settingWrites(sql: SqlWrites): SettingWrites {
  return {
    put: (name, value, secret) => {
      sql.run(
        `INSERT INTO vault_settings (name, updated_at, value, secret) VALUES (?, ?, ?, ?)
         ON CONFLICT (name) DO UPDATE SET updated_at = excluded.updated_at, value = excluded.value,
           secret = excluded.secret`,
        name,
        new Date().toISOString(),
        value,
        secret,
      );
    },
    delete: (name) => {
      sql.run('DELETE FROM vault_settings WHERE name = ?', name);
    },
  };
}

// Schema v8: the vault's settings (today: where encrypted classification runs, on this
// computer or on an evaluation farm). A setting is a value the key holder acts on — a farm
// setting decides where the vault's ciphertexts and evaluation keys are sent — so it is
// stored sealed and authenticated like every other item (AES-GCM under the vault's settings
// subkey, bound to the vault and the setting's name), and its secret (a broker password) is
// a second sealed blob bound to that exact value. Only the setting's name is plain.
import type { Migration } from './migration.ts';

export const migration0008: Migration = {
  version: 8,
  name: 'vault-settings',
  sql: `
    CREATE TABLE vault_settings (
      name       TEXT PRIMARY KEY,  -- which setting (vault-settings.ts)
      updated_at TEXT NOT NULL,
      value      BLOB NOT NULL,     -- AES-GCM: the setting's JSON
      secret     BLOB               -- AES-GCM: the setting's secret, bound to value; or NULL
    ) STRICT;
  `,
};

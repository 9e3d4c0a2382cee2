// Schema v7: the obfuscated tier belongs to the vault. Each vault gets its own obfuscation
// keys, stored only wrapped (AES-GCM under the vault's obf-key subkey, bound to the vault
// and the key id), and the obfuscated-tier models trained on its images are stored here,
// AES-GCM-encrypted like the sealed tier's (weights trained on private images can leak
// them). A model names the key it was trained under; the model holds no key itself.
import type { Migration } from './migration.ts';

export const migration0007: Migration = {
  version: 7,
  name: 'obfuscation-keys',
  sql: `
    CREATE TABLE obf_keys (
      id          INTEGER PRIMARY KEY,
      created_at  TEXT NOT NULL,
      key_wrapped BLOB NOT NULL   -- AES-GCM: 32-byte Arnold + XOR key
    ) STRICT;

    CREATE TABLE obf_models (
      id         TEXT PRIMARY KEY,  -- the model file's id (obf-model-file.ts)
      created_at TEXT NOT NULL,
      model      BLOB NOT NULL      -- AES-GCM: the model file's text
    ) STRICT;
  `,
};

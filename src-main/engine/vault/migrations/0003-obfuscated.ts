// Schema v3: the obfuscated tier's per-image results. The 512-d embedding of an
// obfuscated image leaks what the image shows (similar images have similar embeddings,
// and a class can be read off them), and so does the predicted class, so both are stored
// AES-GCM-encrypted under the vault's blob subkey with `vault | image | obf-embedding:<model>`
// as associated data. Only the model id and the time are plain (to find images a model
// has not indexed yet).
import type { Migration } from './migration.ts';

export const migration0003: Migration = {
  version: 3,
  name: 'obfuscated',
  sql: `
    CREATE TABLE IF NOT EXISTS obf_embeddings (
      image_id   INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
      model_id   TEXT NOT NULL,
      indexed_at TEXT NOT NULL,
      payload    BLOB NOT NULL,   -- AES-GCM: class, scores, L2-normalised float32 embedding
      PRIMARY KEY (image_id, model_id)
    ) STRICT;
  `,
};

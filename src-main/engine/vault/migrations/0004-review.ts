// Schema v4: what the desktop app's review screen and model screen store.
// - image_reviews: whether a person has confirmed an image's label (a plain flag and a
//   time: they say that someone looked, not what the image shows). Relabelling rewrites
//   the image's encrypted metadata blob, so the label itself stays AES-GCM-encrypted.
// - vault_models: models trained on this vault's images. Weights trained on private
//   images can leak them, so the model file is stored AES-GCM-encrypted; only its id and
//   creation time are plain.
// Every statement is IF NOT EXISTS so the migration is safe to re-run (see index.ts).
import type { Migration } from './migration.ts';

export const migration0004: Migration = {
  version: 4,
  name: 'review',
  sql: `
    CREATE TABLE IF NOT EXISTS image_reviews (
      image_id    INTEGER PRIMARY KEY REFERENCES images(id) ON DELETE CASCADE,
      reviewed    INTEGER NOT NULL CHECK (reviewed IN (0, 1)),
      reviewed_at TEXT NOT NULL
    ) STRICT;

    CREATE TABLE IF NOT EXISTS vault_models (
      id         TEXT PRIMARY KEY,          -- model id (sha-256 prefix of the model file)
      created_at TEXT NOT NULL,
      model      BLOB NOT NULL              -- AES-GCM: the model file (JSON)
    ) STRICT;
  `,
};

// Schema v2: encrypted classification results. The predicted class and scores say
// what an image shows, so they are stored AES-GCM-encrypted like the metadata; only
// the model id and the time are plain (to find images a model has not seen yet).
import type { Migration } from './migration.ts';

export const migration0002: Migration = {
  version: 2,
  name: 'classifications',
  sql: `
    CREATE TABLE classifications (
      image_id      INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
      model_id      TEXT NOT NULL,
      classified_at TEXT NOT NULL,
      result        BLOB NOT NULL,   -- AES-GCM: class, scores, chunks used, seconds
      PRIMARY KEY (image_id, model_id)
    ) STRICT;
  `,
};

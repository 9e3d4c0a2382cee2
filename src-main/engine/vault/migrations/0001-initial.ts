// Schema v1: the catalogue of a vault. Every pixel-bearing column is ciphertext:
// AES-256-GCM blobs (original file, non-feature chunks, per-image metadata) and
// CKKS ciphertexts (feature chunks, MAC'd by the key holder). Plain columns hold
// only structure: ids, keyed content MACs, the chunk index layout, timestamps.
import type { Migration } from './migration.ts';

export const migration0001: Migration = {
  version: 1,
  name: 'initial',
  sql: `
    CREATE TABLE vault_meta (
      key   TEXT PRIMARY KEY,
      value TEXT NOT NULL
    ) STRICT;

    -- One row per CKKS key set. The secret key is only ever stored wrapped (AES-GCM
    -- under a subkey of the master key); public/relin/Galois keys are public by design
    -- and are what an evaluator is given.
    CREATE TABLE ckks_keysets (
      id                 INTEGER PRIMARY KEY,
      preset_id          TEXT NOT NULL,
      public_key         BLOB NOT NULL,
      relin_keys         BLOB NOT NULL,
      galois_keys        BLOB,
      galois_steps       TEXT NOT NULL,
      secret_key_wrapped BLOB NOT NULL,
      created_at         TEXT NOT NULL
    ) STRICT;

    CREATE TABLE images (
      id             INTEGER PRIMARY KEY,
      uid            TEXT NOT NULL UNIQUE,     -- random 128-bit id, bound into every AAD
      content_mac    BLOB NOT NULL UNIQUE,     -- HMAC-SHA256(dedupe key, file bytes)
      imported_at    TEXT NOT NULL,
      threshold      REAL NOT NULL,
      low_gradient   INTEGER NOT NULL CHECK (low_gradient IN (0, 1)),
      signed_indices TEXT NOT NULL,            -- JSON: 16 signed chunk indices, row-major
      keyset_id      INTEGER NOT NULL REFERENCES ckks_keysets(id),
      packing_id     TEXT NOT NULL,
      meta           BLOB NOT NULL,            -- AES-GCM: name, label, format, size, scores
      original       BLOB NOT NULL             -- AES-GCM: the original file
    ) STRICT;

    -- The block group: all 16 chunks of an image, in order, with their indices.
    CREATE TABLE chunks (
      image_id     INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
      position     INTEGER NOT NULL CHECK (position BETWEEN 0 AND 15),
      signed_index INTEGER NOT NULL CHECK (signed_index <> 0 AND abs(signed_index) = position + 1),
      aes_blob     BLOB,                       -- non-feature chunk: AES-GCM of its 784 pixels
      ckks_ordinal INTEGER,                    -- feature chunk: which ciphertext of the image
      ckks_block   INTEGER,                    -- feature chunk: which block of that ciphertext
      PRIMARY KEY (image_id, position),
      CHECK ((signed_index > 0) = (ckks_ordinal IS NOT NULL)),
      CHECK ((signed_index < 0) = (aes_blob IS NOT NULL))
    ) STRICT;

    CREATE TABLE ckks_ciphertexts (
      image_id INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
      ordinal  INTEGER NOT NULL,
      data     BLOB NOT NULL,                  -- SEAL-serialised CKKS ciphertext
      mac      BLOB NOT NULL,                  -- HMAC-SHA256 by the key holder (CKKS is malleable)
      PRIMARY KEY (image_id, ordinal)
    ) STRICT;
  `,
};

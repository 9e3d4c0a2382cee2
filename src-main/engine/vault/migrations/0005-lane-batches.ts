// Schema v5: the throughput storage layout ("lanes"). A lane batch is 784 CKKS
// ciphertexts; ciphertext p holds pixel p of up to slotCount (4096) feature chunks,
// one chunk per slot ("lane"). Whole images only: an image's feature chunks are
// contiguous lanes of ONE batch. A batch and all its images are written in one
// transaction (see catalogue/lane-batches.ts).
// - lane_batches.lane_map: JSON [[image uid, first lane, lane count], …] — structure
//   only (no pixel, label or score), MAC'd by the key holder so lanes cannot be swapped
//   between images unnoticed. Deleting or relabelling an image never touches a batch:
//   labels are AES metadata, and a deleted image's lanes are simply never read again.
// - lane_ciphertexts: the 784 ciphertexts, each MAC'd with `vault | batch uid | pixel`
//   as associated data (CKKS is malleable).
// - chunks.lane_batch_id / chunks.lane: where a lane image's feature chunk lives. For
//   such a chunk ckks_ordinal is its feature ordinal k (lane = first lane + k) and
//   ckks_block is NULL; block-layout rows leave both new columns NULL.
import type { Migration } from './migration.ts';

export const migration0005: Migration = {
  version: 5,
  name: 'lane-batches',
  sql: `
    CREATE TABLE IF NOT EXISTS lane_batches (
      id           INTEGER PRIMARY KEY,
      uid          TEXT NOT NULL UNIQUE,     -- random 128-bit id, bound into every MAC
      keyset_id    INTEGER NOT NULL REFERENCES ckks_keysets(id),
      lanes_used   INTEGER NOT NULL CHECK (lanes_used > 0),
      lane_map     TEXT NOT NULL,            -- JSON [[image uid, first lane, count], …]
      lane_map_mac BLOB NOT NULL,            -- HMAC-SHA256 (CKKS MAC key)
      created_at   TEXT NOT NULL
    ) STRICT;

    CREATE TABLE IF NOT EXISTS lane_ciphertexts (
      batch_id INTEGER NOT NULL REFERENCES lane_batches(id) ON DELETE CASCADE,
      pixel    INTEGER NOT NULL CHECK (pixel BETWEEN 0 AND 783),
      data     BLOB NOT NULL,                -- SEAL-serialised CKKS ciphertext
      mac      BLOB NOT NULL,                -- HMAC-SHA256 by the key holder
      PRIMARY KEY (batch_id, pixel)
    ) STRICT;

    ALTER TABLE chunks ADD COLUMN lane_batch_id INTEGER REFERENCES lane_batches(id);
    ALTER TABLE chunks ADD COLUMN lane INTEGER CHECK (lane IS NULL OR lane >= 0);
    CREATE INDEX IF NOT EXISTS chunks_by_lane_batch ON chunks(lane_batch_id)
      WHERE lane_batch_id IS NOT NULL;
  `,
};

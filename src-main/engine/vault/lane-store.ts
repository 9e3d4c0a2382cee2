// Catalogue reads and writes for the lanes layout (throughput): a lane batch (784
// MAC'd CKKS ciphertexts + its MAC'd lane map) and ALL its images' rows go in one
// transaction, so a crash leaves either the whole batch with its images or nothing
// (the images are then simply re-imported by the next run: dedupe sees no row).
import type { Catalogue } from './catalogue.ts';
import type { LaneSealedImage } from './sealed-lane-batch.ts';

/** images.packing_id of an image stored in the lanes layout. */
export const LANE_PACKING_ID = 'chunk-lanes-v1';

/** [image uid, first lane, lane count] — whole images, contiguous lanes. */
export type LaneMapEntry = readonly [uid: string, firstLane: number, count: number];

export interface SealedLaneBatch {
  readonly uid: string;
  readonly lanesUsed: number;
  /** The lane map as stored (JSON text) and its MAC. */
  readonly laneMap: string;
  readonly laneMapMac: Uint8Array;
  readonly ciphertexts: ReadonlyArray<{ pixel: number; data: Uint8Array; mac: Uint8Array }>;
}

export function insertLaneBatch(
  db: Catalogue,
  batch: SealedLaneBatch,
  images: ReadonlyArray<{ sealed: LaneSealedImage; contentMac: Uint8Array; firstLane: number }>,
  keysetId: number,
): void {
  const insertBatch = db.prepare(
    `INSERT INTO lane_batches (uid, keyset_id, lanes_used, lane_map, lane_map_mac, created_at)
     VALUES (?, ?, ?, ?, ?, ?)`,
  );
  const insertCiphertext = db.prepare(
    'INSERT INTO lane_ciphertexts (batch_id, pixel, data, mac) VALUES (?, ?, ?, ?)',
  );
  const insertImage = db.prepare(
    `INSERT INTO images (uid, content_mac, imported_at, threshold, low_gradient, signed_indices,
       keyset_id, packing_id, meta, original) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const insertChunk = db.prepare(
    `INSERT INTO chunks (image_id, position, signed_index, aes_blob, ckks_ordinal, ckks_block,
       lane_batch_id, lane) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const now = new Date().toISOString();
  db.transaction(() => {
    const batchId = insertBatch.run(
      batch.uid,
      keysetId,
      batch.lanesUsed,
      batch.laneMap,
      batch.laneMapMac,
      now,
    ).lastInsertRowid;
    for (const c of batch.ciphertexts) insertCiphertext.run(batchId, c.pixel, c.data, c.mac);
    for (const { sealed, contentMac, firstLane } of images) {
      const imageId = insertImage.run(
        sealed.uid,
        contentMac,
        now,
        sealed.threshold,
        sealed.lowGradient ? 1 : 0,
        JSON.stringify(sealed.signedIndices),
        keysetId,
        LANE_PACKING_ID,
        sealed.meta,
        sealed.original,
      ).lastInsertRowid;
      let k = 0;
      sealed.signedIndices.forEach((signedIndex, position) => {
        if (signedIndex > 0) {
          insertChunk.run(imageId, position, signedIndex, null, k, null, batchId, firstLane + k);
          k++;
        } else {
          const blob = sealed.chunkBlobs.get(position);
          if (!blob) throw new Error(`image ${sealed.uid}: chunk ${position} has no AES blob`);
          insertChunk.run(imageId, position, signedIndex, blob, null, null, null, null);
        }
      });
    }
  })();
}

export interface LaneBatchRow {
  readonly id: number;
  readonly uid: string;
  readonly keysetId: number;
  readonly lanesUsed: number;
  readonly laneMap: string;
  readonly laneMapMac: Buffer;
}

function toBatchRow(row: Record<string, unknown>): LaneBatchRow {
  return {
    id: row.id as number,
    uid: row.uid as string,
    keysetId: row.keyset_id as number,
    lanesUsed: row.lanes_used as number,
    laneMap: row.lane_map as string,
    laneMapMac: row.lane_map_mac as Buffer,
  };
}

export function listLaneBatches(db: Catalogue): LaneBatchRow[] {
  return (
    db
      .prepare(
        'SELECT id, uid, keyset_id, lanes_used, lane_map, lane_map_mac FROM lane_batches ORDER BY id',
      )
      .all() as Array<Record<string, unknown>>
  ).map(toBatchRow);
}

export function readLaneBatch(db: Catalogue, batchId: number): LaneBatchRow {
  const row = db
    .prepare(
      'SELECT id, uid, keyset_id, lanes_used, lane_map, lane_map_mac FROM lane_batches WHERE id = ?',
    )
    .get(batchId) as Record<string, unknown> | undefined;
  if (!row) throw new Error(`lane batch ${batchId} is missing`);
  return toBatchRow(row);
}

/** The batch's ciphertexts in pixel order (~180 MB for a full batch: read one batch at a time). */
export function readLaneCiphertexts(
  db: Catalogue,
  batchId: number,
): Array<{ pixel: number; data: Buffer; mac: Buffer }> {
  return db
    .prepare('SELECT pixel, data, mac FROM lane_ciphertexts WHERE batch_id = ? ORDER BY pixel')
    .all(batchId) as Array<{ pixel: number; data: Buffer; mac: Buffer }>;
}

/** A lane image's feature chunks as stored: position → (batch, lane), in position order. */
export function readLaneChunks(
  db: Catalogue,
  imageId: number,
): Array<{ position: number; batchId: number | null; lane: number | null }> {
  return (
    db
      .prepare(
        `SELECT position, lane_batch_id, lane FROM chunks
         WHERE image_id = ? AND signed_index > 0 ORDER BY position`,
      )
      .all(imageId) as Array<{
      position: number;
      lane_batch_id: number | null;
      lane: number | null;
    }>
  ).map((r) => ({ position: r.position, batchId: r.lane_batch_id, lane: r.lane }));
}

export function laneStoredBytes(db: Catalogue): { batches: number; ckks: number } {
  return db
    .prepare(
      `SELECT (SELECT count(*) FROM lane_batches) AS batches,
              (SELECT coalesce(sum(length(data)), 0) FROM lane_ciphertexts) AS ckks`,
    )
    .get() as { batches: number; ckks: number };
}

// Catalogue reads and writes for the lanes layout (throughput): a lane batch (784
// MAC'd CKKS ciphertexts + its sealed lane map) and ALL its images' rows go in one
// transaction, so a crash leaves either the whole batch with its images or nothing
// (the images are then simply re-imported by the next run: dedupe sees no row).
import type { Catalogue } from './catalogue.ts';
import { insertImageRows } from './image-store.ts';
import type { StoredImage } from './image-store.ts';

/** images.packing_id of an image stored in the lanes layout. */
export const LANE_PACKING_ID = 'chunk-lanes-v1';

/** [image uid, first lane, lane count] — whole images, contiguous lanes. */
export type LaneMapEntry = readonly [uid: string, firstLane: number, count: number];

export interface SealedLaneBatch {
  readonly uid: string;
  readonly lanesUsed: number;
  /** The lane map, AES-GCM-sealed (sealLaneMap). */
  readonly laneMap: Uint8Array;
  readonly ciphertexts: ReadonlyArray<{ pixel: number; data: Uint8Array; mac: Uint8Array }>;
}

/** A batch and all its images in one transaction; each image's metadata already sealed. */
export function insertLaneBatch(
  db: Catalogue,
  batch: SealedLaneBatch,
  images: ReadonlyArray<Omit<StoredImage, 'laneBatchId' | 'ciphertexts'>>,
  keysetId: number,
): void {
  const insertCiphertext = db.prepare(
    'INSERT INTO lane_ciphertexts (batch_id, pixel, data, mac) VALUES (?, ?, ?, ?)',
  );
  const now = new Date().toISOString();
  db.transaction(() => {
    const batchId = db
      .prepare(
        `INSERT INTO lane_batches (uid, keyset_id, lanes_used, lane_map, created_at)
         VALUES (?, ?, ?, ?, ?)`,
      )
      .run(batch.uid, keysetId, batch.lanesUsed, batch.laneMap, now).lastInsertRowid;
    for (const c of batch.ciphertexts) insertCiphertext.run(batchId, c.pixel, c.data, c.mac);
    for (const image of images)
      insertImageRows(db, { ...image, laneBatchId: batchId, ciphertexts: [] }, now);
  })();
}

export interface LaneBatchRow {
  readonly id: number;
  readonly uid: string;
  readonly keysetId: number;
  readonly lanesUsed: number;
  readonly laneMap: Buffer;
}

function toBatchRow(row: Record<string, unknown>): LaneBatchRow {
  return {
    id: row.id as number,
    uid: row.uid as string,
    keysetId: row.keyset_id as number,
    lanesUsed: row.lanes_used as number,
    laneMap: row.lane_map as Buffer,
  };
}

export function listLaneBatches(db: Catalogue): LaneBatchRow[] {
  return (
    db
      .prepare('SELECT id, uid, keyset_id, lanes_used, lane_map FROM lane_batches ORDER BY id')
      .all() as Array<Record<string, unknown>>
  ).map(toBatchRow);
}

export function readLaneBatch(db: Catalogue, batchId: number): LaneBatchRow {
  const row = db
    .prepare('SELECT id, uid, keyset_id, lanes_used, lane_map FROM lane_batches WHERE id = ?')
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

export function laneStoredBytes(db: Catalogue): { batches: number; ckks: number } {
  return db
    .prepare(
      `SELECT (SELECT count(*) FROM lane_batches) AS batches,
              (SELECT coalesce(sum(length(data)), 0) FROM lane_ciphertexts) AS ckks`,
    )
    .get() as { batches: number; ckks: number };
}

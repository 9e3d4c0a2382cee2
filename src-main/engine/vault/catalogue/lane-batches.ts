// Lane batches (the lanes layout, for throughput): a batch's 784 MAC'd CKKS ciphertexts,
// its sealed lane map, and ALL its images' rows are one write, so a crash leaves either
// the whole batch with its images or nothing (the images are then simply re-imported by
// the next run: dedupe sees no row).
import { insertImage } from './images.ts';
import type { StoredImage } from './images.ts';
import type { SqlReads, SqlWrites } from './sql.ts';

/** A lane batch ready to store: its pixel ciphertexts MAC'd, its lane map sealed. */
export interface StoredLaneBatch {
  readonly uid: string;
  readonly lanesUsed: number;
  /** The lane map, AES-GCM-sealed (sealLaneMap). */
  readonly laneMap: Uint8Array;
  readonly ciphertexts: ReadonlyArray<{ pixel: number; data: Uint8Array; mac: Uint8Array }>;
}

/** A lane-batch image ready to store: its batch is the one stored with it. */
export type StoredLaneImage = Omit<StoredImage, 'laneBatchId' | 'ciphertexts'>;

export interface LaneBatchRow {
  readonly id: number;
  readonly uid: string;
  readonly keysetId: number;
  readonly lanesUsed: number;
  /** Sealed; null for a batch an upgrade could not convert. */
  readonly laneMap: Buffer | null;
}

export interface LaneCiphertextRow {
  readonly pixel: number;
  readonly data: Buffer;
  readonly mac: Buffer;
}

export interface LaneBatchReads {
  /** Every batch, oldest first. */
  list(): LaneBatchRow[];
  byId(batchId: number): LaneBatchRow | undefined;
  /** The batch's ciphertexts in pixel order (~180 MB for a full batch: read one batch at a time). */
  ciphertexts(batchId: number): LaneCiphertextRow[];
  storedBytes(): { batches: number; ckks: number };
}

export interface LaneBatchWrites {
  /** A batch and all its images (each image's metadata already sealed), stored now; returns the batch id. */
  insert(
    batch: StoredLaneBatch,
    images: readonly StoredLaneImage[],
    keysetId: number,
  ): number | bigint;
}

interface RawBatchRow {
  id: number;
  uid: string;
  keyset_id: number;
  lanes_used: number;
  lane_map: Buffer | null;
}

const toBatchRow = (row: RawBatchRow): LaneBatchRow => ({
  id: row.id,
  uid: row.uid,
  keysetId: row.keyset_id,
  lanesUsed: row.lanes_used,
  laneMap: row.lane_map,
});

export function laneBatchReads(sql: SqlReads): LaneBatchReads {
  return {
    list: () =>
      sql
        .all<RawBatchRow>(
          'SELECT id, uid, keyset_id, lanes_used, lane_map FROM lane_batches ORDER BY id',
        )
        .map(toBatchRow),
    byId: (batchId) => {
      const row = sql.get<RawBatchRow>(
        'SELECT id, uid, keyset_id, lanes_used, lane_map FROM lane_batches WHERE id = ?',
        batchId,
      );
      return row && toBatchRow(row);
    },
    ciphertexts: (batchId) =>
      sql.all<LaneCiphertextRow>(
        'SELECT pixel, data, mac FROM lane_ciphertexts WHERE batch_id = ? ORDER BY pixel',
        batchId,
      ),
    storedBytes: () =>
      sql.get<{ batches: number; ckks: number }>(
        `SELECT (SELECT count(*) FROM lane_batches) AS batches,
                (SELECT coalesce(sum(length(data)), 0) FROM lane_ciphertexts) AS ckks`,
      )!,
  };
}

export function laneBatchWrites(sql: SqlWrites): LaneBatchWrites {
  return {
    insert: (batch, images, keysetId) => {
      const createdAt = new Date().toISOString();
      const { lastInsertRowid: batchId } = sql.run(
        `INSERT INTO lane_batches (uid, keyset_id, lanes_used, lane_map, created_at)
         VALUES (?, ?, ?, ?, ?)`,
        batch.uid,
        keysetId,
        batch.lanesUsed,
        batch.laneMap,
        createdAt,
      );
      for (const c of batch.ciphertexts)
        sql.run(
          'INSERT INTO lane_ciphertexts (batch_id, pixel, data, mac) VALUES (?, ?, ?, ?)',
          batchId,
          c.pixel,
          c.data,
          c.mac,
        );
      for (const image of images)
        insertImage(sql, { ...image, laneBatchId: batchId, ciphertexts: [] }, createdAt);
      return batchId;
    },
  };
}

// Catalogue reads and writes for images. One image = one transaction: either its
// whole block group (row, 16 chunks, CKKS ciphertexts, original) is visible, or none.
import type { Catalogue } from './catalogue.ts';
import type { SealedImage } from './sealed-image.ts';

export function insertSealedImage(
  db: Catalogue,
  sealed: SealedImage,
  contentMac: Uint8Array,
  keysetId: number,
): void {
  const insertImage = db.prepare(
    `INSERT INTO images (uid, content_mac, imported_at, threshold, low_gradient, signed_indices,
       keyset_id, packing_id, meta, original) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const insertChunk = db.prepare(
    `INSERT INTO chunks (image_id, position, signed_index, aes_blob, ckks_ordinal, ckks_block)
     VALUES (?, ?, ?, ?, ?, ?)`,
  );
  const insertCiphertext = db.prepare(
    'INSERT INTO ckks_ciphertexts (image_id, ordinal, data, mac) VALUES (?, ?, ?, ?)',
  );
  db.transaction(() => {
    const { lastInsertRowid } = insertImage.run(
      sealed.uid,
      contentMac,
      new Date().toISOString(),
      sealed.threshold,
      sealed.lowGradient ? 1 : 0,
      JSON.stringify(sealed.signedIndices),
      keysetId,
      sealed.packingId,
      sealed.meta,
      sealed.original,
    );
    for (const chunk of sealed.chunks) {
      insertChunk.run(
        lastInsertRowid,
        chunk.position,
        chunk.signedIndex,
        chunk.aesBlob,
        chunk.ckksOrdinal,
        chunk.ckksBlock,
      );
    }
    for (const ciphertext of sealed.ciphertexts) {
      insertCiphertext.run(lastInsertRowid, ciphertext.ordinal, ciphertext.data, ciphertext.mac);
    }
  })();
}

export function hasContentMac(db: Catalogue, contentMac: Uint8Array): boolean {
  return db.prepare('SELECT 1 FROM images WHERE content_mac = ?').get(contentMac) !== undefined;
}

export interface ImageRow {
  readonly id: number;
  readonly uid: string;
  readonly importedAt: string;
  readonly threshold: number;
  readonly lowGradient: boolean;
  readonly signedIndices: number[];
  readonly keysetId: number;
  readonly packingId: string;
  readonly meta: Buffer;
}

export function listImageRows(db: Catalogue): ImageRow[] {
  const rows = db
    .prepare(
      `SELECT id, uid, imported_at, threshold, low_gradient, signed_indices, keyset_id, packing_id, meta
       FROM images ORDER BY id`,
    )
    .all() as Array<Record<string, unknown>>;
  return rows.map(toImageRow);
}

/** Finds an image by its full uid or an unambiguous prefix of at least 6 hex digits. */
export function findImageRow(db: Catalogue, uidOrPrefix: string): ImageRow {
  const query = uidOrPrefix.toLowerCase();
  if (!/^[0-9a-f]{6,32}$/.test(query)) {
    throw new Error(`"${uidOrPrefix}" is not an image id (6–32 hex digits)`);
  }
  const rows = db
    .prepare(
      `SELECT id, uid, imported_at, threshold, low_gradient, signed_indices, keyset_id, packing_id, meta
       FROM images WHERE uid >= ? AND uid < ? ORDER BY uid LIMIT 2`,
    )
    .all(query, `${query}g`) as Array<Record<string, unknown>>;
  if (rows.length === 0) throw new Error(`no image with id ${uidOrPrefix}`);
  if (rows.length > 1) throw new Error(`image id ${uidOrPrefix} is ambiguous; give more digits`);
  return toImageRow(rows[0]!);
}

function toImageRow(row: Record<string, unknown>): ImageRow {
  return {
    id: row.id as number,
    uid: row.uid as string,
    importedAt: row.imported_at as string,
    threshold: row.threshold as number,
    lowGradient: row.low_gradient === 1,
    signedIndices: JSON.parse(row.signed_indices as string) as number[],
    keysetId: row.keyset_id as number,
    packingId: row.packing_id as string,
    meta: row.meta as Buffer,
  };
}

export function readOriginalBlob(db: Catalogue, imageId: number): Buffer {
  return db.prepare('SELECT original FROM images WHERE id = ?').pluck().get(imageId) as Buffer;
}

export interface StoredChunk {
  readonly position: number;
  readonly signedIndex: number;
  readonly aesBlob: Buffer | null;
  readonly ckksOrdinal: number | null;
  readonly ckksBlock: number | null;
}

/** The block group: 16 chunks in row-major order. */
export function readChunks(db: Catalogue, imageId: number): StoredChunk[] {
  const rows = db
    .prepare(
      `SELECT position, signed_index, aes_blob, ckks_ordinal, ckks_block FROM chunks
       WHERE image_id = ? ORDER BY position`,
    )
    .all(imageId) as Array<Record<string, unknown>>;
  return rows.map((row) => ({
    position: row.position as number,
    signedIndex: row.signed_index as number,
    aesBlob: row.aes_blob as Buffer | null,
    ckksOrdinal: row.ckks_ordinal as number | null,
    ckksBlock: row.ckks_block as number | null,
  }));
}

export function readCiphertexts(
  db: Catalogue,
  imageId: number,
): Array<{ ordinal: number; data: Buffer; mac: Buffer }> {
  return db
    .prepare('SELECT ordinal, data, mac FROM ckks_ciphertexts WHERE image_id = ? ORDER BY ordinal')
    .all(imageId) as Array<{ ordinal: number; data: Buffer; mac: Buffer }>;
}

export function storedBytes(db: Catalogue): { images: number; ckks: number; aes: number } {
  const row = db
    .prepare(
      `SELECT (SELECT count(*) FROM images) AS images,
              (SELECT coalesce(sum(length(data)), 0) FROM ckks_ciphertexts) AS ckks,
              (SELECT coalesce(sum(length(meta) + length(original)), 0) FROM images)
                + (SELECT coalesce(sum(length(aes_blob)), 0) FROM chunks) AS aes`,
    )
    .get() as { images: number; ckks: number; aes: number };
  return row;
}

// Catalogue reads and writes for images. One image = one transaction: either its
// row (sealed metadata with the layout, padded original, the non-feature chunks blob)
// and all its CKKS ciphertexts are visible, or none. Plain columns are routing only
// (ids, key set, packing, lane batch); what they claim is checked against the sealed
// layout on every read (read-image.ts).
import type { Catalogue } from './catalogue.ts';
import type { SealedCiphertext } from './sealed-image.ts';

/** An image ready to store: every blob sealed, the metadata with its layout. */
export interface StoredImage {
  readonly uid: string;
  readonly contentMac: Uint8Array;
  readonly keysetId: number;
  readonly packingId: string;
  readonly laneBatchId: number | bigint | null;
  readonly meta: Uint8Array;
  readonly original: Uint8Array;
  readonly rest: Uint8Array;
  readonly ciphertexts: readonly SealedCiphertext[];
}

/** Inserts an image (call inside a transaction when storing more than one). */
export function insertImageRows(db: Catalogue, image: StoredImage, importedAt: string): void {
  const { lastInsertRowid } = db
    .prepare(
      `INSERT INTO images (uid, content_mac, imported_at, keyset_id, packing_id, lane_batch_id,
         meta, original, rest) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .run(
      image.uid,
      image.contentMac,
      importedAt,
      image.keysetId,
      image.packingId,
      image.laneBatchId,
      image.meta,
      image.original,
      image.rest,
    );
  const insertCiphertext = db.prepare(
    'INSERT INTO ckks_ciphertexts (image_id, ordinal, data, mac) VALUES (?, ?, ?, ?)',
  );
  for (const c of image.ciphertexts)
    insertCiphertext.run(lastInsertRowid, c.ordinal, c.data, c.mac);
}

export function insertSealedImage(db: Catalogue, image: StoredImage): void {
  db.transaction(() => insertImageRows(db, image, new Date().toISOString()))();
}

export function hasContentMac(db: Catalogue, contentMac: Uint8Array): boolean {
  return db.prepare('SELECT 1 FROM images WHERE content_mac = ?').get(contentMac) !== undefined;
}

export interface ImageRow {
  readonly id: number;
  readonly uid: string;
  readonly importedAt: string;
  readonly keysetId: number;
  readonly packingId: string;
  readonly laneBatchId: number | null;
  readonly meta: Buffer;
}

export const ROW_COLUMNS = 'id, uid, imported_at, keyset_id, packing_id, lane_batch_id, meta';

export function listImageRows(db: Catalogue): ImageRow[] {
  const rows = db.prepare(`SELECT ${ROW_COLUMNS} FROM images ORDER BY id`).all();
  return (rows as Array<Record<string, unknown>>).map(toImageRow);
}

/**
 * The image rows in pages, oldest first, with a turn of the event loop between pages: a
 * loop over thousands of images on the app's main thread must not hold it for long (each
 * row's metadata is read from the record's overflow pages, ~0.1 ms a row).
 */
export async function* imageRowPages(db: Catalogue, size = 50): AsyncGenerator<ImageRow[]> {
  const page = db.prepare(`SELECT ${ROW_COLUMNS} FROM images WHERE id > ? ORDER BY id LIMIT ?`);
  let after = 0;
  for (;;) {
    const rows = (page.all(after, size) as Array<Record<string, unknown>>).map(toImageRow);
    if (rows.length === 0) return;
    yield rows;
    after = rows.at(-1)!.id;
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** Finds an image by its full uid or an unambiguous prefix of at least 6 hex digits. */
export function findImageRow(db: Catalogue, uidOrPrefix: string): ImageRow {
  const query = uidOrPrefix.toLowerCase();
  if (!/^[0-9a-f]{6,32}$/.test(query)) {
    throw new Error(`"${uidOrPrefix}" is not an image id (6–32 hex digits)`);
  }
  const rows = db
    .prepare(`SELECT ${ROW_COLUMNS} FROM images WHERE uid >= ? AND uid < ? ORDER BY uid LIMIT 2`)
    .all(query, `${query}g`) as Array<Record<string, unknown>>;
  if (rows.length === 0) throw new Error(`no image with id ${uidOrPrefix}`);
  if (rows.length > 1) throw new Error(`image id ${uidOrPrefix} is ambiguous; give more digits`);
  return toImageRow(rows[0]!);
}

export function toImageRow(row: Record<string, unknown>): ImageRow {
  return {
    id: row.id as number,
    uid: row.uid as string,
    importedAt: row.imported_at as string,
    keysetId: row.keyset_id as number,
    packingId: row.packing_id as string,
    laneBatchId: (row.lane_batch_id as number | null) ?? null,
    meta: row.meta as Buffer,
  };
}

export function readOriginalBlob(db: Catalogue, imageId: number): Buffer {
  return db.prepare('SELECT original FROM images WHERE id = ?').pluck().get(imageId) as Buffer;
}

export function readRestBlob(db: Catalogue, imageId: number): Buffer {
  return db.prepare('SELECT rest FROM images WHERE id = ?').pluck().get(imageId) as Buffer;
}

/** Every CKKS row of the image, whatever its ordinal (the reader checks the exact set). */
export function readCiphertexts(
  db: Catalogue,
  imageId: number,
): Array<{ ordinal: number; data: Buffer; mac: Buffer }> {
  return db
    .prepare('SELECT ordinal, data, mac FROM ckks_ciphertexts WHERE image_id = ? ORDER BY ordinal')
    .all(imageId) as Array<{ ordinal: number; data: Buffer; mac: Buffer }>;
}

export function storedBytes(db: Catalogue): { images: number; ckks: number; aes: number } {
  return db
    .prepare(
      `SELECT (SELECT count(*) FROM images) AS images,
              (SELECT coalesce(sum(length(data)), 0) FROM ckks_ciphertexts) AS ckks,
              (SELECT coalesce(sum(length(meta) + length(original) + length(rest)), 0) FROM images) AS aes`,
    )
    .get() as { images: number; ckks: number; aes: number };
}

// The images table and each image's CKKS ciphertexts (blocks layout). One image = one
// write: either its row (sealed metadata with the layout, padded original, the
// non-feature chunks blob) and all its CKKS ciphertexts are visible, or none. Plain
// columns are routing only (ids, key set, packing, lane batch); what they claim is
// checked against the sealed layout on every read (read-image.ts).
import type { SqlReads, SqlWrites } from './sql.ts';

/** A sealed CKKS ciphertext of an image and its MAC. */
export interface StoredCiphertext {
  readonly ordinal: number;
  readonly data: Uint8Array;
  readonly mac: Uint8Array;
}

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
  readonly ciphertexts: readonly StoredCiphertext[];
}

/** An image's row without its large blobs (original, rest), which are read on their own. */
export interface ImageRow {
  readonly id: number;
  readonly uid: string;
  readonly importedAt: string;
  readonly keysetId: number;
  readonly packingId: string;
  readonly laneBatchId: number | null;
  readonly meta: Buffer;
}

/** A CKKS ciphertext as stored. */
export interface CiphertextRow {
  readonly ordinal: number;
  readonly data: Buffer;
  readonly mac: Buffer;
}

/** Bytes the blocks layout stores: image count, CKKS bytes, AES-GCM bytes. */
export interface ImageStoredBytes {
  readonly images: number;
  readonly ckks: number;
  readonly aes: number;
}

export interface ImageReads {
  count(): number;
  /** Every image, oldest first. */
  list(): ImageRow[];
  /** Up to `size` images after row id `after`, oldest first. */
  page(after: number, size: number): ImageRow[];
  byId(id: number): ImageRow | undefined;
  /** The image with exactly this uid. */
  byUid(uid: string): ImageRow | undefined;
  /** Up to two images whose uid starts with `prefix` (lower-case hex), by uid. */
  byUidPrefix(prefix: string): ImageRow[];
  hasContentMac(contentMac: Uint8Array): boolean;
  /** The sealed metadata blob alone (a writer re-reads it inside its transaction). */
  meta(imageId: number): Buffer | null;
  original(imageId: number): Buffer | null;
  rest(imageId: number): Buffer | null;
  /** Every CKKS row of the image, whatever its ordinal (the reader checks the exact set). */
  ciphertexts(imageId: number): CiphertextRow[];
  /** The image's CKKS ordinals only (no ciphertext read), in order. */
  ciphertextOrdinals(imageId: number): number[];
  /** CKKS rows whose image is gone (written behind SQLite's back). */
  orphanCiphertexts(): number;
  storedBytes(): ImageStoredBytes;
}

export interface ImageWrites {
  /** Stores an image and its CKKS ciphertexts, imported now; returns its row id. */
  insert(image: StoredImage): number | bigint;
  setMeta(imageId: number, meta: Uint8Array): void;
}

const COLUMNS = 'id, uid, imported_at, keyset_id, packing_id, lane_batch_id, meta';

interface RawImageRow {
  id: number;
  uid: string;
  imported_at: string;
  keyset_id: number;
  packing_id: string;
  lane_batch_id: number | null;
  meta: Buffer;
}

/** The image columns of a query that joins `images` as `alias` (see embeddings.ts). */
export function imageColumns(alias: string): string {
  return COLUMNS.split(', ')
    .map((column) => `${alias}.${column}`)
    .join(', ');
}

export function toImageRow(row: RawImageRow): ImageRow {
  return {
    id: row.id,
    uid: row.uid,
    importedAt: row.imported_at,
    keysetId: row.keyset_id,
    packingId: row.packing_id,
    laneBatchId: row.lane_batch_id ?? null,
    meta: row.meta,
  };
}

export function imageReads(sql: SqlReads): ImageReads {
  const rows = (text: string, ...params: unknown[]) =>
    sql.all<RawImageRow>(text, ...params).map(toImageRow);
  const row = (text: string, ...params: unknown[]) => {
    const found = sql.get<RawImageRow>(text, ...params);
    return found && toImageRow(found);
  };
  const blob = (column: 'meta' | 'original' | 'rest', imageId: number) =>
    sql.value<Buffer | null>(`SELECT ${column} FROM images WHERE id = ?`, imageId) ?? null;
  return {
    count: () => sql.value<number>('SELECT count(*) FROM images')!,
    list: () => rows(`SELECT ${COLUMNS} FROM images ORDER BY id`),
    page: (after, size) =>
      rows(`SELECT ${COLUMNS} FROM images WHERE id > ? ORDER BY id LIMIT ?`, after, size),
    byId: (id) => row(`SELECT ${COLUMNS} FROM images WHERE id = ?`, id),
    byUid: (uid) => row(`SELECT ${COLUMNS} FROM images WHERE uid = ?`, uid),
    byUidPrefix: (prefix) =>
      rows(
        `SELECT ${COLUMNS} FROM images WHERE uid >= ? AND uid < ? ORDER BY uid LIMIT 2`,
        prefix,
        `${prefix}g`,
      ),
    hasContentMac: (contentMac) =>
      sql.get('SELECT 1 FROM images WHERE content_mac = ?', contentMac) !== undefined,
    meta: (imageId) => blob('meta', imageId),
    original: (imageId) => blob('original', imageId),
    rest: (imageId) => blob('rest', imageId),
    ciphertexts: (imageId) =>
      sql.all<CiphertextRow>(
        'SELECT ordinal, data, mac FROM ckks_ciphertexts WHERE image_id = ? ORDER BY ordinal',
        imageId,
      ),
    ciphertextOrdinals: (imageId) =>
      sql.values<number>(
        'SELECT ordinal FROM ckks_ciphertexts WHERE image_id = ? ORDER BY ordinal',
        imageId,
      ),
    orphanCiphertexts: () =>
      sql.value<number>(
        'SELECT count(*) FROM ckks_ciphertexts WHERE image_id NOT IN (SELECT id FROM images)',
      )!,
    storedBytes: () =>
      sql.get<ImageStoredBytes>(
        `SELECT (SELECT count(*) FROM images) AS images,
                (SELECT coalesce(sum(length(data)), 0) FROM ckks_ciphertexts) AS ckks,
                (SELECT coalesce(sum(length(meta) + length(original) + length(rest)), 0) FROM images) AS aes`,
      )!,
  };
}

export function imageWrites(sql: SqlWrites): ImageWrites {
  return {
    insert: (image) => insertImage(sql, image, new Date().toISOString()),
    setMeta: (imageId, meta) => {
      sql.run('UPDATE images SET meta = ? WHERE id = ?', meta, imageId);
    },
  };
}

/** Inserts an image row and its CKKS rows (lane-batches.ts stores a batch's images with it). */
export function insertImage(
  sql: SqlWrites,
  image: StoredImage,
  importedAt: string,
): number | bigint {
  const { lastInsertRowid } = sql.run(
    `INSERT INTO images (uid, content_mac, imported_at, keyset_id, packing_id, lane_batch_id,
       meta, original, rest) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
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
  for (const c of image.ciphertexts)
    sql.run(
      'INSERT INTO ckks_ciphertexts (image_id, ordinal, data, mac) VALUES (?, ?, ?, ?)',
      lastInsertRowid,
      c.ordinal,
      c.data,
      c.mac,
    );
  return lastInsertRowid;
}

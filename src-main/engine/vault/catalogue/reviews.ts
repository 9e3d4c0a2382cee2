// The image_reviews table: each image's sealed review state (the "reviewed" flag and its
// time, sealed-review.ts), one row per image.
import type { ImageItemRow } from './image-items.ts';
import type { SqlReads, SqlWrites } from './sql.ts';

export interface ReviewReads {
  /** Every stored review state of an existing image, with its image's uid. */
  all(): Array<{ uid: string; state: Buffer }>;
  /** One image's sealed review state. */
  stateOf(imageId: number): Buffer | undefined;
  /** Every row, with its image's uid (null when the image is gone), for verify. */
  forVerify(): ImageItemRow[];
}

export interface ReviewWrites {
  /** Stores (or replaces) an image's sealed review state. */
  put(imageId: number, state: Uint8Array): void;
}

export function reviewReads(sql: SqlReads): ReviewReads {
  return {
    all: () =>
      sql.all<{ uid: string; state: Buffer }>(
        'SELECT i.uid, r.state FROM image_reviews r JOIN images i ON i.id = r.image_id',
      ),
    stateOf: (imageId) =>
      sql.value<Buffer>('SELECT state FROM image_reviews WHERE image_id = ?', imageId),
    forVerify: () =>
      sql.all<ImageItemRow>(
        `SELECT r.image_id AS imageId, i.uid, '' AS modelId, r.state AS blob
         FROM image_reviews r LEFT JOIN images i ON i.id = r.image_id ORDER BY r.image_id`,
      ),
  };
}

export function reviewWrites(sql: SqlWrites): ReviewWrites {
  return {
    put: (imageId, state) => {
      sql.run(
        `INSERT INTO image_reviews (image_id, state) VALUES (?, ?)
         ON CONFLICT (image_id) DO UPDATE SET state = excluded.state`,
        imageId,
        state,
      );
    },
  };
}

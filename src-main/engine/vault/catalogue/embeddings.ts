// The obf_embeddings table: the obfuscated tier's per-image results (class, scores and the
// 512-d embedding), AES-GCM-sealed, one per image and model; only the model id and the
// time are plain, to find the images a model has not indexed yet.
import { imageColumns, toImageRow } from './images.ts';
import type { ImageRow } from './images.ts';
import type { ImageItemRow } from './image-items.ts';
import type { SqlReads, SqlWrites } from './sql.ts';

export interface EmbeddingReads {
  /** Row ids of the images this model has indexed. */
  imageIds(modelId: string): number[];
  /** Ids of the models with stored embeddings, sorted. */
  modelIds(): string[];
  /** Up to `size` of this model's embeddings after image row id `after`, with their image rows, by image. */
  page(modelId: string, after: number, size: number): Array<{ row: ImageRow; payload: Buffer }>;
  /** Every row, with its image's uid (null when the image is gone), for verify. */
  forVerify(): ImageItemRow[];
}

export interface EmbeddingWrites {
  /** Stores (or replaces) a model's sealed result for an image, indexed now. */
  put(imageId: number, modelId: string, payload: Uint8Array): void;
}

export function embeddingReads(sql: SqlReads): EmbeddingReads {
  return {
    imageIds: (modelId) =>
      sql.values<number>('SELECT image_id FROM obf_embeddings WHERE model_id = ?', modelId),
    modelIds: () =>
      sql.values<string>('SELECT DISTINCT model_id FROM obf_embeddings ORDER BY model_id'),
    page: (modelId, after, size) =>
      sql
        .all<Parameters<typeof toImageRow>[0] & { payload: Buffer }>(
          `SELECT ${imageColumns('i')}, e.payload FROM obf_embeddings e JOIN images i ON i.id = e.image_id
           WHERE e.model_id = ? AND i.id > ? ORDER BY i.id LIMIT ?`,
          modelId,
          after,
          size,
        )
        .map((raw) => ({ row: toImageRow(raw), payload: raw.payload })),
    forVerify: () =>
      sql.all<ImageItemRow>(
        `SELECT e.image_id AS imageId, i.uid, e.model_id AS modelId, e.payload AS blob
         FROM obf_embeddings e LEFT JOIN images i ON i.id = e.image_id ORDER BY e.image_id, e.model_id`,
      ),
  };
}

export function embeddingWrites(sql: SqlWrites): EmbeddingWrites {
  return {
    put: (imageId, modelId, payload) => {
      sql.run(
        `INSERT INTO obf_embeddings (image_id, model_id, indexed_at, payload) VALUES (?, ?, ?, ?)
         ON CONFLICT (image_id, model_id) DO UPDATE SET indexed_at = excluded.indexed_at, payload = excluded.payload`,
        imageId,
        modelId,
        new Date().toISOString(),
        payload,
      );
    },
  };
}

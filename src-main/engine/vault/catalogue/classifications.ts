// The classifications table: one AES-GCM-sealed result per image and model (class,
// scores, chunks used, timings); only the model id and the time are plain, to find the
// images a model has not classified yet.
import type { ImageItemRow } from './image-items.ts';
import type { SqlReads, SqlWrites } from './sql.ts';

/** A sealed classification of the image `uid` by `modelId`. */
export interface ClassificationRow {
  readonly uid: string;
  readonly modelId: string;
  readonly result: Buffer;
}

export interface ClassificationReads {
  /** Row ids of the images this model has classified. */
  imageIds(modelId: string): number[];
  /** Every stored classification by this model. */
  byModel(modelId: string): ClassificationRow[];
  /** Every stored classification, oldest first: the last of an image's is its latest. */
  allByTime(): ClassificationRow[];
  /** The image's most recent classification, any model. */
  latestOf(imageId: number): { modelId: string; result: Buffer } | undefined;
  /** Every row, with its image's uid (null when the image is gone), for verify. */
  forVerify(): ImageItemRow[];
}

export interface ClassificationWrites {
  /** Stores (or replaces) a model's result for an image, classified now. */
  put(imageId: number, modelId: string, result: Uint8Array): void;
}

export function classificationReads(sql: SqlReads): ClassificationReads {
  return {
    imageIds: (modelId) =>
      sql.values<number>('SELECT image_id FROM classifications WHERE model_id = ?', modelId),
    byModel: (modelId) =>
      sql
        .all<{ uid: string; result: Buffer }>(
          `SELECT i.uid, c.result FROM classifications c JOIN images i ON i.id = c.image_id WHERE c.model_id = ?`,
          modelId,
        )
        .map(({ uid, result }) => ({ uid, modelId, result })),
    allByTime: () =>
      sql.all<ClassificationRow>(
        `SELECT i.uid, c.model_id AS modelId, c.result FROM classifications c
         JOIN images i ON i.id = c.image_id ORDER BY c.classified_at`,
      ),
    latestOf: (imageId) =>
      sql
        .all<{ modelId: string; result: Buffer }>(
          `SELECT model_id AS modelId, result FROM classifications WHERE image_id = ?
           ORDER BY classified_at`,
          imageId,
        )
        .at(-1),
    forVerify: () =>
      sql.all<ImageItemRow>(
        `SELECT c.image_id AS imageId, i.uid, c.model_id AS modelId, c.result AS blob
         FROM classifications c LEFT JOIN images i ON i.id = c.image_id ORDER BY c.image_id, c.model_id`,
      ),
  };
}

export function classificationWrites(sql: SqlWrites): ClassificationWrites {
  return {
    put: (imageId, modelId, result) => {
      sql.run(
        `INSERT INTO classifications (image_id, model_id, classified_at, result) VALUES (?, ?, ?, ?)
         ON CONFLICT (image_id, model_id) DO UPDATE SET classified_at = excluded.classified_at, result = excluded.result`,
        imageId,
        modelId,
        new Date().toISOString(),
        result,
      );
    },
  };
}

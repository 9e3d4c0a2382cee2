// Similar-image search, the obfuscated tier's feature: find the images nearest to one
// (a job: images without an embedding are indexed first) and train the vault's own
// search model under the vault's key. Every result carries the obfuscated tier's label:
// obfuscation under a fixed key, not encryption.
import { z } from 'zod';
import { ImageIdSchema, JobIdSchema } from './common-schemas.ts';

export const SimilarResultSchema = z.strictObject({
  tier: z.literal('obfuscated'),
  tierLabel: z.string(),
  query: ImageIdSchema,
  /** The obfuscated-tier model whose embeddings were compared. */
  modelId: z.string(),
  /** How many images were indexed for this query (embeddings missing until now). */
  newlyIndexed: z.number().int().nonnegative(),
  results: z.array(
    z.strictObject({
      id: ImageIdSchema,
      name: z.string(),
      label: z.string().nullable(),
      /** The obfuscated tier's predicted class (its own model, not the sealed tier's). */
      predicted: z.string(),
      /** 1 − cosine similarity of the 512-d embeddings (0 = same direction). */
      distance: z.number(),
    }),
  ),
});

export const ObfTrainReportSchema = z.strictObject({
  modelId: z.string(),
  classes: z.array(z.string()),
  images: z.strictObject({ train: z.number().int(), validation: z.number().int() }),
  /** Held-out figures of the obfuscated tier's classifier and retrieval (null: none held out). */
  validation: z
    .strictObject({
      n: z.number().int(),
      accuracy: z.number(),
      mAP: z.number(),
      precisionAt10: z.number().nullable(),
    })
    .nullable(),
  seconds: z.number(),
});
export type ObfTrainReportDto = z.infer<typeof ObfTrainReportSchema>;

export const SEARCH_CHANNELS = {
  'search:similar': {
    /** A job: images without an embedding are indexed first (progress, cancel). */
    request: z.strictObject({
      jobId: JobIdSchema,
      id: ImageIdSchema,
      k: z.number().int().min(1).max(50),
    }),
    response: SimilarResultSchema,
  },
  'search:train-model': {
    /** Trains an obfuscated-tier model on the vault's labelled images, under the vault's key. */
    request: z.strictObject({
      jobId: JobIdSchema,
      epochs: z.number().int().min(1).max(200),
      validationFraction: z.number().min(0).max(0.5),
    }),
    response: ObfTrainReportSchema,
  },
} as const;

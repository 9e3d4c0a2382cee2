// Similar-image search: find the images nearest to one, in the sealed tier by default
// (embeddings computed under CKKS when the shipped model classified the vault) or, when
// asked, in the obfuscated tier (a job: images without an embedding are indexed first;
// and training the vault's own search model under the vault's key). Every result carries
// its tier's label: the obfuscated tier's says obfuscation under a fixed key, not encryption.
import { z } from 'zod';
import { ImageIdSchema, JobIdSchema, TierSchema } from './common-schemas.ts';

const SimilarHitSchema = z.strictObject({
  id: ImageIdSchema,
  name: z.string(),
  label: z.string().nullable(),
  /** The class the searching tier's model predicts. */
  predicted: z.string(),
  /** 1 − cosine similarity (0 = same direction). */
  distance: z.number(),
});

export const SealedSimilarResultSchema = z.strictObject({
  tier: z.literal('sealed'),
  tierLabel: z.string(),
  query: ImageIdSchema,
  /** The sealed model whose embeddings (computed under CKKS) were compared. */
  modelId: z.string(),
  /** Images with a sealed embedding, and images without one yet (classify them). */
  indexed: z.number().int().nonnegative(),
  missing: z.number().int().nonnegative(),
  results: z.array(SimilarHitSchema),
});

export const ObfSimilarResultSchema = z.strictObject({
  tier: z.literal('obfuscated'),
  tierLabel: z.string(),
  query: ImageIdSchema,
  /** The obfuscated-tier model whose embeddings were compared. */
  modelId: z.string(),
  /** How many images were indexed for this query (embeddings missing until now). */
  newlyIndexed: z.number().int().nonnegative(),
  /** `predicted` is the obfuscated tier's own model's class, not the sealed tier's. */
  results: z.array(SimilarHitSchema),
});

export const SimilarResultSchema = z.discriminatedUnion('tier', [
  SealedSimilarResultSchema,
  ObfSimilarResultSchema,
]);

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
    /**
     * A job. Sealed: ranks the stored sealed embeddings (the shipped model's). Obfuscated:
     * images without an embedding are indexed first (progress, cancel).
     */
    request: z.strictObject({
      jobId: JobIdSchema,
      id: ImageIdSchema,
      k: z.number().int().min(1).max(50),
      tier: TierSchema,
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

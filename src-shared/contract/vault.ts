// Shapes the engine returns to its callers (CLI --json, later the IPC layer),
// validated with zod at the boundary so both sides agree on one definition.
import { z } from 'zod';
import { CHUNK_COUNT } from '../domain/geometry.ts';

export const ImageSummarySchema = z.object({
  id: z.string().regex(/^[0-9a-f]{32}$/),
  name: z.string(),
  label: z.string().nullable(),
  format: z.string(),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  byteLength: z.number().int().nonnegative(),
  importedAt: z.string(),
  threshold: z.number().nonnegative(),
  lowGradient: z.boolean(),
  chunkCount: z.literal(CHUNK_COUNT),
  /** 16 signed indices, row-major: +(p+1) feature chunk (CKKS), −(p+1) other (AES). */
  signedIndices: z.array(z.number().int()).length(CHUNK_COUNT),
  featureIndices: z.array(z.number().int().positive()),
  /** Per-chunk mean Sobel gradient magnitude, row-major. */
  scores: z.array(z.number()).length(CHUNK_COUNT),
});
export type ImageSummary = z.infer<typeof ImageSummarySchema>;

export const ImportFailureSchema = z.object({ file: z.string(), reason: z.string() });

export const ImportReportSchema = z.object({
  folder: z.string(),
  candidates: z.number().int(),
  imported: z.number().int(),
  duplicates: z.number().int(),
  failed: z.array(ImportFailureSchema),
  skippedNonImages: z.number().int(),
  lowGradient: z.number().int(),
  cancelled: z.boolean(),
  seconds: z.number(),
  imagesPerSecond: z.number(),
  importedIds: z.array(z.string()),
});
export type ImportReportDto = z.infer<typeof ImportReportSchema>;

export const VerifyReportSchema = z.object({
  images: z.number().int(),
  itemsChecked: z.number().int(),
  problems: z.array(z.object({ image: z.string(), item: z.string(), reason: z.string() })),
});
export type VerifyReport = z.infer<typeof VerifyReportSchema>;

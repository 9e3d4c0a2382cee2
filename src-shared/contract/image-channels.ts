// The images' channels: import a folder into the unlocked vault (a job), list the gallery
// and fetch a display thumbnail. A gallery item is either readable or an error naming
// what failed, never both; thumbnails are the only decrypted pixels that cross, as PNG
// data URLs made in memory and never written to disk.
import { z } from 'zod';
import { CHUNK_COUNT } from '../domain/geometry.ts';
import { EmptyRequestSchema, ImageIdSchema, JobIdSchema, PathSchema } from './common-schemas.ts';
import { ImportReportSchema } from './vault.ts';

export const PredictionSchema = z.strictObject({
  modelId: z.string(),
  predicted: z.string(),
  /** Softmax of the decrypted image-level scores, for the predicted class (0..1). */
  confidence: z.number().min(0).max(1),
});
export type Prediction = z.infer<typeof PredictionSchema>;

export const ReadableGalleryItemSchema = z.strictObject({
  id: ImageIdSchema,
  name: z.string(),
  label: z.string().nullable(),
  reviewed: z.boolean(),
  prediction: PredictionSchema.nullable(),
  importedAt: z.string(),
  threshold: z.number(),
  lowGradient: z.boolean(),
  /** 16 signed indices, row-major: + feature chunk (CKKS), − other (AES). */
  signedIndices: z.array(z.number().int()).length(CHUNK_COUNT),
  /** Per-chunk mean Sobel gradient score, row-major. */
  scores: z.array(z.number()).length(CHUNK_COUNT),
  error: z.undefined().optional(),
});
export type ReadableGalleryItem = z.infer<typeof ReadableGalleryItemSchema>;

/**
 * An image whose encrypted metadata could not be read: only what the catalogue keeps
 * outside it, and `error` naming the item and why. Its own type, with no name or scores
 * at all, so no screen can show made-up values for it.
 */
export const UnreadableGalleryItemSchema = z.strictObject({
  id: ImageIdSchema,
  error: z.string().min(1),
  reviewed: z.boolean(),
  importedAt: z.string(),
});

/** One image of the gallery: `error` is set (and only then) when it could not be read. */
export const GalleryItemSchema = z.union([ReadableGalleryItemSchema, UnreadableGalleryItemSchema]);
export type GalleryItem = z.infer<typeof GalleryItemSchema>;

export function isReadableItem(item: GalleryItem): item is ReadableGalleryItem {
  return item.error === undefined;
}

export const IMAGE_CHANNELS = {
  'import:run': {
    request: z.strictObject({
      jobId: JobIdSchema,
      folder: PathSchema,
      labelsFromFolders: z.boolean(),
      threshold: z.number().min(0).max(10_000),
      /** Minimum feature chunks per image; omitted = the engine's default. */
      minFeatureChunks: z.number().int().min(0).max(CHUNK_COUNT).optional(),
    }),
    response: z.strictObject(ImportReportSchema.shape),
  },
  'images:list': {
    request: EmptyRequestSchema,
    response: z.strictObject({ items: z.array(GalleryItemSchema) }),
  },
  'images:thumbnail': {
    request: z.strictObject({ id: ImageIdSchema, size: z.number().int().min(32).max(512) }),
    response: z.strictObject({
      id: ImageIdSchema,
      dataUrl: z.string().regex(/^data:image\/png;base64,[A-Za-z0-9+/=]+$/),
    }),
  },
} as const;

// The Review screen's channels: set or clear an image's label, mark it reviewed, and
// export every image's label and review state as CSV. Each change answers with the
// image's gallery item as it now reads.
import { z } from 'zod';
import { ClassLabelSchema, EmptyRequestSchema, ImageIdSchema } from './common-schemas.ts';
import { GalleryItemSchema } from './image-channels.ts';

export const REVIEW_CHANNELS = {
  'review:set-label': {
    request: z.strictObject({ id: ImageIdSchema, label: ClassLabelSchema.nullable() }),
    response: GalleryItemSchema,
  },
  'review:set-reviewed': {
    request: z.strictObject({ id: ImageIdSchema, reviewed: z.boolean() }),
    response: GalleryItemSchema,
  },
  'review:export-csv': {
    request: EmptyRequestSchema,
    response: z.strictObject({ fileName: z.string(), rows: z.number().int(), csv: z.string() }),
  },
} as const;

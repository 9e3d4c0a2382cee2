// Long jobs (import, classify, train, search indexing) as the renderer sees them: each
// call takes a renderer-chosen jobId and resolves with its final report; meanwhile
// ProgressEvents with that jobId arrive on the one progress channel, and `job:cancel`
// stops the job.
import { z } from 'zod';
import { JobIdSchema } from './common-schemas.ts';

export const JobKindSchema = z.enum(['import', 'classify', 'train', 'search', 'security']);
export type JobKind = z.infer<typeof JobKindSchema>;

export const ProgressEventSchema = z.strictObject({
  jobId: JobIdSchema,
  kind: JobKindSchema,
  phase: z.enum(['running', 'done', 'failed', 'cancelled']),
  done: z.number().int().nonnegative(),
  total: z.number().int().nonnegative(),
  etaSeconds: z.number().nonnegative().nullable(),
  message: z.string(),
  /** Numeric series for charts (e.g. training loss and validation accuracy per epoch). */
  metrics: z.record(z.string(), z.number()).optional(),
});
export type ProgressEvent = z.infer<typeof ProgressEventSchema>;

/** The one Electron event name / SSE event name progress travels on. */
export const PROGRESS_CHANNEL = 'job:progress';

export const JOB_CHANNELS = {
  'job:cancel': {
    request: z.strictObject({ jobId: JobIdSchema }),
    response: z.strictObject({ cancelled: z.boolean() }),
  },
} as const;

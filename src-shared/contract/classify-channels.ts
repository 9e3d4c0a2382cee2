// Encrypted classification's channels: run a model over the vault's images under CKKS (a
// job; the shipped model unless a vault model is named) and the vault's evaluation
// setting, which says where it runs — this computer or an evaluation farm
// (evaluation-setting.ts).
import { z } from 'zod';
import { JobIdSchema, ModelIdSchema } from './common-schemas.ts';
import { EVALUATION_SETTING_CHANNELS } from './evaluation-setting.ts';

export const ClassifyReportSchema = z.strictObject({
  modelId: z.string(),
  classified: z.number().int(),
  skipped: z.number().int(),
  failed: z.array(z.strictObject({ id: z.string(), name: z.string(), reason: z.string() })),
  cancelled: z.boolean(),
  seconds: z.number(),
  /** Where it ran: 'this computer (…)' or 'the evaluation farm at redis://host:port'. */
  evaluatedOn: z.string(),
});

export const CLASSIFY_CHANNELS = {
  'classify:run': {
    request: z.strictObject({ jobId: JobIdSchema, modelId: ModelIdSchema.nullable() }),
    response: ClassifyReportSchema,
  },
  ...EVALUATION_SETTING_CHANNELS,
} as const;

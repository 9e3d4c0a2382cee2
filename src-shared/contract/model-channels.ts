// The sealed tier's models: list the shipped model and those trained on this vault,
// train a chunk CNN (or an ensemble) on the vault's labelled images (a job), and evaluate
// a model against the vault's labels from its stored encrypted predictions.
import { z } from 'zod';
import { MAX_ENSEMBLE_MEMBERS } from '../domain/ensemble.ts';
import { EmptyRequestSchema, JobIdSchema, ModelIdSchema } from './common-schemas.ts';

export const PerClassSchema = z.strictObject({
  name: z.string(),
  precision: z.number(),
  recall: z.number(),
  f1: z.number(),
  support: z.number().int(),
});

export const EvaluationSchema = z.strictObject({
  modelId: z.string(),
  /** What was compared: the vault's labels against stored encrypted predictions. */
  source: z.string(),
  classes: z.array(z.string()),
  n: z.number().int(),
  accuracy: z.number(),
  macroF1: z.number(),
  /** confusion[true][predicted]. */
  confusion: z.array(z.array(z.number().int())),
  perClass: z.array(PerClassSchema),
});
export type Evaluation = z.infer<typeof EvaluationSchema>;

export const ModelInfoSchema = z.strictObject({
  id: z.string(),
  name: z.string(),
  source: z.enum(['shipped', 'vault']),
  classes: z.array(z.string()),
  /** Nets in the model (an ensemble sums their scores; each costs one encrypted pass). */
  members: z.number().int().min(1),
  /** Plaintext validation accuracy recorded at training time, if any. */
  validationAccuracy: z.number().nullable(),
  createdAt: z.string().nullable(),
});
export type ModelInfo = z.infer<typeof ModelInfoSchema>;

export const TrainReportSchema = z.strictObject({
  modelId: z.string(),
  classes: z.array(z.string()),
  images: z.strictObject({ train: z.number().int(), validation: z.number().int() }),
  history: z.array(
    z.strictObject({
      epoch: z.number().int(),
      loss: z.number(),
      validationAccuracy: z.number().nullable(),
    }),
  ),
  validation: EvaluationSchema.nullable(),
  seconds: z.number(),
  cancelled: z.boolean(),
});
export type TrainReportDto = z.infer<typeof TrainReportSchema>;

export const MODEL_CHANNELS = {
  'model:list': {
    request: EmptyRequestSchema,
    response: z.strictObject({ models: z.array(ModelInfoSchema) }),
  },
  'model:train': {
    request: z.strictObject({
      jobId: JobIdSchema,
      epochs: z.number().int().min(1).max(500),
      validationFraction: z.number().min(0).max(0.5),
      /** Nets in the ensemble (image score = their sum); each costs a training run and an HE pass. */
      members: z.number().int().min(1).max(MAX_ENSEMBLE_MEMBERS).optional(),
    }),
    response: TrainReportSchema,
  },
  'model:evaluate': {
    request: z.strictObject({ modelId: ModelIdSchema.nullable() }),
    response: EvaluationSchema,
  },
} as const;

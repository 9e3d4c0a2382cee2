// The sealed-tier model file: versioned JSON with the architecture, class names,
// the preprocessing it expects, float weights, activation ranges measured on the
// training data (the HE engine checks them against its precision budget) and
// provenance. Validated with zod on load; a file from a newer version is refused. Its id is
// a hash over the file's canonical content, so reformatting the file keeps it; the model
// files the repository ships keep the ids earlier versions gave them (model-id.ts). An
// optional embedding head (embedding-head.ts) rides along for sealed search; the id leaves
// it out, since the classifier — what stored classifications are keyed by — is the same
// with or without it, and the head has an id of its own (headId).
import { z } from 'zod';
import type { ChunkCnnWeights } from './chunk-cnn.ts';
import { flattenedSize } from './chunk-cnn.ts';
import { ensembleMembers } from './chunk-cnn-ensemble.ts';
import type { EmbeddingHead } from './embedding-head.ts';
import { modelIdOf } from '../../ml/model-id.ts';
import { parseModelJson, readModelText } from '../../ml/model-json.ts';
import type { ModelIdOptions } from '../../ml/model-json.ts';
import { CHUNK_COUNT } from '../../../../src-shared/domain/geometry.ts';
import { MAX_ENSEMBLE_MEMBERS } from '../../../../src-shared/domain/ensemble.ts';

export const MODEL_FORMAT = 'sealsight-chunk-cnn';
export const MODEL_VERSION = 1;

const ArchitectureSchema = z.object({
  inputSize: z.number().int().positive(),
  channels: z.number().int().positive(),
  kernel: z.number().int().positive(),
  stride: z.number().int().positive(),
  hidden: z.number().int().positive(),
  classes: z.number().int().positive(),
  /** Omitted = 'square'; 'relu' marks a plaintext-only baseline. */
  activation: z.enum(['square', 'relu']).optional(),
  /** Omitted = 1; M > 1 marks an ensemble merged into one net (chunk-cnn-ensemble.ts). */
  members: z.number().int().min(1).max(MAX_ENSEMBLE_MEMBERS).optional(),
});

const Finite = z.number().finite();

export const ActivationRangesSchema = z.object({
  /** Largest |value| seen after each layer on the training data. */
  conv: Finite.nonnegative(),
  fc1: Finite.nonnegative(),
  scores: Finite.nonnegative(),
  /**
   * Largest |image score| (the sum of an image's feature-chunk scores, per class) on the
   * training images: what the encrypted result holds. Absent in older files; the HE
   * budget then assumes 16 chunks at the largest chunk score.
   */
  imageScores: Finite.nonnegative().optional(),
});
export type ActivationRanges = z.infer<typeof ActivationRangesSchema>;

export const ModelFileSchema = z.object({
  format: z.literal(MODEL_FORMAT),
  version: z.number().int().positive(),
  classes: z.array(z.string().min(1)).min(2),
  architecture: ArchitectureSchema,
  preprocessing: z.object({
    imageSize: z.number().int().positive(),
    chunkSize: z.number().int().positive(),
    threshold: Finite.nonnegative(),
    /** Absent in files written before the option: threshold alone (0). */
    minFeatureChunks: z.number().int().min(0).max(CHUNK_COUNT).optional(),
    pixelScale: z.literal('1/255'),
  }),
  weights: z.object({
    convWeight: z.array(Finite),
    convBias: z.array(Finite),
    fc1Weight: z.array(Finite),
    fc1Bias: z.array(Finite),
    fc2Weight: z.array(Finite),
    fc2Bias: z.array(Finite),
  }),
  activationRanges: ActivationRangesSchema,
  /** Optional: the sealed search embedding, `dims` rows over the hidden units. */
  embeddingHead: z
    .object({
      dims: z.number().int().positive(),
      weight: z.array(Finite),
      fittedOn: z.record(z.string(), z.unknown()).default({}),
    })
    .optional(),
  provenance: z.record(z.string(), z.unknown()).default({}),
});
export type ModelFile = z.infer<typeof ModelFileSchema>;

export interface LoadedModel {
  /** What its stored results are keyed by (model-id.ts): the same however the file is formatted. */
  readonly id: string;
  readonly file: ModelFile;
  /** The whole net (an ensemble merged into one; see chunk-cnn-ensemble.ts). */
  readonly weights: ChunkCnnWeights;
  /** The ensemble's members (the net itself when it is a single net). */
  readonly members: readonly ChunkCnnWeights[];
  /** The sealed search head, with its own id (stored embeddings are keyed by it), or null. */
  readonly embeddingHead: (EmbeddingHead & { readonly id: string }) | null;
}

export function parseModel(
  text: string,
  source: string,
  options: ModelIdOptions = {},
): LoadedModel {
  const { file, id } = parseModelJson(
    text,
    source,
    ModelFileSchema,
    { description: 'model file', version: MODEL_VERSION, identity: withoutHead },
    options,
  );
  const arch = file.architecture;
  if (file.classes.length !== arch.classes) {
    throw new Error(`${source}: ${file.classes.length} class names for ${arch.classes} classes`);
  }
  const taps = arch.kernel * arch.kernel;
  const expected: Record<keyof ModelFile['weights'], number> = {
    convWeight: arch.channels * taps,
    convBias: arch.channels,
    fc1Weight: arch.hidden * flattenedSize(arch),
    fc1Bias: arch.hidden,
    fc2Weight: arch.classes * arch.hidden,
    fc2Bias: arch.classes,
  };
  for (const [name, length] of Object.entries(expected)) {
    const got = file.weights[name as keyof ModelFile['weights']].length;
    if (got !== length)
      throw new Error(`${source}: weights.${name} has ${got} values, expected ${length}`);
  }
  const w = file.weights;
  const weights: ChunkCnnWeights = {
    architecture: arch,
    convWeight: Float64Array.from(w.convWeight),
    convBias: Float64Array.from(w.convBias),
    fc1Weight: Float64Array.from(w.fc1Weight),
    fc1Bias: Float64Array.from(w.fc1Bias),
    fc2Weight: Float64Array.from(w.fc2Weight),
    fc2Bias: Float64Array.from(w.fc2Bias),
  };
  let members: ChunkCnnWeights[];
  try {
    members = ensembleMembers(weights);
  } catch (error) {
    throw new Error(`${source}: not a valid ensemble (${(error as Error).message})`, {
      cause: error,
    });
  }
  let embeddingHead: LoadedModel['embeddingHead'] = null;
  if (file.embeddingHead) {
    const { dims, weight } = file.embeddingHead;
    if (weight.length !== dims * arch.hidden)
      throw new Error(
        `${source}: embeddingHead.weight has ${weight.length} values, expected ${dims * arch.hidden}`,
      );
    embeddingHead = {
      dims,
      weight: Float64Array.from(weight),
      id: modelIdOf({ model: id, head: file.embeddingHead }),
    };
  }
  return { id, file, weights, members, embeddingHead };
}

/** The content a sealed model's id is computed over: everything but the embedding head. */
function withoutHead(raw: Record<string, unknown>): unknown {
  if (!('embeddingHead' in raw)) return raw;
  const rest = { ...raw };
  delete rest.embeddingHead;
  return rest;
}

export async function loadModel(file: string): Promise<LoadedModel> {
  return parseModel(await readModelText(file), file);
}

export function serializeModel(
  weights: ChunkCnnWeights,
  details: {
    classes: readonly string[];
    threshold: number;
    minFeatureChunks: number;
    activationRanges: ActivationRanges;
    provenance?: Record<string, unknown>;
    embeddingHead?: { head: EmbeddingHead; fittedOn: Record<string, unknown> };
  },
): string {
  const model: ModelFile = {
    format: MODEL_FORMAT,
    version: MODEL_VERSION,
    classes: [...details.classes],
    architecture: { ...weights.architecture },
    preprocessing: {
      imageSize: 112,
      chunkSize: weights.architecture.inputSize,
      threshold: details.threshold,
      minFeatureChunks: details.minFeatureChunks,
      pixelScale: '1/255',
    },
    weights: {
      convWeight: [...weights.convWeight],
      convBias: [...weights.convBias],
      fc1Weight: [...weights.fc1Weight],
      fc1Bias: [...weights.fc1Bias],
      fc2Weight: [...weights.fc2Weight],
      fc2Bias: [...weights.fc2Bias],
    },
    activationRanges: details.activationRanges,
    ...(details.embeddingHead
      ? {
          embeddingHead: {
            dims: details.embeddingHead.head.dims,
            weight: [...details.embeddingHead.head.weight],
            fittedOn: details.embeddingHead.fittedOn,
          },
        }
      : {}),
    provenance: details.provenance ?? {},
  };
  return JSON.stringify(model);
}

// One ensemble member's training run (a single chunk CNN, one seed), shared by the
// in-process path and the worker threads that train several members at once. A member
// depends only on its seed and the split, so where it runs does not change its weights.
import type { ChunkCnnArchitecture, ChunkCnnWeights } from '../model/chunk-cnn.ts';
import { mulberry32 } from '../../ml/random.ts';
import { createTfChunkCnn, disposeTfChunkCnn, exportChunkCnn } from './chunk-cnn-tf.ts';
import { fitChunkCnn } from './fit-chunk-cnn.ts';
import type { EpochProgress, FitOptions } from './fit-chunk-cnn.ts';
import type { LabelledImage } from './labelled-folder.ts';
import { initTfWasm } from '../../ml/tf-wasm.ts';

/** Everything a member's run depends on: plain data, so it can cross to a worker thread. */
export interface MemberJob {
  readonly architecture: ChunkCnnArchitecture;
  readonly seed: number;
  readonly batchNorm: boolean;
  readonly fit: Omit<FitOptions, 'random' | 'signal' | 'onEpoch'>;
  readonly train: readonly LabelledImage[];
  readonly validation: readonly LabelledImage[];
}

export interface MemberResult {
  readonly weights: ChunkCnnWeights;
  readonly finalLoss: number;
}

export async function trainMember(
  job: MemberJob,
  signal?: AbortSignal,
  onEpoch?: (progress: EpochProgress) => void,
): Promise<MemberResult> {
  const tf = await initTfWasm();
  const model = createTfChunkCnn(tf, job.architecture, job.seed, { batchNorm: job.batchNorm });
  try {
    const finalLoss = await fitChunkCnn(tf, model, job.train, job.validation, {
      ...job.fit,
      random: mulberry32(job.seed + 0x9e3779b9),
      signal,
      onEpoch,
    });
    return { weights: exportChunkCnn(model), finalLoss };
  } finally {
    disposeTfChunkCnn(model);
  }
}

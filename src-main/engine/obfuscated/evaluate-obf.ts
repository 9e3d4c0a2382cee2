// Scoring an obfuscated-tier net on a labelled set: the images are obfuscated with the
// net's key, classified, and each one queries all the others by cosine similarity of its
// embedding. Used for validation figures (training) and by `sealsight obf evaluate`.
import type * as Tf from '@tensorflow/tfjs';
import { createObfuscator } from './arnold-xor.ts';
import type { ObfuscationCondition } from './arnold-xor.ts';
import { classificationMetrics } from '../metrics/classification.ts';
import type { ClassificationMetrics } from '../metrics/classification.ts';
import { retrievalMetrics } from '../metrics/retrieval.ts';
import { EMBEDDING_SIZE } from './architectures.ts';
import type { ObfDataset } from './obf-dataset.ts';
import { runNet, tfBlockProduct } from './obf-net.ts';
import type { ObfNet } from './obf-net.ts';

export interface ObfEvaluation extends ClassificationMetrics {
  readonly classes: readonly string[];
  readonly mAP: number;
  /** P@10 and P@100, keyed "10" and "100". */
  readonly precisionAt: Record<string, number>;
  readonly retrievalConvention: string;
  readonly seconds: {
    readonly obfuscate: number;
    readonly inference: number;
    readonly retrieval: number;
    /** Inference (encode + forward) per image, milliseconds. */
    readonly inferenceMsPerImage: number;
  };
}

export async function evaluateObfNet(
  tf: typeof Tf,
  net: ObfNet,
  key: Uint8Array,
  condition: ObfuscationCondition,
  data: ObfDataset,
): Promise<ObfEvaluation> {
  const count = data.labels.length;
  let t = performance.now();
  const obfuscated = createObfuscator(key, data.size, condition).obfuscateBatch(data.pixels);
  const obfuscate = (performance.now() - t) / 1000;
  t = performance.now();
  const outputs = runNet(tf, net, obfuscated, count);
  const inference = (performance.now() - t) / 1000;
  const truth = Array.from(data.labels);
  const classification = classificationMetrics(truth, outputs.predicted, data.classes);
  t = performance.now();
  const block = tfBlockProduct(tf);
  let retrieval;
  try {
    retrieval = await retrievalMetrics(outputs.embeddings, EMBEDDING_SIZE, data.labels, {
      ks: [10, 100],
      blockRows: 500,
      product: block.product,
    });
  } finally {
    block.dispose();
  }
  return {
    ...classification,
    classes: data.classes,
    mAP: retrieval.mAP,
    precisionAt: retrieval.precisionAt,
    retrievalConvention: retrieval.convention,
    seconds: {
      obfuscate,
      inference,
      retrieval: (performance.now() - t) / 1000,
      inferenceMsPerImage: count > 0 ? (1000 * inference) / count : 0,
    },
  };
}

// `sealsight evaluate`: the full pipeline on every image of a labelled folder. The
// plaintext side runs the float64 reference; with `encrypted`, the same feature
// chunks go through CKKS with fresh keys (fresh-key-inference.ts) and the decrypted
// scores are compared with the plaintext ones. An image's class is the argmax of
// the sum of its feature chunks' scores, as in the vault. A model with a search head
// (embedding-head.ts) is run with it, on both sides, and both report retrieval over their
// image embeddings (every image queries the others, same class = relevant).
import { aggregateImage, argmax } from '../model/chunk-cnn.ts';
import { referenceChunkScores } from '../train/evaluate-chunk-cnn.ts';
import type { LoadedModel } from '../model/model-file.ts';
import { loadLabelledFolder } from '../train/labelled-folder.ts';
import type { LabelledFolder } from '../train/labelled-folder.ts';
import { classificationMetrics } from '../../metrics/classification.ts';
import type { ClassificationMetrics } from '../../metrics/classification.ts';
import { inferWithFreshKeys } from './fresh-key-inference.ts';
import { retrievalVector, splitOutputs, withEmbeddingHead } from '../model/embedding-head.ts';
import { retrievalMetrics } from '../../metrics/retrieval.ts';
import type { RetrievalMetrics } from '../../metrics/retrieval.ts';
import type { Layout, LayoutChoice } from '../layouts/layout.ts';

export interface EvaluateOptions {
  readonly encrypted?: boolean;
  readonly layout?: LayoutChoice;
  readonly workers?: number;
  /** Overrides the model's feature threshold. */
  readonly threshold?: number;
  /** Overrides the model's minimum feature chunks per image. */
  readonly minFeatureChunks?: number;
  readonly signal?: AbortSignal;
  readonly onProgress?: (p: { phase: 'load' | 'encrypted'; done: number; total: number }) => void;
}

export interface SideFigures extends ClassificationMetrics {
  /** Mean image-level cross-entropy of softmax(summed scores) — the trainer's image loss. */
  readonly meanLoss: number;
  readonly secondsPerImage: number;
  /** Over the image embeddings (the model's search head); null for a model without one. */
  readonly retrieval: Pick<RetrievalMetrics, 'mAP' | 'precisionAt'> | null;
}

export interface EncryptedFigures extends SideFigures {
  readonly layout: Layout;
  /** Share of images whose encrypted class equals the plaintext class. */
  readonly agreement: number;
  /** Share of feature chunks whose encrypted argmax equals the plaintext one (lanes only). */
  readonly chunkAgreement: number | null;
  readonly maxAbsErrorImage: number;
  readonly maxAbsErrorChunk: number | null;
  /** Largest |encrypted − float64| over the image embeddings (before normalising). */
  readonly maxAbsErrorEmbedding: number | null;
  readonly seconds: { keys: number; encrypt: number; evaluate: number; decrypt: number };
  readonly profileMs: Record<string, number>;
}

export interface EvaluationReport {
  readonly modelId: string;
  readonly classes: readonly string[];
  readonly threshold: number;
  readonly minFeatureChunks: number;
  readonly n: number;
  readonly featureChunks: number;
  readonly failed: ReadonlyArray<{ name: string; reason: string }>;
  /** Per image: true class and predicted class indices (encrypted: null without --encrypted). */
  readonly images: ReadonlyArray<{
    name: string;
    truth: number;
    plaintext: number;
    encrypted: number | null;
  }>;
  readonly plaintext: SideFigures;
  readonly encrypted: EncryptedFigures | null;
}

export async function evaluateFolder(
  root: string,
  model: LoadedModel,
  options: EvaluateOptions = {},
): Promise<EvaluationReport> {
  const folder = await loadLabelledFolder(root, {
    threshold: options.threshold ?? model.file.preprocessing.threshold,
    minFeatureChunks: options.minFeatureChunks ?? model.file.preprocessing.minFeatureChunks ?? 0,
    classes: model.file.classes,
    onProgress: (done, total) => options.onProgress?.({ phase: 'load', done, total }),
  });
  if (folder.images.length === 0)
    throw new Error(`${root}: no image could be read${failureHint(folder)}`);
  return evaluateLoaded(folder, model, options);
}

function failureHint(folder: LabelledFolder): string {
  const first = folder.failed[0];
  return first ? ` (${first.name}: ${first.reason})` : '';
}

export async function evaluateLoaded(
  folder: LabelledFolder,
  model: LoadedModel,
  options: EvaluateOptions = {},
): Promise<EvaluationReport> {
  const { classes, images } = folder;
  const truth = images.map((image) => image.classIndex);
  const features = images.map((image) => image.chunks.filter((_, p) => image.isFeature[p]));

  const K = classes.length;
  const head = model.embeddingHead;
  // With a head the net has K + dims outputs: the class scores, then the embedding.
  const net = head ? withEmbeddingHead(model.weights, head) : model.weights;
  const scoresOf = (outputs: Float64Array) => outputs.slice(0, K);
  const retrieval = (outputs: readonly Float64Array[]) =>
    head ? imageRetrieval(outputs, K, truth) : Promise.resolve(null);

  const plainStarted = performance.now();
  const plainChunks = features.map((chunks) => referenceChunkScores(net, chunks));
  const plainOutputs = plainChunks.map((chunks) => aggregateImage(chunks));
  const plainImages = plainOutputs.map(scoresOf);
  const plainSeconds = (performance.now() - plainStarted) / 1000;
  const plainPredicted = plainImages.map((scores) => argmax(scores));
  const plaintext: SideFigures = {
    ...classificationMetrics(truth, plainPredicted, classes),
    meanLoss: meanCrossEntropy(plainImages, truth),
    secondsPerImage: plainSeconds / images.length,
    retrieval: await retrieval(plainOutputs),
  };

  let encrypted: EncryptedFigures | null = null;
  let encryptedPredicted: number[] | null = null;
  if (options.encrypted) {
    const started = performance.now();
    const result = await inferWithFreshKeys(
      features,
      { ...model, weights: net },
      {
        layout: options.layout,
        workers: options.workers,
        signal: options.signal,
        onProgress: (done, total) => options.onProgress?.({ phase: 'encrypted', done, total }),
      },
    );
    const seconds = (performance.now() - started) / 1000;
    const imageScores = result.imageScores.map(scoresOf);
    const predicted = imageScores.map((scores) => argmax(scores));
    encryptedPredicted = predicted;
    let chunkAgree = 0;
    let chunkCount = 0;
    let maxAbsErrorChunk = 0;
    result.chunkScores?.forEach((chunks, i) =>
      chunks.forEach((got, k) => {
        const want = plainChunks[i]![k]!;
        if (argmax(scoresOf(got)) === argmax(scoresOf(want))) chunkAgree++;
        chunkCount++;
        maxAbsErrorChunk = Math.max(maxAbsErrorChunk, maxAbsDiff(got, want));
      }),
    );
    const embeddingError = (got: Float64Array, i: number) =>
      maxAbsDiff(got.subarray(K), plainOutputs[i]!.subarray(K));
    encrypted = {
      ...classificationMetrics(truth, predicted, classes),
      meanLoss: meanCrossEntropy(imageScores, truth),
      secondsPerImage: seconds / images.length,
      retrieval: await retrieval(result.imageScores),
      layout: result.layout,
      agreement: predicted.filter((p, i) => p === plainPredicted[i]).length / images.length,
      chunkAgreement: result.chunkScores ? chunkAgree / chunkCount : null,
      maxAbsErrorImage: Math.max(...imageScores.map((got, i) => maxAbsDiff(got, plainImages[i]!))),
      maxAbsErrorChunk: result.chunkScores ? maxAbsErrorChunk : null,
      maxAbsErrorEmbedding: head ? Math.max(...result.imageScores.map(embeddingError)) : null,
      seconds: result.seconds,
      profileMs: result.profileMs,
    };
  }
  return {
    modelId: model.id,
    classes,
    threshold: folder.threshold,
    minFeatureChunks: folder.minFeatureChunks,
    n: images.length,
    featureChunks: features.reduce((n, chunks) => n + chunks.length, 0),
    failed: folder.failed,
    images: images.map((image, i) => ({
      name: image.name,
      truth: image.classIndex,
      plaintext: plainPredicted[i]!,
      encrypted: encryptedPredicted?.[i] ?? null,
    })),
    plaintext,
    encrypted,
  };
}

/** Retrieval over images' outputs (class scores, then the embedding), ranked as search ranks. */
async function imageRetrieval(
  outputs: readonly Float64Array[],
  classes: number,
  truth: readonly number[],
): Promise<Pick<RetrievalMetrics, 'mAP' | 'precisionAt'>> {
  const vectors = outputs.map((o) => {
    const { scores, embedding } = splitOutputs(o, classes);
    return retrievalVector(scores, embedding);
  });
  const dim = vectors[0]?.length ?? 0;
  const flat = new Float32Array(vectors.length * dim);
  vectors.forEach((v, i) => flat.set(v, i * dim));
  const { mAP, precisionAt } = await retrievalMetrics(flat, dim, truth);
  return { mAP, precisionAt };
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}

/** Mean of −log softmax(scores)[truth], computed stably. */
export function meanCrossEntropy(
  scores: readonly ArrayLike<number>[],
  truth: readonly number[],
): number {
  let total = 0;
  scores.forEach((s, i) => {
    const values = Array.from(s);
    const max = Math.max(...values);
    const logSum = max + Math.log(values.reduce((sum, v) => sum + Math.exp(v - max), 0));
    total += logSum - values[truth[i]!]!;
  });
  return scores.length === 0 ? 0 : total / scores.length;
}

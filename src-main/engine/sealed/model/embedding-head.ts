// The sealed tier's image embedding for similar-image search, computed under CKKS in the
// same pass as the class scores. The network's last hidden layer (after its square) is
// what the chunk CNN knows about a chunk; summed over the image's feature chunks it is an
// image descriptor, and a fixed linear map of it — the embedding head, `dims` rows over
// the hidden units — is computed exactly like fc2: the head's rows are appended to fc2's
// (withEmbeddingHead), so the encrypted engine, both layouts and the farm evaluate
// `classes + dims` outputs with no new HE code, and the sum over chunks that gives the
// image scores gives the image embedding too. The key holder decrypts both and splits them
// (splitOutputs).
//
// The head is the top principal directions of the pooled hidden vectors (each scaled to
// unit length, second moments, no centring) over the images it is fitted on: 10 of 128–384
// hidden dimensions keep the ranking (measured on held-out NEU-CLS, docs/experiments) while
// fc2 grows from 6 to 16 outputs (+3 rotations, +18 plaintext products per ciphertext and
// member in blocks). The rows are then scaled so the head's outputs stay within the score
// ranges the model file records, so the model's CKKS budget check covers them unchanged.
//
// Ranking (retrievalVector): the pooled features alone rank same-class images poorly
// (mAP ~0.72); the class posterior alone ties every confident image of a class (ranked
// pessimistically, mAP ~0.78); together — the posterior for the class, the features to
// order images within it — they reach ~0.98. Both come from the same sealed pass.
import type { ChunkCnnWeights } from './chunk-cnn.ts';
import { forwardChunk } from './chunk-cnn.ts';

export const EMBEDDING_DIMS = 10;

export interface EmbeddingHead {
  readonly dims: number;
  /** [dims][hidden units of the whole (merged) net], row-major. */
  readonly weight: Float64Array;
}

/** What fitting saw, for the model file. */
export interface EmbeddingHeadFit {
  readonly head: EmbeddingHead;
  readonly images: number;
  /** Share of the pooled vectors' second moment the head's directions hold. */
  readonly explained: number;
}

export interface PooledImage {
  readonly chunks: readonly ArrayLike<number>[];
  readonly isFeature: readonly boolean[];
}

/** Every chunk's last hidden layer (after its square), pixels 0–255 in. */
function hiddenOfChunks(weights: ChunkCnnWeights, image: PooledImage): Float64Array[] {
  return image.chunks.map(
    (chunk) =>
      forwardChunk(
        weights,
        Float64Array.from(chunk, (v) => v / 255),
      ).square2,
  );
}

function unit(values: Float64Array): Float64Array<ArrayBuffer> {
  let norm = 0;
  for (const v of values) norm += v * v;
  norm = Math.sqrt(norm);
  return norm > 0 ? values.map((v) => v / norm) : values.slice();
}

/** The top `dims` eigenvectors of a symmetric matrix (subspace iteration, deterministic start). */
function topEigenvectors(matrix: Float64Array, size: number, dims: number): Float64Array[] {
  let basis: Float64Array[] = Array.from({ length: dims }, (_, k) =>
    Float64Array.from({ length: size }, (_, i) => Math.sin((i + 1) * (k + 1) * 0.7) + 1e-3 * k),
  );
  for (let iteration = 0; iteration < 300; iteration++) {
    const next: Float64Array[] = basis.map((v) => {
      const w = new Float64Array(size);
      for (let i = 0; i < size; i++) {
        let s = 0;
        for (let j = 0; j < size; j++) s += matrix[i * size + j]! * v[j]!;
        w[i] = s;
      }
      return w;
    });
    // Gram–Schmidt: the k-th vector converges to the k-th eigenvector.
    next.forEach((w, k) => {
      for (let prior = 0; prior < k; prior++) {
        const u = next[prior]!;
        let dot = 0;
        for (let i = 0; i < size; i++) dot += w[i]! * u[i]!;
        for (let i = 0; i < size; i++) w[i]! -= dot * u[i]!;
      }
      next[k] = unit(w);
    });
    basis = next;
  }
  return basis;
}

/**
 * Fits a head on images the model was trained on: principal directions of their pooled
 * hidden vectors, scaled so no chunk's head output exceeds `ranges.scores` and no image's
 * (over its feature chunks) exceeds `ranges.imageScores` (the model's recorded ranges).
 */
export function fitEmbeddingHead(
  weights: ChunkCnnWeights,
  images: readonly PooledImage[],
  ranges: { readonly scores: number; readonly imageScores?: number | undefined },
  dims = EMBEDDING_DIMS,
): EmbeddingHeadFit {
  const size = weights.architecture.hidden;
  if (!(Number.isInteger(dims) && dims >= 1 && dims <= size))
    throw new RangeError(`an embedding head needs 1 to ${size} dimensions, got ${dims}`);
  if (images.length === 0) throw new RangeError('an embedding head needs images to fit on');
  const hidden = images.map((image) => hiddenOfChunks(weights, image));
  // The image's descriptor pools its feature chunks (as the image scores do); the ranges
  // cover every chunk (as the model file's layer ranges do).
  const pooled = hidden.map((chunks, n) => {
    const sum = new Float64Array(size);
    chunks.forEach((h, p) => {
      if (images[n]!.isFeature[p]) for (let i = 0; i < size; i++) sum[i]! += h[i]!;
    });
    return sum;
  });
  const moments = new Float64Array(size * size);
  let trace = 0;
  for (const vector of pooled.map(unit)) {
    for (let i = 0; i < size; i++) {
      const a = vector[i]!;
      if (a === 0) continue;
      for (let j = 0; j < size; j++) moments[i * size + j]! += a * vector[j]!;
      trace += a * a;
    }
  }
  const directions = topEigenvectors(moments, size, dims);
  let held = 0;
  for (const d of directions) {
    for (let i = 0; i < size; i++) {
      let s = 0;
      for (let j = 0; j < size; j++) s += moments[i * size + j]! * d[j]!;
      held += d[i]! * s;
    }
  }
  const project = (h: Float64Array) =>
    directions.map((d) => d.reduce((sum, w, i) => sum + w * h[i]!, 0));
  let chunkMax = 0;
  let imageMax = 0;
  hidden.forEach((chunks, n) => {
    for (const h of chunks) chunkMax = Math.max(chunkMax, ...project(h).map(Math.abs));
    imageMax = Math.max(imageMax, ...project(pooled[n]!).map(Math.abs));
  });
  const imageLimit = ranges.imageScores ?? ranges.scores * 16;
  const scale = Math.min(
    chunkMax > 0 ? ranges.scores / chunkMax : 1,
    imageMax > 0 ? imageLimit / imageMax : 1,
  );
  const weight = new Float64Array(dims * size);
  directions.forEach((d, k) => d.forEach((w, i) => (weight[k * size + i] = w * scale)));
  return { head: { dims, weight }, images: images.length, explained: trace > 0 ? held / trace : 0 };
}

/**
 * The net evaluated for search: fc2 with the head's rows after the class rows (no bias),
 * so its outputs are the class scores followed by the embedding. Only the engine sees
 * this net; class names, argmax and stored scores use the first `classes` outputs.
 */
export function withEmbeddingHead(weights: ChunkCnnWeights, head: EmbeddingHead): ChunkCnnWeights {
  const { classes, hidden } = weights.architecture;
  if (head.weight.length !== head.dims * hidden)
    throw new RangeError(
      `the embedding head has ${head.weight.length} weights, expected ${head.dims}×${hidden}`,
    );
  const fc2Weight = new Float64Array((classes + head.dims) * hidden);
  fc2Weight.set(weights.fc2Weight);
  fc2Weight.set(head.weight, classes * hidden);
  const fc2Bias = new Float64Array(classes + head.dims);
  fc2Bias.set(weights.fc2Bias);
  return {
    ...weights,
    architecture: { ...weights.architecture, classes: classes + head.dims },
    fc2Weight,
    fc2Bias,
  };
}

/** An output vector of the net with a head, split into the class scores and the embedding. */
export function splitOutputs(
  outputs: Float64Array,
  classes: number,
): { scores: Float64Array; embedding: Float64Array } {
  return { scores: outputs.slice(0, classes), embedding: outputs.slice(classes) };
}

/** The temperature of the class posterior and the features' share of the ranking vector. */
export const RANKING = Object.freeze({ temperature: 2, featureWeight: 0.3 });

/**
 * The unit vector images are ranked by (cosine): the class posterior softmax(scores / T)
 * scaled to length √(1 − γ²), then the embedding scaled to length γ.
 */
export function retrievalVector(
  scores: ArrayLike<number>,
  embedding: ArrayLike<number>,
  ranking = RANKING,
): Float32Array {
  const values = Array.from(scores, (s) => s / ranking.temperature);
  const max = Math.max(...values);
  const posterior = unit(Float64Array.from(values, (v) => Math.exp(v - max)));
  const features = unit(Float64Array.from(embedding));
  const g = ranking.featureWeight;
  const out = new Float32Array(posterior.length + features.length);
  posterior.forEach((p, i) => (out[i] = p * Math.sqrt(1 - g * g)));
  features.forEach((f, i) => (out[posterior.length + i] = f * g));
  return out;
}

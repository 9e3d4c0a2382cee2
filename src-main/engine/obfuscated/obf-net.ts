// Running a trained obfuscated-tier net: class scores and L2-normalised 512-d embeddings
// (the penultimate layer's activations) for OBFUSCATED images, in batches. Also the
// block product the retrieval metrics use, on the same wasm backend.
import type * as Tf from '@tensorflow/tfjs';
import { cosineLogits, encodeImages, EMBEDDING_SIZE, inputChannels } from './architectures.ts';
import type { InputNorm, NetShape } from './architectures.ts';
import { l2Normalise } from '../metrics/retrieval.ts';
import type { BlockProduct } from '../metrics/retrieval.ts';

export interface NetOutputs {
  readonly count: number;
  /** count × classes logits. */
  readonly logits: Float32Array;
  /** count × 512, each row of unit L2 norm. */
  readonly embeddings: Float32Array;
  readonly predicted: number[];
}

/**
 * A trained net: the tf model up to the 512-d penultimate layer, the cosine head's class
 * vectors, its shape and the input standardisation it was trained with.
 */
export interface ObfNet {
  readonly model: Tf.LayersModel;
  readonly head: Tf.Tensor;
  readonly shape: NetShape;
  readonly norm: InputNorm;
}

export function runNet(
  tf: typeof Tf,
  net: ObfNet,
  obfuscated: Uint8Array,
  count: number,
  batch = 500,
): NetOutputs {
  const { model, head, shape, norm } = net;
  const n = shape.size * shape.size;
  const channels = inputChannels(shape);
  const logits = new Float32Array(count * shape.classes);
  const raw = new Float32Array(count * EMBEDDING_SIZE);
  for (let start = 0; start < count; start += batch) {
    const rows = Math.min(batch, count - start);
    const input = encodeImages(
      shape,
      obfuscated.subarray(start * n, (start + rows) * n),
      rows,
      norm,
    );
    // Typed arrays are read outside tidy: tidy walks whatever it returns, element by element.
    const x = tf.tensor4d(input, [rows, shape.size, shape.size, channels]);
    const e = model.predict(x) as Tf.Tensor;
    const l = cosineLogits(tf, e, head);
    raw.set(e.dataSync(), start * EMBEDDING_SIZE);
    logits.set(l.dataSync(), start * shape.classes);
    tf.dispose([x, e, l]);
  }
  const predicted = Array.from({ length: count }, (_, i) => {
    let best = 0;
    for (let c = 1; c < shape.classes; c++)
      if (logits[i * shape.classes + c]! > logits[i * shape.classes + best]!) best = c;
    return best;
  });
  return { count, logits, embeddings: l2Normalise(raw, EMBEDDING_SIZE), predicted };
}

/** Query block × all similarity on the wasm backend (one matMul per block). */
export function tfBlockProduct(tf: typeof Tf): { product: BlockProduct; dispose(): void } {
  let all: { source: Float32Array; tensor: Tf.Tensor } | null = null;
  const product: BlockProduct = (a, rows, b, n, dim) => {
    if (all?.source !== b) {
      all?.tensor.dispose();
      all = { source: b, tensor: tf.tidy(() => tf.tensor2d(b, [n, dim]).transpose()) };
    }
    const tensor = all.tensor;
    const query = tf.tensor2d(a, [rows, dim]);
    const scores = tf.matMul(query, tensor);
    const out = scores.dataSync() as Float32Array;
    tf.dispose([query, scores]);
    return out;
  };
  return { product, dispose: () => all?.tensor.dispose() };
}

export function disposeNet(net: ObfNet): void {
  net.model.dispose();
  net.head.dispose();
}

// The sealed search head: its rows ride after fc2's and compute head · (last hidden
// layer); fitting is deterministic, gives orthogonal directions and stays inside the
// ranges it is given; the ranking vector is a unit vector; a model file's head is
// validated and leaves the classifier's id alone.
import { describe, expect, it } from 'vitest';
import { forwardChunk, randomChunkCnn } from './chunk-cnn.ts';
import { mergeEnsemble } from './chunk-cnn-ensemble.ts';
import {
  fitEmbeddingHead,
  retrievalVector,
  splitOutputs,
  withEmbeddingHead,
} from './embedding-head.ts';
import { parseModel, serializeModel } from './model-file.ts';
import { measureOnImages } from './activation-ranges.ts';
import { mulberry32 } from '../../ml/random.ts';

const arch = { inputSize: 28, channels: 2, kernel: 7, stride: 7, hidden: 12, classes: 3 };
const weights = mergeEnsemble([randomChunkCnn(arch, 1), randomChunkCnn(arch, 2)]);
const random = mulberry32(7);
const images = Array.from({ length: 12 }, () => {
  const chunks = Array.from({ length: 16 }, () =>
    Uint8Array.from({ length: 784 }, () => Math.floor(random() * 256)),
  );
  return { chunks, isFeature: chunks.map((_, p) => p % 3 !== 0) };
});
const ranges = measureOnImages(weights, images);

describe('the embedding head', () => {
  const fit = fitEmbeddingHead(weights, images, ranges, 4);
  const { head } = fit;

  it('computes fc2 and then head · (last hidden layer) as one wider fc2', () => {
    const headed = withEmbeddingHead(weights, head);
    expect(headed.architecture.classes).toBe(3 + 4);
    const input = Float64Array.from(images[0]!.chunks[1]!, (v) => v / 255);
    const plain = forwardChunk(weights, input);
    const { scores, embedding } = splitOutputs(forwardChunk(headed, input).scores, 3);
    scores.forEach((s, c) => expect(s).toBeCloseTo(plain.scores[c]!, 12));
    embedding.forEach((e, k) => {
      const want = plain.square2.reduce((sum, h, i) => sum + h * head.weight[k * 24 + i]!, 0);
      expect(e).toBeCloseTo(want, 9);
    });
    expect(() => withEmbeddingHead(weights, { dims: 4, weight: new Float64Array(10) })).toThrow(
      /10 weights, expected 4×24/,
    );
  });

  it('fits the same head every time, with orthogonal rows inside the given ranges', () => {
    expect(fitEmbeddingHead(weights, images, ranges, 4).head.weight).toEqual(head.weight);
    const row = (k: number) => head.weight.subarray(k * 24, (k + 1) * 24);
    const dot = (a: Float64Array, b: Float64Array) => a.reduce((s, x, i) => s + x * b[i]!, 0);
    for (let a = 0; a < 4; a++)
      for (let b = a + 1; b < 4; b++)
        expect(Math.abs(dot(row(a), row(b)))).toBeLessThan(1e-9 * dot(row(a), row(a)));
    expect(fit.explained).toBeGreaterThan(0);
    expect(fit.explained).toBeLessThanOrEqual(1 + 1e-12);
    // Every chunk's and every image's head outputs stay within the recorded ranges, so
    // the model's CKKS budget check covers them.
    const headed = withEmbeddingHead(weights, head);
    const headRanges = measureOnImages(headed, images);
    expect(headRanges.scores).toBeLessThanOrEqual(ranges.scores * (1 + 1e-9));
    expect(headRanges.imageScores).toBeLessThanOrEqual(ranges.imageScores! * (1 + 1e-9));
  });

  it('refuses a head it cannot fit', () => {
    expect(() => fitEmbeddingHead(weights, images, ranges, 0)).toThrow(/1 to 24 dimensions/);
    expect(() => fitEmbeddingHead(weights, [], ranges)).toThrow(/needs images/);
  });

  it('ranks by a unit vector: the class posterior, then the features', () => {
    const v = retrievalVector([4, 0, -1], [3, 4]);
    expect(Math.hypot(...v)).toBeCloseTo(1, 6);
    // The features' share is 0.3 of the length: [3, 4] / 5 × 0.3.
    expect(v[3]).toBeCloseTo(0.18, 6);
    expect(v[4]).toBeCloseTo(0.24, 6);
    // A confident class beats any feature match: another class's image with identical
    // features ranks below a same-class image with opposite features.
    const query = retrievalVector([6, 0, 0], [1, 0]);
    const cos = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i]!, 0);
    expect(cos(query, retrievalVector([6, 0, 0], [-1, 0]))).toBeGreaterThan(
      cos(query, retrievalVector([0, 6, 0], [1, 0])),
    );
  });
});

describe('a model file with an embedding head', () => {
  const details = {
    classes: ['a', 'b', 'c'],
    threshold: 100,
    minFeatureChunks: 0,
    activationRanges: ranges,
  };
  const plainText = serializeModel(weights, details);
  const { head } = fitEmbeddingHead(weights, images, ranges, 4);
  const headedText = serializeModel(weights, { ...details, embeddingHead: { head, fittedOn: {} } });

  it('keeps the classifier id and gives the head an id of its own', () => {
    const plain = parseModel(plainText, 'plain.json');
    const headed = parseModel(headedText, 'headed.json');
    expect(plain.embeddingHead).toBeNull();
    expect(headed.id).toBe(plain.id);
    expect(headed.embeddingHead!.weight).toEqual(head.weight);
    const changed = JSON.parse(headedText);
    changed.embeddingHead.weight[0] += 1e-6;
    const other = parseModel(JSON.stringify(changed), 'changed.json');
    expect(other.id).toBe(plain.id);
    expect(other.embeddingHead!.id).not.toBe(headed.embeddingHead!.id);
  });

  it('names the file when the head does not fit the net', () => {
    const bad = JSON.parse(headedText);
    bad.embeddingHead.weight.pop();
    expect(() => parseModel(JSON.stringify(bad), 'bad.json')).toThrow(
      'bad.json: embeddingHead.weight has 95 values, expected 96',
    );
  });
});

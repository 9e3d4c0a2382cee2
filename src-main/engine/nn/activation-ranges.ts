// Activation ranges of the chunk CNN over a set of chunks: the largest |value| after
// each layer, recorded in the model file for the HE engine's budget check.
import type { ActivationRanges } from './model-file.ts';
import { forwardChunk } from './chunk-cnn.ts';
import type { ChunkCnnWeights } from './chunk-cnn.ts';

const maxAbs = (values: Float64Array) => values.reduce((m, v) => Math.max(m, Math.abs(v)), 0);

export function measureActivationRanges(
  weights: ChunkCnnWeights,
  chunks: Iterable<ArrayLike<number>>,
): ActivationRanges {
  const ranges = { conv: 0, fc1: 0, scores: 0 };
  for (const chunk of chunks) {
    const trace = forwardChunk(weights, chunk);
    ranges.conv = Math.max(ranges.conv, maxAbs(trace.conv));
    ranges.fc1 = Math.max(ranges.fc1, maxAbs(trace.fc1));
    ranges.scores = Math.max(ranges.scores, maxAbs(trace.scores));
  }
  return ranges;
}

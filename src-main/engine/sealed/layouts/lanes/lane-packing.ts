// Lane packing for the throughput layout: ciphertext p holds pixel p of every chunk
// of the batch, one chunk per slot ("lane"), pixels scaled to [0, 1].
import { CHUNK_PIXELS } from '../../../../../src-shared/domain/geometry.ts';

export function packLanes(chunks: readonly Uint8Array[], slotCount: number): Float64Array[] {
  if (chunks.length > slotCount)
    throw new RangeError(`${chunks.length} chunks exceed ${slotCount} lanes`);
  const vectors = Array.from({ length: CHUNK_PIXELS }, () => new Float64Array(slotCount));
  chunks.forEach((chunk, lane) => {
    if (chunk.length !== CHUNK_PIXELS)
      throw new RangeError(`chunk ${lane} has ${chunk.length} pixels`);
    for (let p = 0; p < CHUNK_PIXELS; p++) vectors[p]![lane] = chunk[p]! / 255;
  });
  return vectors;
}

/**
 * Scores of lanes [first, first + count) summed (an image's chunks), from the
 * decrypted per-class slot vectors of a lane batch. fc2's bias is added here, once
 * per chunk, by the key holder; scoreScale is divided out.
 */
export function sumLaneScores(
  classSlots: readonly ArrayLike<number>[],
  first: number,
  count: number,
  fc2Bias: ArrayLike<number>,
  scoreScale: number,
): Float64Array {
  return Float64Array.from(classSlots, (slots, c) => {
    let sum = 0;
    for (let lane = first; lane < first + count; lane++) sum += slots[lane]!;
    return sum / scoreScale + count * fc2Bias[c]!;
  });
}

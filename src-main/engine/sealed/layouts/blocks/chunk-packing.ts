// How a chunk's pixels sit in CKKS slots in the blocks layout (the lanes layout's
// packing is lanes/lane-packing.ts). A stored ciphertext set records its packing id,
// which ../layout.ts maps to its layout, so a new packing is a migration.
import { CHUNK_PIXELS } from '../../../../../src-shared/domain/geometry.ts';

export interface ChunkPacking {
  readonly id: string;
  /** How many chunks share one ciphertext. */
  readonly chunksPerCiphertext: number;
  /** Turns chunks (784 grey levels each, in order) into slot vectors, one per ciphertext. */
  pack(chunks: readonly Uint8Array[], slotCount: number): Float64Array[];
  /** Inverse of pack: slot vectors back to per-chunk values (on the packing's scale). */
  unpack(vectors: readonly Float64Array[], chunkCount: number): Float64Array[];
  /** Pixel value as the network sees it (the scale pack applies). */
  readonly pixelScale: number;
}

/**
 * Block packing: each chunk occupies an aligned block of 1024 slots (784 used,
 * the rest zero), four chunks per ciphertext at N = 8192. Power-of-two blocks keep a
 * rotation by a window offset (≤ 6·28+6 = 174) inside the chunk's own block for
 * every valid 7×7 window, so one rotation serves all four chunks at once.
 * Pixels are scaled to [0, 1] (value / 255).
 */
export const BLOCK_SLOTS = 1024;

export const BLOCK_PACKING_1024: ChunkPacking = Object.freeze({
  id: 'chunk-blocks-1024-v1',
  chunksPerCiphertext: 4,
  pixelScale: 1 / 255,
  pack(chunks: readonly Uint8Array[], slotCount: number): Float64Array[] {
    const perCiphertext = Math.floor(slotCount / BLOCK_SLOTS);
    if (perCiphertext < 1) throw new RangeError(`${slotCount} slots cannot hold a 1024-slot block`);
    const vectors: Float64Array[] = [];
    chunks.forEach((chunk, i) => {
      if (chunk.length !== CHUNK_PIXELS) {
        throw new RangeError(`chunk ${i} has ${chunk.length} pixels, expected ${CHUNK_PIXELS}`);
      }
      const vectorIndex = Math.floor(i / perCiphertext);
      vectors[vectorIndex] ??= new Float64Array(slotCount);
      const target = vectors[vectorIndex];
      const offset = (i % perCiphertext) * BLOCK_SLOTS;
      for (let p = 0; p < CHUNK_PIXELS; p++) target[offset + p] = chunk[p] / 255;
    });
    return vectors;
  },
  unpack(vectors: readonly Float64Array[], chunkCount: number): Float64Array[] {
    const out: Float64Array[] = [];
    for (let i = 0; i < chunkCount; i++) {
      const slotCount = vectors[0]?.length ?? 0;
      const perCiphertext = Math.floor(slotCount / BLOCK_SLOTS);
      const vector = vectors[Math.floor(i / perCiphertext)];
      if (!vector) throw new RangeError(`chunk ${i} is beyond the ${vectors.length} ciphertexts`);
      const offset = (i % perCiphertext) * BLOCK_SLOTS;
      out.push(vector.slice(offset, offset + CHUNK_PIXELS));
    }
    return out;
  },
});

export const DEFAULT_CHUNK_PACKING = BLOCK_PACKING_1024;

const PACKINGS: Readonly<Record<string, ChunkPacking>> = {
  [BLOCK_PACKING_1024.id]: BLOCK_PACKING_1024,
};

export function chunkPackingById(id: string): ChunkPacking {
  const packing = PACKINGS[id];
  if (!packing) throw new Error(`unknown chunk packing "${id}"`);
  return packing;
}

// The sealed tier's two layouts, named once. A layout is how feature chunks sit in CKKS
// ciphertexts, and so which engine can classify them:
//   blocks — each chunk in a 1024-slot block, four chunks per ciphertext, per image
//            (latency: one image costs its own ciphertexts; layouts/blocks/);
//   lanes  — pixel p of every chunk of a batch in ciphertext p, one chunk per slot
//            (throughput: a batch of up to 4,096 chunks costs the same however full;
//            layouts/lanes/).
// A stored image records its packing id, not a layout name; this registry is the one
// place that maps one to the other, so readers, classify, import and inference ask it
// instead of comparing packing ids. A new layout is a new entry here (and a migration).
import { BLOCK_PACKING_1024 } from './blocks/chunk-packing.ts';

export const LAYOUTS = ['blocks', 'lanes'] as const;
export type Layout = (typeof LAYOUTS)[number];
/** What a caller may ask for: a layout, or `auto` (the cost model or the import rule picks). */
export type LayoutChoice = Layout | 'auto';
export const LAYOUT_CHOICES: readonly LayoutChoice[] = ['auto', ...LAYOUTS];

/** images.packing_id (and a layout's packingId) of an image stored in the lanes layout. */
export const LANE_PACKING_ID = 'chunk-lanes-v1';

/**
 * From this many new images on, an `auto` import stores lane batches. Computing crosses
 * over at a few images (the cost model's crossover), but a lane batch takes ~190 MB of
 * storage however full it is, so small imports keep blocks
 * (docs/experiments/he-performance.md).
 */
export const LANES_MIN_IMAGES = 128;

interface StoredPacking {
  readonly layout: Layout;
  /** Chunks per ciphertext in the blocks layout (null in lanes: a chunk per slot). */
  readonly chunksPerCiphertext: number | null;
}

const PACKINGS: Readonly<Record<string, StoredPacking>> = Object.freeze({
  [BLOCK_PACKING_1024.id]: {
    layout: 'blocks',
    chunksPerCiphertext: BLOCK_PACKING_1024.chunksPerCiphertext,
  },
  [LANE_PACKING_ID]: { layout: 'lanes', chunksPerCiphertext: null },
});

/**
 * The import rule: a forced layout, or lanes from LANES_MIN_IMAGES new images on.
 * `countNewImages(limit)` may stop counting at `limit`; it runs only for `auto`.
 */
export async function importLayout(
  choice: LayoutChoice | undefined,
  countNewImages: (limit: number) => Promise<number>,
): Promise<Layout> {
  if (choice === 'blocks' || choice === 'lanes') return choice;
  return (await countNewImages(LANES_MIN_IMAGES)) >= LANES_MIN_IMAGES ? 'lanes' : 'blocks';
}

/** The layout of a stored packing id, or null for one this version does not know. */
export function storedLayout(packingId: string): Layout | null {
  return PACKINGS[packingId]?.layout ?? null;
}

// An image's layout: which of its 16 chunks are feature chunks (CKKS) and where each one
// sits — (ciphertext ordinal, block) in the blocks layout, (batch, lane) in the lanes
// layout — plus the threshold and low-gradient flag it was cut with and the key set it
// was encrypted under. All of it is content-derived or trusted by classify, so it lives
// inside the image's AES-GCM metadata (authenticated, hidden), never in plain columns.
// Every read checks it against what the catalogue holds: exactly the sealed CKKS rows,
// the plain packing id, key-set id and lane batch (which are only routing hints).
import { CHUNK_COUNT } from '../../../src-shared/domain/geometry.ts';
import { IntegrityError } from '../crypto/index.ts';

export interface ImageLayout {
  readonly threshold: number;
  readonly lowGradient: boolean;
  /** 16 signed chunk indices, row-major: +(position + 1) for a feature chunk, − otherwise. */
  readonly signedIndices: readonly number[];
  readonly packingId: string;
  readonly keysetId: number;
  /** Blocks layout: the CKKS ciphertext count and each feature chunk's [position, ordinal, block]. */
  readonly blocks: {
    readonly ckksCount: number;
    readonly features: ReadonlyArray<readonly [number, number, number]>;
  } | null;
  /** Lanes layout: the batch (by uid) and the image's contiguous lanes in it. */
  readonly lanes: {
    readonly batchUid: string;
    readonly firstLane: number;
    readonly count: number;
  } | null;
}

/** What the import pipeline decided about the chunks (before a layout places them). */
export interface ChunkSelection {
  readonly threshold: number;
  readonly lowGradient: boolean;
  readonly signedIndices: readonly number[];
}

export function featurePositions(signedIndices: readonly number[]): number[] {
  return signedIndices.flatMap((index, position) => (index > 0 ? [position] : []));
}

/** Feature chunk k goes to ciphertext ⌊k / per⌋, block k mod per (the packer's order). */
export function blockLayout(
  selection: ChunkSelection,
  packing: { id: string; chunksPerCiphertext: number },
  keysetId: number,
): ImageLayout {
  const per = packing.chunksPerCiphertext;
  const positions = featurePositions(selection.signedIndices);
  return {
    ...pickSelection(selection),
    packingId: packing.id,
    keysetId,
    blocks: {
      ckksCount: Math.ceil(positions.length / per),
      features: positions.map((position, k) => [position, Math.floor(k / per), k % per] as const),
    },
    lanes: null,
  };
}

export function laneLayout(
  selection: ChunkSelection,
  packingId: string,
  keysetId: number,
  lanes: { batchUid: string; firstLane: number },
): ImageLayout {
  return {
    ...pickSelection(selection),
    packingId,
    keysetId,
    blocks: null,
    lanes: { ...lanes, count: featurePositions(selection.signedIndices).length },
  };
}

function pickSelection(s: ChunkSelection): ChunkSelection {
  return {
    threshold: s.threshold,
    lowGradient: s.lowGradient,
    signedIndices: [...s.signedIndices],
  };
}

/** How many blocks of each ciphertext hold a feature chunk, from the sealed placement. */
export function occupiedBlocks(layout: ImageLayout): number[] {
  if (!layout.blocks) throw new Error('not a blocks-layout image');
  const counts = new Array<number>(layout.blocks.ckksCount).fill(0);
  for (const [, ordinal] of layout.blocks.features) counts[ordinal]!++;
  return counts;
}

/**
 * Throws unless the decrypted layout is internally consistent (16 indices, features in
 * order, each placed once, lanes counting them) and agrees with the row's plain columns.
 * `what` names the image in the error.
 */
export function checkLayout(
  layout: ImageLayout | undefined,
  row: { packingId: string; keysetId: number },
  what: string,
  chunksPerCiphertext: (packingId: string) => number,
): asserts layout is ImageLayout {
  const fail = (why: string): never => {
    throw new IntegrityError(`layout of ${what}`, `it ${why}`);
  };
  if (!layout || typeof layout !== 'object') fail('is missing from the sealed metadata');
  const l = layout!;
  if (!Array.isArray(l.signedIndices) || l.signedIndices.length !== CHUNK_COUNT)
    fail(`has ${l.signedIndices?.length ?? 0} chunk indices, expected ${CHUNK_COUNT}`);
  l.signedIndices.forEach((index, position) => {
    if (Math.abs(index) !== position + 1) fail(`index ${index} does not fit position ${position}`);
  });
  if (l.packingId !== row.packingId)
    fail(`says packing ${l.packingId}; the catalogue row says ${row.packingId}`);
  if (l.keysetId !== row.keysetId)
    fail(`says key set ${l.keysetId}; the catalogue row says ${row.keysetId}`);
  const positions = featurePositions(l.signedIndices);
  if ((l.blocks === null) === (l.lanes === null)) fail('must be exactly one of blocks or lanes');
  if (l.blocks) {
    const per = chunksPerCiphertext(l.packingId);
    const expected = blockLayout(l, { id: l.packingId, chunksPerCiphertext: per }, l.keysetId);
    if (JSON.stringify(l.blocks) !== JSON.stringify(expected.blocks))
      fail('places its feature chunks differently from its packing');
  }
  if (l.lanes) {
    if (l.lanes.count !== positions.length)
      fail(`has ${l.lanes.count} lanes for ${positions.length} feature chunks`);
    if (!Number.isInteger(l.lanes.firstLane) || l.lanes.firstLane < 0)
      fail(`first lane ${l.lanes.firstLane} is not a lane`);
  }
}

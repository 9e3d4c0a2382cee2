// Schema v6: everything the key holder trusts is authenticated, and nothing in a plain
// column is derived from an image's content.
// - ckks_keysets.mac: one MAC over the whole key set (keyset-mac.ts); the wrapped secret
//   key is re-wrapped with the key-set id in its associated data.
// - images: the layout (threshold, low-gradient flag, signed chunk indices, where each
//   feature chunk is) moves into the sealed metadata; `chunks` goes: the non-feature
//   chunks become one fixed-size sealed blob (`rest`), a lane image's batch is
//   `lane_batch_id`; original and metadata are re-sealed Padmé-padded.
// - lane_batches.lane_map: sealed (AES-GCM) instead of MAC'd plain JSON.
// - image_reviews: the review flag and time are sealed (`state`).
// Existing vaults are trusted as they are when this runs (their old MACs and tags are
// checked; nothing was authenticated before for key sets and layouts). An image whose
// old items fail authentication is left unconverted: reads then report it as damaged,
// and the others migrate. The whole migration is one transaction.
import { createHash } from 'node:crypto';
import { CHUNK_COUNT, CHUNK_PIXELS } from '../../../../src-shared/domain/geometry.ts';
import { openAead, sealAead } from '../../crypto/index.ts';
import { chunkPackingById } from '../../sealed/layouts/blocks/chunk-packing.ts';
import { blockLayout, laneLayout } from '../image-layout.ts';
import type { ChunkSelection, ImageLayout } from '../image-layout.ts';
import {
  imagePartAad,
  laneBatchAad,
  ckksSecretKeyAad,
  legacyCkksSecretKeyAad,
} from '../item-aad.ts';
import { keysetMac } from '../keyset-mac.ts';
import { ckksCiphertextMac, sealImageMeta, sealPadded } from '../sealed-image.ts';
import { sealLaneMap } from '../lanes/sealed-lane-batch.ts';
import type { LaneMapEntry } from '../lanes/sealed-lane-batch.ts';
import { sealReviewState } from '../sealed-review.ts';
import type { Migration, MigrationKeys } from './migration.ts';

type Db = Parameters<NonNullable<Migration['run']>>[0];
type Row = Record<string, unknown>;

export const migration0006: Migration = {
  version: 6,
  name: 'sealed-layout',
  sql: `
    ALTER TABLE ckks_keysets ADD COLUMN mac BLOB;
    ALTER TABLE images ADD COLUMN rest BLOB;
    ALTER TABLE images ADD COLUMN lane_batch_id INTEGER REFERENCES lane_batches(id);
    ALTER TABLE lane_batches ADD COLUMN lane_map_sealed BLOB;
    CREATE TABLE image_reviews_v6 (
      image_id INTEGER PRIMARY KEY REFERENCES images(id) ON DELETE CASCADE,
      state    BLOB NOT NULL              -- AES-GCM: reviewed flag and time
    ) STRICT;
  `,
  run(db, keys) {
    sealKeysets(db, keys);
    const laneMaps = sealLaneMaps(db, keys);
    for (const row of db.prepare('SELECT * FROM images ORDER BY id').all() as Row[]) {
      try {
        sealImage(db, keys, row, laneMaps);
      } catch {
        // Left as it was: its reads fail with an integrity error naming the image.
      }
    }
    sealReviews(db, keys);
    db.exec(`
      DROP TABLE chunks;
      ALTER TABLE images DROP COLUMN threshold;
      ALTER TABLE images DROP COLUMN low_gradient;
      ALTER TABLE images DROP COLUMN signed_indices;
      ALTER TABLE lane_batches DROP COLUMN lane_map;
      ALTER TABLE lane_batches DROP COLUMN lane_map_mac;
      ALTER TABLE lane_batches RENAME COLUMN lane_map_sealed TO lane_map;
      CREATE INDEX images_by_lane_batch ON images(lane_batch_id) WHERE lane_batch_id IS NOT NULL;
    `);
  },
};

function sealKeysets(db: Db, keys: MigrationKeys): void {
  const rows = db.prepare('SELECT * FROM ckks_keysets').all() as Row[];
  for (const row of rows) {
    const id = row.id as number;
    const presetId = row.preset_id as string;
    const wrapped = keys.rewrapCkksSecret(
      row.secret_key_wrapped as Uint8Array,
      legacyCkksSecretKeyAad(keys.vaultId, presetId),
      ckksSecretKeyAad(keys.vaultId, presetId, id),
    );
    const mac = keysetMac(keys.ckksMacKey, keys.vaultId, {
      id,
      presetId,
      publicKey: row.public_key as Uint8Array,
      relinKeys: row.relin_keys as Uint8Array,
      galoisKeys: (row.galois_keys as Uint8Array | null) ?? null,
      galoisSteps: JSON.parse(row.galois_steps as string) as number[],
    });
    db.prepare('UPDATE ckks_keysets SET secret_key_wrapped = ?, mac = ? WHERE id = ?').run(
      wrapped,
      mac,
      id,
    );
  }
}

/** Checks each batch's v5 lane-map MAC, seals the map; batch id → (uid, map) of good ones. */
function sealLaneMaps(
  db: Db,
  keys: MigrationKeys,
): Map<number, { uid: string; laneMap: LaneMapEntry[] }> {
  const out = new Map<number, { uid: string; laneMap: LaneMapEntry[] }>();
  for (const row of db
    .prepare('SELECT id, uid, lane_map, lane_map_mac FROM lane_batches')
    .all() as Row[]) {
    const uid = row.uid as string;
    const text = row.lane_map as string;
    const expected = ckksCiphertextMac(
      keys.ckksMacKey,
      laneBatchAad(keys.vaultId, uid, 'lane-map'),
      createHash('sha256').update(text, 'utf8').digest(),
    );
    if (!Buffer.from(expected).equals(row.lane_map_mac as Buffer)) continue; // its images stay unconverted
    const laneMap = JSON.parse(text) as LaneMapEntry[];
    db.prepare('UPDATE lane_batches SET lane_map_sealed = ? WHERE id = ?').run(
      sealLaneMap(keys, uid, laneMap),
      row.id,
    );
    out.set(row.id as number, { uid, laneMap });
  }
  return out;
}

function sealImage(
  db: Db,
  keys: MigrationKeys,
  row: Row,
  laneMaps: Map<number, { uid: string; laneMap: LaneMapEntry[] }>,
): void {
  const uid = row.uid as string;
  const aad = (part: Parameters<typeof imagePartAad>[2]) => imagePartAad(keys.vaultId, uid, part);
  const open = (blob: unknown, part: Parameters<typeof imagePartAad>[2]) =>
    openAead(keys.blobKey, blob as Uint8Array, aad(part), `${part} of image ${uid}`);
  const oldMeta = JSON.parse(Buffer.from(open(row.meta, 'meta')).toString('utf8')) as Row;
  const selection: ChunkSelection = {
    threshold: row.threshold as number,
    lowGradient: row.low_gradient === 1,
    signedIndices: JSON.parse(row.signed_indices as string) as number[],
  };
  const chunks = db
    .prepare('SELECT * FROM chunks WHERE image_id = ? ORDER BY position')
    .all(row.id) as Row[];
  if (chunks.length !== CHUNK_COUNT) throw new Error(`image ${uid}: ${chunks.length} chunks`);
  const rest = new Uint8Array(CHUNK_COUNT * CHUNK_PIXELS);
  let laneBatchId: number | null = null;
  const lanes: number[] = [];
  chunks.forEach((chunk, position) => {
    if (chunk.signed_index !== selection.signedIndices[position])
      throw new Error(`image ${uid}: chunk ${position} disagrees with the image's indices`);
    if (chunk.aes_blob)
      rest.set(open(chunk.aes_blob, `chunk:${position}`), position * CHUNK_PIXELS);
    if (chunk.lane_batch_id !== null) {
      laneBatchId = chunk.lane_batch_id as number;
      lanes.push(chunk.lane as number);
    }
  });
  const layout = layoutOf(db, uid, row, selection, laneBatchId, lanes, chunks, laneMaps);
  const { name, label, format, width, height, byteLength, scores } = oldMeta;
  const meta = { name, label, format, width, height, byteLength, scores, layout };
  const original = sealPadded(keys.blobKey, open(row.original, 'original'), aad('original'));
  db.prepare(
    'UPDATE images SET meta = ?, original = ?, rest = ?, lane_batch_id = ? WHERE id = ?',
  ).run(
    sealImageMeta(keys, uid, meta as Parameters<typeof sealImageMeta>[2]),
    original,
    sealAead(keys.blobKey, rest, aad('rest')),
    laneBatchId,
    row.id,
  );
}

/** The v6 layout of a v5 image, after checking its chunk rows say the same. */
function layoutOf(
  db: Db,
  uid: string,
  row: Row,
  selection: ChunkSelection,
  laneBatchId: number | null,
  lanes: readonly number[],
  chunks: readonly Row[],
  laneMaps: Map<number, { uid: string; laneMap: LaneMapEntry[] }>,
): ImageLayout {
  const keysetId = row.keyset_id as number;
  const packingId = row.packing_id as string;
  if (laneBatchId === null) {
    const layout = blockLayout(selection, chunkPackingById(packingId), keysetId);
    for (const [position, ordinal, block] of layout.blocks!.features) {
      const chunk = chunks[position]!;
      if (chunk.ckks_ordinal !== ordinal || chunk.ckks_block !== block)
        throw new Error(`image ${uid}: feature chunk ${position} is not where its packing puts it`);
    }
    const count = db
      .prepare('SELECT count(*) FROM ckks_ciphertexts WHERE image_id = ?')
      .pluck()
      .get(row.id) as number;
    if (count !== layout.blocks!.ckksCount) throw new Error(`image ${uid}: ${count} ciphertexts`);
    return layout;
  }
  const batch = laneMaps.get(laneBatchId);
  const entry = batch?.laneMap.find(([entryUid]) => entryUid === uid);
  if (!batch || !entry) throw new Error(`image ${uid}: not in an authentic lane map`);
  if (lanes.some((lane, k) => lane !== entry[1] + k) || lanes.length !== entry[2])
    throw new Error(`image ${uid}: its lanes disagree with the lane map`);
  return laneLayout(selection, packingId, keysetId, { batchUid: batch.uid, firstLane: entry[1] });
}

/** Review rows become sealed review states (sealed-review.ts). */
function sealReviews(db: Db, keys: MigrationKeys): void {
  const rows = db
    .prepare(
      'SELECT r.image_id, r.reviewed, r.reviewed_at, i.uid FROM image_reviews r JOIN images i ON i.id = r.image_id',
    )
    .all() as Row[];
  const insert = db.prepare('INSERT INTO image_reviews_v6 (image_id, state) VALUES (?, ?)');
  for (const row of rows) {
    const state = { reviewed: row.reviewed === 1, reviewedAt: row.reviewed_at as string };
    insert.run(row.image_id, sealReviewState(keys, row.uid as string, state));
  }
  db.exec('DROP TABLE image_reviews; ALTER TABLE image_reviews_v6 RENAME TO image_reviews;');
}

// Review state the desktop app keeps per image: relabelling (rewrites the image's
// encrypted metadata, one transaction) and a "reviewed" flag (plain: it says that a
// person looked, not what the image shows).
import { openAead, sealAead } from '../crypto/index.ts';
import type { ImageSummary } from '../../../src-shared/contract/vault.ts';
import type { Catalogue } from './catalogue.ts';
import { findImageRow } from './image-store.ts';
import { imagePartAad } from './item-aad.ts';
import { migration0004 } from './migrations/0004-review.ts';
import { getImage } from './read-image.ts';
import type { ImageMeta } from './sealed-image.ts';
import type { UnlockedVault } from './vault.ts';

const ensured = new WeakSet<Catalogue>();

/**
 * Applies 0004's idempotent SQL (a no-op once the catalogue's migrations ran it): kept so
 * a catalogue opened by an older migration list still gets the tables. Safe to repeat.
 */
export function ensureReviewSchema(db: Catalogue): void {
  if (ensured.has(db)) return;
  db.exec(migration0004.sql);
  ensured.add(db);
}

/** Sets (or clears, with null) an image's label; returns the updated summary. */
export function setImageLabel(
  vault: UnlockedVault,
  uidOrPrefix: string,
  label: string | null,
): ImageSummary {
  if (label !== null && (label.length === 0 || label.length > 64 || label.includes('\n')))
    throw new RangeError(`label must be 1–64 characters on one line`);
  const row = findImageRow(vault.db, uidOrPrefix);
  const aad = imagePartAad(vault.vaultId, row.uid, 'meta');
  const key = vault.sealingKeys.blobKey;
  vault.db.transaction(() => {
    // Re-read inside the transaction so a concurrent writer's change is not lost.
    const current = vault.db.prepare('SELECT meta FROM images WHERE id = ?').pluck().get(row.id);
    const meta = JSON.parse(
      Buffer.from(openAead(key, current as Buffer, aad, `metadata of image ${row.uid}`)).toString(
        'utf8',
      ),
    ) as ImageMeta;
    const updated: ImageMeta = { ...meta, label };
    const blob = sealAead(key, Buffer.from(JSON.stringify(updated), 'utf8'), aad);
    vault.db.prepare('UPDATE images SET meta = ? WHERE id = ?').run(blob, row.id);
  })();
  return getImage(vault, row.uid);
}

export function setReviewed(vault: UnlockedVault, uidOrPrefix: string, reviewed: boolean): void {
  ensureReviewSchema(vault.db);
  const row = findImageRow(vault.db, uidOrPrefix);
  vault.db
    .prepare(
      `INSERT INTO image_reviews (image_id, reviewed, reviewed_at) VALUES (?, ?, ?)
       ON CONFLICT (image_id) DO UPDATE SET reviewed = excluded.reviewed, reviewed_at = excluded.reviewed_at`,
    )
    .run(row.id, reviewed ? 1 : 0, new Date().toISOString());
}

/** uid → reviewed, for every image that has a review row. */
export function reviewStates(vault: UnlockedVault): Map<string, boolean> {
  ensureReviewSchema(vault.db);
  const rows = vault.db
    .prepare('SELECT i.uid, r.reviewed FROM image_reviews r JOIN images i ON i.id = r.image_id')
    .all() as Array<{ uid: string; reviewed: number }>;
  return new Map(rows.map((r) => [r.uid, r.reviewed === 1]));
}

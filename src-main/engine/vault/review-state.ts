// Review state the desktop app keeps per image: relabelling (rewrites the image's
// encrypted metadata, one transaction) and a "reviewed" flag with its time. The flag is
// AES-GCM-sealed and bound to the vault and the image (`imagePartAad(…, 'review')`):
// it says that a person looked, not what the image shows, but a plain flag could be set
// or moved to another image by anyone with the file, and the review screen trusts it.
import type { ImageSummary } from '../../../src-shared/contract/vault.ts';
import type { Catalogue } from './catalogue.ts';
import { findImageRow } from './image-store.ts';
import { migration0004 } from './migrations/0004-review.ts';
import { getImage } from './read-image.ts';
import { openImageMeta, sealImageMeta } from './sealed-image.ts';
import type { UnlockedVault } from './vault.ts';
import { openReviewState, sealReviewState } from './sealed-review.ts';
import type { ReviewState } from './sealed-review.ts';

export { openReviewState, sealReviewState } from './sealed-review.ts';
export type { ReviewKeys, ReviewState } from './sealed-review.ts';

/** A review row that could not be opened; it affects its own image only. */
export interface ReviewProblem {
  readonly image: string;
  readonly item: 'review';
  readonly reason: string;
}

/**
 * Once applied 0004's SQL on demand, for catalogues opened by an older migration list.
 * The engine no longer calls it: opening a vault runs every migration before the handle
 * exists, and migration 6 replaces image_reviews with the sealed shape, which running
 * 0004 again must never bring back. So this only creates the tables when both are
 * missing (a bare catalogue); 0004's IF NOT EXISTS never touches a table that is there.
 */
export function ensureReviewSchema(db: Catalogue): void {
  const present = db
    .prepare(
      `SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN ('image_reviews', 'vault_models')`,
    )
    .pluck()
    .get() as number;
  if (present === 0) db.exec(migration0004.sql);
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
  const keys = vault.sealingKeys;
  vault.db.transaction(() => {
    // Re-read inside the transaction so a concurrent writer's change is not lost.
    const current = vault.db.prepare('SELECT meta FROM images WHERE id = ?').pluck().get(row.id);
    const meta = openImageMeta(keys, row.uid, current as Buffer);
    const blob = sealImageMeta(keys, row.uid, { ...meta, label });
    vault.db.prepare('UPDATE images SET meta = ? WHERE id = ?').run(blob, row.id);
  })();
  return getImage(vault, row.uid);
}

export function setReviewed(vault: UnlockedVault, uidOrPrefix: string, reviewed: boolean): void {
  const row = findImageRow(vault.db, uidOrPrefix);
  const state = sealReviewState(vault.sealingKeys, row.uid, {
    reviewed,
    reviewedAt: new Date().toISOString(),
  });
  vault.db
    .prepare(
      `INSERT INTO image_reviews (image_id, state) VALUES (?, ?)
       ON CONFLICT (image_id) DO UPDATE SET state = excluded.state`,
    )
    .run(row.id, state);
}

/**
 * uid → review state for every image with a readable review row; rows that fail to open
 * are returned in `problems` (one per image) instead of failing the whole vault. Rows
 * whose image is gone are verifyResults' business, not the gallery's.
 */
export function reviewStates(vault: UnlockedVault): {
  states: Map<string, ReviewState>;
  problems: ReviewProblem[];
} {
  const rows = vault.db
    .prepare('SELECT i.uid, r.state FROM image_reviews r JOIN images i ON i.id = r.image_id')
    .all() as Array<{ uid: string; state: Buffer }>;
  const states = new Map<string, ReviewState>();
  const problems: ReviewProblem[] = [];
  for (const { uid, state } of rows) {
    try {
      states.set(uid, openReviewState(vault.sealingKeys, uid, state));
    } catch (error) {
      problems.push({ image: uid, item: 'review', reason: reasonOf(error) });
    }
  }
  return { states, problems };
}

function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

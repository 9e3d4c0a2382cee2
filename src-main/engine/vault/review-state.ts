// Review state the desktop app keeps per image: relabelling (rewrites the image's
// encrypted metadata, one transaction) and a "reviewed" flag with its time. The flag is
// AES-GCM-sealed and bound to the vault and the image (`imagePartAad(…, 'review')`):
// it says that a person looked, not what the image shows, but a plain flag could be set
// or moved to another image by anyone with the file, and the review screen trusts it.
import type { ImageSummary } from '../../../src-shared/contract/vault.ts';
import type { ImageRow } from './catalogue/index.ts';
import { findImageRow } from './image-rows.ts';
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

/** Sets (or clears, with null) an image's label; returns the updated summary. */
export function setImageLabel(
  vault: UnlockedVault,
  uidOrPrefix: string,
  label: string | null,
): ImageSummary {
  if (label !== null && (label.length === 0 || label.length > 64 || label.includes('\n')))
    throw new RangeError(`label must be 1–64 characters on one line`);
  const row = findImageRow(vault, uidOrPrefix);
  const keys = vault.sealingKeys;
  vault.catalogue.write((tx) => {
    // Re-read inside the transaction so a concurrent writer's change is not lost.
    const meta = openImageMeta(keys, row.uid, tx.images.meta(row.id));
    tx.images.setMeta(row.id, sealImageMeta(keys, row.uid, { ...meta, label }));
  });
  return getImage(vault, row.uid);
}

export function setReviewed(vault: UnlockedVault, uidOrPrefix: string, reviewed: boolean): void {
  const row = findImageRow(vault, uidOrPrefix);
  const state = sealReviewState(vault.sealingKeys, row.uid, {
    reviewed,
    reviewedAt: new Date().toISOString(),
  });
  vault.catalogue.write((tx) => tx.reviews.put(row.id, state));
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
  const rows = vault.catalogue.read.reviews.all();
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

/**
 * One image's review state (null when it has none), or the problem opening its row: what
 * reviewStates gives for that image, reading that image's row only.
 */
export function reviewStateOf(
  vault: UnlockedVault,
  row: ImageRow,
): { state: ReviewState | null; problem: ReviewProblem | null } {
  const sealed = vault.catalogue.read.reviews.stateOf(row.id);
  if (!sealed) return { state: null, problem: null };
  try {
    return { state: openReviewState(vault.sealingKeys, row.uid, sealed), problem: null };
  } catch (error) {
    return { state: null, problem: { image: row.uid, item: 'review', reason: reasonOf(error) } };
  }
}

function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

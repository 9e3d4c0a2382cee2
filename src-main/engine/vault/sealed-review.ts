// The sealed review state of an image (`image_reviews.state`): its own module, with no
// catalogue or vault code, so both the review screen's store (review-state.ts) and the
// migration that seals older plain review rows write exactly one format.
import { IntegrityError, openAead, sealAead } from '../crypto/index.ts';
import { imagePartAad } from './item-aad.ts';

/** What sealing a review state needs: the vault id (bound into the AAD) and the blob key. */
export interface ReviewKeys {
  readonly vaultId: string;
  readonly blobKey: Uint8Array;
}

export interface ReviewState {
  readonly reviewed: boolean;
  /** ISO 8601 time of the last change. */
  readonly reviewedAt: string;
}

/** The sealed `image_reviews.state` of an image (also used to convert older plain rows). */
export function sealReviewState(
  keys: ReviewKeys,
  imageUid: string,
  state: ReviewState,
): Uint8Array {
  const body = JSON.stringify({ reviewed: state.reviewed, reviewedAt: state.reviewedAt });
  return sealAead(
    keys.blobKey,
    Buffer.from(body, 'utf8'),
    imagePartAad(keys.vaultId, imageUid, 'review'),
  );
}

/** Authenticates and parses a sealed review state; throws an IntegrityError naming the image. */
export function openReviewState(keys: ReviewKeys, imageUid: string, blob: Uint8Array): ReviewState {
  const what = `review state of image ${imageUid}`;
  const bytes = openAead(keys.blobKey, blob, imagePartAad(keys.vaultId, imageUid, 'review'), what);
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    throw new IntegrityError(what, 'not JSON');
  }
  const { reviewed, reviewedAt } = (parsed ?? {}) as Record<string, unknown>;
  if (
    typeof reviewed !== 'boolean' ||
    typeof reviewedAt !== 'string' ||
    isNaN(Date.parse(reviewedAt))
  )
    throw new IntegrityError(what, 'not a {reviewed, reviewedAt} state');
  return { reviewed, reviewedAt };
}

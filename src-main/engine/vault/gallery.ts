// What the desktop app's gallery, its review screen and `sealsight list` show per image:
// the decrypted summary (name, label, chunk layout, gradient scores), the review flag and
// the most recent encrypted classification, decrypted by the key holder, with a
// confidence. Every image is read on its own: an item that fails authentication costs
// its image that item (or, for the metadata, the whole entry becomes an error naming it),
// never the rest of the vault's listing. One image's entry (galleryEntry) reads and opens
// that image's rows only.
import { IntegrityError } from '../crypto/index.ts';
import type { ImageSummary } from '../../../src-shared/contract/vault.ts';
import type { ImageRow } from './catalogue/index.ts';
import type { StoredClassification } from './classify.ts';
import { ciphertextSetProblem, decryptMeta, summaryOf } from './read-image.ts';
import type { ImageMeta } from './sealed-image.ts';
import { reviewStates, reviewStateOf } from './review-state.ts';
import type { ReviewProblem, ReviewState } from './review-state.ts';
import type { UnlockedVault } from './vault.ts';
import { openStoredClassification } from './verify-results.ts';

export interface GalleryEntry {
  readonly id: string;
  readonly summary: ImageSummary;
  readonly reviewed: boolean;
  readonly prediction: {
    readonly modelId: string;
    readonly predicted: string;
    readonly confidence: number;
  } | null;
  readonly classification: StoredClassification | null;
  /** Items of this image that could not be read (left out above): `review`, `classification:<model>`. */
  readonly problems: ReadonlyArray<{ readonly item: string; readonly reason: string }>;
}

/** An image whose metadata could not be read: only what the catalogue keeps in the clear. */
export interface GalleryError {
  readonly id: string;
  /** Names the item and why it failed. */
  readonly error: string;
  readonly reviewed: boolean;
  readonly importedAt: string;
}

/**
 * Softmax probability of the top class. The image-level scores are sums of chunk
 * logits, so this is the model's own calibration, not a measured error rate.
 */
export function softmaxConfidence(scores: readonly number[], classIndex: number): number {
  if (scores.length === 0) return 0;
  const max = Math.max(...scores);
  const exps = scores.map((s) => Math.exp(s - max));
  const total = exps.reduce((a, b) => a + b, 0);
  return exps[classIndex]! / total;
}

export function predictionOf(stored: StoredClassification): GalleryEntry['prediction'] {
  return {
    modelId: stored.modelId,
    predicted: stored.predicted,
    confidence: softmaxConfidence(stored.scores, stored.classIndex),
  };
}

export function isGalleryError(entry: GalleryEntry | GalleryError): entry is GalleryError {
  return 'error' in entry;
}

/** Every image in catalogue order: a readable entry, or an error naming what failed. */
export function galleryListing(vault: UnlockedVault): Array<GalleryEntry | GalleryError> {
  const review = reviewStates(vault);
  const reviewProblems = new Map(review.problems.map((p) => [p.image, p]));
  const latest = latestClassificationRows(vault);
  return vault.catalogue.read.images.list().map((row) =>
    entryOf(
      vault,
      row,
      {
        state: review.states.get(row.uid) ?? null,
        problem: reviewProblems.get(row.uid) ?? null,
      },
      latest.get(row.uid),
    ),
  );
}

/**
 * One image's entry, exactly as galleryListing shows it, from that image's rows alone: its
 * metadata, CKKS ordinals, review state and latest classification. Null when the catalogue
 * has no image with this uid.
 */
export function galleryEntry(
  vault: UnlockedVault,
  uid: string,
): GalleryEntry | GalleryError | null {
  const { read } = vault.catalogue;
  const row = read.images.byUid(uid);
  if (!row) return null;
  const latest = read.classifications.latestOf(row.id);
  return entryOf(
    vault,
    row,
    reviewStateOf(vault, row),
    latest && { modelId: latest.modelId, blob: latest.result },
  );
}

function entryOf(
  vault: UnlockedVault,
  row: ImageRow,
  review: { state: ReviewState | null; problem: ReviewProblem | null },
  latest: { modelId: string; blob: Buffer } | undefined,
): GalleryEntry | GalleryError {
  const reviewed = review.state?.reviewed ?? false;
  let summary: ImageSummary;
  let meta: ImageMeta;
  try {
    meta = decryptMeta(vault, row);
    summary = summaryOf(row, meta);
  } catch (failure) {
    // An IntegrityError already names the item ("metadata of image …").
    const error =
      failure instanceof IntegrityError
        ? failure.message
        : `metadata of image ${row.uid}: ${reasonOf(failure)}`;
    return { id: row.uid, error, reviewed, importedAt: row.importedAt };
  }
  const problems: Array<{ item: string; reason: string }> = [];
  // The cheap half of the exact-set check (ordinals only, no ciphertext read): a deleted
  // or added CKKS row shows on the tile; verify and classify check every MAC.
  const rowsProblem = ciphertextSetProblem(vault, row, meta.layout);
  if (rowsProblem) problems.push({ item: 'ckks rows', reason: rowsProblem });
  if (review.problem) problems.push({ item: 'review', reason: review.problem.reason });
  let classification: StoredClassification | null = null;
  if (latest) {
    try {
      classification = openStoredClassification(vault, row.uid, latest.modelId, latest.blob);
    } catch (error) {
      problems.push({ item: `classification:${latest.modelId}`, reason: reasonOf(error) });
    }
  }
  return {
    id: row.uid,
    summary,
    reviewed,
    prediction: classification ? predictionOf(classification) : null,
    classification,
    problems,
  };
}

/** The readable entries only (for exports that need every column of every row). */
export function galleryEntries(vault: UnlockedVault): GalleryEntry[] {
  return galleryListing(vault).filter((entry): entry is GalleryEntry => !isGalleryError(entry));
}

/**
 * Each image's most recent classification row, still sealed. If that row fails to open
 * the image shows no prediction rather than an older model's: the listing never passes
 * off a stale result as the current one.
 */
function latestClassificationRows(
  vault: UnlockedVault,
): Map<string, { modelId: string; blob: Buffer }> {
  const rows = vault.catalogue.read.classifications.allByTime();
  return new Map(rows.map((r) => [r.uid, { modelId: r.modelId, blob: r.result }]));
}

function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

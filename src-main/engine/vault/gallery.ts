// What the desktop app's gallery and review screens show per image: the decrypted
// summary (name, label, chunk layout, gradient scores), the review flag and the most
// recent encrypted classification, decrypted by the key holder, with a confidence.
import type { ImageSummary } from '../../../src-shared/contract/vault.ts';
import { latestClassifications } from './classify.ts';
import type { StoredClassification } from './classify.ts';
import { listImages } from './read-image.ts';
import { reviewStates } from './review-state.ts';
import type { UnlockedVault } from './vault.ts';

export interface GalleryEntry {
  readonly summary: ImageSummary;
  readonly reviewed: boolean;
  readonly prediction: {
    readonly modelId: string;
    readonly predicted: string;
    readonly confidence: number;
  } | null;
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

export function galleryEntries(vault: UnlockedVault): GalleryEntry[] {
  const latest = latestClassifications(vault);
  const reviewed = reviewStates(vault);
  return listImages(vault).map((summary) => {
    const stored = latest.get(summary.id);
    return {
      summary,
      reviewed: reviewed.get(summary.id) ?? false,
      prediction: stored ? predictionOf(stored) : null,
    };
  });
}

// Evaluation of a model on the vault itself: the images' labels (set at import from
// folders, or by a reviewer) against that model's stored encrypted predictions,
// decrypted by the key holder. Images without a label, with a label the model does not
// know, or not yet classified by the model are left out (and counted).
import { classificationMetrics } from '../metrics/classification.ts';
import type { ClassificationMetrics } from '../metrics/classification.ts';
import { readClassifications } from './classify.ts';
import { listImages } from './read-image.ts';
import type { UnlockedVault } from './vault.ts';

export interface VaultEvaluation extends ClassificationMetrics {
  readonly classes: readonly string[];
  readonly left: {
    readonly unlabelled: number;
    readonly unknownLabel: number;
    readonly unclassified: number;
  };
}

export function evaluateOnVault(
  vault: UnlockedVault,
  modelId: string,
  classes: readonly string[],
): VaultEvaluation {
  const predictions = readClassifications(vault, modelId);
  const truth: number[] = [];
  const predicted: number[] = [];
  const left = { unlabelled: 0, unknownLabel: 0, unclassified: 0 };
  for (const image of listImages(vault)) {
    if (image.label === null) {
      left.unlabelled++;
      continue;
    }
    const t = classes.indexOf(image.label);
    if (t < 0) {
      left.unknownLabel++;
      continue;
    }
    const stored = predictions.get(image.id);
    if (!stored) {
      left.unclassified++;
      continue;
    }
    truth.push(t);
    predicted.push(stored.classIndex);
  }
  return { ...classificationMetrics(truth, predicted, classes), classes, left };
}

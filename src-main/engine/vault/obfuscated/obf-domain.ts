// Whether an obfuscated-tier model belongs to a vault. A net trained on chest X-rays ranks
// steel images by features that mean nothing for steel, and its class names are another
// domain's: embedding or searching a vault with it would show invented results. A model
// fits when every label the vault's images carry is one of its classes; a vault with no
// labelled image cannot show that, so no model fits it until some images are labelled.
import { imageRowPages } from '../image-rows.ts';
import { decryptMeta } from '../read-image.ts';
import type { UnlockedVault } from '../vault.ts';

/**
 * The labels of the vault's images whose metadata authenticates (the others are skipped).
 * Page by page (imageRowPages): the app asks on its main thread.
 */
export async function vaultLabels(vault: UnlockedVault): Promise<Set<string>> {
  const labels = new Set<string>();
  for await (const page of imageRowPages(vault))
    for (const row of page) {
      try {
        const { label } = decryptMeta(vault, row);
        if (label !== null) labels.add(label);
      } catch {
        // a damaged image is verify's to report; it says nothing about the domain
      }
    }
  return labels;
}

/** Null when the model fits the vault's labels, else the reason (naming the model). */
export function obfModelMismatch(
  labels: ReadonlySet<string>,
  model: { readonly name: string; readonly classes: readonly string[] },
): string | null {
  if (labels.size === 0)
    return `no image in this vault is labelled, so no obfuscated-tier model can be shown to belong to it (label some images, or train one on the vault)`;
  const unknown = [...labels].filter((label) => !model.classes.includes(label)).sort();
  if (unknown.length === 0) return null;
  return `model ${model.name} was trained on other classes (${model.classes.join(', ')}); this vault's images are labelled ${unknown.join(', ')}`;
}

// The engine's gallery entries as the contract's gallery items: a readable image's
// summary, review flag and latest prediction, or — when its metadata could not be read —
// only what the catalogue keeps in the clear and the error naming what failed.
import type { GalleryItem } from '../../src-shared/contract/ipc.ts';
import { galleryEntry, galleryListing, isGalleryError } from '../engine/index.ts';
import type { GalleryEntry, GalleryError, UnlockedVault } from '../engine/index.ts';
import { AppError } from './renderer-boundary.ts';

export function galleryItems(vault: UnlockedVault): GalleryItem[] {
  return galleryListing(vault).map(toGalleryItem);
}

/** One image's item as it reads now (after a review change): that image's rows only. */
export function galleryItem(vault: UnlockedVault, id: string): GalleryItem {
  const entry = galleryEntry(vault, id);
  if (!entry) throw new AppError('failed', `no image with id ${id}`);
  return toGalleryItem(entry);
}

function toGalleryItem(entry: GalleryEntry | GalleryError): GalleryItem {
  if (isGalleryError(entry)) {
    const { id, error, reviewed, importedAt } = entry;
    return { id, error, reviewed, importedAt };
  }
  const { summary } = entry;
  return {
    id: summary.id,
    name: summary.name,
    label: summary.label,
    reviewed: entry.reviewed,
    prediction: entry.prediction ? { ...entry.prediction } : null,
    importedAt: summary.importedAt,
    threshold: summary.threshold,
    lowGradient: summary.lowGradient,
    signedIndices: [...summary.signedIndices],
    scores: [...summary.scores],
  };
}

// Finding the image a person names (its uid or a prefix of it) and walking every image in
// pages, over the catalogue's image reads.
import type { ImageRow } from './catalogue/index.ts';
import type { UnlockedVault } from './vault.ts';

/** Finds an image by its full uid or an unambiguous prefix of at least 6 hex digits. */
export function findImageRow(vault: UnlockedVault, uidOrPrefix: string): ImageRow {
  const query = uidOrPrefix.toLowerCase();
  if (!/^[0-9a-f]{6,32}$/.test(query)) {
    throw new Error(`"${uidOrPrefix}" is not an image id (6–32 hex digits)`);
  }
  const rows = vault.catalogue.read.images.byUidPrefix(query);
  if (rows.length === 0) throw new Error(`no image with id ${uidOrPrefix}`);
  if (rows.length > 1) throw new Error(`image id ${uidOrPrefix} is ambiguous; give more digits`);
  return rows[0]!;
}

/**
 * The image rows in pages, oldest first, with a turn of the event loop between pages: a
 * loop over thousands of images on the app's main thread must not hold it for long (each
 * row's metadata is read from the record's overflow pages, ~0.1 ms a row).
 */
export async function* imageRowPages(vault: UnlockedVault, size = 50): AsyncGenerator<ImageRow[]> {
  let after = 0;
  for (;;) {
    const rows = vault.catalogue.read.images.page(after, size);
    if (rows.length === 0) return;
    yield rows;
    after = rows.at(-1)!.id;
    await new Promise((resolve) => setImmediate(resolve));
  }
}

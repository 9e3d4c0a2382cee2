// `verify`: authenticates every stored item the key holder trusts and reports each
// problem per image and item, never stopping at the first: the key sets (one MAC over
// all their keys), each image's sealed metadata and layout, original, non-feature
// chunks, the exact set of its CKKS rows and each row's MAC, its lanes against the
// batch's sealed lane map, then every lane batch, then the stored results
// (classifications, embeddings, models, review state; verify-results.ts).
import type { VerifyReport } from '../../../src-shared/contract/vault.ts';
import { openOriginal, openRest } from './sealed-image.ts';
import { laneBatchById, laneLocation, verifyLaneBatches } from './lanes/lane-read.ts';
import { openLaneMap } from './lanes/sealed-lane-batch.ts';
import { checkCiphertextMac, checkCiphertextSet, decryptMeta } from './read-image.ts';
import { verifyResults } from './verify-results.ts';
import type { UnlockedVault } from './vault.ts';

type Check = (image: string, item: string, fn: () => void) => void;

export function verifyVault(vault: UnlockedVault): VerifyReport {
  const problems: VerifyReport['problems'] = [];
  let itemsChecked = 0;
  const check: Check = (image, item, fn) => {
    itemsChecked++;
    try {
      fn();
    } catch (error) {
      problems.push({
        image,
        item,
        reason: error instanceof Error ? error.message : String(error),
      });
    }
  };
  for (const id of vault.keysetIds())
    check(`key set ${id}`, 'ckks-keyset', () => vault.keysetById(id));
  const { images } = vault.catalogue.read;
  const rows = images.list();
  for (const row of rows) {
    const keys = vault.sealingKeys;
    let layout: ReturnType<typeof decryptMeta>['layout'] | null = null;
    check(row.uid, 'meta', () => (layout = decryptMeta(vault, row).layout));
    check(row.uid, 'original', () => openOriginal(keys, row.uid, images.original(row.id)));
    check(row.uid, 'rest', () => openRest(keys, row.uid, images.rest(row.id)));
    const sealed = layout as ReturnType<typeof decryptMeta>['layout'] | null;
    if (!sealed) continue; // without its layout nothing else of the image can be checked
    if (sealed.lanes) {
      check(row.uid, 'lanes', () => {
        const { batchId } = laneLocation(vault, row, sealed);
        laneLocation(vault, row, sealed, openLaneMap(keys, laneBatchById(vault, batchId)));
      });
    }
    const ciphertexts = images.ciphertexts(row.id);
    check(row.uid, 'ckks rows', () => checkCiphertextSet(row, sealed, ciphertexts));
    for (const ciphertext of ciphertexts)
      check(row.uid, `ckks:${ciphertext.ordinal}`, () =>
        checkCiphertextMac(vault, row, ciphertext),
      );
  }
  check('catalogue', 'orphan rows', () => {
    const orphans = images.orphanCiphertexts();
    if (orphans > 0) throw new Error(`${orphans} CKKS row(s) belong to no image`);
  });
  verifyLaneBatches(vault, check);
  verifyResults(vault, check);
  return { images: rows.length, itemsChecked, problems };
}

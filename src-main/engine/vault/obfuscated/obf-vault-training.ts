// Training an obfuscated-tier model on a vault's own labelled images, under the vault's own
// obfuscation key (obf-key.ts): the way to get a search model that belongs to the vault's
// domain. The key holder decrypts the originals into memory, converts them to N×N gray and
// splits them (same-content images on the same side); training itself can run here (CLI)
// or in a worker thread (the app) — it is handed pixels and the key, in memory only. The
// model file that comes out names the vault's key and holds none; it is stored in the
// vault, encrypted (obf-vault-models.ts).
import { grayDatasetOf } from '../../obfuscated/obf-dataset.ts';
import type { ObfDataset } from '../../obfuscated/obf-dataset.ts';
import {
  OBF_TRAIN_DEFAULTS,
  splitObfDataset,
  trainObfOnSplit,
} from '../../obfuscated/train-obf-model.ts';
import type {
  ObfTrainingKey,
  ObfTrainOptions,
  ObfTrainReport,
} from '../../obfuscated/train-obf-model.ts';
import type { LoadedObfModel } from '../../obfuscated/obf-model-file.ts';
import type { ImageRow } from '../catalogue/index.ts';
import { imageRowPages } from '../image-rows.ts';
import { currentObfKey } from './obf-key.ts';
import { storeObfVaultModel } from './obf-vault-models.ts';
import { decryptMeta } from '../read-image.ts';
import { openOriginal } from '../sealed-image.ts';
import type { UnlockedVault } from '../vault.ts';

export type VaultObfTrainOptions = Omit<ObfTrainOptions, 'key'>;

export interface VaultObfTraining {
  readonly data: {
    readonly all: ObfDataset;
    readonly train: ObfDataset;
    readonly validation: ObfDataset;
    readonly name: string;
  };
  readonly key: Extract<ObfTrainingKey, { key: Uint8Array }>;
  readonly loadSeconds: number;
}

/**
 * The vault's labelled images as a split training set, and the vault's key (made if the
 * vault has none yet). Zero `key.key` and the datasets' pixels when done.
 */
export async function prepareVaultObfTraining(
  vault: UnlockedVault,
  options: VaultObfTrainOptions = {},
): Promise<VaultObfTraining> {
  const started = performance.now();
  const labelled: Array<{ row: ImageRow; name: string; label: string }> = [];
  for await (const page of imageRowPages(vault))
    for (const row of page) {
      try {
        const meta = decryptMeta(vault, row);
        if (meta.label !== null) labelled.push({ row, name: meta.name, label: meta.label });
      } catch {
        // a damaged image is verify's to report; it is not trained on
      }
    }
  const classes = [...new Set(labelled.map((image) => image.label))].sort();
  if (classes.length < 2)
    throw new Error(
      `training an obfuscated-tier model needs labelled images of at least two classes (this vault has ${classes.length === 0 ? 'no labelled image' : `only ${classes[0]}`}): label images in Review, or import with labels from folders`,
    );
  const size = options.size ?? OBF_TRAIN_DEFAULTS.folderSize;
  const all = await grayDatasetOf(
    `vault ${vault.vaultId}`,
    classes,
    size,
    labelled.map(({ row, name, label }) => ({
      name,
      label,
      read: () =>
        openOriginal(vault.sealingKeys, row.uid, vault.catalogue.read.images.original(row.id)),
    })),
    options.onLoad,
  );
  const split = splitObfDataset(
    all,
    options.valFraction ?? 0.2,
    options.seed ?? OBF_TRAIN_DEFAULTS.seed,
  );
  const { keyId, key } = currentObfKey(vault);
  return {
    data: { ...split, name: `the vault's labelled images (${all.labels.length})` },
    key: { vaultId: vault.vaultId, keyId, key },
    loadSeconds: (performance.now() - started) / 1000,
  };
}

/** Prepares, trains in this thread and stores the model in the vault (the CLI's path). */
export async function trainObfOnVault(
  vault: UnlockedVault,
  options: VaultObfTrainOptions = {},
): Promise<{ model: LoadedObfModel; report: ObfTrainReport }> {
  const prepared = await prepareVaultObfTraining(vault, options);
  try {
    const { modelText, report } = await trainObfOnSplit(
      prepared.data,
      { ...options, key: prepared.key },
      prepared.loadSeconds,
    );
    return { model: await storeObfVaultModel(vault, modelText), report };
  } finally {
    wipeTraining(prepared);
  }
}

export function wipeTraining(prepared: VaultObfTraining): void {
  prepared.key.key.fill(0);
  for (const set of [prepared.data.all, prepared.data.train, prepared.data.validation])
    set.pixels.fill(0);
}

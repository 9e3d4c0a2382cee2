// Models trained on a vault's own images, stored inside the vault AES-GCM-encrypted
// (weights trained on private images can leak them). Only the id and time are plain.
// The table comes from migration 0004, which has run by the time a vault is open, so
// nothing here creates schema.
import { openAead, sealAead } from '../crypto/index.ts';
import { parseModel } from '../sealed/model/model-file.ts';
import type { LoadedModel } from '../sealed/model/model-file.ts';
import type { UnlockedVault } from './vault.ts';

function modelAad(vaultId: string, modelId: string): string {
  return `sealsight/v1|vault=${vaultId}|model=${modelId}`;
}

/** Stores a model file's text; returns its id (same id as parseModel gives). */
export function storeVaultModel(vault: UnlockedVault, modelText: string): LoadedModel {
  const model = parseModel(modelText, 'trained model');
  const blob = sealAead(
    vault.sealingKeys.blobKey,
    Buffer.from(modelText, 'utf8'),
    modelAad(vault.vaultId, model.id),
  );
  vault.catalogue.write((tx) => tx.vaultModels.insert(model.id, blob));
  return model;
}

/**
 * The vault's models that authenticate, oldest first. A damaged one is left out (and
 * passed to onProblem): one bad model must not hide the others; `verify` names it.
 */
export function listVaultModels(
  vault: UnlockedVault,
  onProblem: (modelId: string, reason: string) => void = () => {},
): Array<{ model: LoadedModel; createdAt: string }> {
  const rows = vault.catalogue.read.vaultModels.list();
  return rows.flatMap((row) => {
    try {
      return [{ model: openVaultModel(vault, row.id, row.model), createdAt: row.createdAt }];
    } catch (error) {
      onProblem(row.id, error instanceof Error ? error.message : String(error));
      return [];
    }
  });
}

export function loadVaultModel(vault: UnlockedVault, modelId: string): LoadedModel | null {
  const blob = vault.catalogue.read.vaultModels.byId(modelId);
  return blob ? openVaultModel(vault, modelId, blob) : null;
}

/**
 * Authenticates (AAD bound to the model id) and parses a stored model; throws naming the
 * model if the tag fails, the file does not parse, or it is another model's file.
 */
export function openVaultModel(
  vault: UnlockedVault,
  modelId: string,
  blob: Uint8Array,
): LoadedModel {
  const text = openAead(
    vault.sealingKeys.blobKey,
    blob,
    modelAad(vault.vaultId, modelId),
    `model ${modelId}`,
  );
  // Keeps the id it is stored under, also one an earlier version gave it (ml/model-id.ts).
  return parseModel(Buffer.from(text).toString('utf8'), `model ${modelId}`, {
    storedAs: modelId,
  });
}

// Obfuscated-tier models trained on a vault's images, stored in the vault AES-GCM-encrypted
// (like the sealed tier's, vault-models.ts: weights trained on private images can leak
// them). Each names the vault key it was trained under (obf-key.ts); a stored model that
// names another vault or does not authenticate is never used.
import { openAead, sealAead } from '../../crypto/index.ts';
import { obfModelIdOf, parseObfModel } from '../../obfuscated/obf-model-file.ts';
import type { LoadedObfModel } from '../../obfuscated/obf-model-file.ts';
import { obfModelAad } from '../item-aad.ts';
import type { UnlockedVault } from '../vault.ts';

/**
 * Stores a model file's text; it must be bound to this vault's key. Returns the model.
 * `parsed`: the same text already parsed by a worker thread of this process (parsing 3.6 MB
 * takes ~100 ms, too long for the app's main thread); it is accepted only if its id is the
 * text's hash. Hashing and sealing + writing are separate turns of the event loop.
 */
export async function storeObfVaultModel(
  vault: UnlockedVault,
  modelText: string,
  parsed?: LoadedObfModel,
): Promise<LoadedObfModel> {
  const what = 'trained obfuscated-tier model';
  const model = parsed ?? parseObfModel(modelText, what);
  if (parsed && obfModelIdOf(modelText) !== parsed.id)
    throw new Error(`${what}: the parsed model is not this text's (id ${parsed.id})`);
  checkBoundTo(vault, model, what);
  await new Promise((resolve) => setImmediate(resolve));
  const blob = sealAead(
    vault.sealingKeys.blobKey,
    Buffer.from(modelText, 'utf8'),
    obfModelAad(vault.vaultId, model.id),
  );
  vault.catalogue.write((tx) => tx.obfModels.insert(model.id, blob));
  remember(vault, model.id, blob, model);
  return model;
}

/** The vault's obfuscated-tier models that authenticate, newest first; damaged ones go to onProblem. */
export function listObfVaultModels(
  vault: UnlockedVault,
  onProblem: (modelId: string, reason: string) => void = () => {},
): Array<{ model: LoadedObfModel; createdAt: string }> {
  const rows = vault.catalogue.read.obfModels.list();
  return rows.flatMap((row) => {
    try {
      return [{ model: openObfVaultModel(vault, row.id, row.model), createdAt: row.createdAt }];
    } catch (error) {
      onProblem(row.id, error instanceof Error ? error.message : String(error));
      return [];
    }
  });
}

export function loadObfVaultModel(vault: UnlockedVault, modelId: string): LoadedObfModel | null {
  const blob = vault.catalogue.read.obfModels.byId(modelId);
  return blob ? openObfVaultModel(vault, modelId, blob) : null;
}

/**
 * Opened models per unlocked vault, with the exact sealed bytes they came from: parsing a
 * model (~50 ms for 3.6 MB) on every "which model does search use?" would stall the app's
 * main thread. A cached model is returned only for byte-identical sealed bytes, so a changed
 * blob is authenticated afresh; the cache goes with the vault object when it is released.
 */
const opened = new WeakMap<UnlockedVault, Map<string, { blob: Buffer; model: LoadedObfModel }>>();

function openObfVaultModel(
  vault: UnlockedVault,
  modelId: string,
  blob: Uint8Array,
): LoadedObfModel {
  const hit = opened.get(vault)?.get(modelId);
  if (hit && hit.blob.equals(blob)) return hit.model;
  const model = openUncached(vault, modelId, blob);
  remember(vault, modelId, blob, model);
  return model;
}

function remember(vault: UnlockedVault, modelId: string, blob: Uint8Array, model: LoadedObfModel) {
  let cache = opened.get(vault);
  if (!cache) opened.set(vault, (cache = new Map()));
  cache.set(modelId, { blob: Buffer.from(blob), model });
}

function openUncached(vault: UnlockedVault, modelId: string, blob: Uint8Array): LoadedObfModel {
  const what = `obfuscated-tier model ${modelId}`;
  const text = openAead(vault.sealingKeys.blobKey, blob, obfModelAad(vault.vaultId, modelId), what);
  // Keeps the id it is stored under, also one an earlier version gave it (ml/model-id.ts).
  const model = parseObfModel(Buffer.from(text).toString('utf8'), what, { storedAs: modelId });
  checkBoundTo(vault, model, what);
  return model;
}

function checkBoundTo(vault: UnlockedVault, model: LoadedObfModel, what: string): void {
  const ks = model.keySource;
  if (ks.kind !== 'vault')
    throw new Error(
      `${what}: carries its own key; a vault stores only models trained under its own key`,
    );
  if (ks.vaultId !== vault.vaultId)
    throw new Error(`${what}: trained under the key of vault ${ks.vaultId}, not this vault`);
}

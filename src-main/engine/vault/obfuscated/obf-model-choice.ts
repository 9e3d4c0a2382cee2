// Which obfuscated-tier model a vault's search uses: the newest model trained on the vault
// itself, else an installed model file whose classes cover the vault's labels
// (obf-domain.ts). A model from another domain is never used, not even as a fallback: with
// none that fits, the caller gets the reasons, each naming its model.
import path from 'node:path';
import { loadObfModel } from '../../obfuscated/obf-model-file.ts';
import type { LoadedObfModel } from '../../obfuscated/obf-model-file.ts';
import { obfModelMismatch, vaultLabels } from './obf-domain.ts';
import { listObfVaultModels, loadObfVaultModel } from './obf-vault-models.ts';
import type { UnlockedVault } from '../vault.ts';

export interface ChosenObfModel {
  readonly model: LoadedObfModel;
  /** For messages: "vault model <id>" or the file's name. */
  readonly name: string;
  readonly trainedOnVault: boolean;
}

export const TRAIN_HINT =
  "train an obfuscated-tier model on this vault's labelled images (`sealsight obf train --vault`, or Train search model on the Model screen)";

export async function chooseObfModel(
  vault: UnlockedVault,
  files: readonly string[],
): Promise<ChosenObfModel | { refused: string }> {
  const labels = await vaultLabels(vault);
  const reasons: string[] = [];
  const problems: string[] = [];
  const candidates: Array<{
    name: string;
    trainedOnVault: boolean;
    load(): Promise<LoadedObfModel>;
  }> = [
    ...listObfVaultModels(vault, (id, reason) => problems.push(`vault model ${id}: ${reason}`)).map(
      ({ model }) => ({
        name: `vault model ${model.id}`,
        trainedOnVault: true,
        load: async () => model,
      }),
    ),
    ...files.map((file) => ({
      name: path.basename(file),
      trainedOnVault: false,
      load: () => loadObfModel(file),
    })),
  ];
  for (const candidate of candidates) {
    let model: LoadedObfModel;
    try {
      model = await candidate.load();
    } catch (error) {
      problems.push(error instanceof Error ? error.message : String(error));
      continue;
    }
    const mismatch = obfModelMismatch(labels, {
      name: candidate.name,
      classes: model.file.classes,
    });
    if (mismatch === null)
      return { model, name: candidate.name, trainedOnVault: candidate.trainedOnVault };
    reasons.push(mismatch);
  }
  const why =
    reasons.length === 0 && problems.length === 0
      ? 'no obfuscated-tier model is trained on this vault or installed'
      : [...reasons, ...problems].join('; ');
  return { refused: `${why}. To search, ${TRAIN_HINT}.` };
}

/**
 * `--model X` of the CLI: a model file if X names one, else a model stored in the vault by
 * its id (or a unique prefix of it). Null when nothing matches.
 */
export async function obfModelByArgument(
  vault: UnlockedVault,
  argument: string,
  isFile: boolean,
): Promise<ChosenObfModel | null> {
  if (isFile)
    return {
      model: await loadObfModel(argument),
      name: path.basename(argument),
      trainedOnVault: false,
    };
  const ids = vault.catalogue.read.obfModels.idsWithPrefix(argument);
  if (ids.length > 1)
    throw new Error(`model id prefix ${argument} matches ${ids.length} vault models`);
  const model = ids.length === 1 ? loadObfVaultModel(vault, ids[0]!) : null;
  return model && { model, name: `vault model ${model.id}`, trainedOnVault: true };
}

// The sealed tier's models as the app offers them: the shipped model (loaded once, on
// first use) and the models trained on the unlocked vault, stored in it encrypted. A
// request names a model by id, or null for the shipped one.
import { fileURLToPath } from 'node:url';
import type { ModelInfo } from '../../src-shared/contract/ipc.ts';
import { listVaultModels, loadModel, loadVaultModel } from '../engine/index.ts';
import type { LoadedModel, UnlockedVault } from '../engine/index.ts';
import { AppError } from './renderer-boundary.ts';

export const SHIPPED_MODEL_FILE = fileURLToPath(
  new URL('../../assets/models/neu-chunk-cnn.json', import.meta.url),
);

export class AppModels {
  readonly #shippedModelFile: string;
  #shippedModel: Promise<LoadedModel> | null = null;

  constructor(shippedModelFile: string = SHIPPED_MODEL_FILE) {
    this.#shippedModelFile = shippedModelFile;
  }

  #shipped(): Promise<LoadedModel> {
    this.#shippedModel ??= loadModel(this.#shippedModelFile);
    return this.#shippedModel;
  }

  /** The model a request names: null (or the shipped model's id) is the shipped model. */
  async model(vault: UnlockedVault, modelId: string | null): Promise<LoadedModel> {
    const shipped = await this.#shipped();
    if (modelId === null || modelId === shipped.id) return shipped;
    const model = loadVaultModel(vault, modelId);
    if (!model) throw new AppError('failed', `no model ${modelId} in this vault`);
    return model;
  }

  /** The shipped model first, then the vault's own, as the Model screen lists them. */
  async list(vault: UnlockedVault): Promise<ModelInfo[]> {
    const shipped = await this.#shipped();
    return [
      modelInfo(shipped, 'shipped', 'NEU-CLS steel defects (shipped)', null),
      ...listVaultModels(vault).map(({ model, createdAt }) =>
        modelInfo(
          model,
          'vault',
          `trained on this vault ${createdAt.slice(0, 16).replace('T', ' ')}`,
          createdAt,
        ),
      ),
    ];
  }
}

function modelInfo(
  model: LoadedModel,
  source: ModelInfo['source'],
  name: string,
  createdAt: string | null,
): ModelInfo {
  const validation = model.file.provenance.validation as
    { imageAccuracy?: unknown } | null | undefined;
  return {
    id: model.id,
    name,
    source,
    classes: [...model.file.classes],
    members: model.members.length,
    validationAccuracy:
      typeof validation?.imageAccuracy === 'number' ? validation.imageAccuracy : null,
    createdAt,
  };
}

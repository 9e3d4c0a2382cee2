// The app's sealed search: the shipped model's stored sealed embeddings (its search head
// gave each classified image one, computed under CKKS in the same pass as its scores),
// ranked in the main process by the key holder. Nothing is evaluated here: a query is a
// vault image, so its embedding is already stored; an image without one says so and
// points at classify.
import type { IpcResponse } from '../../src-shared/contract/ipc.ts';
import { TIER_LABELS } from '../../src-shared/contract/ipc.ts';
import { searchSealed } from '../engine/index.ts';
import type { UnlockedVault } from '../engine/index.ts';
import type { AppModels } from './app-models.ts';
import { AppError } from './renderer-boundary.ts';

export async function sealedSimilar(
  vault: UnlockedVault,
  models: AppModels,
  id: string,
  k: number,
): Promise<IpcResponse<'search:similar'>> {
  const model = await models.model(vault, null);
  let found;
  try {
    found = await searchSealed(vault, model, { image: id }, { k });
  } catch (error) {
    // The engine's reasons name what to do (classify first); they hold no secret.
    throw new AppError(
      'not-available',
      `Sealed search is not available yet: ${(error as Error).message.replace(/sealsight /g, '')}`,
    );
  }
  return {
    tier: 'sealed',
    tierLabel: TIER_LABELS.sealed,
    query: found.query.id!,
    modelId: found.modelId,
    indexed: found.indexed,
    missing: found.missing,
    results: found.results.map((h) => ({
      id: h.id,
      name: h.name,
      label: h.label,
      predicted: h.predicted,
      distance: Math.max(0, 1 - h.similarity),
    })),
  };
}

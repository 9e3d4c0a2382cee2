// Where the two layouts cross for a model, by the cost model: the fewest images (of the
// measured mean chunk count) from which lanes are predicted faster than blocks. The `he`
// benchmark reports it beside the import's fixed LANES_MIN_IMAGES.
import { DEFAULT_CKKS_PRESET } from '../src-main/engine/sealed/ckks/ckks-presets.ts';
import { costModelInput, fasterLayout } from '../src-main/engine/sealed/layouts/cost-model.ts';
import type { OpCosts } from '../src-main/engine/sealed/layouts/cost-model.ts';
import type { LoadedModel } from '../src-main/engine/sealed/model/model-file.ts';
import { LANES_MIN_IMAGES } from '../src-main/engine/index.ts';

export function crossoverImages(
  model: LoadedModel,
  meanChunks: number,
  costs: OpCosts,
  workers: number,
) {
  const input = costModelInput(model, DEFAULT_CKKS_PRESET, costs, workers);
  const slotCount = input.slotCount;
  const perImage = Math.max(1, Math.round(meanChunks));
  for (let n = 1; n <= 4 * slotCount; n++) {
    const choice = fasterLayout(
      input,
      Array.from({ length: n }, () => perImage),
    );
    if (choice.layout === 'lanes')
      return {
        images: n,
        chunksPerImage: perImage,
        predictedSeconds: {
          blocks: Number(choice.blocks.seconds.toFixed(1)),
          lanes: Number(choice.lanes.seconds.toFixed(1)),
        },
        importLanesMinImages: LANES_MIN_IMAGES,
      };
  }
  return { images: null, chunksPerImage: perImage, importLanesMinImages: LANES_MIN_IMAGES };
}

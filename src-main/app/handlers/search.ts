// Similar-image search's channels: a search job — sealed (the shipped model's embeddings,
// computed under CKKS when it classified the vault) or obfuscated (which indexes the images
// without an embedding first) — and training the vault's own obfuscated-tier search model
// under the vault's key (a job).
import { trainSearchModel } from '../obf-training.ts';
import { sealedSimilar } from '../sealed-search.ts';
import type { AppContext, FeatureHandlers } from './handler-types.ts';

export function searchHandlers(app: AppContext): FeatureHandlers<'search'> {
  return {
    'search:similar': ({ jobId, id, k, tier }) => {
      const vault = app.vaults.require();
      return app.jobs.run(
        jobId,
        'search',
        (ctx) =>
          tier === 'sealed'
            ? sealedSimilar(vault, app.models, id, k)
            : app.tiers.similar(vault, id, k, ctx),
        (result) => ({
          cancelled: false,
          message:
            result.tier === 'sealed'
              ? `${result.results.length} similar images by sealed embedding`
              : `${result.results.length} similar images (${result.newlyIndexed} newly indexed)`,
        }),
      );
    },
    'search:train-model': ({ jobId, epochs, validationFraction }) => {
      const vault = app.vaults.require();
      return app.jobs.run(
        jobId,
        'train',
        (ctx) => trainSearchModel(vault, { epochs, validationFraction }, ctx),
        (report) => ({
          cancelled: false,
          message: `search model ${report.modelId} trained on ${report.images.train} images and stored in the vault`,
        }),
      );
    },
  };
}

// Similar-image search's channels (the obfuscated tier): a search job, which indexes the
// images without an embedding first, and training the vault's own search model under
// the vault's key (a job).
import { trainSearchModel } from '../obf-training.ts';
import type { AppContext, FeatureHandlers } from './handler-types.ts';

export function searchHandlers(app: AppContext): FeatureHandlers<'search'> {
  return {
    'search:similar': ({ jobId, id, k }) => {
      const vault = app.vaults.require();
      return app.jobs.run(
        jobId,
        'search',
        (ctx) => app.tiers.similar(vault, id, k, ctx),
        (result) => ({
          cancelled: false,
          message: `${result.results.length} similar images (${result.newlyIndexed} newly indexed)`,
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

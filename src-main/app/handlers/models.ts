// The sealed tier's model channels: the models on offer (shipped and the vault's own),
// training one on the vault's labelled images (a job), and evaluating one against the
// vault's labels from its stored encrypted predictions.
import { modelEvaluation, trainJob, trainOutcome } from '../vault-jobs.ts';
import type { AppContext, FeatureHandlers } from './handler-types.ts';

export function modelHandlers(app: AppContext): FeatureHandlers<'models'> {
  return {
    'model:list': async () => ({ models: await app.models.list(app.vaults.require()) }),
    'model:train': (request) => {
      const vault = app.vaults.require();
      return app.jobs.run(
        request.jobId,
        'train',
        (ctx) => trainJob(vault, request, ctx),
        trainOutcome,
      );
    },
    'model:evaluate': async ({ modelId }) => {
      const vault = app.vaults.require();
      return modelEvaluation(vault, await app.models.model(vault, modelId));
    },
  };
}

// Encrypted classification's channels: a classify job with the model the request names
// (the shipped one for null), and the vault's evaluation setting that says where it runs
// (this computer or an evaluation farm, evaluation-place.ts).
import { getEvaluationSetting, setEvaluationSetting } from '../evaluation-place.ts';
import { classifyJob, classifyOutcome } from '../vault-jobs.ts';
import type { AppContext, FeatureHandlers } from './handler-types.ts';

export function classifyHandlers(app: AppContext): FeatureHandlers<'classify'> {
  return {
    'classify:run': async ({ jobId, modelId }) => {
      const vault = app.vaults.require();
      const model = await app.models.model(vault, modelId);
      return app.jobs.run(
        jobId,
        'classify',
        (ctx) => classifyJob(vault, model, app.workers, ctx),
        classifyOutcome,
      );
    },
    'evaluation:get': () => getEvaluationSetting(app.vaults.require()),
    'evaluation:set': ({ setting }) => setEvaluationSetting(app.vaults.require(), setting),
  };
}

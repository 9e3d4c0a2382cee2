// The jobs' channel: cancel a running job by the id the renderer gave it (its call then
// rejects as cancelled; progress says so).
import type { AppContext, FeatureHandlers } from './handler-types.ts';

export function jobHandlers(app: AppContext): FeatureHandlers<'jobs'> {
  return {
    'job:cancel': ({ jobId }) => ({ cancelled: app.jobs.cancel(jobId) }),
  };
}

// Running a training worker thread as a job, the same way for both tiers' trainings
// (vault-training.ts, obf-training.ts): the job's cancel becomes a 'cancel' message to the
// worker (it stops after its current step), progress messages go to the caller, and the
// run ends with the worker's 'done' message, its error (a cancel as CancelledError), or
// its exit. The worker is terminated either way.
import { Worker } from 'node:worker_threads';
import type { JobContext } from './jobs.ts';

export class CancelledError extends Error {
  override name = 'CancelledError';
}

/** What every training worker posts last when it fails. */
export interface TrainingWorkerError {
  readonly type: 'error';
  readonly cancelled: boolean;
  readonly message: string;
}

export async function runTrainingWorker<M extends { type: string }>(
  url: URL,
  workerData: unknown,
  ctx: JobContext,
  onProgress: (message: Exclude<M, { type: 'done' } | TrainingWorkerError>) => void,
): Promise<Extract<M, { type: 'done' }>> {
  const worker = new Worker(url, { workerData });
  const onAbort = () => worker.postMessage({ type: 'cancel' });
  ctx.signal.addEventListener('abort', onAbort);
  try {
    return await new Promise<Extract<M, { type: 'done' }>>((resolve, reject) => {
      worker.on('message', (message: M | TrainingWorkerError) => {
        if (message.type === 'done') resolve(message as Extract<M, { type: 'done' }>);
        else if (message.type === 'error') {
          const failure = message as TrainingWorkerError;
          reject(
            failure.cancelled
              ? new CancelledError('training cancelled; no model stored')
              : new Error(failure.message),
          );
        } else onProgress(message as Exclude<M, { type: 'done' } | TrainingWorkerError>);
      });
      worker.on('error', reject);
      worker.on('exit', (code) => reject(new Error(`training worker exited with code ${code}`)));
    });
  } finally {
    ctx.signal.removeEventListener('abort', onAbort);
    await worker.terminate();
  }
}

// The app's "Train search model": an obfuscated-tier model trained on the unlocked vault's
// labelled images under the vault's own key. The key holder (this thread) decrypts the
// originals and makes the gray training set (obf-vault-training.ts); a worker thread trains
// (obf-train-worker.ts) with progress and an ETA, and a cancel stops it; the model it
// returns is checked to be bound to this vault and stored in the vault, encrypted.
import { Worker } from 'node:worker_threads';
import type { ObfTrainReportDto } from '../../src-shared/contract/ipc.ts';
import { storeObfVaultModel } from '../engine/vault/obf-vault-models.ts';
import { prepareVaultObfTraining, wipeTraining } from '../engine/vault/obf-vault-training.ts';
import type { UnlockedVault } from '../engine/vault/vault.ts';
import type { JobContext } from './jobs.ts';
import type { ObfTrainWorkerData, ObfTrainWorkerMessage } from './obf-train-worker.ts';
import { CancelledError } from './vault-training.ts';

export async function trainSearchModel(
  vault: UnlockedVault,
  options: { epochs: number; validationFraction: number },
  ctx: JobContext,
): Promise<ObfTrainReportDto> {
  const prepared = await prepareVaultObfTraining(vault, {
    valFraction: options.validationFraction,
    onLoad: (done, total) => ctx.progress(0, 1, null, `decrypting images ${done}/${total}`),
  });
  if (ctx.signal.aborted) {
    wipeTraining(prepared);
    throw new CancelledError('training cancelled; no model stored');
  }
  const data: ObfTrainWorkerData = { prepared, epochs: options.epochs };
  const worker = new Worker(new URL('./obf-train-worker.ts', import.meta.url), {
    workerData: data,
  });
  wipeTraining(prepared); // the worker has its own copy
  const onAbort = () => worker.postMessage({ type: 'cancel' });
  ctx.signal.addEventListener('abort', onAbort);
  try {
    const done = await new Promise<Extract<ObfTrainWorkerMessage, { type: 'done' }>>(
      (resolve, reject) => {
        worker.on('message', (message: ObfTrainWorkerMessage) => {
          if (message.type === 'progress') {
            const val =
              message.validationAccuracy === null
                ? ''
                : `, validation accuracy ${(100 * message.validationAccuracy).toFixed(1)} %`;
            ctx.progress(
              (message.epoch - 1) * message.steps + message.step,
              message.epochs * message.steps,
              message.etaMs,
              `epoch ${message.epoch}/${message.epochs}, loss ${message.loss.toFixed(4)}${val}`,
              {
                epoch: message.epoch,
                loss: message.loss,
                ...(message.validationAccuracy === null
                  ? {}
                  : { validationAccuracy: message.validationAccuracy }),
              },
            );
          } else if (message.type === 'done') resolve(message);
          else
            reject(
              message.cancelled
                ? new CancelledError('training cancelled; no model stored')
                : new Error(message.message),
            );
        });
        worker.on('error', reject);
        worker.on('exit', (code) => reject(new Error(`training worker exited with code ${code}`)));
      },
    );
    const model = await storeObfVaultModel(vault, done.modelText, done.model);
    const v = done.report.validation;
    return {
      modelId: model.id,
      classes: [...done.report.classes],
      images: { train: done.report.images.train, validation: done.report.images.validation },
      validation: v && {
        n: v.n,
        accuracy: v.accuracy,
        mAP: v.mAP,
        precisionAt10: v.precisionAt['10'] ?? null,
      },
      seconds: done.report.seconds.train + done.report.seconds.load,
    };
  } finally {
    ctx.signal.removeEventListener('abort', onAbort);
    await worker.terminate();
  }
}

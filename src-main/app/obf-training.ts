// The app's "Train search model": an obfuscated-tier model trained on the unlocked vault's
// labelled images under the vault's own key. The key holder (this thread) decrypts the
// originals and makes the gray training set (obf-vault-training.ts); a worker thread trains
// (obf-train-worker.ts) with progress and an ETA, and a cancel stops it; the model it
// returns is checked to be bound to this vault and stored in the vault, encrypted.
import type { ObfTrainReportDto } from '../../src-shared/contract/ipc.ts';
import { storeObfVaultModel } from '../engine/index.ts';
import type { UnlockedVault } from '../engine/index.ts';
import { prepareVaultObfTraining, wipeTraining } from '../engine/obfuscated-tier.ts';
import type { JobContext } from './jobs.ts';
import type { ObfTrainWorkerData, ObfTrainWorkerMessage } from './obf-train-worker.ts';
import { CancelledError, runTrainingWorker } from './training-worker.ts';

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
  const run = runTrainingWorker<ObfTrainWorkerMessage>(
    new URL('./obf-train-worker.ts', import.meta.url),
    data,
    ctx,
    (message) => {
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
    },
  );
  wipeTraining(prepared); // the worker has its own copy
  const done = await run;
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
}

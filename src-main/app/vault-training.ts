// Trains a chunk CNN on the unlocked vault's labelled images in a worker thread. The
// key holder (this thread) decrypts the originals into memory and hands only them to
// the worker; the resulting model is stored in the vault, encrypted.
import {
  DEFAULT_FEATURE_THRESHOLD,
  DEFAULT_MIN_FEATURE_CHUNKS,
} from '../../src-shared/domain/geometry.ts';
import type { TrainReportDto } from '../../src-shared/contract/ipc.ts';
import {
  decryptOriginal,
  listImages,
  metricsFromConfusion,
  storeVaultModel,
} from '../engine/index.ts';
import type { UnlockedVault } from '../engine/index.ts';
import type { JobContext } from './jobs.ts';
import type { TrainWorkerData, TrainWorkerMessage } from './train-worker.ts';
import { runTrainingWorker } from './training-worker.ts';

export { CancelledError } from './training-worker.ts';

export async function trainOnVault(
  vault: UnlockedVault,
  options: {
    epochs: number;
    validationFraction: number;
    classes: readonly string[];
    members?: number;
  },
  ctx: JobContext,
): Promise<TrainReportDto> {
  const labelled = listImages(vault).filter(
    (image) => image.label !== null && options.classes.includes(image.label),
  );
  const present = options.classes.filter((c) => labelled.some((image) => image.label === c));
  if (present.length < 2)
    throw new Error(
      `training needs labelled images of at least two classes (${present.length} found): label images in Review or import with labels from folders`,
    );
  const images = labelled.map((image) => ({
    name: image.name,
    label: image.label!,
    bytes: decryptOriginal(vault, image.id).bytes,
  }));
  const data: TrainWorkerData = {
    images,
    classes: present,
    epochs: options.epochs,
    members: options.members ?? 1,
    valFraction: options.validationFraction,
    threshold: DEFAULT_FEATURE_THRESHOLD,
    minFeatureChunks: DEFAULT_MIN_FEATURE_CHUNKS,
    seed: 1,
  };
  const history: TrainReportDto['history'] = [];
  const run = runTrainingWorker<TrainWorkerMessage>(
    new URL('./train-worker.ts', import.meta.url),
    data,
    ctx,
    (message) => {
      if (message.type === 'load') {
        ctx.progress(
          0,
          options.epochs * (options.members ?? 1),
          null,
          `preparing images ${message.done}/${message.total}`,
        );
        return;
      }
      history.push({
        epoch: message.epoch,
        loss: message.loss,
        validationAccuracy: message.validationAccuracy,
      });
      ctx.progress(
        message.epoch,
        message.epochs,
        message.etaMs,
        `epoch ${message.epoch}/${message.epochs}, loss ${message.loss.toFixed(4)}`,
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
  for (const image of images) image.bytes.fill(0); // the worker has its own copy
  const done = await run;
  const model = storeVaultModel(vault, done.modelText);
  const validation = done.confusion ? metricsFromConfusion(done.confusion, present) : null;
  return {
    modelId: model.id,
    classes: present,
    images: { train: done.train, validation: done.validation },
    history,
    validation: validation
      ? {
          modelId: model.id,
          source: `plaintext validation split (${done.validation} images held out of training)`,
          classes: present,
          n: validation.n,
          accuracy: validation.accuracy,
          macroF1: validation.macroF1,
          confusion: validation.confusion,
          perClass: validation.perClass,
        }
      : null,
    seconds: done.seconds,
    cancelled: false,
  };
}

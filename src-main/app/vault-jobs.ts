// The app's long jobs on the unlocked vault — import, encrypted classification,
// training — and the model-evaluation answer: what each asks of the engine, the
// progress lines it reports, and the one-line outcome its final event carries.
// The service validates the request (typed from the contract) and its handlers
// (handlers/) run these under Jobs.
import path from 'node:path';
import { NEU_CLASSES } from '../../src-shared/domain/classes.ts';
import type { IpcParsedRequest } from '../../src-shared/contract/ipc.ts';
import { classifyVault, evaluateOnVault, importFolder } from '../engine/index.ts';
import type { ImportReport, LoadedModel, UnlockedVault } from '../engine/index.ts';
import type { JobContext } from './jobs.ts';
import { withEvaluationBackend } from './evaluation-place.ts';
import { trainOnVault } from './vault-training.ts';

export function importJob(
  vault: UnlockedVault,
  request: IpcParsedRequest<'import:run'>,
  workers: number | undefined,
  ctx: JobContext,
): Promise<ImportReport> {
  return importFolder(vault, path.resolve(request.folder), {
    labelsFromFolders: request.labelsFromFolders,
    threshold: request.threshold,
    minFeatureChunks: request.minFeatureChunks,
    workers,
    signal: ctx.signal,
    onProgress: (p) =>
      ctx.progress(
        p.done,
        p.total,
        p.etaMs,
        `${p.imported} imported, ${p.duplicates} duplicates, ${p.failed} could not be read`,
      ),
  });
}

export function importOutcome(report: ImportReport) {
  return {
    cancelled: report.cancelled,
    message: `${report.imported} imported, ${report.duplicates} duplicates, ${report.failed.length} could not be read`,
  };
}

/**
 * Encrypted classification on this computer or on the vault's evaluation farm
 * (evaluation-place.ts): on a farm, the broker is reached before anything is read or
 * written, and progress says how many evaluator nodes are announced.
 */
export async function classifyJob(
  vault: UnlockedVault,
  model: LoadedModel,
  workers: number | undefined,
  ctx: JobContext,
) {
  const report = await withEvaluationBackend(vault, ctx, (evaluation) => {
    ctx.progress(0, 0, null, 'preparing the encrypted evaluator (Galois keys, workers)…');
    return classifyVault(vault, {
      model,
      ...(evaluation ? { evaluation } : { workers }),
      signal: ctx.signal,
      onProgress: (p) =>
        ctx.progress(
          p.done,
          p.total,
          p.etaMs,
          `${p.done}/${p.total} classified under encryption${p.nodes === undefined ? '' : ` on ${evaluatorNodes(p.nodes)}`}`,
          p.nodes === undefined ? undefined : { nodes: p.nodes },
        ),
    });
  });
  return {
    modelId: report.modelId,
    classified: report.classified.length,
    skipped: report.skipped,
    failed: report.failed,
    cancelled: report.cancelled,
    seconds: report.seconds,
    evaluatedOn: report.evaluatedOn,
  };
}

function evaluatorNodes(n: number): string {
  return `${n} evaluator node${n === 1 ? '' : 's'}`;
}

export function classifyOutcome(report: Awaited<ReturnType<typeof classifyJob>>) {
  return {
    cancelled: report.cancelled,
    message: `${report.classified} classified on ${report.evaluatedOn}, ${report.skipped} already done, ${report.failed.length} failed`,
  };
}

export function trainJob(
  vault: UnlockedVault,
  request: IpcParsedRequest<'model:train'>,
  ctx: JobContext,
) {
  return trainOnVault(
    vault,
    {
      epochs: request.epochs,
      validationFraction: request.validationFraction,
      classes: NEU_CLASSES,
      ...(typeof request.members === 'number' ? { members: request.members } : {}),
    },
    ctx,
  );
}

export function trainOutcome(report: Awaited<ReturnType<typeof trainJob>>) {
  return { cancelled: false, message: `model ${report.modelId} stored in the vault` };
}

/** Vault labels vs the model's stored encrypted predictions, and what was left out. */
export function modelEvaluation(vault: UnlockedVault, model: LoadedModel) {
  const e = evaluateOnVault(vault, model.id, model.file.classes);
  const left = [
    e.left.unclassified && `${e.left.unclassified} not classified by this model yet`,
    e.left.unlabelled && `${e.left.unlabelled} unlabelled`,
    e.left.unknownLabel && `${e.left.unknownLabel} with a label the model does not know`,
  ].filter(Boolean);
  return {
    modelId: model.id,
    source: `vault labels vs encrypted predictions (${e.n} images${left.length ? `; left out: ${left.join(', ')}` : ''})`,
    classes: [...e.classes],
    n: e.n,
    accuracy: e.accuracy,
    macroF1: e.macroF1,
    confusion: e.confusion,
    perClass: e.perClass,
  };
}

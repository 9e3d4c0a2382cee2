// `npm run bench -- ablation --json`: 4 obfuscation conditions × 4 architectures on MNIST
// and the MedNIST legacy subset. Every net is trained under one fixed ablation key (a
// published demo key: the figures measure learnability, not secrecy) and scored on the
// dataset's deterministic held-out validation split — never on a test set.
// To keep 32 trainings cheap on 2 shared cores: MNIST trains on an evenly spaced subset
// of its training split for few epochs (see SETTINGS); the shipped models train longer.
import { createHash } from 'node:crypto';
import { OBFUSCATION_CONDITIONS } from '../src-main/engine/obfuscated/arnold-xor.ts';
import type { ObfuscationCondition } from '../src-main/engine/obfuscated/arnold-xor.ts';
import { ARCHITECTURES } from '../src-main/engine/obfuscated/architectures.ts';
import type { ObfArchitecture } from '../src-main/engine/obfuscated/architectures.ts';
import { evaluateObfNet } from '../src-main/engine/obfuscated/evaluate-obf.ts';
import { subset } from '../src-main/engine/obfuscated/obf-dataset.ts';
import { disposeNet } from '../src-main/engine/obfuscated/obf-net.ts';
import { initTfWasm } from '../src-main/engine/ml/tf-wasm.ts';
import { fitObfNet } from '../src-main/engine/obfuscated/train-obf.ts';
import {
  loadTrainingSplit,
  OBF_TRAIN_DEFAULTS,
} from '../src-main/engine/obfuscated/train-obf-model.ts';

const MEDNIST = new URL('../../shared/datasets/mednist-legacy', import.meta.url).pathname;

export const SETTINGS = {
  mnist: { spec: 'mnist', size: 28, valFraction: 0.1, trainLimit: 10000, epochs: 3 },
  mednist: { spec: MEDNIST, size: 32, valFraction: 0.2, trainLimit: Infinity, epochs: 5 },
} as const;

/** A fixed, published key: sha256("sealsight ablation demo key"). */
export const ABLATION_KEY = Uint8Array.from(
  createHash('sha256').update('sealsight ablation demo key').digest(),
);

export interface AblationRow {
  readonly dataset: string;
  readonly condition: ObfuscationCondition;
  readonly arch: ObfArchitecture;
  readonly trainImages: number;
  readonly validationImages: number;
  readonly epochs: number;
  readonly accuracy: number;
  readonly weightedF1: number;
  readonly mAP: number;
  readonly precisionAt10: number;
  readonly trainSeconds: number;
  readonly inferenceMsPerImage: number;
}

export async function runAblation(): Promise<unknown> {
  const tf = await initTfWasm();
  const rows: AblationRow[] = [];
  const started = performance.now();
  const total = Object.keys(SETTINGS).length * OBFUSCATION_CONDITIONS.length * ARCHITECTURES.length;
  for (const [name, s] of Object.entries(SETTINGS)) {
    const split = await loadTrainingSplit(s.spec, s.size, s.valFraction, OBF_TRAIN_DEFAULTS.seed);
    const n = split.train.labels.length;
    const limit = Math.min(n, s.trainLimit);
    const train =
      limit < n
        ? subset(
            split.train,
            Array.from({ length: limit }, (_, i) => Math.floor((i * n) / limit)),
          )
        : split.train;
    for (const condition of OBFUSCATION_CONDITIONS) {
      for (const arch of ARCHITECTURES) {
        const fitted = await fitObfNet(tf, train, {
          arch,
          condition,
          key: ABLATION_KEY,
          epochs: s.epochs,
          seed: OBF_TRAIN_DEFAULTS.seed,
          bitPlanes: OBF_TRAIN_DEFAULTS.bitPlanes,
          batchSize: OBF_TRAIN_DEFAULTS.batchSize,
          learningRate: OBF_TRAIN_DEFAULTS.learningRate,
          shift: OBF_TRAIN_DEFAULTS.shift,
        });
        const scored = await evaluateObfNet(tf, fitted, ABLATION_KEY, condition, split.validation);
        disposeNet(fitted);
        const row: AblationRow = {
          dataset: name,
          condition,
          arch,
          trainImages: train.labels.length,
          validationImages: split.validation.labels.length,
          epochs: s.epochs,
          accuracy: scored.accuracy,
          weightedF1: scored.weightedF1,
          mAP: scored.mAP,
          precisionAt10: scored.precisionAt['10']!,
          trainSeconds: fitted.seconds,
          inferenceMsPerImage: scored.seconds.inferenceMsPerImage,
        };
        rows.push(row);
        const elapsed = performance.now() - started;
        const eta = (elapsed / rows.length) * (total - rows.length);
        process.stderr.write(
          `ablation ${rows.length}/${total} ${name} ${condition} ${arch}: accuracy ${(100 * row.accuracy).toFixed(2)}%, mAP ${row.mAP.toFixed(3)}, ${row.trainSeconds.toFixed(0)} s (ETA ${(eta / 60000).toFixed(1)} min)\n`,
        );
      }
    }
  }
  return {
    settings: {
      ...SETTINGS,
      key: 'sha256("sealsight ablation demo key") — a published demo key',
      bitPlanes: OBF_TRAIN_DEFAULTS.bitPlanes,
      shift: OBF_TRAIN_DEFAULTS.shift,
      batchSize: OBF_TRAIN_DEFAULTS.batchSize,
      seed: OBF_TRAIN_DEFAULTS.seed,
      scoredOn: 'the deterministic validation split (seed 1) of each dataset',
    },
    rows,
    markdown: markdownTable(rows),
    seconds: (performance.now() - started) / 1000,
  };
}

function markdownTable(rows: readonly AblationRow[]): string {
  const pct = (x: number) => (100 * x).toFixed(2);
  return [
    '| dataset | condition | architecture | accuracy % | weighted F1 % | mAP | P@10 | training s | inference ms/image |',
    '|---|---|---|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.dataset} | ${r.condition} | ${r.arch} | ${pct(r.accuracy)} | ${pct(r.weightedF1)} | ${r.mAP.toFixed(4)} | ${r.precisionAt10.toFixed(4)} | ${r.trainSeconds.toFixed(0)} | ${r.inferenceMsPerImage.toFixed(3)} |`,
    ),
  ].join('\n');
}

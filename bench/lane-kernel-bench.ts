// One lane batch share of the shipped model on the lanes engine's two paths for conv and
// fc1, side by side in one process: the RNS kernel and SEAL term by term. Prints the wall
// time, the engine's profile and the peak RSS after each path, and checks both give the
// same result bytes. The inputs are real encryptions (zstd, as a vault stores them) of
// random chunks: timings do not depend on the pixels.
//
//   node bench/lane-kernel-bench.ts [--from 0] [--to 128] [--paths kernel,seal]
//
// With --pool B: instead, B distinct whole batches on the evaluation worker pool at once
// (one per core, as an evaluation of a vault with B lane batches runs them), kernel path:
// the wall time and the process's peak RSS (inputs, workers and all).
//
//   node bench/lane-kernel-bench.ts --pool 2
import { readFileSync } from 'node:fs';
import { loadModel } from '../src-main/engine/sealed/model/model-file.ts';
import { mulberry32 } from '../src-main/engine/ml/random.ts';
import { loadSeal } from '../src-main/engine/sealed/ckks/seal-runtime.ts';
import {
  createCkksContext,
  DEFAULT_CKKS_PRESET,
} from '../src-main/engine/sealed/ckks/ckks-presets.ts';
import { generateCkksKeys } from '../src-main/engine/sealed/ckks/ckks-keys.ts';
import { CkksChunkCipher } from '../src-main/engine/sealed/layouts/blocks/chunk-cipher.ts';
import { BLOCK_PACKING_1024 } from '../src-main/engine/sealed/layouts/blocks/chunk-packing.ts';
import { packLanes } from '../src-main/engine/sealed/layouts/lanes/lane-packing.ts';
import { scoreScaleFor } from '../src-main/engine/sealed/ckks/he-safety.ts';
import type { LaneLinearPath } from '../src-main/engine/sealed/layouts/lanes/lane-cnn-engine.ts';
import { LaneCnnEngine } from '../src-main/engine/sealed/layouts/lanes/lane-cnn-engine.ts';
import { LaneEvaluator } from '../src-main/engine/sealed/inference/lane-evaluator.ts';
import { option } from './bench-options.ts';

/** The process's peak resident set so far (kernel's high-water mark), in MiB. */
function peakRssMib(): number {
  const line = readFileSync('/proc/self/status', 'utf8').match(/VmHWM:\s+(\d+) kB/);
  return line ? Math.round(Number(line[1]) / 1024) : Number.NaN;
}

const model = await loadModel(option('model', 'assets/models/neu-chunk-cnn.json'));
const hidden = { from: Number(option('from', '0')), to: Number(option('to', '128')) };
const paths = option('paths', 'kernel,seal').split(',') as LaneLinearPath[];
const seal = await loadSeal();
using ckks = createCkksContext(seal, DEFAULT_CKKS_PRESET);
const keys = generateCkksKeys(seal, ckks);
const random = mulberry32(1);
const chunks = Array.from({ length: ckks.slotCount }, () =>
  Uint8Array.from({ length: 784 }, () => Math.floor(random() * 256)),
);
const encrypt = () => {
  using cipher = new CkksChunkCipher(seal, ckks, BLOCK_PACKING_1024, keys.secretKey);
  return packLanes(chunks, ckks.slotCount).map((vector) => cipher.encryptVector(vector));
};
const pool = Number(option('pool', '0'));
const t0 = performance.now();
const batches = Array.from({ length: Math.max(1, pool) }, encrypt);
const inputs = batches[0]!;
const encryptS = (performance.now() - t0) / 1000;
console.log(`encrypted ${batches.length} × 784 pixel ciphertexts in ${encryptS.toFixed(1)} s`);
console.log(`RSS before evaluating: ${peakRssMib()} MiB`);
const scoreScale = scoreScaleFor(model.file.activationRanges, DEFAULT_CKKS_PRESET);
if (pool > 0) {
  const evaluator = new LaneEvaluator(
    {
      presetId: DEFAULT_CKKS_PRESET.id,
      packingId: 'lanes',
      weights: model.weights,
      scoreScale,
      keys: { relinKeys: keys.evaluation.relinKeys, galoisKeys: null },
    },
    { workers: pool },
  );
  const started = performance.now();
  const shares = await Promise.all(
    batches.map((batch) => evaluator.evaluateBatch({ inputs: batch }, { transfer: true })),
  );
  const seconds = (performance.now() - started) / 1000;
  await evaluator.close();
  const profile = Object.fromEntries(
    Object.entries(shares[0]!.profileMs).map(([step, ms]) => [step, Math.round(ms)]),
  );
  console.log(
    JSON.stringify({
      pool,
      seconds: Number(seconds.toFixed(2)),
      peakRssMib: peakRssMib(),
      firstBatchProfileMs: profile,
    }),
  );
  process.exit(0);
}
const results = new Map<LaneLinearPath, Uint8Array[]>();
for (const linear of paths) {
  using engine = new LaneCnnEngine(
    seal,
    ckks,
    model.weights,
    scoreScale,
    { relinKeys: keys.evaluation.relinKeys, galoisKeys: null },
    { linear },
  );
  const started = performance.now();
  results.set(linear, engine.inferBatch(inputs, { sumImages: false, hidden }));
  const seconds = (performance.now() - started) / 1000;
  const profile = Object.fromEntries(
    Object.entries(engine.ms).map(([step, ms]) => [step, Math.round(ms)]),
  );
  console.log(
    JSON.stringify({
      linear,
      hidden,
      seconds: Number(seconds.toFixed(2)),
      peakRssMib: peakRssMib(),
      profileMs: profile,
    }),
  );
}
const [first, ...rest] = [...results.values()];
const same = rest.every((other) =>
  other.every((bytes, c) => Buffer.compare(bytes, first![c]!) === 0),
);
console.log(same ? 'result ciphertexts: byte-identical' : 'result ciphertexts DIFFER');
if (!same) process.exitCode = 1;

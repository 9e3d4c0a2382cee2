// Worker thread of the encrypted evaluator: its own node-seal instance, the
// evaluation keys (relinearisation + Galois) and the model — never a secret key.
import { parentPort, workerData } from 'node:worker_threads';
import { loadSeal } from './seal-runtime.ts';
import { ckksPresetById, createCkksContext } from './ckks-presets.ts';
import { planPackedEnsemble } from './packed-cnn-plan.ts';
import { PackedCnnEngine } from './packed-cnn-engine.ts';
import { serveWorkerRequests } from '../workers/worker-pool.ts';
import type { EvaluatorSetup, CiphertextJob, CiphertextResult } from './encrypted-evaluator.ts';

if (!parentPort) throw new Error('evaluator-worker must run as a worker thread');
const setup = workerData as EvaluatorSetup;
const seal = await loadSeal();
const ckks = createCkksContext(seal, ckksPresetById(setup.presetId));
const plans = planPackedEnsemble(setup.weights, ckks.slotCount, { scoreScale: setup.scoreScale });
const engine = new PackedCnnEngine(seal, ckks, plans, setup.keys);

serveWorkerRequests<CiphertextJob, CiphertextResult>(parentPort, async (job) => {
  const started = performance.now();
  const before = engine.counters.rotations;
  const msBefore = { ...engine.counters.ms };
  using input = engine.load(job.ciphertext);
  using output = engine.inferCiphertext(input, job.occupiedBlocks, { sumBlocks: job.sumBlocks });
  return {
    response: {
      result: engine.serialize(output),
      seconds: (performance.now() - started) / 1000,
      rotations: engine.counters.rotations - before,
      profileMs: Object.fromEntries(
        Object.entries(engine.counters.ms).map(([op, ms]) => [
          op,
          ms - msBefore[op as keyof typeof msBefore],
        ]),
      ),
    },
  };
});

// Worker thread for lane batches (the throughput layout): evaluation keys and the
// model only, never a secret key.
import { parentPort, workerData } from 'node:worker_threads';
import { loadSeal } from './seal-runtime.ts';
import { ckksPresetById, createCkksContext } from './ckks-presets.ts';
import { LaneCnnEngine } from './lane-cnn-engine.ts';
import { serveWorkerRequests } from '../workers/worker-pool.ts';
import type { LaneBatchJob, LaneEvaluatorSetup, LanePartResult } from './lane-evaluator.ts';

if (!parentPort) throw new Error('lane-evaluator-worker must run as a worker thread');
const setup = workerData as LaneEvaluatorSetup;
const seal = await loadSeal();
const ckks = createCkksContext(seal, ckksPresetById(setup.presetId));
const engine = new LaneCnnEngine(seal, ckks, setup.weights, setup.scoreScale, setup.keys);

serveWorkerRequests<LaneBatchJob, LanePartResult>(parentPort, async (job) => {
  const started = performance.now();
  const before = { ...engine.ms };
  const results = engine.inferBatch(job.inputs, { sumImages: false, hidden: job.hidden });
  return {
    response: {
      results,
      seconds: (performance.now() - started) / 1000,
      profileMs: Object.fromEntries(
        Object.entries(engine.ms).map(([op, ms]) => [op, ms - before[op as keyof typeof before]]),
      ),
    },
  };
});

// Worker thread of encrypted inference, the same on the key holder's machine and on a farm's
// evaluator node: its own node-seal instance, the evaluation keys and the model from its
// setup — never a secret key — and one EvaluationTask at a time.
import { parentPort, workerData } from 'node:worker_threads';
import { loadSeal } from '../ckks/seal-runtime.ts';
import { serveWorkerRequests } from '../../workers/worker-pool.ts';
import { TaskRunner } from './evaluation-task.ts';
import type { EvaluationOutput, EvaluationSetup, EvaluationTask } from './evaluation-task.ts';

if (!parentPort) throw new Error('evaluation-worker must run as a worker thread');
const runner = new TaskRunner(await loadSeal(), workerData as EvaluationSetup);

serveWorkerRequests<EvaluationTask, EvaluationOutput>(parentPort, async (task) => {
  const output = runner.run(task);
  return {
    response: output,
    transfer: [...new Set(output.results.flat().map((bytes) => bytes.buffer as ArrayBuffer))],
  };
});

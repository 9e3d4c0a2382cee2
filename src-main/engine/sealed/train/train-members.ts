// Trains an ensemble's members: in this thread one after another, or with `parallel`
// > 1 in that many worker threads at once (each its own tfjs wasm instance), since the
// members are independent runs. The results are the same either way (a member depends
// only on its seed and the data); only the wall time changes.
import { Worker } from 'node:worker_threads';
import { TrainingCancelled } from '../../ml/training-schedule.ts';
import type { EpochProgress } from './fit-chunk-cnn.ts';
import { trainMember } from './train-member.ts';
import type { MemberJob, MemberResult } from './train-member.ts';
import type { MemberWorkerMessage } from './train-member-worker.ts';

export interface TrainMembersOptions {
  /** Members trained at once (worker threads when > 1). */
  readonly parallel: number;
  readonly signal?: AbortSignal | undefined;
  readonly onEpoch?: (member: number, progress: EpochProgress) => void;
}

export async function trainMembers(
  jobs: readonly MemberJob[],
  options: TrainMembersOptions,
): Promise<MemberResult[]> {
  const parallel = Math.min(jobs.length, Math.max(1, Math.floor(options.parallel)));
  if (parallel === 1) {
    const results: MemberResult[] = [];
    for (const [member, job] of jobs.entries())
      results.push(await trainMember(job, options.signal, (p) => options.onEpoch?.(member, p)));
    return results;
  }
  const results: MemberResult[] = new Array<MemberResult>(jobs.length);
  const running = new Set<Worker>();
  let next = 0;
  const cancelAll = () => {
    for (const worker of running) worker.postMessage({ type: 'cancel' });
  };
  options.signal?.addEventListener('abort', cancelAll);
  const runOne = (member: number) =>
    new Promise<void>((resolve, reject) => {
      const worker = new Worker(new URL('./train-member-worker.ts', import.meta.url), {
        workerData: jobs[member],
      });
      running.add(worker);
      let settled = false;
      const finish = (error?: Error) => {
        if (settled) return;
        settled = true;
        running.delete(worker);
        void worker.terminate();
        if (error) {
          next = jobs.length; // start no other member, and stop the running ones
          cancelAll();
          reject(error);
        } else resolve();
      };
      worker.on('message', (message: MemberWorkerMessage) => {
        if (message.type === 'epoch') options.onEpoch?.(member, message.progress);
        else if (message.type === 'done') {
          results[member] = message.result;
          finish();
        } else
          finish(
            message.cancelled
              ? new TrainingCancelled('training cancelled')
              : new Error(`ensemble member ${member + 1}: ${message.message}`),
          );
      });
      worker.on('error', (error) => finish(error));
      worker.on('exit', (code) =>
        finish(
          new Error(`ensemble member ${member + 1}: training worker exited with code ${code}`),
        ),
      );
    });
  const lane = async () => {
    while (next < jobs.length) {
      if (options.signal?.aborted) throw new TrainingCancelled('training cancelled');
      await runOne(next++);
    }
  };
  try {
    const outcome = await Promise.allSettled(Array.from({ length: parallel }, lane));
    // A member's own failure, rather than the cancellations it caused in the others.
    const failures = outcome.flatMap((o) => (o.status === 'rejected' ? [o.reason as Error] : []));
    const failure = failures.find((e) => !(e instanceof TrainingCancelled)) ?? failures[0];
    if (failure) throw failure;
    return results;
  } finally {
    options.signal?.removeEventListener('abort', cancelAll);
    await Promise.all([...running].map((worker) => worker.terminate()));
  }
}

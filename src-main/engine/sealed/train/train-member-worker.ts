// Worker thread training one ensemble member (trainMember): posts each epoch's progress,
// then the weights; a 'cancel' message stops it after the current step.
import { parentPort, workerData } from 'node:worker_threads';
import { TrainingCancelled } from '../../ml/training-schedule.ts';
import type { EpochProgress } from './fit-chunk-cnn.ts';
import { trainMember } from './train-member.ts';
import type { MemberJob, MemberResult } from './train-member.ts';

export type MemberWorkerMessage =
  | { readonly type: 'epoch'; readonly progress: EpochProgress }
  | { readonly type: 'done'; readonly result: MemberResult }
  | { readonly type: 'error'; readonly cancelled: boolean; readonly message: string };

if (!parentPort) throw new Error('train-member-worker must run as a worker thread');
const port = parentPort;
const controller = new AbortController();
port.on('message', (message: { type: string }) => {
  if (message.type === 'cancel') controller.abort();
});
const post = (message: MemberWorkerMessage) => port.postMessage(message);
try {
  const result = await trainMember(workerData as MemberJob, controller.signal, (progress) =>
    post({ type: 'epoch', progress }),
  );
  post({ type: 'done', result });
} catch (error) {
  post({
    type: 'error',
    cancelled: error instanceof TrainingCancelled,
    message: error instanceof Error ? error.message : String(error),
  });
}
port.close();

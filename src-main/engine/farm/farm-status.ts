// What `sealsight farm status` shows: the nodes announced now, the queue's depth by state,
// and the farm's throughput over the last minute (from the nodes' own records).
import { Queue } from 'bullmq';
import { DEFAULT_PREFIX } from './blob-layout.ts';
import { openBroker } from './broker-connection.ts';
import { parseBrokerUrl } from './broker-url.ts';
import { EVALUATION_QUEUE } from './farm-wire.ts';
import { readNodeRecords, type NodeRecord } from './node-registry.ts';

export interface FarmStatus {
  readonly broker: string;
  readonly nodes: readonly NodeRecord[];
  readonly queue: {
    waiting: number;
    active: number;
    delayed: number;
    failed: number;
    completed: number;
  };
  /** Jobs finished per minute and the share of node threads busy, over the last minute. */
  readonly throughput: { jobsPerMinute: number; utilisation: number };
}

export async function farmStatus(
  broker: string,
  options: { prefix?: string; connectTimeoutMs?: number } = {},
): Promise<FarmStatus> {
  const prefix = options.prefix ?? DEFAULT_PREFIX;
  const connection = await openBroker(broker, { connectTimeoutMs: options.connectTimeoutMs });
  const queue = new Queue(EVALUATION_QUEUE, { connection: parseBrokerUrl(broker), prefix });
  try {
    const nodes = await readNodeRecords(connection.redis, prefix);
    const counts = await queue.getJobCounts(
      'waiting',
      'prioritized',
      'active',
      'delayed',
      'failed',
      'completed',
    );
    const threads = nodes.reduce((total, node) => total + node.concurrency, 0);
    const busySeconds = nodes.reduce((total, node) => total + node.busySecondsLastMinute, 0);
    return {
      broker: connection.broker,
      nodes,
      queue: {
        waiting: (counts.waiting ?? 0) + (counts.prioritized ?? 0),
        active: counts.active ?? 0,
        delayed: counts.delayed ?? 0,
        failed: counts.failed ?? 0,
        completed: counts.completed ?? 0,
      },
      throughput: {
        jobsPerMinute: nodes.reduce((total, node) => total + node.doneLastMinute, 0),
        utilisation: threads === 0 ? 0 : Math.min(1, busySeconds / (60 * threads)),
      },
    };
  } finally {
    await queue.close();
    await connection.close();
  }
}

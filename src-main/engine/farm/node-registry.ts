// Evaluator nodes announce themselves in the broker: a short-lived key per node, refreshed
// while it runs, so that the key holder can show how many nodes are working and
// `sealsight farm status` can list them. A node that dies simply stops refreshing its key.
// The record holds what the node does, never what it works on.
import type { Redis } from 'ioredis';
import { z } from 'zod';

export const HEARTBEAT_MS = 5_000;
export const NODE_TTL_MS = 20_000;

export const NodeRecordSchema = z.object({
  name: z.string(),
  concurrency: z.number().int().positive(),
  startedAt: z.string(),
  /** Jobs running now. */
  busy: z.number().int().nonnegative(),
  done: z.number().int().nonnegative(),
  failed: z.number().int().nonnegative(),
  /** Jobs finished and evaluation seconds spent in the last minute. */
  doneLastMinute: z.number().int().nonnegative(),
  busySecondsLastMinute: z.number().nonnegative(),
  /** Bytes of key sets, models and inputs kept in the node's cache, and its budget. */
  cacheBytes: z.number().nonnegative(),
  cacheBudgetBytes: z.number().nonnegative(),
});
export type NodeRecord = z.infer<typeof NodeRecordSchema>;

function nodeKey(prefix: string, name: string): string {
  return `${prefix}:farm:node:${name}`;
}

export async function writeNodeRecord(
  redis: Redis,
  prefix: string,
  record: NodeRecord,
): Promise<void> {
  await redis.set(nodeKey(prefix, record.name), JSON.stringify(record), 'PX', NODE_TTL_MS);
}

export async function removeNodeRecord(redis: Redis, prefix: string, name: string): Promise<void> {
  await redis.del(nodeKey(prefix, name));
}

/** The nodes that announced themselves within the last NODE_TTL_MS, by name. */
export async function readNodeRecords(redis: Redis, prefix: string): Promise<NodeRecord[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', nodeKey(prefix, '*'), 'COUNT', 200);
    keys.push(...batch);
    cursor = next;
  } while (cursor !== '0');
  if (keys.length === 0) return [];
  const values = await redis.mget(keys);
  const records: NodeRecord[] = [];
  for (const value of values) {
    if (value === null) continue;
    try {
      const parsed = NodeRecordSchema.safeParse(JSON.parse(value));
      if (parsed.success) records.push(parsed.data);
    } catch {
      // A record that is not ours is not a node.
    }
  }
  return records.sort((a, b) => a.name.localeCompare(b.name));
}

/** Completions of the last minute, for a node's record. */
export class RecentWork {
  readonly #events: Array<{ at: number; seconds: number }> = [];

  add(seconds: number): void {
    this.#events.push({ at: Date.now(), seconds });
  }

  lastMinute(): { jobs: number; seconds: number } {
    const since = Date.now() - 60_000;
    while (this.#events.length > 0 && this.#events[0]!.at < since) this.#events.shift();
    return {
      jobs: this.#events.length,
      seconds: this.#events.reduce((total, event) => total + event.seconds, 0),
    };
  }
}

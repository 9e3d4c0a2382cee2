// What the farm bench reads off the processes it runs: Redis's own byte and CPU counters,
// a process's CPU seconds (all its threads) from /proc, the redis-server version.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';

export async function redisInfo(
  redis: Redis,
): Promise<{ input: number; output: number; cpu: number }> {
  const text = await redis.info();
  const field = (name: string) =>
    Number(new RegExp(`^${name}:([0-9.]+)`, 'm').exec(text)?.[1] ?? 0);
  return {
    input: field('total_net_input_bytes'),
    output: field('total_net_output_bytes'),
    cpu: field('used_cpu_user') + field('used_cpu_sys'),
  };
}

let clockTicks: number | undefined;

/** User + system CPU seconds of a process and all its threads so far (Linux; else 0). */
export function processCpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    clockTicks ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields 14 and 15 of stat (utime, stime); the slice starts at field 3.
    return (Number(fields[11]) + Number(fields[12])) / clockTicks;
  } catch {
    return 0;
  }
}

export function redisVersion(): string {
  try {
    return execFileSync('redis-server', ['--version'], { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

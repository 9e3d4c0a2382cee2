// Evaluator nodes for the farm tests: real `sealsight evaluator` child processes, as a farm
// runs them, each with its log captured so a test can wait for what it reports (ready, a
// job started, a job done) and then stop it politely (SIGTERM) or kill it (SIGKILL).
import { spawn, type ChildProcess } from 'node:child_process';
import { CLI } from './fixtures.ts';

export interface TestNode {
  readonly name: string;
  readonly child: ChildProcess;
  /** Everything the node wrote to stderr so far. */
  log(): string;
  /** Resolves once the log matches `pattern` (or rejects after `timeoutMs`). */
  waitForLog(pattern: RegExp, timeoutMs?: number): Promise<void>;
  /** Sends `signal` and resolves with the exit code (null after a kill). */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export async function startNode(
  broker: string,
  name: string,
  options: { concurrency?: number; lockSeconds?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<TestNode> {
  const child = spawn(
    process.execPath,
    [
      CLI,
      'evaluator',
      '--broker',
      broker,
      '--name',
      name,
      '--concurrency',
      String(options.concurrency ?? 1),
      '--lock-seconds',
      String(options.lockSeconds ?? 4),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...options.env } },
  );
  let text = '';
  const listeners = new Set<() => void>();
  child.stderr!.on('data', (data: Buffer) => {
    text += data.toString();
    for (const listener of listeners) listener();
  });
  child.stdout!.on('data', () => {});
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  const node: TestNode = {
    name,
    child,
    log: () => text,
    waitForLog: (pattern, timeoutMs = 60_000) =>
      new Promise((resolve, reject) => {
        const check = () => {
          if (pattern.test(text)) {
            cleanup();
            resolve();
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`node ${name} did not log ${pattern} within ${timeoutMs} ms:\n${text}`));
        }, timeoutMs);
        const onExit = () => {
          if (pattern.test(text)) return;
          cleanup();
          reject(new Error(`node ${name} exited before logging ${pattern}:\n${text}`));
        };
        const cleanup = () => {
          clearTimeout(timer);
          listeners.delete(check);
          child.off('exit', onExit);
        };
        listeners.add(check);
        child.once('exit', onExit);
        check();
      }),
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
  await node.waitForLog(new RegExp(`evaluator node ${name} on `));
  return node;
}

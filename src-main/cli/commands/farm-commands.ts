// The farm on the command line: `sealsight evaluator` runs an evaluator node until it is
// stopped (SIGTERM or Ctrl-C: running jobs finish, then exit 0), `sealsight farm status`
// shows the nodes, the queue and the throughput, and brokerOption() reads `--broker` for
// them and for `classify --broker`. The broker's password may be kept off the command line
// (where other users of the machine can read it) in SEALSIGHT_BROKER_PASSWORD.
import { brokerUrlWith, EvaluatorNode, farmStatus } from '../../engine/farm/index.ts';
import { numberOption, UsageError } from '../cli-io.ts';
import type { CommandContext, CommandResult } from '../cli-io.ts';
import { parseCommand } from './vault-commands.ts';

export const BROKER_OPTIONS = {
  broker: { type: 'string' },
  tls: { type: 'boolean' },
} as const;

/** The broker URL from --broker, --tls and SEALSIGHT_BROKER_PASSWORD; undefined without --broker. */
export function brokerOption(
  values: { broker?: unknown; tls?: unknown },
  env: NodeJS.ProcessEnv,
): string | undefined {
  if (values.broker === undefined) {
    if (values.tls === true) throw new UsageError('--tls needs --broker');
    return undefined;
  }
  if (typeof values.broker !== 'string' || values.broker === '')
    throw new UsageError('--broker needs a URL: redis://[user:password@]host:port');
  return brokerUrlWith(values.broker, {
    tls: values.tls === true,
    password: env.SEALSIGHT_BROKER_PASSWORD,
  });
}

export async function evaluatorCommand(
  argv: string[],
  ctx: CommandContext,
): Promise<CommandResult> {
  const { values } = parseCommand(
    argv,
    {
      ...BROKER_OPTIONS,
      concurrency: { type: 'string' },
      name: { type: 'string' },
      'memory-budget': { type: 'string' },
      'lock-seconds': { type: 'string' },
    },
    [],
  );
  const broker = brokerOption(values, ctx.env);
  if (broker === undefined) throw new UsageError('evaluator needs --broker URL');
  const whole = (n: number) => Number.isInteger(n) && n >= 1;
  const concurrency = numberOption(values.concurrency, 'concurrency', whole, 'a whole number ≥ 1');
  const budgetMb = numberOption(
    values['memory-budget'],
    'memory-budget',
    whole,
    'a number of MB ≥ 1',
  );
  const lockSeconds = numberOption(
    values['lock-seconds'],
    'lock-seconds',
    (n) => whole(n) && n >= 2,
    'a whole number of seconds ≥ 2',
  );
  const name = values.name as string | undefined;
  if (name !== undefined && !/^[\w.-]{1,64}$/.test(name))
    throw new UsageError('--name may hold letters, digits, "_", "." and "-" (at most 64)');

  const node = await EvaluatorNode.start({
    broker,
    concurrency,
    name,
    memoryBudgetBytes: budgetMb === undefined ? undefined : budgetMb * 1024 * 1024,
    lockMs: lockSeconds === undefined ? undefined : lockSeconds * 1000,
    log: (line) => ctx.log(`${new Date().toISOString()} ${line}`),
  });
  // Runs until told to stop: the first signal lets running jobs finish, a second ends at once
  // (the jobs' locks then lapse and other nodes take them).
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      const now = () => process.exit(130);
      process.once('SIGTERM', now);
      process.once('SIGINT', now);
      ctx.log('stopping: finishing the jobs in hand (signal again to stop at once)…');
      resolve();
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
  await node.close();
  const stats = node.stats;
  return {
    json: { node: node.name, broker: node.broker, ...stats },
    text: `evaluator node ${node.name} stopped: ${stats.done} job(s) done, ${stats.failed} failed`,
  };
}

export async function farmStatusCommand(
  argv: string[],
  ctx: CommandContext,
): Promise<CommandResult> {
  const { values } = parseCommand(argv, BROKER_OPTIONS, []);
  const broker = brokerOption(values, ctx.env);
  if (broker === undefined) throw new UsageError('farm status needs --broker URL');
  const status = await farmStatus(broker);
  const { queue, throughput } = status;
  const lines = [
    `farm at ${status.broker}: ${status.nodes.length} node(s), ` +
      `${throughput.jobsPerMinute} job(s) in the last minute, ${(100 * throughput.utilisation).toFixed(0)} % of node threads busy`,
    `queue: ${queue.waiting} waiting, ${queue.active} running, ${queue.delayed} to retry, ${queue.failed} failed, ${queue.completed} done and not yet collected`,
    ...status.nodes.map(
      (n) =>
        `  ${n.name.padEnd(24)} ${n.busy}/${n.concurrency} busy  ${n.done} done  ${n.failed} failed  ` +
        `cache ${Math.round(n.cacheBytes / 1024 ** 2)}/${Math.round(n.cacheBudgetBytes / 1024 ** 2)} MB`,
    ),
  ];
  return { json: status, text: lines.join('\n') };
}

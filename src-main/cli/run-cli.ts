// The `sealsight` command line: a thin layer over the engine.
import { CliError, UsageError } from './cli-io.ts';
import type { CommandContext, CommandResult } from './cli-io.ts';
import {
  exportCommand,
  listCommand,
  vaultInitCommand,
  verifyCommand,
} from './commands/vault-commands.ts';
import { importCommand } from './commands/import-command.ts';
import { classifyCommand } from './commands/classify-command.ts';
import { trainCommand } from './commands/train-command.ts';
import { obfEvaluateCommand, obfTrainCommand } from './commands/obf-train-command.ts';
import { obfIndexCommand } from './commands/obf-vault-commands.ts';
import { searchCommand } from './commands/search-command.ts';
import { securityCommand } from './commands/security-command.ts';
import { evaluateCommand } from './commands/evaluate-command.ts';
import { ensembleCommand } from './commands/ensemble-command.ts';
import { embeddingHeadCommand } from './commands/embedding-head-command.ts';
import { evaluatorCommand, farmStatusCommand } from './commands/farm-commands.ts';

type Command = (argv: string[], ctx: CommandContext) => Promise<CommandResult>;

const COMMANDS: Record<string, { run: Command; usage: string }> = {
  'vault init': { run: vaultInitCommand, usage: 'vault init <dir>' },
  import: {
    run: importCommand,
    usage:
      'import <vault> <folder> [--labels-from-folders] [--threshold N] [--min-chunks N] [--workers N] [--layout auto|blocks|lanes] [--follow-symlinks] [--memory-budget MB]',
  },
  list: { run: listCommand, usage: 'list <vault>' },
  classify: {
    run: classifyCommand,
    usage:
      'classify <vault> [--model FILE] [--workers N] [--all] [--broker redis://[user:password@]host:port [--tls]]',
  },
  evaluator: {
    run: evaluatorCommand,
    usage:
      'evaluator --broker redis://[user:password@]host:port [--tls] [--concurrency N] [--name NODE] [--memory-budget MB] [--lock-seconds S]',
  },
  'farm status': {
    run: farmStatusCommand,
    usage: 'farm status --broker redis://[user:password@]host:port [--tls]',
  },
  train: {
    run: trainCommand,
    usage:
      'train <labelled-folder> --out FILE [--epochs N] [--seed N] [--members N] [--workers N] [--val-fraction F] [--threshold T] [--min-chunks N] [--channels N] [--kernel N] [--stride N] [--hidden N] [--activation square|relu] [--dropout P] [--label-smoothing E]',
  },
  ensemble: {
    run: ensembleCommand,
    usage: 'ensemble <model-file>… --out FILE [--ranges-from <labelled-folder>]',
  },
  'embedding-head': {
    run: embeddingHeadCommand,
    usage: 'embedding-head <model-file> <labelled-folder> --out FILE [--dims N]',
  },
  evaluate: {
    run: evaluateCommand,
    usage:
      'evaluate <labelled-folder> [--model FILE] [--encrypted] [--layout auto|blocks|lanes] [--threshold T] [--min-chunks N] [--workers N]',
  },
  'security-report': {
    run: securityCommand,
    usage:
      'security-report <folder> [--size N] [--out DIR] [--examples N] [--key-file F] [--limit-per-folder N] [--title T]',
  },
  'obf train': {
    run: obfTrainCommand,
    usage:
      'obf train --vault <vault> [--epochs N] [--val-fraction F] …  |  obf train <dataset|mnist> --demo-key --out FILE [--key-from MODEL] [--arch dcnn|bit-mlp|cnn|mlp] [--condition arnold+xor|xor|arnold|plaintext] [--epochs N] [--seed N] [--size N] [--bit-planes N] [--shift N] [--train-limit N]',
  },
  'obf evaluate': { run: obfEvaluateCommand, usage: 'obf evaluate <dataset|mnist> --model FILE' },
  'obf index': { run: obfIndexCommand, usage: 'obf index <vault> [--model FILE|ID]' },
  search: {
    run: searchCommand,
    usage:
      'search <vault> <image-id|file> [--k N] [--model FILE] [--workers N] | [--tier obfuscated [--model FILE|ID]]',
  },
  export: { run: exportCommand, usage: 'export <vault> <image-id> <out-file> [--force]' },
  verify: { run: verifyCommand, usage: 'verify <vault>' },
};

export const USAGE = [
  'usage: sealsight <command> [options]',
  ...Object.values(COMMANDS).map((c) => `  sealsight ${c.usage} [--json] [--passphrase-file F]`),
  'The passphrase comes from SEALSIGHT_PASSPHRASE, --passphrase-file, or a prompt.',
  "A broker's password may come from SEALSIGHT_BROKER_PASSWORD instead of the URL.",
  'With --json, stdout carries exactly one JSON document; progress and logs go to stderr.',
].join('\n');

function findCommand(argv: string[]): { run: Command; rest: string[] } | null {
  const two = argv.slice(0, 2).join(' ');
  if (COMMANDS[two]) return { run: COMMANDS[two].run, rest: argv.slice(2) };
  const one = argv[0];
  if (one !== undefined && COMMANDS[one] && one !== 'vault')
    return { run: COMMANDS[one].run, rest: argv.slice(1) };
  return null;
}

export async function runCli(
  argv: string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const json = argv.includes('--json');
  const ctx: CommandContext = { json, env, log: (line) => process.stderr.write(`${line}\n`) };
  try {
    if (argv.length === 0 || argv[0] === '--help' || argv[0] === 'help') {
      if (json) process.stdout.write(`${JSON.stringify({ usage: USAGE })}\n`);
      else process.stdout.write(`${USAGE}\n`);
      return 0;
    }
    const command = findCommand(argv);
    if (!command)
      throw new UsageError(
        `unknown command "${argv
          .filter((a) => !a.startsWith('-'))
          .slice(0, 2)
          .join(' ')}"`,
      );
    const result = await command.run(command.rest, ctx);
    process.stdout.write(json ? `${JSON.stringify(result.json)}\n` : `${result.text}\n`);
    return result.exitCode ?? 0;
  } catch (error) {
    const exitCode = error instanceof CliError ? error.exitCode : 1;
    const reason = errorReason(error).split('\n')[0];
    if (json) process.stdout.write(`${JSON.stringify({ error: reason, exitCode })}\n`);
    process.stderr.write(`sealsight: ${reason}\n`);
    if (error instanceof UsageError) process.stderr.write(`${USAGE}\n`);
    return exitCode;
  }
}

/**
 * One line for any thrown value. SEAL's C++ exceptions arrive as WebAssembly.Exception
 * (not an Error) whose `message` is [type, what]: print "std::logic_error: what" rather
 * than "[object WebAssembly.Exception]".
 */
export function errorReason(error: unknown): string {
  if (error instanceof Error) return error.message;
  const message = (error as { message?: unknown } | null)?.message;
  if (Array.isArray(message)) return message.map(String).join(': ');
  if (typeof message === 'string') return message;
  return String(error);
}

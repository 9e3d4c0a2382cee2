// Where the passphrase comes from: SEALSIGHT_PASSPHRASE, --passphrase-file, or an
// interactive prompt on the terminal (echo off). It is never printed or logged.
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { CliError } from './cli-io.ts';

export const MIN_PASSPHRASE_LENGTH = 8;

export async function resolvePassphrase(
  env: NodeJS.ProcessEnv,
  passphraseFile: string | undefined,
  options: { confirm: boolean },
): Promise<string> {
  if (passphraseFile !== undefined) {
    const text = await readFile(passphraseFile, 'utf8').catch((error: NodeJS.ErrnoException) => {
      throw new CliError(
        `cannot read passphrase file ${passphraseFile}: ${error.code ?? error.message}`,
      );
    });
    return requireNonEmpty(text.replace(/\r?\n$/, ''), passphraseFile);
  }
  const fromEnv = env.SEALSIGHT_PASSPHRASE;
  if (fromEnv !== undefined) return requireNonEmpty(fromEnv, 'SEALSIGHT_PASSPHRASE');
  if (!process.stdin.isTTY) {
    throw new CliError(
      'no passphrase: set SEALSIGHT_PASSPHRASE, pass --passphrase-file, or run in a terminal',
    );
  }
  const first = await promptHidden('Vault passphrase: ');
  if (options.confirm) {
    const second = await promptHidden('Repeat passphrase: ');
    if (first !== second) throw new CliError('the passphrases do not match');
  }
  return requireNonEmpty(first, 'the prompt');
}

function requireNonEmpty(passphrase: string, source: string): string {
  if (passphrase.length === 0) throw new CliError(`empty passphrase from ${source}`);
  return passphrase;
}

export function checkNewPassphrase(passphrase: string): void {
  if ([...passphrase].length < MIN_PASSPHRASE_LENGTH) {
    throw new CliError(`passphrase too short: use at least ${MIN_PASSPHRASE_LENGTH} characters`);
  }
}

function promptHidden(question: string): Promise<string> {
  let muted = false;
  const output = new Writable({
    write(chunk, _encoding, callback) {
      if (!muted) process.stderr.write(chunk);
      callback();
    },
  });
  const rl = createInterface({ input: process.stdin, output, terminal: true });
  return new Promise((resolve, reject) => {
    rl.question(question, (answer) => {
      rl.close();
      process.stderr.write('\n');
      resolve(answer);
    });
    muted = true;
    rl.on('SIGINT', () => {
      rl.close();
      reject(new CliError('cancelled', 130));
    });
  });
}

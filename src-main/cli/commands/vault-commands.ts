// `vault init`, `list`, `export`, `verify`: the vault's key-holder commands.
import { parseArgs } from 'node:util';
import type { ParseArgsOptionsConfig } from 'node:util';
import path from 'node:path';
import {
  assertIsVault,
  exportOriginal,
  galleryListing,
  initVault,
  isGalleryError,
  openVault,
  verifyVault,
} from '../../engine/index.ts';
import type { GalleryEntry, UnlockedVault } from '../../engine/index.ts';
import { CliError, UsageError } from '../cli-io.ts';
import type { CommandContext, CommandResult } from '../cli-io.ts';
import { checkNewPassphrase, resolvePassphrase } from '../passphrase.ts';

const commonOptions = {
  json: { type: 'boolean' },
  'passphrase-file': { type: 'string' },
} as const;

export function parseCommand<T extends ParseArgsOptionsConfig>(
  argv: string[],
  options: T,
  positionals: string[],
) {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: { ...commonOptions, ...options } as typeof commonOptions & T,
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  // A last name ending in '…' takes one or more values (`<model…>`).
  const variadic = positionals.at(-1)?.endsWith('…') === true;
  const count = parsed.positionals.length;
  if (variadic ? count < positionals.length : count !== positionals.length) {
    throw new UsageError(`expected ${positionals.map((p) => `<${p}>`).join(' ')}`);
  }
  return parsed;
}

export async function withVault<T>(
  ctx: CommandContext,
  dir: string,
  passphraseFile: string | undefined,
  fn: (vault: UnlockedVault) => Promise<T> | T,
): Promise<T> {
  await assertIsVault(dir); // before asking for a passphrase
  const passphrase = await resolvePassphrase(ctx.env, passphraseFile, { confirm: false });
  const vault = await openVault(dir, passphrase);
  try {
    if (vault.headerSource === 'backup') {
      ctx.log('vault.json was missing or damaged; unlocked from vault.json.bak and restored it');
    }
    return await fn(vault);
  } finally {
    vault.close();
  }
}

export async function vaultInitCommand(
  argv: string[],
  ctx: CommandContext,
): Promise<CommandResult> {
  const { values, positionals } = parseCommand(argv, {}, ['dir']);
  const dir = path.resolve(positionals[0]!);
  const passphrase = await resolvePassphrase(
    ctx.env,
    values['passphrase-file'] as string | undefined,
    { confirm: true },
  );
  checkNewPassphrase(passphrase);
  ctx.log('deriving the key-encryption key and generating CKKS keys…');
  const { vaultId } = await initVault(dir, passphrase);
  return { json: { vault: dir, vaultId }, text: `created vault ${vaultId} in ${dir}` };
}

export async function listCommand(argv: string[], ctx: CommandContext): Promise<CommandResult> {
  const { values, positionals } = parseCommand(argv, {}, ['vault']);
  const dir = path.resolve(positionals[0]!);
  const listing = await withVault(
    ctx,
    dir,
    values['passphrase-file'] as string | undefined,
    galleryListing,
  );
  // Images that cannot be read are reported, not fatal: the rest are listed, exit code 1.
  const errors = listing
    .filter(isGalleryError)
    .map(({ id, error }) => ({ id, item: 'meta', reason: error }));
  const images = listing
    .filter((entry): entry is GalleryEntry => !isGalleryError(entry))
    .map(({ summary, classification: result, problems }) => {
      for (const { item, reason } of problems) errors.push({ id: summary.id, item, reason });
      const classification = result
        ? { modelId: result.modelId, predicted: result.predicted, scores: result.scores }
        : null;
      return { ...summary, classification };
    });
  const lines = images.map(
    (image) =>
      `${image.id.slice(0, 12)}  ${(image.label ?? '-').padEnd(16)} ${(image.classification ? `→ ${image.classification.predicted}` : '').padEnd(18)} ${String(image.featureIndices.length).padStart(2)}/16 CKKS${image.lowGradient ? ' (low gradient)' : ''}  ${image.name}`,
  );
  const problems = errors.map((e) => `  ${e.id.slice(0, 12)}  ${e.item}: ${e.reason}`);
  return {
    json: { vault: dir, count: images.length, images, errors },
    text: [
      `${images.length} image(s) in ${dir}`,
      ...lines,
      ...(errors.length > 0 ? [`${errors.length} item(s) could not be read:`, ...problems] : []),
    ].join('\n'),
    exitCode: errors.length > 0 ? 1 : 0,
  };
}

export async function exportCommand(argv: string[], ctx: CommandContext): Promise<CommandResult> {
  const { values, positionals } = parseCommand(argv, { force: { type: 'boolean' } }, [
    'vault',
    'image-id',
    'out-file',
  ]);
  const [dir, id, out] = positionals.map((p, i) => (i === 1 ? p : path.resolve(p))) as [
    string,
    string,
    string,
  ];
  const exported = await withVault(
    ctx,
    dir,
    values['passphrase-file'] as string | undefined,
    (vault) => exportOriginal(vault, id, out, { overwrite: values.force === true }),
  );
  return {
    json: {
      id: exported.id,
      name: exported.name,
      outFile: exported.outFile,
      bytes: exported.byteLength,
    },
    text: `wrote ${exported.name} (${exported.byteLength} bytes) to ${exported.outFile}`,
  };
}

export async function verifyCommand(argv: string[], ctx: CommandContext): Promise<CommandResult> {
  const { values, positionals } = parseCommand(argv, {}, ['vault']);
  const dir = path.resolve(positionals[0]!);
  const report = await withVault(
    ctx,
    dir,
    values['passphrase-file'] as string | undefined,
    verifyVault,
  );
  const ok = report.problems.length === 0;
  const text = ok
    ? `ok: ${report.images} image(s), ${report.itemsChecked} encrypted items authenticated`
    : [
        `${report.problems.length} problem(s):`,
        ...report.problems.map((p) => `  ${p.image} ${p.item}: ${p.reason}`),
      ].join('\n');
  if (!ok && !ctx.json) throw new CliError(text.split('\n').slice(0, 2).join(' '));
  return { json: { vault: dir, ok, ...report }, text, exitCode: ok ? 0 : 1 };
}

// `sealsight import <vault> <folder>`: progress with ETA on stderr, Ctrl-C cancels
// cleanly (in-flight images finish, the vault stays consistent, re-run resumes).
// `--layout auto|blocks|lanes`: CKKS storage layout; auto = lanes from LANES_MIN_IMAGES
// new images (throughput), blocks below (latency).
// `--follow-symlinks`: also import what symbolic links outside the folder point to
// (by default they are listed as not imported). `--memory-budget MB`: file content in
// flight at once (default 256; a single larger file still goes, alone).
import path from 'node:path';
import { importFolderWithLayout, LANES_MIN_IMAGES, LAYOUT_CHOICES } from '../../engine/index.ts';
import {
  minChunksOption,
  numberOption,
  parseWorkers,
  progressPrinter,
  UsageError,
  withCancellation,
} from '../cli-io.ts';
import type { CommandContext, CommandResult } from '../cli-io.ts';
import { parseCommand, withVault } from './vault-commands.ts';

const LAYOUTS = LAYOUT_CHOICES;
const MIB = 1024 * 1024;

export async function importCommand(argv: string[], ctx: CommandContext): Promise<CommandResult> {
  const { values, positionals } = parseCommand(
    argv,
    {
      'labels-from-folders': { type: 'boolean' },
      threshold: { type: 'string' },
      'min-chunks': { type: 'string' },
      workers: { type: 'string' },
      layout: { type: 'string' },
      'follow-symlinks': { type: 'boolean' },
      'memory-budget': { type: 'string' },
    },
    ['vault', 'folder'],
  );
  const threshold = values.threshold === undefined ? undefined : Number(values.threshold);
  if (threshold !== undefined && !(Number.isFinite(threshold) && threshold >= 0)) {
    throw new UsageError(`--threshold must be a number ≥ 0, got "${values.threshold as string}"`);
  }
  const minFeatureChunks = minChunksOption(values['min-chunks']);
  const workers = parseWorkers(values.workers);
  const layout = (values.layout ?? 'auto') as (typeof LAYOUTS)[number];
  if (!LAYOUTS.includes(layout))
    throw new UsageError(`--layout must be one of ${LAYOUTS.join(', ')}, got "${layout}"`);
  const budgetMb = numberOption(
    values['memory-budget'],
    'memory-budget',
    (mb) => Number.isFinite(mb) && mb >= 1 && mb * MIB <= Number.MAX_SAFE_INTEGER,
    'a number of megabytes ≥ 1',
  );
  const [vaultDir, folder] = positionals.map((p) => path.resolve(p)) as [string, string];
  const print = progressPrinter('import');
  return withCancellation(ctx, 'images', async (signal) => {
    const { report, storage, memory } = await withVault(
      ctx,
      vaultDir,
      values['passphrase-file'] as string | undefined,
      (vault) =>
        importFolderWithLayout(vault, folder, {
          labelsFromFolders: values['labels-from-folders'] === true,
          threshold,
          minFeatureChunks,
          workers,
          layout,
          followSymlinks: values['follow-symlinks'] === true,
          memoryBudgetBytes: budgetMb === undefined ? undefined : Math.floor(budgetMb * MIB),
          signal,
          onProgress: (p) =>
            print(
              p.done,
              p.total,
              p.etaMs,
              ` imported ${p.imported}, duplicates ${p.duplicates}, failed ${p.failed}`,
            ),
        }),
    );
    for (const failure of report.failed)
      ctx.log(`could not import ${failure.file}: ${failure.reason}`);
    if (report.failed.some((f) => f.reason.includes('outside the import folder')))
      ctx.log(
        'symbolic links leading outside the folder were not followed: --follow-symlinks follows them',
      );
    const text = [
      `${report.cancelled ? 'cancelled' : 'done'}: ${report.imported} imported, ${report.duplicates} duplicate(s), ${report.failed.length} failed, ${report.skippedNonImages} non-image file(s) skipped`,
      storage.layout === 'lanes'
        ? `stored as lanes: ${storage.laneBatches} lane batch(es)${storage.blockImages > 0 ? `, ${storage.blockImages} image(s) of a small last batch as blocks` : ''}`
        : `stored as blocks (lanes from ${LANES_MIN_IMAGES} new images or with --layout lanes)`,
      `${report.imagesPerSecond.toFixed(1)} images/s over ${report.seconds.toFixed(1)} s; ${report.lowGradient} image(s) below the threshold used their strongest chunks`,
      ...(report.cancelled ? ['run the same command again to resume'] : []),
    ].join('\n');
    return {
      json: { vault: vaultDir, ...report, storage, memory },
      text,
      exitCode: report.cancelled ? 130 : 0,
    };
  });
}

// `sealsight import <vault> <folder>`: progress with ETA on stderr, Ctrl-C cancels
// cleanly (in-flight images finish, the vault stays consistent, re-run resumes).
// `--layout auto|blocks|lanes`: CKKS storage layout; auto = lanes from LANES_MIN_IMAGES
// new images (throughput), blocks below (latency).
import path from 'node:path';
import { importFolderWithLayout, LANES_MIN_IMAGES } from '../../engine/index.ts';
import {
  minChunksOption,
  parseWorkers,
  progressPrinter,
  UsageError,
  withCancellation,
} from '../cli-io.ts';
import type { CommandContext, CommandResult } from '../cli-io.ts';
import { parseCommand, withVault } from './vault-commands.ts';

const LAYOUTS = ['auto', 'blocks', 'lanes'] as const;

export async function importCommand(argv: string[], ctx: CommandContext): Promise<CommandResult> {
  const { values, positionals } = parseCommand(
    argv,
    {
      'labels-from-folders': { type: 'boolean' },
      threshold: { type: 'string' },
      'min-chunks': { type: 'string' },
      workers: { type: 'string' },
      layout: { type: 'string' },
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
  const [vaultDir, folder] = positionals.map((p) => path.resolve(p)) as [string, string];
  const print = progressPrinter('import');
  return withCancellation(ctx, 'images', async (signal) => {
    const { report, storage } = await withVault(
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
    const text = [
      `${report.cancelled ? 'cancelled' : 'done'}: ${report.imported} imported, ${report.duplicates} duplicate(s), ${report.failed.length} failed, ${report.skippedNonImages} non-image file(s) skipped`,
      storage.layout === 'lanes'
        ? `stored as lanes: ${storage.laneBatches} lane batch(es)${storage.blockImages > 0 ? `, ${storage.blockImages} image(s) of a small last batch as blocks` : ''}`
        : `stored as blocks (lanes from ${LANES_MIN_IMAGES} new images or with --layout lanes)`,
      `${report.imagesPerSecond.toFixed(1)} images/s over ${report.seconds.toFixed(1)} s; ${report.lowGradient} image(s) below the threshold used their strongest chunks`,
      ...(report.cancelled ? ['run the same command again to resume'] : []),
    ].join('\n');
    return {
      json: { vault: vaultDir, ...report, storage },
      text,
      exitCode: report.cancelled ? 130 : 0,
    };
  });
}

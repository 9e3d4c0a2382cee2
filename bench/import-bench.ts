// Import throughput, peak memory and bytes at rest for the NEU-CLS development
// folder into a fresh vault. Target on the 2-core machine: ≥ 20 images/s, ≤ 1.5 MB/image.
// `--layout auto|blocks|lanes` (default auto: a folder this size is stored as lane batches);
// CKKS bytes count both layouts' ciphertexts.
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import path from 'node:path';
import {
  CATALOGUE_FILE,
  importFolderWithLayout,
  initVault,
  openVault,
} from '../src-main/engine/index.ts';
import { NEU_DIR, option } from './bench-options.ts';

export async function runImportBench(folder = process.env.SEALSIGHT_BENCH_FOLDER ?? NEU_DIR) {
  const layout = option('layout', 'auto');
  if (!['auto', 'blocks', 'lanes'].includes(layout))
    throw new Error(`--layout must be auto, blocks or lanes, got ${layout}`);
  const dir = await mkdtemp(path.join(tmpdir(), 'sealsight-bench-'));
  const vaultDir = path.join(dir, 'vault');
  const passphrase = 'benchmark passphrase';
  try {
    await initVault(vaultDir, passphrase);
    const vault = await openVault(vaultDir, passphrase);
    let imported;
    let peakRssBytes = 0;
    const sample = setInterval(
      () => (peakRssBytes = Math.max(peakRssBytes, process.memoryUsage.rss())),
      50,
    );
    try {
      let lastLog = 0;
      imported = await importFolderWithLayout(vault, folder, {
        labelsFromFolders: true,
        layout: layout as 'auto' | 'blocks' | 'lanes',
        onProgress: (p) => {
          if (p.done - lastLog >= 100 || p.done === p.total) {
            lastLog = p.done;
            process.stderr.write(`bench import ${p.done}/${p.total}\n`);
          }
        },
      });
    } finally {
      clearInterval(sample);
    }
    const { report, storage } = imported;
    const blockBytes = vault.catalogue.read.images.storedBytes();
    const laneBytes = vault.catalogue.read.laneBatches.storedBytes();
    const bytes = { ...blockBytes, ckks: blockBytes.ckks + laneBytes.ckks };
    vault.close();
    const catalogueBytes = (await stat(path.join(vaultDir, CATALOGUE_FILE))).size;
    return {
      benchmark: 'import',
      folder,
      cores: availableParallelism(),
      cpu: cpus()[0]?.model ?? 'unknown',
      workers: availableParallelism(),
      storage,
      images: report.imported,
      failed: report.failed.length,
      duplicates: report.duplicates,
      seconds: round(report.seconds),
      imagesPerSecond: round(report.imagesPerSecond),
      peakRssMB: round(Math.max(peakRssBytes, process.resourceUsage().maxRSS * 1024) / 2 ** 20),
      bytesPerImage: {
        ckks: Math.round(bytes.ckks / bytes.images),
        aes: Math.round(bytes.aes / bytes.images),
        total: Math.round((bytes.ckks + bytes.aes) / bytes.images),
        catalogueFileTotal: Math.round(catalogueBytes / bytes.images),
      },
      lowGradientImages: report.lowGradient,
      targets: { imagesPerSecond: 20, bytesPerImageMax: 1.5e6 },
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}

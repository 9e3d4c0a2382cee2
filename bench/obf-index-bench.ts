// `npm run bench -- obf-index [--data DIR] [--images N] [--epochs N]`: what the app's
// main thread goes through when a vault's images are indexed for similar-image search.
// A vault of N NEU-CLS images (default 1,000) is made, a search model is trained on it and
// the first search indexes every image, all through the AppService (exactly what the
// Electron main process runs). Meanwhile the event loop is watched: the longest delay is
// the longest the window would wait for an answer. For comparison, the same indexing with
// the net in the main thread (the CLI's way) runs in the same process right after.
import { mkdtemp, readdir, rm, symlink, mkdir } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createAppService } from '../src-main/app/app-service.ts';
import { initTfWasm } from '../src-main/engine/ml/tf-wasm.ts';
import { inThreadEmbedder } from '../src-main/engine/obfuscated/obf-embedder.ts';
import { importFolderWithLayout, openVault } from '../src-main/engine/index.ts';
import { indexObfuscated } from '../src-main/engine/vault/obfuscated/obf-embeddings.ts';
import { listObfVaultModels } from '../src-main/engine/vault/obfuscated/obf-vault-models.ts';
import { NEU_DIR, option } from './bench-options.ts';
import { withCatalogueFile } from '../test/helpers/catalogue-file.ts';

const PASS = 'benchmark passphrase';

/** Event-loop delay while `work` runs: max and p99 in ms (5 ms resolution). */
async function watched<T>(work: () => Promise<T>) {
  const histogram = monitorEventLoopDelay({ resolution: 5 });
  histogram.enable();
  const started = performance.now();
  const result = await work();
  const seconds = (performance.now() - started) / 1000;
  histogram.disable();
  return {
    result,
    seconds,
    eventLoopDelayMs: {
      max: histogram.max / 1e6,
      p99: histogram.percentile(99) / 1e6,
      mean: histogram.mean / 1e6,
    },
  };
}

/** A labelled folder of the first N/6 images per class (links into the data set). */
async function pickImages(data: string, count: number, into: string): Promise<number> {
  const classes = (await readdir(data)).sort();
  const per = Math.ceil(count / classes.length);
  let n = 0;
  for (const label of classes) {
    await mkdir(path.join(into, label), { recursive: true });
    for (const name of (await readdir(path.join(data, label))).sort().slice(0, per)) {
      if (n === count) break;
      await symlink(path.join(data, label, name), path.join(into, label, name));
      n++;
    }
  }
  return n;
}

export async function runObfIndexBench() {
  const data = path.resolve(option('data', NEU_DIR));
  const images = Number(option('images', '1000'));
  const epochs = Number(option('epochs', '3'));
  const dir = await mkdtemp(path.join(tmpdir(), 'sealsight-bench-obf-'));
  const vaultDir = path.join(dir, 'vault');
  const service = createAppService({ stateDir: path.join(dir, 'state'), idleLockMs: 0 });
  try {
    const folder = path.join(dir, 'images');
    const picked = await pickImages(data, images, folder);
    await service.handle('vault:create', { dir: vaultDir, passphrase: PASS });
    await service.handle('vault:lock', {});
    {
      // Imported with the engine (lanes: the fast layout); labels from the folders.
      const vault = await openVault(vaultDir, PASS);
      await importFolderWithLayout(vault, folder, {
        labelsFromFolders: true,
        followSymlinks: true,
        layout: 'lanes',
      });
      vault.close();
    }
    await service.handle('vault:unlock', { dir: vaultDir, passphrase: PASS });
    process.stderr.write(`bench obf-index: ${picked} images imported; training\n`);
    const training = await watched(() =>
      service.handle('search:train-model', {
        jobId: 'bench-train',
        epochs,
        validationFraction: 0.2,
      }),
    );
    const { items } = (await service.handle('images:list', {})) as { items: Array<{ id: string }> };
    process.stderr.write('bench obf-index: indexing through the app (net in a worker)\n');
    const app = await watched(() =>
      service.handle('search:similar', { jobId: 'bench-search', id: items[0]!.id, k: 10 }),
    );
    await service.handle('vault:lock', {});

    process.stderr.write('bench obf-index: indexing with the net in the main thread\n');
    // The app's index is dropped from the file (the product never deletes embeddings).
    withCatalogueFile(vaultDir, (db) => db.prepare('DELETE FROM obf_embeddings').run());
    const vault = await openVault(vaultDir, PASS);
    const [{ model }] = listObfVaultModels(vault);
    const embedder = await inThreadEmbedder(await initTfWasm(), model!, 'vault model');
    const inThread = await watched(() => indexObfuscated(vault, model!, embedder, {}));
    await embedder.dispose();
    vault.close();
    const summary = (run: { seconds: number; eventLoopDelayMs: object }) => ({
      seconds: Number(run.seconds.toFixed(2)),
      imagesPerSecond: Number((picked / run.seconds).toFixed(1)),
      longestMainThreadBlockMs: Number((run.eventLoopDelayMs as { max: number }).max.toFixed(1)),
      eventLoopDelayMs: run.eventLoopDelayMs,
    });
    return {
      benchmark: 'obf-index',
      data,
      images: picked,
      machine: { cpus: cpus().length, model: cpus()[0]?.model ?? 'unknown' },
      training: { epochs, ...summary(training) },
      indexing: {
        app: { embedder: 'worker thread (the app)', ...summary(app) },
        mainThread: { embedder: 'main thread (the CLI)', ...summary(inThread) },
        newlyIndexed: (app.result as { newlyIndexed: number }).newlyIndexed,
      },
      note: 'longestMainThreadBlockMs: the largest event-loop delay (5 ms resolution) while the job ran: how long a window request could wait',
    };
  } finally {
    await service.dispose();
    await rm(dir, { recursive: true, force: true });
  }
}

// The farm bench's vault: reused when --vault names one, else built from NEU-CLS images
// picked round-robin over the classes — for lanes, exactly the images whose feature chunks
// fill the bench's lane batches (as import cuts them), so the jobs balance over two nodes.
import { mkdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { importFolderWithLayout, initVault, openVault } from '../src-main/engine/index.ts';
import type { UnlockedVault } from '../src-main/engine/vault/vault.ts';
import {
  ckksPresetById,
  DEFAULT_CKKS_PRESET,
} from '../src-main/engine/sealed/ckks/ckks-presets.ts';
import { processImage } from '../src-main/engine/image/index.ts';
import { imagesPerClass, labelledFolder } from '../test/helpers/fixtures.ts';
import { NEU_DIR, option } from './bench-options.ts';

export const PASSPHRASE = process.env.SEALSIGHT_PASSPHRASE ?? 'farm bench passphrase';
/** Lane batches the default lanes run fills: 6 jobs, 3 per node. */
const LANE_BATCHES = 2;
/** Greedy whole-image packing wastes < 16 lanes per cut (he-bench.ts). */
const MAX_WASTE = 15;
const BLOCK_IMAGES = 32;

export async function buildOrOpenVault(
  vaultDir: string,
  layout: 'blocks' | 'lanes',
  scratch: string,
  log: (line: string) => void,
): Promise<UnlockedVault> {
  const exists = await stat(path.join(vaultDir, 'vault.json')).then(
    () => true,
    () => false,
  );
  if (exists) {
    log(`reusing the vault at ${vaultDir}`);
    return openVault(vaultDir, PASSPHRASE);
  }
  const data = option('data', NEU_DIR);
  const wanted = option('images', '');
  const picked =
    wanted === ''
      ? layout === 'lanes'
        ? await fillLaneBatches(data, LANE_BATCHES)
        : await roundRobin(data, BLOCK_IMAGES)
      : await roundRobin(data, Number(wanted));
  const folder = path.join(scratch, 'in');
  await labelledFolder(folder, picked);
  await mkdir(path.dirname(vaultDir), { recursive: true });
  await initVault(vaultDir, PASSPHRASE, { kdf: { logN: 14 } });
  const vault = await openVault(vaultDir, PASSPHRASE);
  log(`importing ${picked.length} images as ${layout}`);
  const imported = await importFolderWithLayout(vault, folder, { labelsFromFolders: true, layout });
  if (imported.report.failed.length > 0)
    throw new Error(`import failed: ${JSON.stringify(imported.report.failed[0])}`);
  log(
    `imported ${imported.report.imported} images in ${imported.report.seconds.toFixed(1)} s ` +
      `(${imported.storage.laneBatches} lane batches)`,
  );
  return vault;
}

/** `count` images, one class after another, from the first of each class on. */
async function roundRobin(data: string, count: number) {
  if (!(Number.isSafeInteger(count) && count >= 1))
    throw new Error(`--images must be a whole number ≥ 1`);
  const perClass = Math.ceil(count / 6);
  const byClass = new Map<string, Array<{ label: string; file: string }>>();
  for (const image of await imagesPerClass(data, perClass))
    byClass.set(image.label, [...(byClass.get(image.label) ?? []), image]);
  return Array.from({ length: perClass }, (_, i) =>
    [...byClass.values()].flatMap((list) => (list[i] ? [list[i]] : [])),
  )
    .flat()
    .slice(0, count);
}

/** Round-robin images whose feature chunks fill `batches` lane batches, as import cuts them. */
async function fillLaneBatches(data: string, batches: number) {
  const slots = ckksPresetById(DEFAULT_CKKS_PRESET.id).polyModulusDegree / 2;
  const budget = batches * slots - batches * MAX_WASTE;
  const out: Array<{ label: string; file: string }> = [];
  let lanes = 0;
  for (const image of await roundRobin(data, 6 * 240)) {
    const processed = await processImage(await readFile(image.file), image.file, {});
    const chunks = processed.chunks.filter((c) => c.isFeature).length;
    if (lanes + chunks > budget) break;
    lanes += chunks;
    out.push(image);
  }
  return out;
}

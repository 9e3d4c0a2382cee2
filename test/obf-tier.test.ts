// The obfuscated tier end to end through the CLI, on a steel vault of the bundled samples:
// train a net on the vault (under the vault's own key, stored in the vault), index the
// vault's images (embeddings stored AES-GCM-encrypted: the catalogue's bytes hold none of
// the embedding floats), search for similar images by id and by file, and clear errors for
// a model trained outside a vault without --demo-key and for a bad dataset path.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { importFolder, initVault, openVault } from '../src-main/engine/index.ts';
import { readObfResults } from '../src-main/engine/vault/obfuscated/obf-embeddings.ts';
import { CLI, SAMPLES_DIR, makeTempDir, sampleImages } from './helpers/fixtures.ts';
import { withCatalogueFile } from './helpers/catalogue-file.ts';

const PASS = 'obfuscated tier test';

function sealsight(args: string[]) {
  const result = spawnSync(process.execPath, [CLI, ...args], {
    env: { ...process.env, SEALSIGHT_PASSPHRASE: PASS },
    encoding: 'utf8',
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('obfuscated tier (CLI)', () => {
  let tmp: Awaited<ReturnType<typeof makeTempDir>>;
  let vaultDir: string;
  let vaultImages: Array<{ label: string; file: string }>;

  beforeAll(async () => {
    tmp = await makeTempDir();
    vaultImages = await sampleImages(2);
    vaultDir = path.join(tmp.dir, 'vault');
    await initVault(vaultDir, PASS, { kdf: { logN: 14 } });
    const vault = await openVault(vaultDir, PASS);
    await importFolder(vault, SAMPLES_DIR, { labelsFromFolders: true });
    vault.close();
  }, 60_000);
  afterAll(() => tmp.cleanup());

  it('trains on the vault, indexes with encrypted embeddings, and finds same-class neighbours', async () => {
    const train = sealsight([
      'obf',
      'train',
      '--vault',
      vaultDir,
      '--epochs',
      '20',
      '--val-fraction',
      '0',
      '--json',
    ]);
    expect(train.code, train.stderr).toBe(0);
    expect(train.stderr).toMatch(/ETA/);
    const trained = JSON.parse(train.stdout) as {
      modelId: string;
      images: { train: number; validation: number };
      classes: string[];
    };
    expect(trained.images).toEqual({ train: 12, validation: 0, failed: 0 });
    expect(trained.classes).toHaveLength(6);

    // The vault's own model is the default: no --model needed.
    const index = sealsight(['obf', 'index', vaultDir, '--json']);
    expect(index.code, index.stderr).toBe(0);
    const indexed = JSON.parse(index.stdout) as { indexed: unknown[]; skipped: number };
    expect(indexed.indexed).toHaveLength(12);
    const again = JSON.parse(
      sealsight(['obf', 'index', vaultDir, '--model', trained.modelId.slice(0, 8), '--json'])
        .stdout,
    );
    expect(again).toMatchObject({ modelId: trained.modelId, indexed: [], skipped: 12 });

    // No stored byte run equals a run of any embedding's floats.
    const vault = await openVault(vaultDir, PASS);
    const modelIds = withCatalogueFile(vaultDir, (db) =>
      db.prepare('SELECT DISTINCT model_id FROM obf_embeddings').pluck().all(),
    );
    const stored = await readObfResults(vault, modelIds[0] as string);
    vault.close();
    expect(stored.results).toHaveLength(12);
    const files = await readdir(vaultDir);
    const bytes = Buffer.concat(
      await Promise.all(files.map((f) => readFile(path.join(vaultDir, f)))),
    );
    for (const { embedding } of stored.results) {
      const raw = Buffer.from(embedding.buffer, embedding.byteOffset, embedding.byteLength);
      for (let offset = 0; offset < raw.length; offset += 64) {
        const run = raw.subarray(offset, offset + 16);
        if (run.every((b) => b === 0)) continue; // ReLU zeros are not content
        expect(bytes.indexOf(run)).toBe(-1);
      }
      expect(bytes.indexOf(Buffer.from(raw.toString('base64').slice(0, 24)))).toBe(-1);
    }

    // An image's nearest neighbour is the other image of its class (one query per class).
    const list = JSON.parse(sealsight(['list', vaultDir, '--json']).stdout) as {
      images: Array<{ id: string; label: string }>;
    };
    const classes = [...new Set(list.images.map((i) => i.label))];
    let sameClassFirst = 0;
    for (const image of classes.map((c) => list.images.find((i) => i.label === c)!)) {
      const search = sealsight([
        'search',
        vaultDir,
        image.id,
        '--tier',
        'obfuscated',
        '--k',
        '1',
        '--json',
      ]);
      expect(search.code, search.stderr).toBe(0);
      const result = JSON.parse(search.stdout) as {
        tier: string;
        results: Array<{ id: string; label: string; similarity: number }>;
      };
      expect(result.tier).toMatch(/not secure against known or chosen plaintexts/);
      expect(result.results.map((r) => r.id)).not.toContain(image.id);
      if (result.results[0]!.label === image.label) sameClassFirst++;
    }
    expect(sameClassFirst).toBeGreaterThanOrEqual(5);
    // A file query (not in the vault's index) finds its own stored copy first; text output labels the tier.
    const query = vaultImages[4]!;
    const text = sealsight(['search', vaultDir, query.file, '--tier', 'obfuscated', '--k', '3']);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(
      /obfuscation under a fixed key — not secure against known or chosen plaintexts; use the sealed tier for secrecy/,
    );
    expect(text.stdout).toMatch(new RegExp(`1\\. 1\\.0000 .*${query.label}`));
  }, 120_000);

  it('keeps keys out of model files: outside a vault only a demo model can be trained', () => {
    const run = sealsight(['obf', 'train', SAMPLES_DIR, '--out', path.join(tmp.dir, 'x.json')]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/would carry its obfuscation key in the model file/);
    expect(run.stderr).toMatch(/obf train --vault/);
  });

  it('names the file and the cause for a bad dataset path', () => {
    const missing = path.join(tmp.dir, 'no-such-folder');
    const run = sealsight([
      'obf',
      'train',
      missing,
      '--demo-key',
      '--out',
      path.join(tmp.dir, 'x.json'),
      '--json',
    ]);
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout)).toMatchObject({ error: expect.stringContaining(missing) });
    expect(run.stderr).toMatch(/cannot read dataset \(ENOENT\)/);
  });
});

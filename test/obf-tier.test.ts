// The obfuscated tier end to end through the CLI: train a small net on MedNIST images,
// index a vault's images (embeddings stored AES-GCM-encrypted: the catalogue's bytes hold
// none of the embedding floats), search for similar images, and a clear error for a bad
// dataset path.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { importFolder, initVault, openVault } from '../src-main/engine/index.ts';
import { readObfResults } from '../src-main/engine/vault/obf-embeddings.ts';
import { CLI, REPO_ROOT, labelledFolder, makeTempDir } from './helpers/fixtures.ts';

const PASS = 'obfuscated tier test';
const MEDNIST = path.resolve(REPO_ROOT, '../shared/datasets/mednist-legacy');
const CLASSES = ['CTHead', 'CXR', 'MRBreast'];

function sealsight(args: string[]) {
  const result = spawnSync(process.execPath, [CLI, ...args], {
    env: { ...process.env, SEALSIGHT_PASSPHRASE: PASS },
    encoding: 'utf8',
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

async function mednist(skip: number, perClass: number) {
  const out: Array<{ label: string; file: string }> = [];
  for (const label of CLASSES) {
    const names = (await readdir(path.join(MEDNIST, label))).sort().slice(skip, skip + perClass);
    out.push(...names.map((name) => ({ label, file: path.join(MEDNIST, label, name) })));
  }
  return out;
}

describe('obfuscated tier (CLI)', () => {
  let tmp: Awaited<ReturnType<typeof makeTempDir>>;
  let vaultDir: string;
  let modelFile: string;
  let vaultImages: Array<{ label: string; file: string }>;

  beforeAll(async () => {
    tmp = await makeTempDir();
    await labelledFolder(path.join(tmp.dir, 'train'), await mednist(0, 30));
    vaultImages = await mednist(100, 3);
    await labelledFolder(path.join(tmp.dir, 'in'), vaultImages);
    vaultDir = path.join(tmp.dir, 'vault');
    await initVault(vaultDir, PASS, { kdf: { logN: 14 } });
    const vault = await openVault(vaultDir, PASS);
    await importFolder(vault, path.join(tmp.dir, 'in'), { labelsFromFolders: true });
    vault.close();
    modelFile = path.join(tmp.dir, 'obf.json');
  }, 60_000);
  afterAll(() => tmp.cleanup());

  it('trains, indexes with encrypted embeddings, and finds same-class neighbours', async () => {
    const train = sealsight([
      'obf',
      'train',
      path.join(tmp.dir, 'train'),
      '--arch',
      'bit-mlp',
      '--size',
      '16',
      '--epochs',
      '6',
      '--out',
      modelFile,
      // A fixed (demo) key keeps the run deterministic: a fresh random key per run would
      // make the net, and so the neighbours, differ from run to run.
      '--demo-key',
      '--key-from',
      path.join(REPO_ROOT, 'assets', 'models', 'obf-mednist.json'),
      '--json',
    ]);
    expect(train.code, train.stderr).toBe(0);
    expect(train.stderr).toMatch(/ETA/);
    const trained = JSON.parse(train.stdout) as { images: { train: number; validation: number } };
    expect(trained.images).toEqual({ train: 72, validation: 18, failed: 0 });

    const index = sealsight(['obf', 'index', vaultDir, '--model', modelFile, '--json']);
    expect(index.code, index.stderr).toBe(0);
    const indexed = JSON.parse(index.stdout) as { indexed: unknown[]; skipped: number };
    expect(indexed.indexed).toHaveLength(9);
    const again = JSON.parse(
      sealsight(['obf', 'index', vaultDir, '--model', modelFile, '--json']).stdout,
    );
    expect(again).toMatchObject({ indexed: [], skipped: 9 });

    // No stored byte run equals a run of any embedding's floats.
    const vault = await openVault(vaultDir, PASS);
    const modelIds = vault.db.prepare('SELECT DISTINCT model_id FROM obf_embeddings').pluck().all();
    const stored = readObfResults(vault, modelIds[0] as string);
    vault.close();
    expect(stored.results).toHaveLength(9);
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

    // An image's two nearest neighbours are the other two images of its class (one query per class).
    const list = JSON.parse(sealsight(['list', vaultDir, '--json']).stdout) as {
      images: Array<{ id: string; label: string }>;
    };
    for (const image of CLASSES.map((c) => list.images.find((i) => i.label === c)!)) {
      const search = sealsight(['search', vaultDir, image.id, '--k', '2', '--json']);
      expect(search.code, search.stderr).toBe(0);
      const result = JSON.parse(search.stdout) as {
        tier: string;
        results: Array<{ id: string; label: string; similarity: number }>;
      };
      expect(result.tier).toMatch(/not secure against known or chosen plaintexts/);
      expect(result.results.map((r) => r.label)).toEqual([image.label, image.label]);
      expect(result.results.map((r) => r.id)).not.toContain(image.id);
    }
    // A file query (not in the vault's index) finds its own stored copy first; text output labels the tier.
    const query = vaultImages[4]!;
    const text = sealsight(['search', vaultDir, query.file, '--model', modelFile, '--k', '3']);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(
      /obfuscation under a fixed key — not secure against known or chosen plaintexts; use the sealed tier for secrecy/,
    );
    expect(text.stdout).toMatch(new RegExp(`1\\. 1\\.0000 .*${query.label}`));
  }, 120_000);

  it('names the file and the cause for a bad dataset path', () => {
    const missing = path.join(tmp.dir, 'no-such-folder');
    const run = sealsight([
      'obf',
      'train',
      missing,
      '--out',
      path.join(tmp.dir, 'x.json'),
      '--json',
    ]);
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout)).toMatchObject({ error: expect.stringContaining(missing) });
    expect(run.stderr).toMatch(/cannot read dataset \(ENOENT\)/);
  });
});

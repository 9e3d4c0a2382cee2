// The obfuscated tier as part of a vault: with only the models we ship, a steel vault gets
// no search (the MedNIST and MNIST demo models are refused by name); training on the vault
// makes a model under the vault's own key, and its search ranks same-class images first on
// the bundled samples. The key exists only wrapped: it round-trips through a re-open, is in
// no file of the vault and in no model, and a tampered or transplanted wrap does not open.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { importFolder, initVault, listImages, openVault } from '../src-main/engine/index.ts';
import type { UnlockedVault } from '../src-main/engine/vault/vault.ts';
import { IntegrityError } from '../src-main/engine/crypto/errors.ts';
import { inThreadEmbedder, workerEmbedder } from '../src-main/engine/obfuscated/obf-embedder.ts';
import { initTfWasm } from '../src-main/engine/ml/tf-wasm.ts';
import { chooseObfModel } from '../src-main/engine/vault/obfuscated/obf-model-choice.ts';
import {
  indexObfuscated,
  readObfResults,
  searchStored,
} from '../src-main/engine/vault/obfuscated/obf-embeddings.ts';
import {
  currentObfKey,
  obfKeyById,
  obfKeyFor,
} from '../src-main/engine/vault/obfuscated/obf-key.ts';
import {
  listObfVaultModels,
  loadObfVaultModel,
  storeObfVaultModel,
} from '../src-main/engine/vault/obfuscated/obf-vault-models.ts';
import { trainObfOnVault } from '../src-main/engine/vault/obfuscated/obf-vault-training.ts';
import { verifyVault } from '../src-main/engine/vault/verify-vault.ts';
import { REPO_ROOT, SAMPLES_DIR, makeTempDir } from './helpers/fixtures.ts';
import { openCatalogueFile, withCatalogueFile } from './helpers/catalogue-file.ts';

const PASS = 'obfuscated tier in the vault';
const DEMO_MODELS = ['obf-mednist.json', 'obf-mnist.json'].map((f) =>
  path.join(REPO_ROOT, 'assets', 'demo-models', f),
);

async function vaultFiles(dir: string): Promise<Buffer> {
  const names = await readdir(dir);
  return Buffer.concat(await Promise.all(names.map((n) => readFile(path.join(dir, n)))));
}

describe('obfuscated tier in a vault', () => {
  let tmp: Awaited<ReturnType<typeof makeTempDir>>;
  let vaultDir: string;
  let vault: UnlockedVault;
  let key: Buffer;
  let modelId: string;

  beforeAll(async () => {
    tmp = await makeTempDir();
    vaultDir = path.join(tmp.dir, 'vault');
    await initVault(vaultDir, PASS, { kdf: { logN: 14 } });
    vault = await openVault(vaultDir, PASS);
    await importFolder(vault, SAMPLES_DIR, { labelsFromFolders: true });
  }, 120_000);
  afterAll(async () => {
    vault.close(); // closing a closed vault does nothing
    await tmp.cleanup();
  });

  it('refuses the shipped demo models for a steel vault, each by name, and has no key yet', async () => {
    const chosen = await chooseObfModel(vault, DEMO_MODELS);
    expect('refused' in chosen && chosen.refused).toMatch(
      /obf-mednist\.json was trained on other classes \(CTAbd.*; .*obf-mnist\.json was trained on other classes/,
    );
    expect('refused' in chosen && chosen.refused).toMatch(/obf train --vault/);
    const none = await chooseObfModel(vault, []);
    expect('refused' in none && none.refused).toMatch(/no obfuscated-tier model is trained/);
    expect(
      withCatalogueFile(vaultDir, (db) =>
        db.prepare('SELECT count(*) FROM obf_keys').pluck().get(),
      ),
    ).toBe(0);
  });

  it('trains under the vault key and ranks same-class images first', async () => {
    const { model, report } = await trainObfOnVault(vault, { epochs: 20, valFraction: 0 });
    modelId = model.id;
    expect(report.classes).toHaveLength(6);
    expect(report.images.train).toBe(12);
    expect(model.keySource).toEqual({ kind: 'vault', vaultId: vault.vaultId, keyId: 1 });
    // Even with the demo models installed, the vault's own model is the one used.
    const chosen = await chooseObfModel(vault, DEMO_MODELS);
    expect('model' in chosen && chosen.model.id).toBe(model.id);

    const embedder = await inThreadEmbedder(await initTfWasm(), model, 'vault model');
    const index = await indexObfuscated(vault, model, embedder, {});
    await embedder.dispose();
    expect(index.indexed).toHaveLength(12);
    const stored = await readObfResults(vault, model.id);
    const labelOf = new Map(listImages(vault).map((image) => [image.id, image.label]));
    const sameClassFirst = stored.rows.filter((row, i) => {
      const [top] = searchStored(vault, stored, stored.results[i]!.embedding, 1, row.uid);
      return top!.label === labelOf.get(row.uid);
    }).length;
    expect(sameClassFirst).toBeGreaterThanOrEqual(11);
    const predictedRight = stored.rows.filter(
      (row, i) => stored.results[i]!.predicted === labelOf.get(row.uid),
    ).length;
    expect(predictedRight).toBeGreaterThanOrEqual(11);
  }, 120_000);

  it('embeds the same in a worker thread as in this thread', async () => {
    const model = loadObfVaultModel(vault, modelId)!;
    const tf = await initTfWasm();
    const here = await inThreadEmbedder(tf, model, 'vault model');
    const there = workerEmbedder(model);
    const pixels = Uint8Array.from({ length: 3 * 32 * 32 }, (_, i) => (i * 37) % 256);
    const a = await here.embed(pixels.slice(), 3);
    const b = await there.embed(pixels.slice(), 3);
    await here.dispose();
    await there.dispose();
    expect(b.predicted).toEqual(a.predicted);
    expect(Array.from(b.embeddings)).toEqual(Array.from(a.embeddings));
  }, 60_000);

  it('keeps the key wrapped: same key after re-open, in no file and no model', async () => {
    key = Buffer.from(obfKeyById(vault, 1));
    expect(key).toHaveLength(32);
    expect(Buffer.from(currentObfKey(vault).key)).toEqual(key); // no second key is made
    const modelText = JSON.stringify(loadObfVaultModel(vault, modelId)!.file);
    expect(modelText).not.toContain(key.toString('hex'));
    expect(modelText).not.toContain(key.toString('base64'));
    vault.close();
    const bytes = await vaultFiles(vaultDir);
    expect(bytes.includes(key)).toBe(false);
    expect(bytes.includes(Buffer.from(key.toString('hex')))).toBe(false);
    vault = await openVault(vaultDir, PASS);
    expect(Buffer.from(obfKeyById(vault, 1))).toEqual(key);
  }, 60_000);

  it('detects a tampered key wrap and refuses another vault’s key and models', async () => {
    // Both vaults' catalogue files, edited as whoever holds the folders would.
    const here = openCatalogueFile(vaultDir);
    const wrapped = here
      .prepare('SELECT key_wrapped FROM obf_keys WHERE id = 1')
      .pluck()
      .get() as Buffer;
    const other = path.join(tmp.dir, 'other');
    await initVault(other, PASS, { kdf: { logN: 14 } });
    const second = await openVault(other, PASS);
    const there = openCatalogueFile(other);
    try {
      // A wrap copied into another vault does not open there (its AAD names this vault).
      there
        .prepare('INSERT INTO obf_keys (id, created_at, key_wrapped) VALUES (1, ?, ?)')
        .run(new Date().toISOString(), wrapped);
      expect(() => obfKeyById(second, 1)).toThrow(IntegrityError);
      // This vault's model names this vault's key: the other vault neither stores nor uses it.
      const model = loadObfVaultModel(vault, modelId)!;
      expect(() => obfKeyFor(second, model, 'vault model')).toThrow(
        new RegExp(`key of vault ${vault.vaultId}, not of this vault`),
      );
      const text = JSON.stringify(model.file);
      await expect(storeObfVaultModel(second, text)).rejects.toThrow(/not this vault/);
      const blob = here.prepare('SELECT model FROM obf_models').pluck().get() as Buffer;
      there
        .prepare('INSERT INTO obf_models (id, created_at, model) VALUES (?, ?, ?)')
        .run(modelId, new Date().toISOString(), blob);
      const problems: string[] = [];
      expect(listObfVaultModels(second, (id, reason) => problems.push(`${id}: ${reason}`))).toEqual(
        [],
      );
      expect(problems).toEqual([
        expect.stringMatching(new RegExp(`^${modelId}: .*obfuscated-tier model ${modelId}`)),
      ]);
    } finally {
      there.close();
      second.close();
    }
    try {
      const flipped = Buffer.from(wrapped);
      flipped[flipped.length - 1]! ^= 1;
      here.prepare('UPDATE obf_keys SET key_wrapped = ? WHERE id = 1').run(flipped);
      expect(() => obfKeyById(vault, 1)).toThrow(/obfuscation key 1/);
      const blob = here.prepare('SELECT model FROM obf_models').pluck().get() as Buffer;
      const damaged = Buffer.from(blob);
      damaged[40]! ^= 1;
      here.prepare('UPDATE obf_models SET model = ?').run(damaged);
      const problems = verifyVault(vault).problems.filter((p) => p.item.startsWith('obf-'));
      expect(problems.map((p) => `${p.image} ${p.item}`)).toEqual([
        'obfuscation key 1 obf-key',
        `obfuscated-tier model ${modelId} obf-model`,
      ]);
      here.prepare('UPDATE obf_models SET model = ?').run(blob);
      here.prepare('UPDATE obf_keys SET key_wrapped = ? WHERE id = 1').run(wrapped);
      expect(Buffer.from(obfKeyById(vault, 1))).toEqual(key);
      expect(verifyVault(vault).problems).toEqual([]);
    } finally {
      here.close();
    }
  }, 60_000);
});

// Every column of the catalogue, and why an attacker who reads it learns nothing about an
// image's content. A column that is not listed here — or listed and gone — fails the test,
// so a schema change has to say why its new plain column is safe. Blobs marked "sealed"
// are AES-GCM (hidden and authenticated) or CKKS ciphertexts (hidden, MAC'd by the key
// holder); their lengths are fixed, Padmé-padded or set by the CKKS parameters.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import Database from 'better-sqlite3';
import { CATALOGUE_FILE, importFolder, initVault, openVault } from '../src-main/engine/index.ts';
import { padmeLength } from '../src-main/engine/crypto/index.ts';
import { labelledFolder, makeTempDir, sampleImages } from './helpers/fixtures.ts';

const WHY: Record<string, string> = {
  'vault_meta.key': 'names a setting (vault_id)',
  'vault_meta.value': 'the random vault id, also in vault.json',
  'ckks_keysets.id': 'row id',
  'ckks_keysets.preset_id': 'public CKKS parameter set; MAC’d',
  'ckks_keysets.public_key': 'public by design; MAC’d',
  'ckks_keysets.relin_keys': 'public evaluation key; MAC’d',
  'ckks_keysets.galois_keys': 'public evaluation keys; MAC’d',
  'ckks_keysets.galois_steps': 'rotation steps of the model plan, not of any image; MAC’d',
  'ckks_keysets.secret_key_wrapped': 'sealed (AES-GCM wrap, AAD binds vault, preset, key set)',
  'ckks_keysets.created_at': 'when the vault was made',
  'ckks_keysets.mac': 'MAC over the key set',
  'images.id': 'row id',
  'images.uid': 'random 128-bit id',
  'images.content_mac': 'keyed HMAC of the file (dedupe): needs the vault key to compute',
  'images.imported_at': 'when it was imported (not what it shows)',
  'images.keyset_id': 'routing; checked against the sealed layout',
  'images.packing_id': 'blocks or lanes, chosen by import size; checked against the sealed layout',
  'images.lane_batch_id': 'routing; checked against the sealed layout and lane map',
  'images.meta': 'sealed, Padmé-padded: name, label, format, size, scores, layout',
  'images.original': 'sealed, Padmé-padded: the file',
  'images.rest': 'sealed, fixed size: all 16 positions (feature positions zero)',
  'ckks_ciphertexts.image_id': 'routing',
  'ckks_ciphertexts.ordinal':
    'ciphertext number; their count is ⌈feature chunks / 4⌉ (documented residual)',
  'ckks_ciphertexts.data': 'CKKS ciphertext of feature chunks',
  'ckks_ciphertexts.mac': 'MAC',
  'lane_batches.id': 'row id',
  'lane_batches.uid': 'random 128-bit id',
  'lane_batches.keyset_id': 'routing',
  'lane_batches.lanes_used': 'feature chunks over a whole batch of images (an aggregate)',
  'lane_batches.lane_map': 'sealed: which lanes are whose',
  'lane_batches.created_at': 'when the batch was written',
  'lane_ciphertexts.batch_id': 'routing',
  'lane_ciphertexts.pixel': 'pixel position 0–783 (the same for every batch)',
  'lane_ciphertexts.data': 'CKKS ciphertext',
  'lane_ciphertexts.mac': 'MAC',
  'classifications.image_id': 'routing',
  'classifications.model_id': 'which model ran (to find unclassified images)',
  'classifications.classified_at': 'when',
  'classifications.result': 'sealed: class and scores',
  'obf_embeddings.image_id': 'routing',
  'obf_embeddings.model_id': 'which model indexed it',
  'obf_embeddings.indexed_at': 'when',
  'obf_embeddings.payload': 'sealed: class, scores, embedding',
  'image_reviews.image_id': 'routing (that a review row exists: someone opened the review)',
  'image_reviews.state': 'sealed: reviewed flag and time',
  'obf_keys.id': 'which of the vault’s obfuscation keys',
  'obf_keys.created_at': 'when',
  'obf_keys.key_wrapped': 'sealed: the obfuscation key',
  'obf_models.id': 'content hash of an obfuscated-tier model file the vault holds',
  'obf_models.created_at': 'when',
  'obf_models.model': 'sealed: the model file',
  'vault_models.id': 'content hash of a model file the vault holds',
  'vault_models.created_at': 'when',
  'vault_models.model': 'sealed: the model file',
  'vault_settings.name': 'which setting (e.g. evaluation), not its value',
  'vault_settings.updated_at': 'when the setting was last changed',
  'vault_settings.value': 'sealed: the setting (where classification runs, the broker)',
  'vault_settings.secret': 'sealed, bound to the value: the broker password, or NULL',
};

describe('plain columns of the catalogue', () => {
  let tmp: Awaited<ReturnType<typeof makeTempDir>>;
  let vaultDir: string;

  beforeAll(async () => {
    tmp = await makeTempDir();
    await labelledFolder(path.join(tmp.dir, 'in'), (await sampleImages(1)).slice(0, 2));
    vaultDir = path.join(tmp.dir, 'vault');
    await initVault(vaultDir, 'plain columns passphrase', { kdf: { logN: 14 } });
    const vault = await openVault(vaultDir, 'plain columns passphrase');
    await importFolder(vault, path.join(tmp.dir, 'in'), { labelsFromFolders: true });
    vault.close();
  });
  afterAll(() => tmp.cleanup());

  it('lists every column with the reason it reveals nothing about content', () => {
    const db = new Database(path.join(vaultDir, CATALOGUE_FILE), { readonly: true });
    try {
      const tables = db
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .pluck()
        .all() as string[];
      const columns = tables.flatMap((table) =>
        (db.prepare(`SELECT name FROM pragma_table_info(?)`).pluck().all(table) as string[]).map(
          (column) => `${table}.${column}`,
        ),
      );
      expect(columns.sort()).toEqual(Object.keys(WHY).sort());
    } finally {
      db.close();
    }
  });

  it('stores blob sizes that do not give the file size or the chunk layout away', () => {
    const db = new Database(path.join(vaultDir, CATALOGUE_FILE), { readonly: true });
    try {
      const rows = db
        .prepare('SELECT length(original) AS original, length(rest) AS rest FROM images')
        .all() as Array<{ original: number; rest: number }>;
      expect(rows).toHaveLength(2);
      for (const row of rows) {
        // version byte + nonce + tag around a Padmé length; the rest is always 16 chunks.
        expect(padmeLength(row.original - 29)).toBe(row.original - 29);
        expect(row.rest).toBe(16 * 784 + 29);
      }
    } finally {
      db.close();
    }
  });
});

// The catalogue file and its schema: migrations numbered without gaps, a new file at the
// latest version in WAL mode and owner-only, opening that never migrates, refusals (newer
// schema, missing file, symbolic link), and the routing constraints the schema enforces.
import { afterEach, beforeEach, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Database } from 'better-sqlite3';
import { migrateCatalogueFile, openCatalogueFile, schemaVersion } from './catalogue-file.ts';
import { LATEST_SCHEMA_VERSION, MIGRATIONS } from '../migrations/index.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'catalogue-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

/** A new catalogue brought to the latest schema (no rows, so the keys are never used). */
function created(file: string): Database {
  const db = openCatalogueFile(file, { create: true });
  migrateCatalogueFile(db, {
    vaultId: 'test',
    blobKey: randomBytes(32),
    ckksMacKey: randomBytes(32),
    rewrapCkksSecret: () => {
      throw new Error('no key set to re-wrap');
    },
  });
  return db;
}

it('numbers migrations 1, 2, 3… with no gaps', () => {
  expect(MIGRATIONS.map((m) => m.version)).toEqual(MIGRATIONS.map((_, i) => i + 1));
});

it('creates the schema at the latest version in WAL mode, owner-only, and reopening is a no-op', async () => {
  const file = path.join(dir, 'c.sqlite');
  const db = created(file);
  expect(db.pragma('user_version', { simple: true })).toBe(LATEST_SCHEMA_VERSION);
  expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
  expect(db.pragma('synchronous', { simple: true })).toBe(2); // FULL
  expect(db.pragma('trusted_schema', { simple: true })).toBe(0);
  const tables = db
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
    .pluck()
    .all();
  expect(tables).toEqual([
    'ckks_ciphertexts',
    'ckks_keysets',
    'classifications',
    'image_reviews',
    'images',
    'lane_batches',
    'lane_ciphertexts',
    'obf_embeddings',
    'obf_keys',
    'obf_models',
    'vault_meta',
    'vault_models',
    'vault_settings',
  ]);
  db.close();
  if (process.platform !== 'win32') expect((await stat(file)).mode & 0o777).toBe(0o600);
  const again = openCatalogueFile(file, { create: false });
  expect(schemaVersion(again)).toBe(LATEST_SCHEMA_VERSION);
  again.close();
});

it('opening does not migrate: the vault checks the catalogue is its own first', () => {
  const file = path.join(dir, 'c.sqlite');
  const db = openCatalogueFile(file, { create: true });
  expect(schemaVersion(db)).toBe(0);
  db.close();
  const again = openCatalogueFile(file, { create: false });
  expect(schemaVersion(again)).toBe(0);
  again.close();
});

it('refuses a catalogue from a newer SealSight, a missing one, and a symbolic link', async () => {
  const file = path.join(dir, 'c.sqlite');
  const db = created(file);
  db.pragma(`user_version = ${LATEST_SCHEMA_VERSION + 1}`);
  db.close();
  expect(() => openCatalogueFile(file, { create: false })).toThrow(/newer than this SealSight/);
  expect(() => openCatalogueFile(path.join(dir, 'none.sqlite'), { create: false })).toThrow();
  const elsewhere = path.join(dir, 'elsewhere.sqlite');
  await writeFile(elsewhere, '');
  await symlink(elsewhere, path.join(dir, 'link.sqlite'));
  expect(() => openCatalogueFile(path.join(dir, 'link.sqlite'), { create: false })).toThrow(
    /symbolic link/,
  );
});

it('keeps lane routing consistent: an image points at an existing batch; a batch has at most 784 pixel ciphertexts', () => {
  const db = created(path.join(dir, 'c.sqlite'));
  db.exec(`INSERT INTO ckks_keysets (id, preset_id, public_key, relin_keys, galois_keys, galois_steps,
             secret_key_wrapped, created_at, mac) VALUES (1, 'p', x'00', x'00', NULL, '[]', x'00', 'now', x'00');
           INSERT INTO lane_batches (id, uid, keyset_id, lanes_used, lane_map, created_at)
             VALUES (7, 'b', 1, 1, x'00', 'now');`);
  const image = db.prepare(
    `INSERT INTO images (uid, content_mac, imported_at, keyset_id, packing_id, lane_batch_id, meta,
       original, rest) VALUES (?, ?, 'now', 1, 'chunk-lanes-v1', ?, x'00', x'00', x'00')`,
  );
  expect(() => image.run('u1', Buffer.from([1]), 7)).not.toThrow();
  expect(() => image.run('u2', Buffer.from([2]), 8)).toThrow(/FOREIGN KEY/);
  const pixel = db.prepare(
    `INSERT INTO lane_ciphertexts (batch_id, pixel, data, mac) VALUES (7, ?, x'00', x'00')`,
  );
  expect(() => pixel.run(783)).not.toThrow();
  expect(() => pixel.run(784)).toThrow(/CHECK/);
  db.close();
});

import { afterEach, beforeEach, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openCatalogue } from './catalogue.ts';
import { LATEST_SCHEMA_VERSION, MIGRATIONS } from './migrations/index.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'catalogue-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

it('numbers migrations 1, 2, 3… with no gaps', () => {
  expect(MIGRATIONS.map((m) => m.version)).toEqual(MIGRATIONS.map((_, i) => i + 1));
});

it('creates the schema at the latest version in WAL mode, and reopening is a no-op', () => {
  const file = path.join(dir, 'c.sqlite');
  const db = openCatalogue(file, { create: true });
  expect(db.pragma('user_version', { simple: true })).toBe(LATEST_SCHEMA_VERSION);
  expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
  const tables = db
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
    .pluck()
    .all();
  expect(tables).toEqual([
    'chunks',
    'ckks_ciphertexts',
    'ckks_keysets',
    'classifications',
    'image_reviews',
    'images',
    'obf_embeddings',
    'vault_meta',
    'vault_models',
  ]);
  db.close();
  const again = openCatalogue(file, { create: false });
  expect(again.pragma('user_version', { simple: true })).toBe(LATEST_SCHEMA_VERSION);
  again.close();
});

it('refuses a catalogue from a newer SealSight, and a missing one', () => {
  const file = path.join(dir, 'c.sqlite');
  const db = openCatalogue(file, { create: true });
  db.pragma(`user_version = ${LATEST_SCHEMA_VERSION + 1}`);
  db.close();
  expect(() => openCatalogue(file, { create: false })).toThrow(/newer than this SealSight/);
  expect(() => openCatalogue(path.join(dir, 'none.sqlite'), { create: false })).toThrow();
});

it('enforces the block-group layout: a feature chunk has a CKKS slot, any other an AES blob', () => {
  const db = openCatalogue(path.join(dir, 'c.sqlite'), { create: true });
  db.exec(`INSERT INTO ckks_keysets VALUES (1, 'p', x'00', x'00', NULL, '[]', x'00', 'now');
           INSERT INTO images VALUES (1, 'u', x'01', 'now', 100, 0, '[]', 1, 'k', x'00', x'00');`);
  const insert = db.prepare('INSERT INTO chunks VALUES (1, ?, ?, ?, ?, ?)');
  expect(() => insert.run(0, 1, null, 0, 0)).not.toThrow();
  expect(() => insert.run(1, -2, Buffer.from([1]), null, null)).not.toThrow();
  expect(() => insert.run(2, 3, Buffer.from([1]), null, null)).toThrow(/CHECK/); // feature without CKKS
  expect(() => insert.run(3, -5, Buffer.from([1]), null, null)).toThrow(/CHECK/); // index ≠ position
  db.close();
});

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
    'lane_batches',
    'lane_ciphertexts',
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
  const insert = db.prepare(
    `INSERT INTO chunks (image_id, position, signed_index, aes_blob, ckks_ordinal, ckks_block)
     VALUES (1, ?, ?, ?, ?, ?)`,
  );
  expect(() => insert.run(0, 1, null, 0, 0)).not.toThrow();
  expect(() => insert.run(1, -2, Buffer.from([1]), null, null)).not.toThrow();
  expect(() => insert.run(2, 3, Buffer.from([1]), null, null)).toThrow(/CHECK/); // feature without CKKS
  expect(() => insert.run(3, -5, Buffer.from([1]), null, null)).toThrow(/CHECK/); // index ≠ position
  db.close();
});

it('migration 5: a lane chunk points at an existing batch; a batch has at most 784 pixel ciphertexts', () => {
  const db = openCatalogue(path.join(dir, 'c.sqlite'), { create: true });
  db.exec(`INSERT INTO ckks_keysets VALUES (1, 'p', x'00', x'00', NULL, '[]', x'00', 'now');
           INSERT INTO images VALUES (1, 'u', x'01', 'now', 100, 0, '[]', 1, 'chunk-lanes-v1', x'00', x'00');
           INSERT INTO lane_batches (id, uid, keyset_id, lanes_used, lane_map, lane_map_mac, created_at)
             VALUES (7, 'b', 1, 1, '[]', x'00', 'now');`);
  const chunk = db.prepare(
    `INSERT INTO chunks (image_id, position, signed_index, aes_blob, ckks_ordinal, ckks_block,
       lane_batch_id, lane) VALUES (1, ?, ?, NULL, 0, NULL, ?, ?)`,
  );
  expect(() => chunk.run(0, 1, 7, 0)).not.toThrow();
  expect(() => chunk.run(1, 2, 8, 1)).toThrow(/FOREIGN KEY/);
  expect(() => chunk.run(2, 3, 7, -1)).toThrow(/CHECK/);
  const pixel = db.prepare(
    `INSERT INTO lane_ciphertexts (batch_id, pixel, data, mac) VALUES (7, ?, x'00', x'00')`,
  );
  expect(() => pixel.run(783)).not.toThrow();
  expect(() => pixel.run(784)).toThrow(/CHECK/);
  db.close();
});

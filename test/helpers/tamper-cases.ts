// The tamper matrix's cases: for each kind of stored item, how an attacker with write
// access to the catalogue changes it (raw SQL, as a tool on the file would), and what
// verify, classify, export and the gallery must then say. test/tamper-matrix.test.ts runs them.
import type Database from 'better-sqlite3';

export type Sql = Database.Database;
export interface Ids {
  /** Catalogue row ids and uids of the three images, in import order. */
  rows: Array<{ id: number; uid: string }>;
  modelId: string;
}

/** What a case expects: verify's (image, item) — `image` as an index, or a literal label. */
export interface Case {
  name: string;
  tamper: (db: Sql, ids: Ids) => void;
  verify: Array<{ image: number | string; item: string | RegExp }>;
  /** The image classify must refuse (its classification row is removed first), or 'all'. */
  classify?: number | 'all';
  /** Images whose original export must fail. */
  exportFails?: number[];
  /** Images the gallery must show as an error tile (index) or with a problem (`~index`). */
  gallery?: Array<number | `~${number}`>;
  /** How many vault models still list (default 1: the one stored). */
  modelsListed?: number;
}

const flip = (bytes: Buffer, at = bytes.length >> 1) => {
  const copy = Buffer.from(bytes);
  copy[at] = copy[at]! ^ 0x01;
  return copy;
};
const flipColumn = (db: Sql, table: string, column: string, where: string, ...args: unknown[]) => {
  const blob = db
    .prepare(`SELECT ${column} FROM ${table} WHERE ${where}`)
    .pluck()
    .get(...args);
  db.prepare(`UPDATE ${table} SET ${column} = ? WHERE ${where}`).run(flip(blob as Buffer), ...args);
};

export const CASES: Case[] = [
  // The CKKS key set: shared by every image, so classify refuses outright.
  ...(['public_key', 'relin_keys', 'galois_keys'] as const).map((column): Case => ({
    name: `key set: one byte of ${column} flipped`,
    tamper: (db) => flipColumn(db, 'ckks_keysets', column, 'id = 1'),
    verify: [{ image: 'key set 1', item: 'ckks-keyset' }],
    classify: 'all',
  })),
  {
    name: 'key set: a Galois step dropped from the list',
    tamper: (db) => {
      const steps = JSON.parse(
        db.prepare('SELECT galois_steps FROM ckks_keysets').pluck().get() as string,
      ) as number[];
      db.prepare('UPDATE ckks_keysets SET galois_steps = ?').run(JSON.stringify(steps.slice(1)));
    },
    verify: [{ image: 'key set 1', item: 'ckks-keyset' }],
    classify: 'all',
  },
  {
    name: 'key set: the preset id changed',
    tamper: (db) => db.prepare("UPDATE ckks_keysets SET preset_id = 'ckks-other'").run(),
    verify: [{ image: 'key set 1', item: 'ckks-keyset' }],
    classify: 'all',
  },
  {
    name: 'key set: the row copied under a newer id (to become current)',
    tamper: (db) =>
      db.exec(`INSERT INTO ckks_keysets (id, preset_id, public_key, relin_keys, galois_keys,
          galois_steps, secret_key_wrapped, created_at, mac)
        SELECT 2, preset_id, public_key, relin_keys, galois_keys, galois_steps,
          secret_key_wrapped, created_at, mac FROM ckks_keysets WHERE id = 1`),
    verify: [{ image: 'key set 2', item: 'ckks-keyset' }],
    classify: 'all',
  },
  // The image's layout and metadata.
  {
    name: 'metadata: one byte flipped',
    tamper: (db, { rows }) => flipColumn(db, 'images', 'meta', 'id = ?', rows[1]!.id),
    verify: [{ image: 1, item: 'meta' }],
    classify: 1,
    exportFails: [1],
    gallery: [1],
  },
  {
    name: 'metadata: swapped between two images',
    tamper: (db, { rows }) => {
      const get = db.prepare('SELECT meta FROM images WHERE id = ?').pluck();
      const [a, b] = [get.get(rows[0]!.id), get.get(rows[1]!.id)];
      db.prepare('UPDATE images SET meta = ? WHERE id = ?').run(b, rows[0]!.id);
      db.prepare('UPDATE images SET meta = ? WHERE id = ?').run(a, rows[1]!.id);
    },
    verify: [
      { image: 0, item: 'meta' },
      { image: 1, item: 'meta' },
    ],
    classify: 1,
    exportFails: [0, 1],
    gallery: [0, 1],
  },
  {
    name: 'layout: the plain packing id changed',
    tamper: (db, { rows }) =>
      db.prepare("UPDATE images SET packing_id = 'chunk-lanes-v1' WHERE id = ?").run(rows[1]!.id),
    verify: [{ image: 1, item: 'meta' }],
    classify: 1,
    exportFails: [1],
    gallery: [1],
  },
  {
    name: 'layout: the plain key-set id changed',
    tamper: (db, { rows }) =>
      db.prepare('UPDATE images SET keyset_id = 7 WHERE id = ?').run(rows[1]!.id),
    verify: [{ image: 1, item: 'meta' }],
    classify: 1,
    exportFails: [1],
    gallery: [1],
  },
  {
    name: 'layout: a block image pointed at a lane batch',
    tamper: (db, { rows }) =>
      db.prepare('UPDATE images SET lane_batch_id = 1 WHERE id = ?').run(rows[1]!.id),
    verify: [{ image: 1, item: 'meta' }],
    classify: 1,
    exportFails: [1],
    gallery: [1],
  },
  // CKKS rows.
  {
    name: 'CKKS row deleted',
    tamper: (db, { rows }) =>
      db
        .prepare('DELETE FROM ckks_ciphertexts WHERE image_id = ? AND ordinal = 1')
        .run(rows[1]!.id),
    verify: [{ image: 1, item: 'ckks rows' }],
    classify: 1,
    gallery: ['~1'],
  },
  {
    name: 'CKKS row duplicated under a new ordinal',
    tamper: (db, { rows }) =>
      db
        .prepare(
          `INSERT INTO ckks_ciphertexts (image_id, ordinal, data, mac)
           SELECT image_id, 9, data, mac FROM ckks_ciphertexts WHERE image_id = ? AND ordinal = 0`,
        )
        .run(rows[1]!.id),
    verify: [
      { image: 1, item: 'ckks rows' },
      { image: 1, item: 'ckks:9' },
    ],
    classify: 1,
    gallery: ['~1'],
  },
  {
    name: 'CKKS row swapped between images',
    tamper: (db, { rows }) => {
      const get = db.prepare(
        'SELECT data, mac FROM ckks_ciphertexts WHERE image_id = ? AND ordinal = 0',
      );
      const other = get.get(rows[0]!.id) as { data: Buffer; mac: Buffer };
      db.prepare(
        'UPDATE ckks_ciphertexts SET data = ?, mac = ? WHERE image_id = ? AND ordinal = 0',
      ).run(other.data, other.mac, rows[1]!.id);
    },
    verify: [{ image: 1, item: 'ckks:0' }],
    classify: 1,
  },
  {
    name: 'CKKS rows swapped between ordinals',
    tamper: (db, { rows }) => {
      const move = db.prepare(
        'UPDATE ckks_ciphertexts SET ordinal = ? WHERE image_id = ? AND ordinal = ?',
      );
      for (const [from, to] of [
        [0, 100],
        [1, 0],
        [100, 1],
      ])
        move.run(to, rows[1]!.id, from);
    },
    verify: [
      { image: 1, item: 'ckks:0' },
      { image: 1, item: 'ckks:1' },
    ],
    classify: 1,
  },
  {
    name: 'CKKS row: one byte of a ciphertext flipped',
    tamper: (db, { rows }) =>
      flipColumn(db, 'ckks_ciphertexts', 'data', 'image_id = ? AND ordinal = 2', rows[1]!.id),
    verify: [{ image: 1, item: 'ckks:2' }],
    classify: 1,
  },
  // AES parts.
  {
    name: 'original: one byte flipped',
    tamper: (db, { rows }) => flipColumn(db, 'images', 'original', 'id = ?', rows[1]!.id),
    verify: [{ image: 1, item: 'original' }],
    exportFails: [1],
  },
  {
    name: 'non-feature chunks: one byte flipped',
    tamper: (db, { rows }) => flipColumn(db, 'images', 'rest', 'id = ?', rows[1]!.id),
    verify: [{ image: 1, item: 'rest' }],
  },
  // Results shown to the user.
  {
    name: 'classification: one byte flipped',
    tamper: (db, { rows }) =>
      flipColumn(db, 'classifications', 'result', 'image_id = ?', rows[1]!.id),
    verify: [{ image: 1, item: /^classification:/ }],
    gallery: ['~1'],
  },
  {
    name: 'classification: moved to another image',
    tamper: (db, { rows }) => {
      db.prepare('DELETE FROM classifications WHERE image_id = ?').run(rows[1]!.id);
      db.prepare('UPDATE classifications SET image_id = ? WHERE image_id = ?').run(
        rows[1]!.id,
        rows[0]!.id,
      );
    },
    verify: [{ image: 1, item: /^classification:/ }],
    gallery: ['~1'],
  },
  {
    name: 'obfuscated-tier embedding: one byte flipped',
    tamper: (db, { rows }) =>
      flipColumn(db, 'obf_embeddings', 'payload', 'image_id = ?', rows[1]!.id),
    verify: [{ image: 1, item: /^obf-embedding:/ }],
  },
  {
    name: 'review state: one byte flipped',
    tamper: (db, { rows }) => flipColumn(db, 'image_reviews', 'state', 'image_id = ?', rows[1]!.id),
    verify: [{ image: 1, item: 'review' }],
    gallery: ['~1'],
  },
  {
    name: 'review state: moved to another image',
    tamper: (db, { rows }) =>
      db
        .prepare('UPDATE image_reviews SET image_id = ? WHERE image_id = ?')
        .run(rows[2]!.id, rows[1]!.id),
    verify: [{ image: 2, item: 'review' }],
    gallery: ['~2'],
  },
  {
    name: 'vault model: one byte flipped',
    tamper: (db, { modelId }) => flipColumn(db, 'vault_models', 'model', 'id = ?', modelId),
    verify: [{ image: /^model /.source, item: 'model' }],
    modelsListed: 0,
  },
];

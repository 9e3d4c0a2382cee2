// A lanes-layout vault written by the previous release (schema v5,
// test/fixtures/vault-v5-lanes) opens with this one: migration 0006 checks the batch's
// v5 lane-map MAC, seals the lane map, and seals each lane image's layout (its batch and
// contiguous lanes) into its metadata. The fixture has no lane ciphertexts (removed to
// keep the repository small; the migration never reads them), so verify must report
// exactly that and nothing else. A lane map altered before the upgrade must not be
// trusted: its images stay unconverted and read as damaged, and the vault still opens.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cp, readFile } from 'node:fs/promises';
import path from 'node:path';
import Database from 'better-sqlite3';
import {
  CATALOGUE_FILE,
  exportOriginal,
  listImages,
  openVault,
  verifyVault,
} from '../src-main/engine/index.ts';
import { processImage } from '../src-main/engine/image/index.ts';
import { decryptMeta } from '../src-main/engine/vault/read-image.ts';
import { openLaneMap } from '../src-main/engine/vault/lanes/sealed-lane-batch.ts';
import { LATEST_SCHEMA_VERSION } from '../src-main/engine/vault/migrations/index.ts';
import { makeTempDir, REPO_ROOT } from './helpers/fixtures.ts';
import { withCatalogueFile } from './helpers/catalogue-file.ts';

const FIXTURE = path.join(REPO_ROOT, 'test/fixtures/vault-v5-lanes');
const PASS = 'fixture passphrase';
const SAMPLES = path.join(REPO_ROOT, 'assets/samples/neu-cls');
const BATCH_UID = '901dc9386b599b7e94cc6f1e3a00b41a';
/** In catalogue (and lane-map) order, as the previous release imported them. */
const IMAGES = [
  { uid: 'e63bf6b8dfaa1deb97e920955ca7ccc3', name: 'patches/Pa_1.bmp', label: 'patches' },
  {
    uid: '09ea5e3e70c9beb38e9ead2fe00559a4',
    name: 'pitted_surface/PS_1.bmp',
    label: 'pitted_surface',
  },
  { uid: 'dc07739e51712fd64d263e93c68d5d10', name: 'inclusion/In_1.bmp', label: 'inclusion' },
];

function userVersion(vaultDir: string): unknown {
  const db = new Database(path.join(vaultDir, CATALOGUE_FILE), { readonly: true });
  try {
    return db.pragma('user_version', { simple: true });
  } finally {
    db.close();
  }
}

describe('a lanes-layout vault made by the previous release', () => {
  let tmp: Awaited<ReturnType<typeof makeTempDir>>;
  let vaultDir: string;

  beforeAll(async () => {
    tmp = await makeTempDir();
    vaultDir = path.join(tmp.dir, 'vault');
    await cp(FIXTURE, vaultDir, { recursive: true });
    expect(userVersion(vaultDir)).toBe(5);
  });
  afterAll(() => tmp.cleanup());

  it('migrates on unlock: each lane image gets its batch and lanes in its sealed layout', async () => {
    const vault = await openVault(vaultDir, PASS);
    try {
      expect(userVersion(vaultDir)).toBe(LATEST_SCHEMA_VERSION);
      expect(listImages(vault).map((i) => [i.id, i.name, i.label])).toEqual(
        IMAGES.map((i) => [i.uid, i.name, i.label]),
      );

      const batches = withCatalogueFile(
        vaultDir,
        (db) =>
          db.prepare('SELECT id, uid, lanes_used FROM lane_batches').all() as Array<{
            id: number;
            uid: string;
            lanes_used: number;
          }>,
      );
      expect(batches).toHaveLength(1);
      const batch = batches[0]!;
      expect(batch.uid).toBe(BATCH_UID);
      const laneMap = openLaneMap(
        vault.sealingKeys,
        vault.catalogue.read.laneBatches.byId(batch.id)!,
      );

      const rows = vault.catalogue.read.images.list();
      expect(rows.map((r) => r.uid)).toEqual(IMAGES.map((i) => i.uid));
      let next = 0;
      for (const [k, row] of rows.entries()) {
        expect(row.laneBatchId).toBe(batch.id);
        const { layout } = decryptMeta(vault, row);
        expect(layout.blocks).toBeNull();
        expect(layout.lanes).not.toBeNull();
        const lanes = layout.lanes!;
        expect(lanes.batchUid).toBe(BATCH_UID);
        expect(lanes.firstLane).toBe(next);
        expect(lanes.count).toBe(layout.signedIndices.filter((index) => index > 0).length);
        expect(laneMap[k]).toEqual([row.uid, lanes.firstLane, lanes.count]);
        next += lanes.count;

        const image = IMAGES[k]!;
        const processed = await processImage(
          await readFile(path.join(SAMPLES, image.name)),
          image.name,
        );
        expect(layout.signedIndices).toEqual(processed.chunks.map((c) => c.signedIndex));
      }
      expect(laneMap).toHaveLength(IMAGES.length);
      expect(next).toBe(batch.lanes_used);

      const tables = withCatalogueFile(vaultDir, (db) =>
        db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all(),
      );
      expect(tables).not.toContain('chunks');
    } finally {
      vault.close();
    }
    expect(userVersion(vaultDir)).toBe(LATEST_SCHEMA_VERSION);
  });

  it('verifies clean but for the lane ciphertexts the fixture does not keep', async () => {
    const vault = await openVault(vaultDir, PASS);
    try {
      const report = verifyVault(vault);
      expect(report.images).toBe(IMAGES.length);
      expect(report.problems.map(({ image, item }) => ({ image, item }))).toEqual([
        { image: `lane batch ${BATCH_UID}`, item: 'pixel ciphertexts' },
      ]);
      expect(report.problems[0]!.reason).toContain('0 of 784 pixel ciphertexts');
    } finally {
      vault.close();
    }
  });

  it('exports every original byte for byte', async () => {
    const vault = await openVault(vaultDir, PASS);
    try {
      for (const image of IMAGES) {
        const out = path.join(tmp.dir, `${image.uid}.bmp`);
        await exportOriginal(vault, image.uid, out);
        const source = await readFile(path.join(SAMPLES, image.name));
        expect(Buffer.compare(await readFile(out), source)).toBe(0);
      }
    } finally {
      vault.close();
    }
  });
});

describe('a previous-release lanes vault whose lane map was altered before the upgrade', () => {
  let tmp: Awaited<ReturnType<typeof makeTempDir>>;
  let vaultDir: string;

  beforeAll(async () => {
    tmp = await makeTempDir();
    vaultDir = path.join(tmp.dir, 'vault');
    await cp(FIXTURE, vaultDir, { recursive: true });
    const db = new Database(path.join(vaultDir, CATALOGUE_FILE));
    try {
      expect(db.pragma('user_version', { simple: true })).toBe(5);
      const text = db.prepare('SELECT lane_map FROM lane_batches').pluck().get() as string;
      const bytes = Buffer.from(text, 'utf8');
      const at = bytes.indexOf(IMAGES[0]!.uid); // a hex digit of the first image's uid
      bytes[at] = bytes[at]! ^ 0x01;
      db.prepare('UPDATE lane_batches SET lane_map = ?').run(bytes.toString('utf8'));
    } finally {
      db.close();
    }
  });
  afterAll(() => tmp.cleanup());

  it('opens, leaves the batch’s images unconverted and verify reports them damaged', async () => {
    const vault = await openVault(vaultDir, PASS);
    try {
      expect(userVersion(vaultDir)).toBe(LATEST_SCHEMA_VERSION);
      const report = verifyVault(vault);
      expect(report.images).toBe(IMAGES.length);
      const failed = (image: string, item: string) =>
        report.problems.some((p) => p.image === image && p.item === item);
      for (const image of IMAGES) expect(failed(image.uid, 'meta')).toBe(true);
      expect(report.problems.filter((p) => p.item === 'ckks-keyset')).toEqual([]);
      const damaged = new Set([...IMAGES.map((i) => i.uid), `lane batch ${BATCH_UID}`]);
      expect(report.problems.filter((p) => !damaged.has(p.image))).toEqual([]);
      expect(failed(`lane batch ${BATCH_UID}`, 'lane-map')).toBe(true);
      for (const id of vault.keysetIds()) expect(() => vault.keysetById(id)).not.toThrow();
    } finally {
      vault.close();
    }
  });
});

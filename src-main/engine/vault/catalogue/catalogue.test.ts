// The catalogue repository on a real catalogue file at the latest schema: every table
// group's rows go in through the write handle and come back typed through the read handle;
// the read handle has no writes and runs no statement that writes; a writer kept past its
// transaction cannot write; a failed write transaction leaves nothing, and a nested one
// that fails costs only its own writes.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { Catalogue } from './catalogue.ts';
import type { CatalogueWriter } from './catalogue.ts';
import type { StoredImage } from './images.ts';
import { CatalogueSql } from './sql.ts';

let dir: string;
let catalogue: Catalogue;

const bytes = (...values: number[]) => Buffer.from(values);

function image(uid: string, contentMac: number, ciphertexts = 2): StoredImage {
  return {
    uid,
    contentMac: bytes(contentMac),
    keysetId: 1,
    packingId: 'chunk-blocks-v1',
    laneBatchId: null,
    meta: bytes(1, contentMac),
    original: bytes(2, contentMac),
    rest: bytes(3, contentMac),
    ciphertexts: Array.from({ length: ciphertexts }, (_, ordinal) => ({
      ordinal,
      data: bytes(4, ordinal),
      mac: bytes(5, ordinal),
    })),
  };
}

const KEYSET = {
  id: 1,
  presetId: 'ckks-test',
  publicKey: bytes(10),
  relinKeys: bytes(11),
  galoisKeys: null,
  galoisSteps: [1, 2],
  secretKeyWrapped: bytes(12),
  mac: bytes(13),
};

/** What the tables hold, row by row: a failed write must leave exactly this. */
function contents(): string {
  const { read } = catalogue;
  return JSON.stringify([
    read.images.list(),
    read.laneBatches.list(),
    read.classifications.allByTime(),
    read.reviews.all(),
    read.obfKeys.ids(),
    read.settings.names(),
  ]);
}

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'catalogue-repo-'));
  catalogue = Catalogue.open(path.join(dir, 'c.sqlite'), { create: true });
  catalogue.migrate({
    vaultId: 'test',
    blobKey: randomBytes(32),
    ckksMacKey: randomBytes(32),
    rewrapCkksSecret: () => {
      throw new Error('no key set to re-wrap');
    },
  });
  catalogue.write((tx) => tx.keysets.insert(KEYSET));
});
afterEach(async () => {
  catalogue.close();
  await rm(dir, { recursive: true, force: true });
});

describe('typed round trips', () => {
  it('vault meta and key sets', () => {
    const { read } = catalogue;
    expect(read.vaultMeta.vaultId()).toBeUndefined();
    catalogue.write((tx) => tx.vaultMeta.setVaultId('vault-1'));
    expect(read.vaultMeta.vaultId()).toBe('vault-1');
    expect(read.keysets.ids()).toEqual([1]);
    expect(read.keysets.newestId()).toBe(1);
    expect(read.keysets.byId(1)).toEqual({
      id: 1,
      presetId: 'ckks-test',
      publicKey: bytes(10),
      relinKeys: bytes(11),
      galoisKeys: null,
      galoisSteps: '[1,2]',
      mac: bytes(13),
    });
    expect(read.keysets.wrappedSecret(1)).toEqual({
      presetId: 'ckks-test',
      secretKeyWrapped: bytes(12),
    });
    catalogue.write((tx) => tx.keysets.setGaloisKeys(1, bytes(14), [1, 2, 4], bytes(15)));
    expect(read.keysets.byId(1)).toMatchObject({
      galoisKeys: bytes(14),
      galoisSteps: '[1,2,4]',
      mac: bytes(15),
    });
    expect(read.keysets.byId(2)).toBeUndefined();
  });

  it('images and their CKKS ciphertexts', () => {
    const { images } = catalogue.read;
    const id = catalogue.write((tx) => tx.images.insert(image('ab12cd34', 7)));
    const row = images.byId(Number(id))!;
    expect(row).toEqual({
      id: Number(id),
      uid: 'ab12cd34',
      importedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      keysetId: 1,
      packingId: 'chunk-blocks-v1',
      laneBatchId: null,
      meta: bytes(1, 7),
    });
    expect(images.byUid('ab12cd34')).toEqual(row);
    expect(images.byUid('ab12cd')).toBeUndefined();
    expect(images.byUidPrefix('ab12')).toEqual([row]);
    expect(images.list()).toEqual([row]);
    expect(images.count()).toBe(1);
    expect(images.hasContentMac(bytes(7))).toBe(true);
    expect(images.hasContentMac(bytes(8))).toBe(false);
    expect([images.original(row.id), images.rest(row.id)]).toEqual([bytes(2, 7), bytes(3, 7)]);
    expect(images.ciphertexts(row.id)).toEqual([
      { ordinal: 0, data: bytes(4, 0), mac: bytes(5, 0) },
      { ordinal: 1, data: bytes(4, 1), mac: bytes(5, 1) },
    ]);
    expect(images.ciphertextOrdinals(row.id)).toEqual([0, 1]);
    expect(images.orphanCiphertexts()).toBe(0);
    expect(images.storedBytes()).toEqual({ images: 1, ckks: 4, aes: 6 });
    catalogue.write((tx) => tx.images.setMeta(row.id, bytes(9)));
    expect(images.meta(row.id)).toEqual(bytes(9));
    expect(images.original(row.id + 1)).toBeNull();

    catalogue.write((tx) => tx.images.insert(image('ab12ff00', 8, 0)));
    expect(images.page(0, 1).map((r) => r.uid)).toEqual(['ab12cd34']);
    expect(images.page(row.id, 5).map((r) => r.uid)).toEqual(['ab12ff00']);
    expect(images.byUidPrefix('ab12').map((r) => r.uid)).toEqual(['ab12cd34', 'ab12ff00']);
  });

  it('a lane batch with its images', () => {
    const ciphertexts = [0, 1, 2].map((pixel) => ({ pixel, data: bytes(pixel), mac: bytes(9) }));
    const { uid, keysetId, meta, original, rest } = image('ee', 3);
    const batchId = catalogue.write((tx) =>
      tx.laneBatches.insert(
        { uid: 'batch-1', lanesUsed: 5, laneMap: bytes(6), ciphertexts },
        [
          {
            uid,
            contentMac: bytes(3),
            keysetId,
            packingId: 'chunk-lanes-v1',
            meta,
            original,
            rest,
          },
        ],
        keysetId,
      ),
    );
    const { laneBatches, images } = catalogue.read;
    const batch = { id: Number(batchId), uid: 'batch-1', keysetId: 1, lanesUsed: 5 };
    expect(laneBatches.byId(Number(batchId))).toEqual({ ...batch, laneMap: bytes(6) });
    expect(laneBatches.list()).toEqual([{ ...batch, laneMap: bytes(6) }]);
    expect(laneBatches.ciphertexts(Number(batchId))).toEqual(ciphertexts);
    expect(laneBatches.storedBytes()).toEqual({ batches: 1, ckks: 3 });
    expect(images.byUid('ee')).toMatchObject({
      laneBatchId: Number(batchId),
      packingId: 'chunk-lanes-v1',
    });
    expect(images.ciphertexts(images.byUid('ee')!.id)).toEqual([]);
  });

  it('classifications, embeddings and review states, per image', () => {
    const a = Number(catalogue.write((tx) => tx.images.insert(image('aa', 1))));
    const b = Number(catalogue.write((tx) => tx.images.insert(image('bb', 2))));
    catalogue.write((tx) => {
      tx.classifications.put(a, 'm1', bytes(1));
      tx.classifications.put(b, 'm1', bytes(2));
      tx.embeddings.put(a, 'obf-1', bytes(3));
      tx.reviews.put(b, bytes(4));
    });
    catalogue.write((tx) => tx.classifications.put(a, 'm2', bytes(5)));
    const { classifications, embeddings, reviews } = catalogue.read;
    expect(classifications.imageIds('m1').sort()).toEqual([a, b]);
    expect(classifications.byModel('m2')).toEqual([{ uid: 'aa', modelId: 'm2', result: bytes(5) }]);
    expect(classifications.allByTime().at(-1)).toEqual({
      uid: 'aa',
      modelId: 'm2',
      result: bytes(5),
    });
    expect(classifications.latestOf(a)).toEqual({ modelId: 'm2', result: bytes(5) });
    expect(classifications.latestOf(b)).toEqual({ modelId: 'm1', result: bytes(2) });
    expect(classifications.forVerify().map((r) => [r.uid, r.modelId])).toEqual([
      ['aa', 'm1'],
      ['aa', 'm2'],
      ['bb', 'm1'],
    ]);
    expect(embeddings.imageIds('obf-1')).toEqual([a]);
    expect(embeddings.modelIds()).toEqual(['obf-1']);
    const [page] = embeddings.page('obf-1', 0, 50);
    expect([page!.row.uid, page!.payload]).toEqual(['aa', bytes(3)]);
    expect(embeddings.page('obf-1', a, 50)).toEqual([]);
    expect(embeddings.forVerify()).toEqual([
      { imageId: a, uid: 'aa', modelId: 'obf-1', blob: bytes(3) },
    ]);
    expect(reviews.all()).toEqual([{ uid: 'bb', state: bytes(4) }]);
    expect(reviews.stateOf(b)).toEqual(bytes(4));
    expect(reviews.stateOf(a)).toBeUndefined();
    catalogue.write((tx) => tx.reviews.put(b, bytes(6)));
    expect(reviews.forVerify()).toEqual([{ imageId: b, uid: 'bb', modelId: '', blob: bytes(6) }]);
  });

  it('models, obfuscation keys and settings', () => {
    catalogue.write((tx) => {
      tx.vaultModels.insert('m-b', bytes(1));
      tx.vaultModels.insert('m-a', bytes(2));
      tx.vaultModels.insert('m-b', bytes(3)); // a model stored twice keeps its first row
      tx.obfModels.insert('o_1', bytes(4));
      tx.obfModels.insert('o%2', bytes(5));
      tx.obfKeys.insert(1, bytes(6));
      tx.settings.put('evaluation', bytes(7), null);
    });
    const { vaultModels, obfModels, obfKeys, settings } = catalogue.read;
    expect(vaultModels.byId('m-b')).toEqual(bytes(1));
    expect(vaultModels.list().map((m) => m.id)).toEqual(['m-b', 'm-a']);
    expect(vaultModels.listById().map((m) => [m.id, m.model])).toEqual([
      ['m-a', bytes(2)],
      ['m-b', bytes(1)],
    ]);
    expect(vaultModels.list()[0]!.createdAt).toMatch(/^\d{4}-/);
    expect(obfModels.ids()).toEqual(['o%2', 'o_1']);
    expect(obfModels.idsWithPrefix('o_')).toEqual(['o_1']); // taken literally, not as a wildcard
    expect(obfModels.idsWithPrefix('o%')).toEqual(['o%2']);
    expect(obfModels.idsWithPrefix('o')).toHaveLength(2);
    expect(obfKeys.ids()).toEqual([1]);
    expect(obfKeys.newestId()).toBe(1);
    expect(obfKeys.wrapped(1)).toEqual(bytes(6));
    expect(obfKeys.wrapped(2)).toBeUndefined();
    expect(settings.byName('evaluation')).toEqual({ value: bytes(7), secret: null });
    catalogue.write((tx) => tx.settings.put('evaluation', bytes(8), bytes(9)));
    expect(settings.byName('evaluation')).toEqual({ value: bytes(8), secret: bytes(9) });
    expect(settings.names()).toEqual(['evaluation']);
    catalogue.write((tx) => tx.settings.delete('evaluation'));
    expect(settings.byName('evaluation')).toBeUndefined();
  });
});

describe('read and write handles', () => {
  it('the read handle has no writes, and refuses any statement that writes', () => {
    const { read } = catalogue;
    // @ts-expect-error the read handle has no insert
    expect(read.images.insert).toBeUndefined();
    // @ts-expect-error nor any other write
    expect(read.settings.delete).toBeUndefined();
    const raw = new Database(path.join(dir, 'c.sqlite'), { fileMustExist: true });
    const sql = new CatalogueSql(raw);
    expect(() => sql.reads.get('DELETE FROM images')).toThrow(
      /read handle cannot run a statement that writes/,
    );
    expect(() => sql.reads.all("UPDATE images SET uid = 'x'")).toThrow(/read handle/);
    expect(sql.reads.value('SELECT count(*) FROM images')).toBe(0);
    raw.close();
  });

  it('a writer kept past its transaction cannot write', () => {
    let kept: CatalogueWriter | undefined;
    catalogue.write((tx) => {
      kept = tx;
    });
    expect(() => kept!.obfKeys.insert(1, bytes(1))).toThrow(/only inside its write transaction/);
    expect(catalogue.read.obfKeys.ids()).toEqual([]);
    expect(kept!.obfKeys.ids()).toEqual([]); // its reads are still only reads
  });

  it('a write transaction that fails leaves nothing', () => {
    catalogue.write((tx) => tx.images.insert(image('aa', 1)));
    const before = contents();
    expect(() =>
      catalogue.write((tx) => {
        tx.images.insert(image('bb', 2));
        tx.obfKeys.insert(1, bytes(1));
        tx.settings.put('evaluation', bytes(2), null);
        tx.images.insert(image('cc', 1)); // the content MAC of aa: refused by the schema
      }),
    ).toThrow(/UNIQUE/);
    expect(contents()).toBe(before);
    expect(() =>
      catalogue.write((tx) => {
        tx.reviews.put(catalogue.read.images.byUid('aa')!.id, bytes(3));
        throw new Error('changed my mind');
      }),
    ).toThrow('changed my mind');
    expect(contents()).toBe(before);
  });

  it('a nested write that fails costs only its own writes', () => {
    catalogue.write((tx) => {
      tx.obfKeys.insert(1, bytes(1));
      expect(() =>
        catalogue.write((inner) => {
          inner.obfKeys.insert(2, bytes(2));
          throw new Error('inner fails');
        }),
      ).toThrow('inner fails');
      expect(tx.obfKeys.ids()).toEqual([1]);
    });
    expect(catalogue.read.obfKeys.ids()).toEqual([1]);
  });

  it('closes once: a second close does nothing', () => {
    expect(catalogue.open).toBe(true);
    catalogue.close();
    expect(catalogue.open).toBe(false);
    expect(() => catalogue.close()).not.toThrow();
  });
});

// Models stored in a vault by a version that named a model by the hash of its file's text
// keep that id now that ids are hashed over canonical content (ml/model-id.ts): the
// previous release's vault (test/fixtures/vault-v5), given a sealed-tier and an
// obfuscated-tier model stored as that version stored them (row id = text hash, bound into
// the blob's associated data), still lists, loads and verifies both under their stored ids,
// which is what their classifications and embeddings are keyed by. The fixture holds no
// classifications; the shipped model keeps its id (ml/model-id.test.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cp, readFile } from 'node:fs/promises';
import path from 'node:path';
import Database from 'better-sqlite3';
import {
  CATALOGUE_FILE,
  openVault,
  serializeModel,
  verifyVault,
} from '../src-main/engine/index.ts';
import type { UnlockedVault } from '../src-main/engine/index.ts';
import { sealAead } from '../src-main/engine/crypto/index.ts';
import { PAPER_ARCHITECTURE, randomChunkCnn } from '../src-main/engine/sealed/model/chunk-cnn.ts';
import { earlierTextId } from '../src-main/engine/ml/model-id.ts';
import { parseModel } from '../src-main/engine/sealed/model/model-file.ts';
import { parseObfModel, VAULT_KEY_NOTE } from '../src-main/engine/obfuscated/obf-model-file.ts';
import { listVaultModels, loadVaultModel } from '../src-main/engine/vault/vault-models.ts';
import {
  listObfVaultModels,
  loadObfVaultModel,
} from '../src-main/engine/vault/obfuscated/obf-vault-models.ts';
import { NEU_CLASSES } from '../src-shared/domain/classes.ts';
import { makeTempDir, REPO_ROOT } from './helpers/fixtures.ts';

const FIXTURE = path.join(REPO_ROOT, 'test/fixtures/vault-v5');
const PASS = 'fixture passphrase';

describe('models a vault stored under the ids of earlier versions', () => {
  let tmp: Awaited<ReturnType<typeof makeTempDir>>;
  let vault: UnlockedVault;
  let sealedText: string;
  let obfText: string;

  beforeAll(async () => {
    tmp = await makeTempDir();
    const dir = path.join(tmp.dir, 'vault');
    await cp(FIXTURE, dir, { recursive: true });
    vault = await openVault(dir, PASS);
    sealedText = serializeModel(randomChunkCnn(PAPER_ARCHITECTURE, 11), {
      classes: NEU_CLASSES,
      threshold: 100,
      minFeatureChunks: 12,
      activationRanges: { conv: 3, fc1: 20, scores: 40, imageScores: 300 },
      provenance: { kind: 'random weights for tests', trainedOn: 'this vault' },
    });
    // A search model trained on this vault: the demo net, bound to this vault's key.
    const demo = JSON.parse(
      await readFile(path.join(REPO_ROOT, 'assets/demo-models/obf-mnist.json'), 'utf8'),
    );
    obfText = JSON.stringify({
      ...demo,
      version: 2,
      key: { vault: vault.vaultId, keyId: 1, warning: VAULT_KEY_NOTE },
    });
    // Written as an earlier version wrote them, through a connection of our own.
    const db = new Database(path.join(dir, CATALOGUE_FILE));
    const at = new Date().toISOString();
    const seal = (text: string, aad: string) =>
      sealAead(vault.sealingKeys.blobKey, Buffer.from(text, 'utf8'), aad);
    const sealedId = earlierTextId(sealedText);
    db.prepare('INSERT INTO vault_models (id, created_at, model) VALUES (?, ?, ?)').run(
      sealedId,
      at,
      seal(sealedText, `sealsight/v1|vault=${vault.vaultId}|model=${sealedId}`),
    );
    const obfId = earlierTextId(obfText);
    db.prepare('INSERT INTO obf_models (id, created_at, model) VALUES (?, ?, ?)').run(
      obfId,
      at,
      seal(obfText, `sealsight/v1|vault=${vault.vaultId}|obf-model=${obfId}`),
    );
    db.close();
  });
  afterAll(async () => {
    vault?.close();
    await tmp?.cleanup();
  });

  it('are files whose content id is another than their stored one', () => {
    expect(parseModel(sealedText, 'sealed').id).not.toBe(earlierTextId(sealedText));
    expect(parseObfModel(obfText, 'obf').id).not.toBe(earlierTextId(obfText));
  });

  it('list and load under the ids they are stored under', () => {
    const sealedId = earlierTextId(sealedText);
    expect(listVaultModels(vault).map(({ model }) => model.id)).toEqual([sealedId]);
    expect(loadVaultModel(vault, sealedId)?.id).toBe(sealedId);
    const obfId = earlierTextId(obfText);
    const problems: string[] = [];
    expect(
      listObfVaultModels(vault, (id, reason) => problems.push(`${id}: ${reason}`)).map(
        ({ model }) => model.id,
      ),
    ).toEqual([obfId]);
    expect(problems).toEqual([]);
    expect(loadObfVaultModel(vault, obfId)?.id).toBe(obfId);
  });

  it('verify clean', () => {
    expect(verifyVault(vault).problems).toEqual([]);
  });
});

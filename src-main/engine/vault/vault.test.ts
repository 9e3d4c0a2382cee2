// An unlocked vault holds subkeys only: the master key it is handed is wiped at once, and
// close() wipes the subkeys (what the sealing keys view shows becomes zeros). It hands out
// its catalogue's read and write handles, never the database under them.
import { expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import { Catalogue } from './catalogue/index.ts';
import { UnlockedVault } from './vault.ts';

it('wipes the master key on unlock and its subkeys on close', () => {
  const masterKey = new Uint8Array(randomBytes(32));
  const catalogue = new Catalogue(new Database(':memory:'));
  const vault = new UnlockedVault('/vault', 'vault-id', catalogue, masterKey);
  expect(masterKey.every((byte) => byte === 0)).toBe(true);
  const { blobKey, ckksMacKey } = vault.sealingKeys;
  expect(blobKey.some((byte) => byte !== 0)).toBe(true);
  vault.close();
  expect([...blobKey, ...ckksMacKey, ...vault.dedupeKey].every((byte) => byte === 0)).toBe(true);
});

it("hands out the catalogue's read and write handles, never its database", () => {
  const db = new Database(':memory:');
  const vault = new UnlockedVault('/vault', 'vault-id', new Catalogue(db), randomBytes(32));
  const handedOut = [vault, vault.catalogue, vault.catalogue.read].flatMap((o) => Object.values(o));
  expect(handedOut).not.toContain(db);
  expect('db' in vault).toBe(false);
  vault.close();
  expect(db.open).toBe(false);
});

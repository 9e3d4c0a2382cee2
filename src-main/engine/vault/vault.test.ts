// An unlocked vault holds subkeys only: the master key it is handed is wiped at once, and
// close() wipes the subkeys (what the sealing keys view shows becomes zeros).
import { expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import { UnlockedVault } from './vault.ts';

it('wipes the master key on unlock and its subkeys on close', () => {
  const masterKey = new Uint8Array(randomBytes(32));
  const vault = new UnlockedVault('/vault', 'vault-id', new Database(':memory:'), masterKey);
  expect(masterKey.every((byte) => byte === 0)).toBe(true);
  const { blobKey, ckksMacKey } = vault.sealingKeys;
  expect(blobKey.some((byte) => byte !== 0)).toBe(true);
  vault.close();
  expect([...blobKey, ...ckksMacKey, ...vault.dedupeKey].every((byte) => byte === 0)).toBe(true);
});

import { describe, expect, it } from 'vitest';
import * as crypto from './index.ts';
import {
  IntegrityError,
  SUBKEY_LABELS,
  contentMac,
  createVaultHeader,
  hkdfSubkey,
  openAead,
  openVaultHeader,
  sealAead,
  unwrapSecret,
  wrapSecret,
} from './index.ts';

describe('crypto public API', () => {
  it('exports exactly the intended surface', () => {
    expect(Object.keys(crypto).sort()).toEqual(
      [
        'AEAD_FORMAT_V1',
        'DEFAULT_SCRYPT_COST',
        'HeaderTamperedError',
        'IntegrityError',
        'SCRYPT_LIMITS',
        'SEAL_OVERHEAD_BYTES',
        'SUBKEY_LABELS',
        'UnsupportedVaultVersionError',
        'VAULT_FORMAT',
        'VAULT_HEADER_VERSION',
        'VaultCryptoError',
        'WrongPassphraseError',
        'aesGcmEncryptWithNonce',
        'changePassphrase',
        'constantTimeEqual',
        'contentMac',
        'createVaultHeader',
        'hkdfSha256',
        'hkdfSubkey',
        'openAead',
        'openVaultHeader',
        'padPayload',
        'padmeLength',
        'parseKdfParams',
        'readVaultHeaderUnverified',
        'sealAead',
        'unpadPayload',
        'unwrapSecret',
        'unwrapWithKey',
        'wrapSecret',
        'wrapWithKey',
        'wrappingKey',
      ].sort(),
    );
  });

  it('supports the vault flow end to end: create, unlock, seal, dedupe, wrap', async () => {
    const { headerJson, masterKey } = await createVaultHeader('pass', { kdf: { logN: 14 } });
    const unlocked = await openVaultHeader(headerJson, 'pass');

    const blobKey = hkdfSubkey(unlocked, SUBKEY_LABELS.blob);
    const chunk = sealAead(blobKey, Buffer.from('pixels'), 'image ab12/chunk:0');
    expect(Buffer.from(openAead(blobKey, chunk, 'image ab12/chunk:0', 'chunk 0')).toString()).toBe(
      'pixels',
    );
    expect(() => openAead(blobKey, chunk, 'image ab12/chunk:1', 'chunk 1')).toThrow(IntegrityError);

    const dedupeKey = hkdfSubkey(unlocked, SUBKEY_LABELS.dedupe);
    expect(contentMac(dedupeKey, Buffer.from('file'))).toEqual(
      contentMac(hkdfSubkey(masterKey, SUBKEY_LABELS.dedupe), Buffer.from('file')),
    );

    const wrapped = wrapSecret(masterKey, SUBKEY_LABELS.ckksSecret, Buffer.of(1, 2, 3), 'sk');
    expect([...unwrapSecret(unlocked, SUBKEY_LABELS.ckksSecret, wrapped, 'sk')]).toEqual([1, 2, 3]);
  });
});

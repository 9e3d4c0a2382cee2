import { describe, expect, it } from 'vitest';
import {
  HeaderTamperedError,
  IntegrityError,
  UnsupportedVaultVersionError,
  VaultCryptoError,
  WrongPassphraseError,
} from './errors.ts';

describe('crypto errors', () => {
  it('are all VaultCryptoError and Error, with their own names', () => {
    const errors = [
      new IntegrityError('chunk 3 of image ab12'),
      new WrongPassphraseError(),
      new HeaderTamperedError('vault header failed its integrity check'),
      new UnsupportedVaultVersionError(2, 1),
    ];
    for (const err of errors) {
      expect(err).toBeInstanceOf(VaultCryptoError);
      expect(err).toBeInstanceOf(Error);
      expect(err.name).toBe(err.constructor.name);
      expect(err.cause).toBeUndefined();
    }
  });

  it('IntegrityError names the item and keeps it in `what`', () => {
    const err = new IntegrityError('chunk 3 of image ab12…');
    expect(err.what).toBe('chunk 3 of image ab12…');
    expect(err.message).toContain('chunk 3 of image ab12…');
    expect(err.message).toMatch(/corrupt or was tampered with/);
  });

  it('IntegrityError can carry a more specific reason', () => {
    const err = new IntegrityError('image meta', 'sealed data is too short (3 bytes)');
    expect(err.message).toContain('too short');
    expect(err.message).toContain('image meta');
  });

  it('WrongPassphraseError has a fixed message that admits tampering is possible', () => {
    expect(new WrongPassphraseError().message).toBe(
      'wrong passphrase (or the header was tampered with)',
    );
  });

  it('UnsupportedVaultVersionError tells the user to update', () => {
    const err = new UnsupportedVaultVersionError(3, 1);
    expect(err.message).toContain('written by a newer SealSight');
    expect(err.message).toContain('version 3');
    expect(err.foundVersion).toBe(3);
    expect(err.supportedVersion).toBe(1);
  });
});

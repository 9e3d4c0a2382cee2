// Typed errors for the vault crypto library.
//
// Rule for every message here: it may name WHAT failed (an item, a field, a version number) but
// never carry key material, plaintext, passphrases or the raw bytes that failed to verify. These
// messages end up in logs, crash reports and UI dialogs. No error wraps a lower-level `cause`
// either, for the same reason: we do not control what a library error might quote.

/** Base class so the app shell can catch "any vault crypto failure" in one place. */
export class VaultCryptoError extends Error {
  override name = 'VaultCryptoError';
}

/**
 * Authenticated decryption failed: the data is corrupt, was tampered with, or was sealed under a
 * different key or associated data. AES-GCM cannot tell these apart, and neither should we.
 */
export class IntegrityError extends VaultCryptoError {
  override name = 'IntegrityError';
  /** Human-readable name of the item that failed, e.g. "chunk 3 of image ab12…". */
  readonly what: string;

  constructor(what: string, reason = 'authentication failed') {
    super(
      `integrity check failed for ${what}: ${reason} (the data is corrupt or was tampered with)`,
    );
    this.what = what;
  }
}

/** The passphrase did not unwrap the master key. Deliberately also covers a tampered wrap. */
export class WrongPassphraseError extends VaultCryptoError {
  override name = 'WrongPassphraseError';

  constructor() {
    super('wrong passphrase (or the header was tampered with)');
  }
}

/** The vault header is structurally invalid, fails its MAC, or looks like a downgrade. */
export class HeaderTamperedError extends VaultCryptoError {
  override name = 'HeaderTamperedError';

  /** `detail` must describe the problem without quoting secrets; it is shown to the user. */
  constructor(detail: string) {
    super(detail);
  }
}

/** The header was written by a newer SealSight than this build understands. */
export class UnsupportedVaultVersionError extends VaultCryptoError {
  override name = 'UnsupportedVaultVersionError';
  readonly foundVersion: number;
  readonly supportedVersion: number;

  constructor(foundVersion: number, supportedVersion: number) {
    super(
      `vault header version ${foundVersion} was written by a newer SealSight ` +
        `(this build supports version ${supportedVersion}); please update SealSight`,
    );
    this.foundVersion = foundVersion;
    this.supportedVersion = supportedVersion;
  }
}

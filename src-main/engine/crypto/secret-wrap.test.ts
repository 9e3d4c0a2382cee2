// Secret wrapping: round trip, a buffer of its own, AAD and key binding, and the
// allow-list of wrapping labels.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { IntegrityError } from './errors.ts';
import { SUBKEY_LABELS } from './kdf.ts';
import { unwrapSecret, wrapSecret } from './secret-wrap.ts';

describe('wrapSecret / unwrapSecret', () => {
  const masterKey = new Uint8Array(randomBytes(32));
  const secret = Buffer.from('pretend this is a CKKS secret key');
  const aad = 'vault 1234/ckks-keyset/preset-a';

  it('round-trips under the master key', () => {
    const wrapped = wrapSecret(masterKey, SUBKEY_LABELS.ckksSecret, secret, aad);
    expect(Buffer.from(wrapped).includes(secret)).toBe(false);
    const back = unwrapSecret(masterKey, SUBKEY_LABELS.ckksSecret, wrapped, aad);
    expect(Buffer.from(back)).toEqual(secret);
  });

  it('returns the secret in a buffer of its own, so one fill(0) wipes the only copy', () => {
    // Not a view into Node's shared allocation pool (where Buffer.concat puts small results,
    // next to unrelated data and out of reach of the caller's fill), nor into `wrapped`.
    const wrapped = wrapSecret(masterKey, SUBKEY_LABELS.ckksSecret, secret, aad);
    const back = unwrapSecret(masterKey, SUBKEY_LABELS.ckksSecret, wrapped, aad);
    expect(back.byteOffset).toBe(0);
    expect(back.buffer.byteLength).toBe(back.byteLength);
    expect(back.buffer).not.toBe(wrapped.buffer);
    // The derived wrapping subkey is zeroed in a finally block; it never leaves
    // wrapSecret/unwrapSecret, so there is no clean seam to observe that from here.
  });

  it('fails with another AAD or master key', () => {
    const wrapped = wrapSecret(masterKey, SUBKEY_LABELS.ckksSecret, secret, aad);
    const otherMaster = Buffer.alloc(32, 1);
    expect(() =>
      unwrapSecret(masterKey, SUBKEY_LABELS.ckksSecret, wrapped, `${aad}x`, 'CKKS secret key'),
    ).toThrow(/integrity check failed for CKKS secret key/);
    expect(() => unwrapSecret(otherMaster, SUBKEY_LABELS.ckksSecret, wrapped, aad)).toThrow(
      IntegrityError,
    );
  });

  it('accepts only secret-wrapping labels: every other label, present or future, is refused', () => {
    const wrapping = new Set<string>([SUBKEY_LABELS.ckksSecret, SUBKEY_LABELS.obfKey]);
    const wrapped = wrapSecret(masterKey, SUBKEY_LABELS.ckksSecret, secret, aad);
    const others = [
      ...Object.values(SUBKEY_LABELS).filter((label) => !wrapping.has(label)),
      'sealsight/v1/some-future-key',
      'sealsight/v1/ckks-secret ',
      '',
    ];
    expect(others).toContain(SUBKEY_LABELS.ckksMac);
    for (const label of others) {
      expect(() => wrapSecret(masterKey, label, secret, aad), label).toThrow(
        /is not a secret-wrapping label/,
      );
      expect(() => unwrapSecret(masterKey, label, wrapped, aad), label).toThrow(RangeError);
    }
    for (const label of wrapping) {
      const back = unwrapSecret(masterKey, label, wrapSecret(masterKey, label, secret, aad), aad);
      expect(Buffer.from(back)).toEqual(secret);
    }
  });
});

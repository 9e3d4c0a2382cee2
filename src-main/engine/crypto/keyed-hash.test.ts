import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { constantTimeEqual, contentMac, hmacSha256 } from './keyed-hash.ts';

const hex = (s: string): Buffer => Buffer.from(s, 'hex');

describe('HMAC-SHA256 known answers (RFC 4231)', () => {
  it('test case 1', () => {
    const mac = hmacSha256(hex('0b'.repeat(20)), Buffer.from('Hi There'));
    expect(mac.toString('hex')).toBe(
      'b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7',
    );
  });

  it('test case 2 (key "Jefe")', () => {
    const mac = hmacSha256(Buffer.from('Jefe'), Buffer.from('what do ya want for nothing?'));
    expect(mac.toString('hex')).toBe(
      '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    );
  });
});

describe('contentMac', () => {
  const key = Buffer.alloc(32, 1);
  const otherKey = Buffer.alloc(32, 2);
  const file = Buffer.from('the bytes of some imported image');

  it('is deterministic for one key, so duplicates are found', () => {
    expect(contentMac(key, file)).toEqual(contentMac(key, Buffer.from(file)));
    expect(contentMac(key, file).byteLength).toBe(32);
  });

  it('depends on the key, so it cannot be computed from the file alone', () => {
    expect(contentMac(key, file)).not.toEqual(contentMac(otherKey, file));
    expect(contentMac(key, file)).not.toEqual(createHash('sha256').update(file).digest());
  });

  it('distinguishes different content', () => {
    expect(contentMac(key, file)).not.toEqual(contentMac(key, Buffer.from('other bytes')));
  });

  it('refuses a key that is not 32 bytes', () => {
    expect(() => contentMac(Buffer.alloc(16), file)).toThrow(RangeError);
  });
});

describe('constantTimeEqual', () => {
  it('compares contents, and unequal lengths are simply unequal', () => {
    expect(constantTimeEqual(Buffer.of(1, 2, 3), Uint8Array.of(1, 2, 3))).toBe(true);
    expect(constantTimeEqual(Buffer.of(1, 2, 3), Buffer.of(1, 2, 4))).toBe(false);
    expect(constantTimeEqual(Buffer.of(1, 2, 3), Buffer.of(1, 2))).toBe(false);
    expect(constantTimeEqual(Buffer.alloc(0), Buffer.alloc(0))).toBe(true);
  });
});

import { scrypt } from 'node:crypto';
import type * as NodeCrypto from 'node:crypto';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import {
  DEFAULT_SCRYPT_COST,
  SUBKEY_LABELS,
  deriveKek,
  hkdfSha256,
  hkdfSubkey,
  newKdfParams,
  parseKdfParams,
  scryptMemoryBytes,
  scryptRaw,
} from './kdf.ts';
import type { KdfParams } from './kdf.ts';

// scrypt itself, wrapped so tests can prove that refused params never reach it.
vi.mock('node:crypto', async (importOriginal) => {
  const actual = await importOriginal<typeof NodeCrypto>();
  return { ...actual, scrypt: vi.fn(actual.scrypt) };
});
beforeEach(() => {
  vi.mocked(scrypt).mockClear();
});

const hex = (s: string): Buffer => Buffer.from(s, 'hex');
const FAST: KdfParams = {
  alg: 'scrypt',
  logN: 14,
  r: 8,
  p: 1,
  salt: Buffer.alloc(16, 9).toString('base64'),
};

describe('scrypt known answers (RFC 7914 section 12)', () => {
  it('vector 1: empty password and salt, N=16, r=1, p=1', async () => {
    const key = await scryptRaw(new Uint8Array(0), new Uint8Array(0), 16, 1, 1, 64);
    expect(key.toString('hex')).toBe(
      '77d6576238657b203b19ca42c18a0497f16b4844e3074ae8dfdffa3fede21442' +
        'fcd0069ded0948f8326a753a0fc81f17e8d3e0fb2e0d3628cf35e20c38d18906',
    );
  });

  it('vector 3: "pleaseletmein" / "SodiumChloride", N=16384, r=8, p=1', async () => {
    const key = await scryptRaw(
      Buffer.from('pleaseletmein'),
      Buffer.from('SodiumChloride'),
      16384,
      8,
      1,
      64,
    );
    expect(key.toString('hex')).toBe(
      '7023bdcb3afd7348461c06cd81fd38ebfda8fbba904f8e3ea9b543f6545da1f2' +
        'd5432955613f0fcf62d49705242a9af9e61e85dc0d651e40dfcf017b45575887',
    );
  });
});

describe('HKDF-SHA256 known answers (RFC 5869 appendix A)', () => {
  it('test case 1', () => {
    const okm = hkdfSha256(
      hex('0b'.repeat(22)),
      hex('000102030405060708090a0b0c'),
      hex('f0f1f2f3f4f5f6f7f8f9'),
      42,
    );
    expect(okm.toString('hex')).toBe(
      '3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865',
    );
  });

  it('test case 3 (empty salt and info, as hkdfSubkey uses an empty salt)', () => {
    const okm = hkdfSha256(hex('0b'.repeat(22)), new Uint8Array(0), new Uint8Array(0), 42);
    expect(okm.toString('hex')).toBe(
      '8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8',
    );
  });
});

describe('parseKdfParams', () => {
  it('accepts valid params and returns a clean copy', () => {
    expect(parseKdfParams({ ...FAST })).toEqual(FAST);
  });

  it.each([
    ['logN 10 (trivially weak)', { logN: 10 }, /logN must be an integer in 14\.\.20 \(got 10\)/],
    ['logN 13', { logN: 13 }, /logN/],
    ['logN 21 (2 GiB)', { logN: 21 }, /logN must be an integer in 14\.\.20 \(got 21\)/],
    ['logN 22 (the old cap, 4 GiB)', { logN: 22 }, /logN .*got 22/],
    ['fractional logN', { logN: 14.5 }, /logN/],
    ['string logN', { logN: '14' }, /logN .*got string/],
    ['r 1', { r: 1 }, /scrypt r/],
    ['r 64', { r: 64 }, /scrypt r/],
    ['p 0', { p: 0 }, /scrypt p/],
    ['p 5', { p: 5 }, /scrypt p must be an integer in 1\.\.4 \(got 5\)/],
    ['p 16 (the old cap)', { p: 16 }, /scrypt p/],
    [
      'over 1 GiB (logN 20, r 16)',
      { logN: 20, r: 16 },
      /^scrypt memory \(128·r·2\^logN\) 2 GiB is above the 1 GiB limit \(logN 20, r 16\)$/,
    ],
    ['4 GiB (logN 20, r 32)', { logN: 20, r: 32 }, /scrypt memory .* 4 GiB is above the 1 GiB/],
    ['1.5 GiB (logN 19, r 24)', { logN: 19, r: 24 }, /1536 MiB is above the 1 GiB limit/],
    ['another algorithm', { alg: 'pbkdf2' }, /alg/],
    ['a short salt', { salt: Buffer.alloc(8).toString('base64') }, /salt must be 16\.\.64 bytes/],
    ['a non-canonical salt', { salt: 'AAAAAAAAAAAAAAAAAAAAAB==' }, /canonical base64/],
    ['a missing salt', { salt: undefined }, /salt/],
    ['an unknown field', { maxmem: 1 }, /unknown field "maxmem"/],
  ])('refuses %s', (_label, change, message) => {
    expect(() => parseKdfParams({ ...FAST, ...change })).toThrow(message);
  });

  it('accepts the caps themselves: 1 GiB (logN 20 at r 8, or logN 18 at r 32) and p 4', () => {
    for (const cost of [
      { logN: 20, r: 8, p: 4 },
      { logN: 18, r: 32, p: 1 },
    ]) {
      expect(parseKdfParams({ ...FAST, ...cost })).toEqual({ ...FAST, ...cost });
      expect(scryptMemoryBytes(cost)).toBe(1024 ** 3);
    }
  });

  it('refuses non-objects', () => {
    for (const raw of [null, 'scrypt', 14, [], undefined]) {
      expect(() => parseKdfParams(raw)).toThrow(TypeError);
    }
  });
});

describe('newKdfParams', () => {
  it('defaults to logN 17, r 8, p 1, which needs 128 MiB', () => {
    const params = newKdfParams();
    expect(params).toMatchObject({ alg: 'scrypt', logN: 17, r: 8, p: 1 });
    expect(scryptMemoryBytes(DEFAULT_SCRYPT_COST)).toBe(128 * 1024 ** 2);
    expect(Buffer.from(params.salt, 'base64').byteLength).toBe(16);
  });

  it('uses a fresh salt every time, even if a salt is smuggled into the overrides', () => {
    const smuggled = { logN: 14, salt: FAST.salt } as unknown as Partial<KdfParams>;
    const a = newKdfParams(smuggled);
    const b = newKdfParams(smuggled);
    expect(a.salt).not.toBe(b.salt);
    expect(a.salt).not.toBe(FAST.salt);
  });

  it('applies overrides, and undefined overrides keep the base', () => {
    expect(newKdfParams({ logN: 14 })).toMatchObject({ logN: 14, r: 8, p: 1 });
    expect(newKdfParams({ logN: undefined })).toMatchObject({ logN: 17 });
    expect(newKdfParams({}, { logN: 15, r: 9, p: 2 })).toMatchObject({ logN: 15, r: 9, p: 2 });
  });

  it('validates overrides', () => {
    expect(() => newKdfParams({ logN: 10 })).toThrow(RangeError);
  });
});

describe('deriveKek', () => {
  it('is deterministic and 32 bytes', async () => {
    const a = await deriveKek('pass', FAST);
    const b = await deriveKek('pass', FAST);
    expect(a.byteLength).toBe(32);
    expect(a).toEqual(b);
  });

  it('depends on the passphrase and the salt', async () => {
    const base = await deriveKek('pass', FAST);
    expect(await deriveKek('pasS', FAST)).not.toEqual(base);
    const otherSalt = { ...FAST, salt: Buffer.alloc(16, 8).toString('base64') };
    expect(await deriveKek('pass', otherSalt)).not.toEqual(base);
  });

  it('normalises the passphrase to NFC, so composed and decomposed forms agree', async () => {
    const composed = 'caf\u00e9';
    const decomposed = 'cafe\u0301';
    expect(composed).not.toBe(decomposed);
    expect(await deriveKek(composed, FAST)).toEqual(await deriveKek(decomposed, FAST));
  });

  it('re-validates params, so a caller cannot skip the bounds', async () => {
    await expect(deriveKek('pass', { ...FAST, logN: 10 })).rejects.toThrow(RangeError);
  });

  it('refuses params above the caps without ever running scrypt', async () => {
    for (const change of [{ logN: 20, r: 16 }, { logN: 22 }, { p: 16 }]) {
      await expect(deriveKek('pass', { ...FAST, ...change })).rejects.toThrow(RangeError);
    }
    expect(scrypt).not.toHaveBeenCalled();
    await deriveKek('pass', FAST); // and the spy does see a real derivation
    expect(scrypt).toHaveBeenCalledTimes(1);
  });

  it('runs with the default 128 MiB cost (maxmem is large enough)', async () => {
    const kek = await deriveKek('pass', newKdfParams());
    expect(kek.byteLength).toBe(32);
  });
});

describe('hkdfSubkey', () => {
  const master = Buffer.alloc(32, 0x42);

  it('gives independent keys per label and is deterministic', () => {
    const keys = Object.values(SUBKEY_LABELS).map((label) => hkdfSubkey(master, label));
    expect(new Set(keys.map((k) => k.toString('hex'))).size).toBe(keys.length);
    expect(hkdfSubkey(master, SUBKEY_LABELS.blob)).toEqual(keys[0]);
  });

  it('is HKDF-SHA256 with an empty salt and the label as info', () => {
    expect(hkdfSubkey(master, 'sealsight/v1/blob')).toEqual(
      hkdfSha256(master, new Uint8Array(0), Buffer.from('sealsight/v1/blob'), 32),
    );
  });

  it('honours the length argument', () => {
    expect(hkdfSubkey(master, SUBKEY_LABELS.dedupe, 64).byteLength).toBe(64);
  });

  it('refuses a wrong-size master key or an empty label', () => {
    expect(() => hkdfSubkey(Buffer.alloc(16), SUBKEY_LABELS.blob)).toThrow(RangeError);
    expect(() => hkdfSubkey(master, '')).toThrow(RangeError);
  });
});

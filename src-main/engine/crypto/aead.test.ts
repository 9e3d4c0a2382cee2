import { describe, expect, it } from 'vitest';
import {
  AEAD_FORMAT_V1,
  SEAL_OVERHEAD_BYTES,
  aesGcmDecryptWithNonce,
  aesGcmEncryptWithNonce,
  openAead,
  sealAead,
} from './aead.ts';
import { IntegrityError } from './errors.ts';

const hex = (s: string): Buffer => Buffer.from(s, 'hex');
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

// AES-256 test cases 13-16 from McGrew & Viega, "The Galois/Counter Mode of Operation (GCM)",
// the submission to NIST that defines GCM (Appendix B, test vectors).
const K_ZERO = '00'.repeat(32);
const IV_ZERO = '00'.repeat(12);
const K_CAFE = 'feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308';
const IV_CAFE = 'cafebabefacedbaddecaf888';
const P_64 =
  'd9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72' +
  '1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255';
const C_64 =
  '522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa' +
  '8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662898015ad';

const GCM_VECTORS = [
  {
    name: 'test case 13 (empty plaintext, zero key)',
    key: K_ZERO,
    iv: IV_ZERO,
    pt: '',
    aad: '',
    ct: '',
    tag: '530f8afbc74536b9a963b4f1c4cb738b',
  },
  {
    name: 'test case 14 (one zero block, zero key)',
    key: K_ZERO,
    iv: IV_ZERO,
    pt: '00'.repeat(16),
    aad: '',
    ct: 'cea7403d4d606b6e074ec5d3baf39d18',
    tag: 'd0d1c8a799996bf0265b98b5d48ab919',
  },
  {
    name: 'test case 15 (four blocks, no AAD)',
    key: K_CAFE,
    iv: IV_CAFE,
    pt: P_64,
    aad: '',
    ct: C_64,
    tag: 'b094dac5d93471bdec1a502270e3cc6c',
  },
  {
    name: 'test case 16 (60 bytes, with AAD)',
    key: K_CAFE,
    iv: IV_CAFE,
    pt: P_64.slice(0, 120),
    aad: 'feedfacedeadbeeffeedfacedeadbeefabaddad2',
    ct: C_64.slice(0, 120),
    tag: '76fc6ece0f4e1768cddf8853bb2d551b',
  },
];

describe('AES-256-GCM known answers (McGrew & Viega GCM spec)', () => {
  it.each(GCM_VECTORS)('encrypts $name', (v) => {
    const out = aesGcmEncryptWithNonce(hex(v.key), hex(v.iv), hex(v.pt), hex(v.aad));
    expect(toHex(out.ciphertext)).toBe(v.ct);
    expect(toHex(out.tag)).toBe(v.tag);
  });

  it.each(GCM_VECTORS)('decrypts $name', (v) => {
    const pt = aesGcmDecryptWithNonce(
      hex(v.key),
      hex(v.iv),
      hex(v.ct),
      hex(v.tag),
      hex(v.aad),
      'kat',
    );
    expect(toHex(pt)).toBe(v.pt);
  });

  it('rejects test case 16 with one AAD bit flipped', () => {
    const v = GCM_VECTORS[3]!;
    const aad = hex(v.aad);
    aad[0]! ^= 0x01;
    expect(() =>
      aesGcmDecryptWithNonce(hex(v.key), hex(v.iv), hex(v.ct), hex(v.tag), aad, 'kat'),
    ).toThrow(IntegrityError);
  });

  it('rejects a truncated tag instead of checking fewer bits', () => {
    const v = GCM_VECTORS[3]!;
    const shortTag = hex(v.tag).subarray(0, 12);
    expect(() =>
      aesGcmDecryptWithNonce(hex(v.key), hex(v.iv), hex(v.ct), shortTag, hex(v.aad), 'kat'),
    ).toThrow(IntegrityError);
  });

  it('refuses nonces other than 96 bits', () => {
    expect(() => aesGcmEncryptWithNonce(hex(K_ZERO), Buffer.alloc(8), Buffer.alloc(0), '')).toThrow(
      RangeError,
    );
  });
});

describe('sealAead / openAead', () => {
  const key = hex(K_CAFE);
  const otherKey = hex(K_ZERO);
  const aad = 'image ab12/chunk:3';

  it('round-trips, including an empty plaintext', () => {
    for (const size of [0, 1, 16, 1000]) {
      const pt = Buffer.alloc(size, 7);
      const sealed = sealAead(key, pt, aad);
      expect(sealed.byteLength).toBe(size + SEAL_OVERHEAD_BYTES);
      expect(Buffer.from(openAead(key, sealed, aad, 'chunk 3'))).toEqual(pt);
    }
  });

  it('writes the documented layout: version byte, 12-byte nonce, ciphertext, 16-byte tag', () => {
    const sealed = sealAead(key, Buffer.from('hello'), aad);
    expect(sealed[0]).toBe(AEAD_FORMAT_V1);
    expect(sealed.byteLength).toBe(1 + 12 + 5 + 16);
    // The AAD that GCM sees is the version byte followed by the caller's AAD.
    const nonce = sealed.subarray(1, 13);
    const ct = sealed.subarray(13, 18);
    const tag = sealed.subarray(18);
    const fedAad = Buffer.concat([Buffer.of(AEAD_FORMAT_V1), Buffer.from(aad)]);
    expect(toHex(aesGcmDecryptWithNonce(key, nonce, ct, tag, fedAad, 'x'))).toBe(
      Buffer.from('hello').toString('hex'),
    );
  });

  it('treats string AAD as its UTF-8 bytes', () => {
    const sealed = sealAead(key, Buffer.from('x'), 'ü');
    expect(Buffer.from(openAead(key, sealed, Buffer.from('ü', 'utf8'), 'x')).toString()).toBe('x');
  });

  it('fails on a flip of every single byte position', () => {
    const sealed = sealAead(key, Buffer.from('small secret'), aad);
    for (let i = 0; i < sealed.byteLength; i++) {
      for (const mask of [0x01, 0x80]) {
        const tampered = Buffer.from(sealed);
        tampered[i]! ^= mask;
        expect(() => openAead(key, tampered, aad, `item (byte ${i})`)).toThrow(IntegrityError);
      }
    }
  });

  it('fails with the wrong AAD', () => {
    const sealed = sealAead(key, Buffer.from('secret'), aad);
    expect(() => openAead(key, sealed, 'image ab12/chunk:4', 'chunk 3')).toThrow(IntegrityError);
    expect(() => openAead(key, sealed, '', 'chunk 3')).toThrow(IntegrityError);
  });

  it('fails with the wrong key', () => {
    const sealed = sealAead(key, Buffer.from('secret'), aad);
    expect(() => openAead(otherKey, sealed, aad, 'chunk 3')).toThrow(IntegrityError);
  });

  it('returns the plaintext in memory of its own: the one buffer the caller zeroes', () => {
    // The plaintext is often a key. Node's Buffer.concat places small results in a shared
    // allocation pool; a copy there (or an intermediate left unzeroed) would outlive fill(0).
    for (const size of [32, 5000]) {
      const pt = Buffer.alloc(size, 0x5a);
      const opened = openAead(key, sealAead(key, pt, aad), aad, 'a key');
      expect(Buffer.from(opened)).toEqual(pt);
      expect(opened.byteOffset).toBe(0);
      expect(opened.buffer.byteLength).toBe(size);
    }
  });

  it('uses a fresh nonce for every seal', () => {
    const pt = Buffer.from('same plaintext');
    const a = sealAead(key, pt, aad);
    const b = sealAead(key, pt, aad);
    expect(toHex(a.subarray(1, 13))).not.toBe(toHex(b.subarray(1, 13)));
    expect(toHex(a)).not.toBe(toHex(b));
  });

  it('reports too-short input, truncation and unknown versions as IntegrityError naming the item', () => {
    const sealed = sealAead(key, Buffer.from('secret'), aad);
    const cases: Array<[Uint8Array, RegExp]> = [
      [Buffer.alloc(0), /too short/],
      [sealed.subarray(0, SEAL_OVERHEAD_BYTES - 1), /too short/],
      [sealed.subarray(0, sealed.byteLength - 1), /authentication failed/],
      [Buffer.concat([Buffer.of(0x02), sealed.subarray(1)]), /unknown sealed-format version 2/],
    ];
    for (const [input, reason] of cases) {
      let caught: unknown;
      try {
        openAead(key, input, aad, 'chunk 3 of image ab12…');
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(IntegrityError);
      expect((caught as IntegrityError).what).toBe('chunk 3 of image ab12…');
      expect((caught as Error).message).toContain('chunk 3 of image ab12…');
      expect((caught as Error).message).toMatch(reason);
    }
  });

  it('refuses keys that are not 32 bytes, without printing them', () => {
    const shortKey = Buffer.alloc(16, 0xab);
    expect(() => sealAead(shortKey, Buffer.alloc(1), aad)).toThrow(/must be 32 bytes, got 16/);
    expect(() => openAead(shortKey, Buffer.alloc(40), aad, 'x')).toThrow(RangeError);
    try {
      sealAead(shortKey, Buffer.alloc(1), aad);
    } catch (err) {
      expect((err as Error).message).not.toMatch(/abab/i);
    }
  });
});

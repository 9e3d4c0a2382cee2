// Known answers for Padmé (values from the paper's definition, worked by hand) and the
// framing's round trip and strictness.
import { describe, expect, it } from 'vitest';
import { padmeLength, padPayload, unpadPayload, PADME_HEADER_BYTES } from './padme.ts';

describe('padmeLength', () => {
  it('matches known answers', () => {
    // L = 9: E = 3, S = 2, 1 low bit cleared → 10. L = 1000: E = 9, S = 4, 5 bits → 1024.
    // L = 13_001: E = 13, S = 4, 9 bits → 13_312. L = 1_000_000: E = 19, S = 5, 14 bits → 1_015_808.
    const cases: Array<[number, number]> = [
      [0, 0],
      [1, 1],
      [2, 2],
      [3, 3],
      [8, 8],
      [9, 10],
      [17, 18],
      [100, 104],
      [1000, 1024],
      [13_001, 13_312],
      [1_000_000, 1_015_808],
    ];
    for (const [length, padded] of cases) expect(padmeLength(length), `L = ${length}`).toBe(padded);
  });

  it('never shrinks and adds at most 12 % above 16 bytes', () => {
    for (let length = 0; length < 70_000; length += 7) {
      const padded = padmeLength(length);
      expect(padded).toBeGreaterThanOrEqual(length);
      if (length > 16) expect(padded / length).toBeLessThanOrEqual(1.12);
    }
  });

  it('maps many lengths to one: a known file size is not confirmed by the blob size', () => {
    const sizes = new Set(Array.from({ length: 1000 }, (_, i) => padmeLength(12_000 + i)));
    expect(sizes.size).toBeLessThan(20);
  });
});

describe('padPayload / unpadPayload', () => {
  it('round-trips and pads to the Padmé length of header + payload', () => {
    for (const n of [0, 1, 5, 100, 4097, 20_000]) {
      const payload = Uint8Array.from({ length: n }, (_, i) => (i * 31 + 7) & 0xff);
      const padded = padPayload(payload);
      expect(padded.byteLength).toBe(padmeLength(PADME_HEADER_BYTES + n));
      expect(Buffer.from(unpadPayload(padded, 'test'))).toEqual(Buffer.from(payload));
    }
  });

  it('refuses a wrong length field or nonzero padding', () => {
    const padded = padPayload(new Uint8Array(1000).fill(9));
    const longer = Uint8Array.from(padded);
    longer[2] = longer[2]! + 1; // +256 bytes: past the blob
    expect(() => unpadPayload(longer, 'blob x')).toThrow(/blob x: padding/);
    const dirty = Uint8Array.from(padded);
    dirty[dirty.length - 1] = 1;
    expect(() => unpadPayload(dirty, 'blob x')).toThrow(/not zero/);
  });
});

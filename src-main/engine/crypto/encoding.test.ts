import { describe, expect, it } from 'vitest';
import { decodeBase64Strict, quoteUntrusted, toBase64, toBytes } from './encoding.ts';

describe('toBytes', () => {
  it('encodes strings as UTF-8 and passes bytes through', () => {
    expect(Buffer.from(toBytes('é')).toString('hex')).toBe('c3a9');
    const bytes = Uint8Array.of(1, 2, 3);
    expect(toBytes(bytes)).toBe(bytes);
  });
});

describe('toBase64', () => {
  it('respects the view of a subarray, not its whole backing buffer', () => {
    const whole = Uint8Array.of(0, 1, 2, 3, 4);
    expect(toBase64(whole.subarray(1, 3))).toBe(Buffer.of(1, 2).toString('base64'));
  });
});

describe('decodeBase64Strict', () => {
  it('decodes canonical padded base64', () => {
    expect(decodeBase64Strict('AAECAw==', 'x')).toEqual(Buffer.of(0, 1, 2, 3));
    expect(decodeBase64Strict('', 'x')).toEqual(Buffer.alloc(0));
  });

  it.each([
    ['missing padding', 'AAECAw'],
    ['non-zero unused bits in the last character', 'AAECAx=='],
    ['an invalid character', 'AAE*CAw=='],
    ['whitespace', 'AAEC Aw=='],
    ['url-safe alphabet', '-_8='],
  ])('rejects %s without quoting the value', (_label, text) => {
    expect(() => decodeBase64Strict(text, 'kdf salt')).toThrow(TypeError);
    try {
      decodeBase64Strict(text, 'kdf salt');
    } catch (err) {
      expect((err as Error).message).toBe('kdf salt is not canonical base64');
    }
  });
});

describe('quoteUntrusted', () => {
  it('JSON-quotes, escapes control characters and caps the length', () => {
    expect(quoteUntrusted('note')).toBe('"note"');
    expect(quoteUntrusted('a\nb')).toBe('"a\\nb"');
    expect(quoteUntrusted('x'.repeat(1000))).toBe(`"${'x'.repeat(40)}…"`);
  });
});

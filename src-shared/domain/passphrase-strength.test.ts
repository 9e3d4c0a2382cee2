import { describe, expect, it } from 'vitest';
import { passphraseStrength } from './passphrase-strength.ts';

describe('passphraseStrength', () => {
  it('refuses short passphrases', () => {
    expect(passphraseStrength('abc').label).toBe('too short');
    expect(passphraseStrength('abc').score).toBe(0);
  });
  it('ranks common words and sequences below random-looking phrases', () => {
    const weak = passphraseStrength('password1');
    const seq = passphraseStrength('abcdefghij');
    const strong = passphraseStrength('violet Tractor 47 harbour!');
    expect(weak.score).toBeLessThanOrEqual(1);
    expect(weak.hints.join(' ')).toMatch(/common words/);
    expect(seq.hints.join(' ')).toMatch(/sequences/);
    expect(strong.score).toBe(4);
    expect(strong.bits).toBeGreaterThan(weak.bits + 40);
  });
});

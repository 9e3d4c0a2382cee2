// A rough passphrase strength estimate for the Vault screen's feedback. It is a guide,
// not a guarantee: it estimates the search space from length and character classes and
// subtracts for the patterns people reach for first (repeats, sequences, common words).
// The vault's real defence is scrypt (N = 2^17) on top of whatever this estimates.

export interface PassphraseStrength {
  /** Estimated bits of guessing work (before scrypt's cost). */
  readonly bits: number;
  /** 0 = too weak … 4 = strong. */
  readonly score: 0 | 1 | 2 | 3 | 4;
  readonly label: 'too short' | 'weak' | 'fair' | 'good' | 'strong';
  readonly hints: string[];
}

const COMMON = [
  'password',
  'passphrase',
  'letmein',
  'qwerty',
  'azerty',
  'admin',
  'welcome',
  'sealsight',
  'secret',
  'iloveyou',
  'monkey',
  'dragon',
  '123456',
  'abc123',
];

export const MIN_PASSPHRASE_LENGTH = 8;

export function passphraseStrength(passphrase: string): PassphraseStrength {
  const chars = [...passphrase];
  const hints: string[] = [];
  if (chars.length < MIN_PASSPHRASE_LENGTH) {
    return {
      bits: 0,
      score: 0,
      label: 'too short',
      hints: [`use at least ${MIN_PASSPHRASE_LENGTH} characters`],
    };
  }
  let pool = 0;
  if (/[a-z]/.test(passphrase)) pool += 26;
  if (/[A-Z]/.test(passphrase)) pool += 26;
  if (/[0-9]/.test(passphrase)) pool += 10;
  if (/[^A-Za-z0-9]/.test(passphrase)) pool += 33;
  // Count runs of a repeated character and ascending/descending sequences once.
  let effective = 0;
  for (let i = 0; i < chars.length; i++) {
    const code = chars[i]!.codePointAt(0)!;
    const prev = i > 0 ? chars[i - 1]!.codePointAt(0)! : NaN;
    if (code === prev || Math.abs(code - prev) === 1) effective += 0.25;
    else effective += 1;
  }
  let bits = effective * Math.log2(Math.max(pool, 2));
  const lower = passphrase.toLowerCase();
  const common = COMMON.filter((word) => lower.includes(word));
  if (common.length > 0) {
    bits -= common.reduce((sum, word) => sum + word.length, 0) * Math.log2(Math.max(pool, 2)) * 0.8;
    hints.push('avoid common words such as "' + common[0] + '"');
  }
  if (effective < chars.length * 0.75) hints.push('avoid repeated characters and sequences');
  if (chars.length < 14) hints.push('longer is stronger: four or more unrelated words work well');
  if (pool <= 26 && chars.length < 20)
    hints.push('mix in capitals, digits or symbols, or add words');
  bits = Math.max(0, Math.round(bits));
  const score = bits < 35 ? 1 : bits < 55 ? 2 : bits < 75 ? 3 : 4;
  const label = (['too short', 'weak', 'fair', 'good', 'strong'] as const)[score];
  return { bits, score, label, hints };
}

import { describe, expect, it } from 'vitest';
import { generateObfuscationKey } from '../arnold-xor.ts';
import { analyzeObfuscation, TIER_LABEL } from './security-report.ts';
import { formatSecurityReport, securityCharts } from './security-report-output.ts';

const size = 32;
/** Smooth synthetic images (gradients + a blob): strongly correlated like real photos. */
const images = [1, 2, 3, 4, 5].map((k) =>
  Uint8Array.from({ length: size * size }, (_, i) => {
    const x = i % size;
    const y = Math.floor(i / size);
    return Math.min(
      255,
      Math.round(3 * k * x + 2 * y + 60 * Math.exp(-((x - 16) ** 2 + (y - 10) ** 2) / 40)),
    );
  }),
);

describe('analyzeObfuscation', () => {
  const key = generateObfuscationKey();
  const r = analyzeObfuscation({ images, size, key, keyBits: [7] });
  const cond = (c: string) => r.conditions.find((s) => s.condition === c)!;

  it('labels the tier and states the order', () => {
    expect(r.tier).toBe(TIER_LABEL);
    expect(r.tier).toContain('not secure against known or chosen plaintexts');
    expect(r.order).toMatch(/Arnold permutation first, then XOR/);
    expect(r.images).toBe(5);
  });

  it('measures what each stage does to the statistics', () => {
    expect(cond('plaintext').correlation.horizontal!).toBeGreaterThan(0.9);
    // A permutation keeps every image's histogram, hence its entropy.
    expect(cond('arnold').entropy.meanImageEntropy).toBeCloseTo(
      cond('plaintext').entropy.meanImageEntropy,
      12,
    );
    expect(Math.abs(cond('arnold+xor').correlation.horizontal!)).toBeLessThan(0.1);
    expect(cond('arnold+xor').entropy.meanImageEntropy).toBeGreaterThan(
      cond('plaintext').entropy.meanImageEntropy,
    );
    expect(cond('arnold+xor').entropy.expectedRandomImageEntropy).toBeLessThan(8);
  });

  it('reports no diffusion, key sensitivity and a successful chosen-plaintext attack', () => {
    expect(r.onePixel.meanNpcr).toBe(1 / 1024);
    expect(r.onePixel.npcrPassRate).toBe(0);
    expect(r.keySensitivity).toHaveLength(1);
    expect(r.keySensitivity[0]!.meanNpcr).toBeGreaterThan(0.98);
    expect(r.chosenPlaintext.map((a) => [a.attack, a.chosenImages])).toEqual([
      ['generic', 3],
      ['arnold-structure', 2],
    ]);
    for (const a of r.chosenPlaintext) {
      expect(a.keystreamRecovered && a.permutationRecovered).toBe(true);
      expect(a.decryption.exactImages).toBe(5);
    }
    expect(r.findings.join(' ')).toMatch(/No diffusion/);
    expect(r.knownPlaintext).toMatchObject({
      pairs: 3,
      keystreamRecovered: true,
      permutationRecovered: true,
      decryption: { images: 2, exactImages: 2 },
    });
    // Every other image is the attacker's prior, the rest are attacked from ciphertexts alone.
    expect(r.ciphertextOnly).toMatchObject({ priorImages: 3, attackedImages: 2 });
  });

  it('renders text and charts without key material', async () => {
    const text = formatSecurityReport(r, 'synthetic');
    expect(text).toContain(`TIER: ${TIER_LABEL}`);
    expect(text).toContain('= 1/1024');
    const keyHex = Buffer.from(key).toString('hex');
    expect(text).not.toContain(keyHex.slice(0, 8));
    expect(JSON.stringify(r)).not.toContain(keyHex.slice(0, 8));
    const charts = await securityCharts(r, 'synthetic');
    expect(charts.map((c) => c.file)).toEqual([
      'histogram-plaintext.svg',
      'histogram-arnold-xor.svg',
      'correlation.svg',
      'entropy.svg',
    ]);
    for (const c of charts) expect(c.svg).toMatch(/^<svg[\s\S]*synthetic[\s\S]*<\/svg>$/);
    // 256 bins drawn per histogram.
    expect(charts[0]!.svg.match(/aria-roledescription="rect mark"/g)).toHaveLength(256);
  });
});

// A security report as readable text and as SVG charts (via the shared chart module).
import { barChartSvg, histogramSvg } from '../../report/charts.ts';
import type { SecurityReport } from './security-report.ts';

const pct = (x: number, digits = 4) => `${(100 * x).toFixed(digits)} %`;
const corr = (v: number | null) => (v === null ? 'undefined (constant)' : v.toFixed(4));

export function formatSecurityReport(r: SecurityReport, title: string): string {
  const c = r.critical;
  const lines = [
    `Security report — ${title}`,
    `TIER: ${r.tier}`,
    `scheme: ${r.scheme}`,
    `order: ${r.order}`,
    `${r.images} images, grayscale, resized to ${r.size}×${r.size}; one fresh key for all of them`,
    '',
    'Entropy (bits; mean per image / pooled) and adjacent-pixel correlation (all pairs, pooled):',
    ...r.conditions.map(
      (s) =>
        `  ${s.condition.padEnd(11)} entropy ${s.entropy.meanImageEntropy.toFixed(4)} / ${s.entropy.pooledEntropy.toFixed(4)}` +
        `   corr h ${corr(s.correlation.horizontal)}  v ${corr(s.correlation.vertical)}  d ${corr(s.correlation.diagonal)}` +
        `   χ² uniform at 5 %: ${pct(s.entropy.shareUniformAt05, 1)} of images`,
    ),
    `  expected entropy of a uniformly random ${r.size}×${r.size} image: ${r.conditions[0]!.entropy.expectedRandomImageEntropy.toFixed(4)} bits (not 8: ${r.size * r.size} samples of 256 values)`,
    '',
    `NPCR/UACI critical values (Wu–Noonan–Agaian 2011, ${r.size}×${r.size}, α = ${r.alpha}): NPCR ≥ ${pct(c.npcrCritical)}, UACI in [${pct(c.uaciLower)}, ${pct(c.uaciUpper)}]`,
    `One-pixel change, same key (arnold+xor): NPCR ${pct(r.onePixel.meanNpcr)} (= 1/${r.size * r.size} = ${pct(r.onePixel.expectedNpcrWithoutDiffusion)}: no diffusion), UACI ${pct(r.onePixel.meanUaci)}; pass ${pct(r.onePixel.npcrPassRate, 1)} / ${pct(r.onePixel.uaciPassRate, 1)}`,
    'Key sensitivity, one key bit flipped (arnold+xor):',
    ...r.keySensitivity.map(
      (k) =>
        `  bit ${String(k.bit).padStart(3)}: NPCR ${pct(k.meanNpcr)} (min ${pct(k.minNpcr)}), UACI ${pct(k.meanUaci)}; pass ${pct(k.npcrPassRate, 1)} / ${pct(k.uaciPassRate, 1)}`,
    ),
    'Chosen-plaintext attacks (arnold+xor), decrypting every analysed image:',
    ...r.chosenPlaintext.map(
      (a) =>
        `  ${a.attack.padEnd(16)} ${a.chosenImages} chosen images: keystream ${a.keystreamRecovered ? 'recovered' : 'NOT recovered'}, permutation ${a.permutationRecovered ? 'recovered' : 'NOT recovered'}; ` +
        `${a.decryption.exactImages}/${a.decryption.images} images exact, pixel error rate ${pct(a.decryption.pixelErrorRate, 2)}, max error ${a.decryption.maxAbsPixelError}` +
        ` (${a.milliseconds.toFixed(0)} ms${a.candidatesTried === undefined ? '' : `, ${a.candidatesTried} candidates`})`,
    ),
    ...(r.knownPlaintext
      ? [
          `Known-plaintext attack (arnold+xor; ${r.knownPlaintext.pairs} known images with their ciphertexts, Arnold structure):`,
          `  keystream ${r.knownPlaintext.keystreamRecovered ? 'recovered' : 'NOT recovered'}, permutation ${r.knownPlaintext.permutationRecovered ? 'recovered' : 'NOT recovered'}; ` +
            (r.knownPlaintext.decryption
              ? `${r.knownPlaintext.decryption.exactImages}/${r.knownPlaintext.decryption.images} other images exact `
              : 'no decryption attempted ') +
            `(${r.knownPlaintext.milliseconds.toFixed(0)} ms${r.knownPlaintext.candidatesTried === undefined ? '' : `, ${r.knownPlaintext.candidatesTried} candidates`})`,
        ]
      : []),
    ...(r.ciphertextOnly
      ? [
          'Ciphertext-only attack (arnold+xor; prior = grey-level histogram of other images of the same kind):',
          `  ${r.ciphertextOnly.attackedImages} ciphertexts, prior from ${r.ciphertextOnly.priorImages} other images: keystream bytes recovered ${pct(r.ciphertextOnly.keystreamBytesRecovered, 1)}, permutation ${r.ciphertextOnly.permutationRecoveredUpToRotation ? 'recovered exactly up to a 90° rotation' : 'NOT recovered'}; ` +
            (r.ciphertextOnly.decryption
              ? `pixels wrong ${pct(r.ciphertextOnly.decryption.pixelErrorRate, 1)}, mean |error| ${r.ciphertextOnly.decryption.meanAbsPixelError.toFixed(2)} grey levels `
              : 'no decryption attempted ') +
            `(${(r.ciphertextOnly.milliseconds / 1000).toFixed(1)} s)`,
        ]
      : []),
    '',
    'Findings:',
    ...r.findings.map((f) => `  - ${f}`),
    `TIER: ${r.tier}`,
  ];
  return lines.join('\n');
}

export interface ChartFile {
  readonly file: string;
  readonly svg: string;
}

export async function securityCharts(r: SecurityReport, title: string): Promise<ChartFile[]> {
  const stat = (c: string) => r.conditions.find((s) => s.condition === c)!;
  const histogram = async (condition: string, label: string) =>
    histogramSvg({
      title: `${title}: pixel histogram, ${label} (${r.images} images, ${r.size}×${r.size})`,
      series: [{ name: label, counts: stat(condition).entropy.pooledHistogram }],
      binStart: 0,
      binWidth: 1,
      xLabel: 'grey level',
      yLabel: 'pixels',
    });
  const conditions = r.conditions.map((s) => s.condition);
  return [
    { file: 'histogram-plaintext.svg', svg: await histogram('plaintext', 'plaintext') },
    { file: 'histogram-arnold-xor.svg', svg: await histogram('arnold+xor', 'Arnold + XOR') },
    {
      file: 'correlation.svg',
      svg: await barChartSvg({
        title: `${title}: adjacent-pixel correlation`,
        categories: ['horizontal', 'vertical', 'diagonal'],
        series: r.conditions.map((s) => ({
          name: s.condition,
          values: [s.correlation.horizontal, s.correlation.vertical, s.correlation.diagonal].map(
            (v) => v ?? 0,
          ),
        })),
        yLabel: 'Pearson correlation',
        yDomain: [-0.1, 1],
      }),
    },
    {
      file: 'entropy.svg',
      svg: await barChartSvg({
        title: `${title}: mean per-image entropy (random image: ${stat('plaintext').entropy.expectedRandomImageEntropy.toFixed(3)} bits)`,
        categories: conditions,
        series: [{ name: 'entropy', values: r.conditions.map((s) => s.entropy.meanImageEntropy) }],
        yLabel: 'bits',
        yDomain: [0, 8],
      }),
    },
  ];
}

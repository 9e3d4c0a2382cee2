// The Security screen's report: the obfuscated tier (Arnold cat map + XOR) measured on
// the unlocked vault's own images, obfuscated in memory under a fresh random key that is
// zeroed afterwards (the engine's analyzeObfuscation, as `sealsight security-report`).
// Figures are mapped to named values with a plain note; histograms are the pooled pixel
// histograms before and after obfuscation, in 16 bins.
import {
  SCHEME_DESCRIPTION,
  analyzeObfuscation,
  decryptOriginal,
  generateObfuscationKey,
  toGraySquare,
} from '../engine/index.ts';
import type { SecurityReport, UnlockedVault } from '../engine/index.ts';
import { TIER_LABELS } from '../../src-shared/contract/ipc.ts';
import type { IpcResponse } from '../../src-shared/contract/ipc.ts';

const SIZE = 64;
/** Enough images for stable statistics; the analysis is O(images). */
const MAX_IMAGES = 200;

export async function vaultSecurityReport(
  vault: UnlockedVault,
): Promise<IpcResponse<'security:report'>> {
  // The first MAX_IMAGES rows only: each one's metadata is opened when its original is.
  const rows = vault.catalogue.read.images.page(0, MAX_IMAGES);
  if (rows.length === 0) {
    return {
      available: false,
      reason:
        'The vault is empty: the report measures the obfuscated tier on the vault’s own images.',
      tierLabel: TIER_LABELS.obfuscated,
      figures: [],
      histograms: [],
    };
  }
  const images: Uint8Array[] = [];
  for (const row of rows) {
    const { summary, bytes } = decryptOriginal(vault, row.uid);
    try {
      images.push(await toGraySquare(bytes, summary.name, SIZE));
    } finally {
      bytes.fill(0);
    }
  }
  const key = generateObfuscationKey();
  let report: SecurityReport;
  try {
    report = analyzeObfuscation({ images, size: SIZE, key });
  } finally {
    key.fill(0);
    for (const image of images) image.fill(0);
  }
  return toContract(report);
}

function toContract(r: SecurityReport): IpcResponse<'security:report'> {
  const stat = (c: string) => r.conditions.find((s) => s.condition === c)!;
  const figures: IpcResponse<'security:report'>['figures'] = [];
  for (const s of r.conditions) {
    figures.push({
      name: `entropy, ${s.condition}`,
      value: s.entropy.meanImageEntropy,
      note: `mean bits per pixel per image; a random ${r.size}×${r.size} image has ${s.entropy.expectedRandomImageEntropy.toFixed(4)}`,
    });
  }
  for (const s of [stat('plaintext'), stat('arnold+xor')]) {
    figures.push({
      name: `horizontal correlation, ${s.condition}`,
      value: s.correlation.horizontal ?? 0,
      note: 'adjacent-pixel Pearson correlation (near 0 looks random)',
    });
  }
  figures.push({
    name: 'one-pixel change: NPCR',
    value: r.onePixel.meanNpcr,
    note: `share of output pixels that change; needed ≥ ${r.critical.npcrCritical.toFixed(4)} — no diffusion`,
  });
  for (const attack of r.chosenPlaintext) {
    figures.push({
      name: `chosen-plaintext attack (${attack.attack}): images needed`,
      value: attack.chosenImages,
      note: `then ${attack.decryption.exactImages}/${attack.decryption.images} of the vault’s images decrypt exactly`,
    });
  }
  const bins = (counts: readonly number[]) =>
    Array.from({ length: 16 }, (_, b) => ({
      x: `${b * 16}–${b * 16 + 15}`,
      y: counts.slice(b * 16, b * 16 + 16).reduce((a, c) => a + c, 0),
    }));
  return {
    available: true,
    reason: `${SCHEME_DESCRIPTION}. Measured on ${r.images} of this vault’s images at ${r.size}×${r.size} under a fresh random key. ${r.findings.join(' ')}`,
    tierLabel: TIER_LABELS.obfuscated,
    figures,
    histograms: [
      { name: 'Pixel histogram, plaintext', bins: bins(stat('plaintext').entropy.pooledHistogram) },
      {
        name: 'Pixel histogram, Arnold + XOR',
        bins: bins(stat('arnold+xor').entropy.pooledHistogram),
      },
    ],
  };
}

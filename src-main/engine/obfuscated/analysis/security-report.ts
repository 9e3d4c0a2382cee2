// The obfuscated tier's security report: every analysis of this folder run on the same N×N
// images under one key, gathered into one JSON-friendly object. The key is used, never stored
// in the report.
import {
  arnoldGatherTable,
  createObfuscator,
  deriveArnoldParams,
  deriveKeystream,
  OBFUSCATION_CONDITIONS,
} from '../arnold-xor.ts';
import type { ObfuscationCondition } from '../arnold-xor.ts';
import {
  craftGenericChosenImages,
  decryptWithRecovered,
  genericChosenImageCount,
  recoverArnold,
  recoverArnoldKnownPlaintext,
  recoverGeneric,
  scoreDecryption,
} from './chosen-plaintext.ts';
import type { DecryptionScore, RecoveredCipher } from './chosen-plaintext.ts';
import { ciphertextOnlyAttack } from './ciphertext-only.ts';
import { adjacentCorrelation } from './correlation.ts';
import { keySensitivity, onePixelDifferential } from './differential.ts';
import type { DifferentialSummary, KeySensitivity } from './differential.ts';
import { histogram256, summarizeEntropy } from './entropy.ts';
import type { EntropySummary } from './entropy.ts';
import { npcrUaciCritical } from './npcr-uaci.ts';
import type { NpcrUaciCritical } from './npcr-uaci.ts';

export const TIER_LABEL =
  'obfuscation under a fixed key — not secure against known or chosen plaintexts; use the sealed tier for secrecy';

export const SCHEME_DESCRIPTION =
  'Arnold cat map permutation [[1,a],[b,ab+1]]^n mod N (a, b, n from HKDF of the key), then XOR with an HKDF/AES-256-CTR keystream; the same key for every image';

export interface ConditionStatistics {
  readonly condition: ObfuscationCondition;
  readonly entropy: EntropySummary;
  readonly correlation: {
    horizontal: number | null;
    vertical: number | null;
    diagonal: number | null;
  };
}

export interface ChosenPlaintextResult {
  readonly attack: 'generic' | 'arnold-structure';
  readonly chosenImages: number;
  readonly keystreamRecovered: boolean;
  readonly permutationRecovered: boolean;
  /** Decryption of every analysed image's ciphertext (none of them was a chosen image). */
  readonly decryption: DecryptionScore;
  readonly milliseconds: number;
  readonly candidatesTried?: number;
}

export interface KnownPlaintextResult {
  /** Known (plaintext, ciphertext) pairs used: images of the set spread over it. */
  readonly pairs: number;
  readonly keystreamRecovered: boolean;
  readonly permutationRecovered: boolean;
  /** Decryption of all the other images; null when the search found no fitting map. */
  readonly decryption: DecryptionScore | null;
  readonly milliseconds: number;
  readonly candidatesTried?: number;
}

export interface CiphertextOnlyResult {
  /** Images whose PLAINTEXT grey-level histogram the attacker uses as a prior (every other one). */
  readonly priorImages: number;
  /** Images attacked from their ciphertexts alone (the rest; disjoint from the prior). */
  readonly attackedImages: number;
  readonly keystreamBytesRecovered: number;
  /** True when one of the four 90° rotations of the recovered permutation is exact. */
  readonly permutationRecoveredUpToRotation: boolean;
  /** Decryption of the attacked images with the best of the four rotations (null: no candidate). */
  readonly decryption: DecryptionScore | null;
  readonly milliseconds: number;
}

export interface SecurityReport {
  readonly tier: string;
  readonly scheme: string;
  readonly order: string;
  readonly size: number;
  readonly images: number;
  readonly alpha: number;
  readonly critical: NpcrUaciCritical;
  readonly conditions: ConditionStatistics[];
  readonly onePixel: DifferentialSummary & { readonly expectedNpcrWithoutDiffusion: number };
  readonly keySensitivity: KeySensitivity[];
  readonly chosenPlaintext: ChosenPlaintextResult[];
  readonly knownPlaintext: KnownPlaintextResult | null;
  readonly ciphertextOnly: CiphertextOnlyResult | null;
  readonly findings: string[];
}

export interface AnalyzeOptions {
  readonly images: readonly Uint8Array[];
  readonly size: number;
  readonly key: Uint8Array;
  readonly alpha?: number;
  readonly keyBits?: readonly number[];
}

function attackResult(
  attack: ChosenPlaintextResult['attack'],
  chosenImages: number,
  rec: RecoveredCipher,
  truth: { keystream: Uint8Array; gather: Uint32Array },
  plaintexts: readonly Uint8Array[],
  ciphertexts: readonly Uint8Array[],
  milliseconds: number,
  candidatesTried?: number,
): ChosenPlaintextResult {
  const recovered = ciphertexts.map((c) => decryptWithRecovered(rec, c));
  return {
    attack,
    chosenImages,
    keystreamRecovered: Buffer.compare(rec.keystream, truth.keystream) === 0,
    permutationRecovered: rec.gather.every((g, j) => g === truth.gather[j]),
    decryption: scoreDecryption(plaintexts, recovered),
    milliseconds,
    ...(candidatesTried === undefined ? {} : { candidatesTried }),
  };
}

function runKnownPlaintext(
  images: readonly Uint8Array[],
  ciphertexts: readonly Uint8Array[],
  size: number,
  truth: { keystream: Uint8Array; gather: Uint32Array },
): KnownPlaintextResult {
  const t = performance.now();
  const count = Math.min(3, images.length);
  const known = Array.from({ length: count }, (_, k) => Math.floor((k * images.length) / count));
  const rec = recoverArnoldKnownPlaintext(
    size,
    known.map((m) => ({ plain: images[m]!, cipher: ciphertexts[m]! })),
  );
  const milliseconds = performance.now() - t;
  if (!rec) {
    return {
      pairs: count,
      keystreamRecovered: false,
      permutationRecovered: false,
      decryption: null,
      milliseconds,
    };
  }
  const others = images.map((_, m) => m).filter((m) => !known.includes(m));
  return {
    pairs: count,
    keystreamRecovered: Buffer.compare(rec.keystream, truth.keystream) === 0,
    permutationRecovered: rec.gather.every((g, j) => g === truth.gather[j]),
    decryption: scoreDecryption(
      others.map((m) => images[m]!),
      others.map((m) => decryptWithRecovered(rec, ciphertexts[m]!)),
    ),
    milliseconds,
    candidatesTried: rec.candidatesTried,
  };
}

function runCiphertextOnly(
  images: readonly Uint8Array[],
  ciphertexts: readonly Uint8Array[],
  size: number,
  truth: { keystream: Uint8Array; gather: Uint32Array },
): { result: CiphertextOnlyResult; victimIndices: number[]; recovered: Uint8Array[] | null } {
  const t = performance.now();
  const prior = new Float64Array(256);
  const victims: Uint8Array[] = [];
  const victimCts: Uint8Array[] = [];
  const victimIndices: number[] = [];
  images.forEach((img, m) => {
    if (m % 2 === 0) histogram256(img, prior);
    else {
      victims.push(img);
      victimCts.push(ciphertexts[m]!);
      victimIndices.push(m);
    }
  });
  const est = ciphertextOnlyAttack(victimCts, size, prior);
  const milliseconds = performance.now() - t;
  let best: { score: DecryptionScore; recovered: Uint8Array[] } | null = null;
  for (const gather of est.gathers) {
    const recovered = victimCts.map((c) =>
      decryptWithRecovered({ size, keystream: est.keystream, gather }, c),
    );
    const score = scoreDecryption(victims, recovered);
    if (!best || score.meanAbsPixelError < best.score.meanAbsPixelError)
      best = { score, recovered };
  }
  const result: CiphertextOnlyResult = {
    priorImages: images.length - victims.length,
    attackedImages: victims.length,
    keystreamBytesRecovered:
      est.keystream.filter((k, j) => k === truth.keystream[j]).length / est.keystream.length,
    permutationRecoveredUpToRotation: est.gathers.some((g) =>
      g.every((s, j) => s === truth.gather[j]),
    ),
    decryption: best?.score ?? null,
    milliseconds,
  };
  return { result, victimIndices, recovered: best?.recovered ?? null };
}

/** One example row: what each stage makes of one image, and what the attacker recovers. */
export interface ExampleRow {
  readonly index: number;
  readonly plaintext: Uint8Array;
  readonly arnoldOnly: Uint8Array;
  readonly obfuscated: Uint8Array;
  /** Ciphertext-only recovery (best of the four rotations), or null when it found nothing. */
  readonly ciphertextOnly: Uint8Array | null;
}

export function analyzeObfuscation(o: AnalyzeOptions): SecurityReport {
  return analyzeObfuscationWithExamples(o, 0).report;
}

/**
 * The report plus `count` example rows (images the ciphertext-only attack was run on, spread
 * over the set). The rows hold pixels, so they are kept out of the report's JSON.
 */
export function analyzeObfuscationWithExamples(
  o: AnalyzeOptions,
  count: number,
): { report: SecurityReport; examples: ExampleRow[] } {
  const { images, size, key } = o;
  const alpha = o.alpha ?? 0.05;
  if (images.length === 0) throw new RangeError('no images to analyse');
  const pixels = size * size;
  const critical = npcrUaciCritical(pixels, alpha);

  const conditions = OBFUSCATION_CONDITIONS.map((condition) => {
    const obf = createObfuscator(key, size, condition);
    const out = images.map((img) => obf.obfuscate(img));
    const c = adjacentCorrelation(out, size);
    return {
      condition,
      entropy: summarizeEntropy(out),
      correlation: { horizontal: c.horizontal, vertical: c.vertical, diagonal: c.diagonal },
    };
  });

  const onePixel = {
    ...onePixelDifferential(key, size, 'arnold+xor', images, critical),
    expectedNpcrWithoutDiffusion: 1 / pixels,
  };
  const keySens = keySensitivity(key, size, 'arnold+xor', images, critical, o.keyBits);

  // Chosen-plaintext attacks against an oracle holding the key; judged against the truth.
  const obf = createObfuscator(key, size, 'arnold+xor');
  const truth = {
    keystream: deriveKeystream(key, pixels),
    gather: arnoldGatherTable(size, deriveArnoldParams(key, size)),
  };
  const ciphertexts = images.map((img) => obf.obfuscate(img));
  let t = performance.now();
  const chosen = craftGenericChosenImages(size);
  const generic = recoverGeneric(
    size,
    chosen.map((p) => obf.obfuscate(p)),
  );
  const genericMs = performance.now() - t;
  t = performance.now();
  let queries = 0;
  const arnold = recoverArnold(size, (p) => {
    queries++;
    return obf.obfuscate(p);
  });
  const arnoldMs = performance.now() - t;
  const chosenPlaintext = [
    attackResult(
      'generic',
      genericChosenImageCount(size),
      generic,
      truth,
      images,
      ciphertexts,
      genericMs,
    ),
    attackResult(
      'arnold-structure',
      queries,
      arnold,
      truth,
      images,
      ciphertexts,
      arnoldMs,
      arnold.candidatesTried,
    ),
  ];

  const knownPlaintext =
    images.length >= 2 ? runKnownPlaintext(images, ciphertexts, size, truth) : null;
  const co = images.length >= 2 ? runCiphertextOnly(images, ciphertexts, size, truth) : null;
  const ciphertextOnly = co?.result ?? null;
  const examples: ExampleRow[] = [];
  if (co && count > 0) {
    const arnoldOnly = createObfuscator(key, size, 'arnold');
    const rows = Math.min(count, co.victimIndices.length);
    for (let k = 0; k < rows; k++) {
      const v = Math.floor((k * co.victimIndices.length) / rows);
      const m = co.victimIndices[v]!;
      examples.push({
        index: m,
        plaintext: images[m]!,
        arnoldOnly: arnoldOnly.obfuscate(images[m]!),
        obfuscated: ciphertexts[m]!,
        ciphertextOnly: co.recovered?.[v] ?? null,
      });
    }
  }

  const stats = (c: ObfuscationCondition) => conditions.find((s) => s.condition === c)!;
  const plain = stats('plaintext');
  const full = stats('arnold+xor');
  const findings = [
    `No diffusion: changing one pixel changes exactly one output pixel (NPCR ${(100 * onePixel.meanNpcr).toFixed(4)} % = 1/${pixels}; needed ≥ ${(100 * critical.npcrCritical).toFixed(4)} %).`,
    `Chosen plaintexts: ${chosenPlaintext
      .map(
        (r) =>
          `${r.chosenImages} chosen images (${r.attack}) recover the keystream and permutation ${
            r.keystreamRecovered && r.permutationRecovered ? 'exactly' : 'NOT exactly'
          } and decrypt ${r.decryption.exactImages}/${r.decryption.images} unseen images exactly`,
      )
      .join('; ')}.`,
    ...(knownPlaintext
      ? [
          `Known plaintexts: ${knownPlaintext.pairs} images with their ciphertexts ${
            knownPlaintext.keystreamRecovered && knownPlaintext.permutationRecovered
              ? `recover the keystream and permutation exactly and decrypt ${knownPlaintext.decryption!.exactImages}/${knownPlaintext.decryption!.images} other images exactly`
              : 'did NOT recover the key material'
          }.`,
        ]
      : []),
    ...(ciphertextOnly
      ? [
          `Ciphertexts alone (${ciphertextOnly.attackedImages} images) plus the grey-level histogram of ${ciphertextOnly.priorImages} other images of the same kind: ${(100 * ciphertextOnly.keystreamBytesRecovered).toFixed(1)} % of keystream bytes recovered, permutation ${ciphertextOnly.permutationRecoveredUpToRotation ? 'recovered exactly (up to a 90° rotation)' : 'not recovered'}${ciphertextOnly.decryption ? `; mean pixel error ${ciphertextOnly.decryption.meanAbsPixelError.toFixed(2)} grey levels` : ''}.`,
        ]
      : []),
    `Statistics look random only image by image: mean entropy ${full.entropy.meanImageEntropy.toFixed(4)} bits vs ${full.entropy.expectedRandomImageEntropy.toFixed(4)} expected for a random ${size}×${size} image (plaintext ${plain.entropy.meanImageEntropy.toFixed(4)}); a fixed keystream is the same for every image, so XOR-ing two obfuscated images cancels it.`,
    `Arnold alone keeps each image's histogram (entropy ${stats('arnold').entropy.meanImageEntropy.toFixed(4)} = plaintext); XOR alone keeps pixel positions.`,
  ];

  const report: SecurityReport = {
    tier: TIER_LABEL,
    scheme: SCHEME_DESCRIPTION,
    order: 'Arnold permutation first, then XOR with the keystream',
    size,
    images: images.length,
    alpha,
    critical,
    conditions,
    onePixel,
    keySensitivity: keySens,
    chosenPlaintext,
    knownPlaintext,
    ciphertextOnly,
    findings,
  };
  return { report, examples };
}

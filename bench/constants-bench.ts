// `npm run bench -- constants [--count N]`: the lanes layout's scalar weights as CKKS
// plaintexts, SEAL's vector encoder + mod switch (what lanes did before) against the
// directly written constants (sealed/ckks/constant-plaintext.ts), side by side in one run, at
// each level the lane engine multiplies at. Also checks the two are byte-equal.
import { loadSeal, toBytes } from '../src-main/engine/sealed/ckks/seal-runtime.ts';
import {
  createCkksContext,
  DEFAULT_CKKS_PRESET,
} from '../src-main/engine/sealed/ckks/ckks-presets.ts';
import { ConstantPlaintexts } from '../src-main/engine/sealed/ckks/constant-plaintext.ts';
import { mulberry32 } from '../src-main/engine/ml/random.ts';
import { freshCiphertext } from '../test/helpers/ckks.ts';
import { option } from './bench-options.ts';

export async function runConstantsBench() {
  const count = Number(option('count', '400'));
  const seal = await loadSeal();
  using ckks = createCkksContext(seal, DEFAULT_CKKS_PRESET);
  using encoder = new seal.CKKSEncoder(ckks.context);
  using evaluator = new seal.Evaluator(ckks.context);
  using constants = new ConstantPlaintexts(seal, ckks);
  using ciphertext = freshCiphertext(seal, ckks);
  const random = mulberry32(1);
  const none = seal.ComprModeType.none;

  // Lanes multiply conv taps at the input level, fc1 after conv + x² (two rescales),
  // fc2 after fc1 + x² (four).
  const levels: Array<Record<string, number | string | boolean>> = [];
  for (const [layer, rescales] of [
    ['conv', 0],
    ['fc1', 2],
    ['fc2', 4],
  ] as const) {
    while (ckks.primes.length - 1 - ciphertext.coeffModulusSize() < rescales)
      evaluator.cipherModSwitchToNextInplace(ciphertext);
    const weights = Array.from({ length: count }, () => (random() - 0.5) * 4);
    let encoderMs = 0;
    let directMs = 0;
    let byteEqual = true;
    using parmsId = ciphertext.parmsId();
    // Interleaved, one weight at a time, so machine noise hits both alike.
    for (const w of weights) {
      let t = performance.now();
      using reference = new seal.Plaintext();
      encoder.encode(new Float64Array(ckks.slotCount).fill(w), ckks.scale, reference);
      evaluator.plainModSwitchToInplace(reference, parmsId);
      encoderMs += performance.now() - t;
      t = performance.now();
      using direct = constants.encode(w, ciphertext);
      directMs += performance.now() - t;
      byteEqual &&= Buffer.from(toBytes(reference.saveToArray(none))).equals(
        toBytes(direct.saveToArray(none)),
      );
    }
    levels.push({
      layer,
      primes: ciphertext.coeffModulusSize(),
      encoderMsPerPlaintext: Number((encoderMs / count).toFixed(4)),
      directMsPerPlaintext: Number((directMs / count).toFixed(4)),
      speedup: Number((encoderMs / directMs).toFixed(1)),
      byteEqual,
    });
  }
  return { count, preset: ckks.preset.id, levels };
}

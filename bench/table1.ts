// `npm run bench -- table1`: key and ciphertext sizes per CKKS preset, for one image
// and for a batch of images (the paper's Table 1). Sizes are SEAL's zstd-compressed
// serialisations, measured on freshly generated keys and ciphertexts.
import { loadSeal, toBytes } from '../src-main/engine/sealed/ckks/seal-runtime.ts';
import type { Seal } from '../src-main/engine/sealed/ckks/seal-runtime.ts';
import {
  createCkksContext,
  DEFAULT_CKKS_PRESET,
} from '../src-main/engine/sealed/ckks/ckks-presets.ts';
import type { CkksPreset } from '../src-main/engine/sealed/ckks/ckks-presets.ts';
import { TENSEAL_TUTORIAL_PRESET } from './baseline/tenseal-style.ts';
import {
  packedCnnRotationSteps,
  planPackedCnn,
} from '../src-main/engine/sealed/layouts/blocks/packed-cnn-plan.ts';
import { PAPER_ARCHITECTURE, randomChunkCnn } from '../src-main/engine/sealed/model/chunk-cnn.ts';

/** Mean feature chunks per NEU-CLS image at threshold 100 (features-bench.ts: 72.7 % of 16). */
const MEAN_FEATURE_CHUNKS = 11.63;
const BATCH_IMAGES = 1440;

function sizes(seal: Seal, preset: CkksPreset, galoisSteps: readonly number[] | 'power-of-two') {
  using ckks = createCkksContext(seal, preset);
  const zstd = seal.ComprModeType.zstd;
  using keyGenerator = new seal.KeyGenerator(ckks.context);
  using secretKey = keyGenerator.secretKey();
  using publicKey = keyGenerator.createPublicKeySerializable();
  using relinKeys = keyGenerator.createRelinKeysSerializable();
  using galois =
    galoisSteps === 'power-of-two'
      ? keyGenerator.createGaloisKeysSerializable()
      : keyGenerator.createGaloisKeysSerializableWithSteps(Int32Array.from(galoisSteps));
  using fullPublicKey = keyGenerator.createPublicKey();
  using encoder = new seal.CKKSEncoder(ckks.context);
  using encryptor = new seal.Encryptor(ckks.context, fullPublicKey, secretKey);
  using plaintext = new seal.Plaintext();
  encoder.encode(
    Float64Array.from({ length: ckks.slotCount }, () => Math.random()),
    ckks.scale,
    plaintext,
  );
  using symmetric = encryptor.encryptSymmetricSerializable(plaintext);
  using asymmetric = new seal.Ciphertext();
  encryptor.encrypt(plaintext, asymmetric);
  using evaluator = new seal.Evaluator(ckks.context);
  using lastLevel = asymmetric.copy();
  while (lastLevel.coeffModulusSize() > 1) evaluator.cipherModSwitchToNextInplace(lastLevel);
  return {
    preset: preset.id,
    polyModulusDegree: preset.polyModulusDegree,
    coeffModulusBits: preset.coeffModulusBits,
    slots: ckks.slotCount,
    secretKeyBytes: toBytes(secretKey.saveToArray(zstd)).length,
    publicKeyBytes: toBytes(publicKey.saveToArray(zstd)).length,
    relinKeysBytes: toBytes(relinKeys.saveToArray(zstd)).length,
    galoisKeys: {
      steps: galoisSteps === 'power-of-two' ? 'power-of-two (SEAL default)' : galoisSteps.length,
      bytes: toBytes(galois.saveToArray(zstd)).length,
    },
    ciphertextBytes: {
      symmetricSeeded: toBytes(symmetric.saveToArray(zstd)).length,
      publicKey: toBytes(asymmetric.saveToArray(zstd)).length,
      lastLevel: toBytes(lastLevel.saveToArray(zstd)).length,
    },
  };
}

export async function runTable1() {
  const seal = await loadSeal();
  const plan = planPackedCnn(randomChunkCnn(PAPER_ARCHITECTURE, 1), 4096);
  const ours = sizes(seal, DEFAULT_CKKS_PRESET, packedCnnRotationSteps(plan));
  const tenseal = sizes(seal, TENSEAL_TUTORIAL_PRESET, 'power-of-two');
  const perImage = (ciphertexts: number, bytes: number) => ({
    ciphertexts: Number(ciphertexts.toFixed(2)),
    bytes: Math.round(ciphertexts * bytes),
  });
  // Packed: 4 chunks per ciphertext (mean over the ceil per image is close to F/4 + 0.4).
  const packedPerImage = Math.ceil(MEAN_FEATURE_CHUNKS / 4);
  const evalKeys = (s: typeof ours) => s.publicKeyBytes + s.relinKeysBytes + s.galoisKeys.bytes;
  return {
    benchmark: 'table1',
    meanFeatureChunksPerImage: MEAN_FEATURE_CHUNKS,
    batchImages: BATCH_IMAGES,
    presets: [
      {
        ...ours,
        layout: 'packed blocks: 4 chunks per ciphertext, symmetric (seeded) encryption at import',
        evaluationKeyBytes: evalKeys(ours),
        oneImage: perImage(packedPerImage, ours.ciphertextBytes.symmetricSeeded),
        batch: perImage(packedPerImage * BATCH_IMAGES, ours.ciphertextBytes.symmetricSeeded),
        resultPerImageBytes: ours.ciphertextBytes.lastLevel,
      },
      {
        ...tenseal,
        layout: 'TenSEAL style: one im2col ciphertext per chunk, public-key encryption',
        evaluationKeyBytes: evalKeys(tenseal),
        oneImage: perImage(MEAN_FEATURE_CHUNKS, tenseal.ciphertextBytes.publicKey),
        batch: perImage(MEAN_FEATURE_CHUNKS * BATCH_IMAGES, tenseal.ciphertextBytes.publicKey),
        resultPerImageBytes: Math.round(MEAN_FEATURE_CHUNKS * tenseal.ciphertextBytes.lastLevel),
      },
    ],
  };
}

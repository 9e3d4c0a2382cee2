// The shipped default model (assets/models/neu-chunk-cnn.json, an ensemble of three
// chunk CNNs): it loads, it fits the CKKS budget of the default preset, the packed-CKKS
// plans of its members reproduce its reference forward pass (float simulation of the
// exact encrypted computation), and it classifies the bundled NEU-CLS samples.
import { describe, expect, it } from 'vitest';
import { referenceChunkScores } from '../train/evaluate-chunk-cnn.ts';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { NEU_CLASSES } from '../../../../src-shared/domain/classes.ts';
import { processImage } from '../../image/index.ts';
import { DEFAULT_CKKS_PRESET } from '../ckks/ckks-presets.ts';
import { assertHeSafe, scoreScaleFor } from '../ckks/he-safety.ts';
import { planPackedEnsemble } from '../layouts/blocks/packed-cnn-plan.ts';
import { readScores, simulatePackedCnn } from '../layouts/blocks/packed-cnn-simulator.ts';
import { BLOCK_PACKING_1024 } from '../layouts/blocks/chunk-packing.ts';
import { aggregateImage, argmax } from './chunk-cnn.ts';
import { loadModel } from './model-file.ts';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const MODEL = path.join(ROOT, 'assets', 'models', 'neu-chunk-cnn.json');
const SAMPLES = path.join(ROOT, 'assets', 'samples', 'neu-cls');

async function samples() {
  const out: Array<{ label: string; chunks: Uint8Array[] }> = [];
  for (const label of NEU_CLASSES) {
    for (const name of (await readdir(path.join(SAMPLES, label))).sort()) {
      const image = await processImage(await readFile(path.join(SAMPLES, label, name)), name);
      out.push({ label, chunks: image.chunks.filter((c) => c.isFeature).map((c) => c.pixels) });
    }
  }
  return out;
}

describe('the shipped NEU-CLS model', () => {
  it('loads, names the NEU classes and fits the default CKKS preset', async () => {
    const model = await loadModel(MODEL);
    expect(model.file.classes).toEqual([...NEU_CLASSES]);
    expect(model.file.preprocessing).toMatchObject({ threshold: 100, minFeatureChunks: 12 });
    expect(() => assertHeSafe(model.file.activationRanges, DEFAULT_CKKS_PRESET)).not.toThrow();
    // An ensemble of three nets (seeds 1–3), each fitted on every development image (the
    // recipe was validated on splits, docs/experiments/sealed-tier-accuracy.md), so none records a validation
    // split; the ensemble's ranges were measured on those same images.
    expect(model.members).toHaveLength(3);
    // Each member: 16 channels of 4×4 at stride 4, trained without L2 decay for 800 epochs
    // (docs/experiments/sealed-tier-accuracy.md).
    expect(model.weights.architecture).toMatchObject({
      channels: 48,
      kernel: 4,
      stride: 4,
      hidden: 384,
      members: 3,
    });
    const member = {
      dataHash: expect.stringMatching(/^[0-9a-f]{64}$/),
      epochs: 800,
      options: { weightDecay: 0, scorePenalty: 1e-4 },
      valFraction: 0,
      validation: null,
      images: { train: 1440, validation: 0, failed: 0 },
    };
    expect(model.file.provenance).toMatchObject({
      trainer: 'sealsight ensemble',
      members: 3,
      ranges: { measuredOn: { images: 1440 } },
      sources: [1, 2, 3].map((seed) => ({ provenance: { ...member, seed } })),
    });
    expect(model.file.activationRanges.imageScores).toBeGreaterThan(0);
  });

  it('runs unchanged through the packed CKKS plan and classifies the samples', async () => {
    const model = await loadModel(MODEL);
    const scoreScale = scoreScaleFor(model.file.activationRanges, DEFAULT_CKKS_PRESET);
    const plans = planPackedEnsemble(model.weights, 4096, { scoreScale });
    let right = 0;
    for (const sample of await samples()) {
      const reference = referenceChunkScores(model.weights, sample.chunks);
      const expected = aggregateImage(reference);
      const total = new Float64Array(NEU_CLASSES.length);
      BLOCK_PACKING_1024.pack(sample.chunks, 4096).forEach((packed, i) => {
        const blocks = Math.min(4, sample.chunks.length - 4 * i);
        for (const plan of plans) {
          const slots = simulatePackedCnn(plan, packed, blocks, { sumBlocks: true });
          readScores(plan, slots).forEach((v, c) => (total[c]! += v));
        }
      });
      const scale = Math.max(...expected.map(Math.abs));
      total.forEach((v, c) => expect(Math.abs(v - expected[c]!) / scale).toBeLessThan(1e-9));
      if (NEU_CLASSES[argmax(expected)] === sample.label) right++;
    }
    expect(right).toBeGreaterThanOrEqual(11); // of 12
  });
});
